"""Inbox page latency with one position's inbox full, against the sign-in page in the same run.

Run by the orchestrator as `python -m bench.inbox --out FILE --letters 10000 --requests 50` with
DABIR_DATABASE_URL set. Bulk-creates the letters, one open referral each to one position (with
the Access rows the services would write), signs its holder in with the Django test Client and
GETs the inbox page ("/", URL name `inbox`): the first page and a deep page (?page=200), each
`--requests` times. Baseline: GET of the sign-in page. In-process (no network, no WSGI server):
this is the cost of the view, its queries and its template.
"""

from __future__ import annotations

import time

from bench.common import db_version, not_available, phase_args, ratio, setup_django, summary, write_result


def fill_inbox(world, n: int, batch: int = 2000) -> dict:
    import datetime as dt

    from django.db import connection, transaction
    from django.utils import timezone

    from bench.corpus import Generator, letter_rows
    from dabir.letters.models import Access, Action, Letter, Referral, ReferralStatus

    gen = Generator(seed=11)
    rnd = gen.rnd
    now = timezone.now()
    rows = letter_rows(world, n, gen, now=now)
    actions = [Action.ACTION, Action.INFORMATION, Action.REPLY]
    t0 = time.perf_counter()
    made = 0
    while made < n:
        letters = [next(rows) for _ in range(min(batch, n - made))]
        with transaction.atomic():
            Letter.objects.bulk_create(letters, batch_size=500)
            refs, access = [], []
            for letter in letters:
                at = letter.registered_at + dt.timedelta(minutes=rnd.randint(1, 600))
                refs.append(Referral(
                    letter=letter, from_position=world.clerk_pos, from_user=world.clerk,
                    to_position=world.expert_pos, action=rnd.choice(actions), note="لطفا بررسی و اقدام شود",
                    deadline=(at + dt.timedelta(days=rnd.randint(-20, 30))).date(),
                    status=rnd.choice([ReferralStatus.UNREAD, ReferralStatus.READ]), created_at=at,
                    urgency=letter.urgency,
                ))
                access += [Access(letter=letter, position=world.expert_pos, reason=Access.Reason.CHAIN),
                           Access(letter=letter, position=world.clerk_pos, reason=Access.Reason.CHAIN)]
            Referral.objects.bulk_create(refs, batch_size=500)
            Access.objects.bulk_create(access, batch_size=1000)
        made += len(letters)
    took = time.perf_counter() - t0
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return {"letters": made, "seconds": round(took, 1)}


def measure(client, url: str, n: int) -> tuple[list[float], int, int]:
    client.get(url)  # warm up
    times = []
    status = size = 0
    for _ in range(n):
        t0 = time.perf_counter()
        resp = client.get(url)
        times.append(time.perf_counter() - t0)
        status, size = resp.status_code, len(resp.content)
    return times, status, size


def main(argv=None) -> None:
    parser = phase_args(__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=10000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--page", type=int, default=200)
    args = parser.parse_args(argv)
    vendor = setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    try:
        inbox_url, login_url = reverse("inbox"), reverse("login")
    except NoReverseMatch as exc:
        return not_available(args.out, f"the inbox page is not routed yet ({exc})")
    try:
        from dabir.letters.views import PAGE_SIZE
    except ImportError:
        PAGE_SIZE = 25

    from bench.world import make_world

    world = make_world("inbox")
    fill = fill_inbox(world, args.letters)
    deep = max(1, min(args.page, -(-args.letters // PAGE_SIZE)))

    client = Client()
    client.force_login(world.expert)
    first, st1, size1 = measure(client, inbox_url, args.requests)
    deep_t, st2, size2 = measure(client, f"{inbox_url}?page={deep}", args.requests)
    with CaptureQueriesContext(connection) as ctx:
        client.get(inbox_url)
    queries = len(ctx.captured_queries)
    # Which of the page's queries cost the most (Django records each one's time here).
    slow_sql = sorted(
        ({"s": float(q["time"]), "sql": q["sql"][:300]} for q in ctx.captured_queries), key=lambda q: -q["s"]
    )[:3]
    anon = Client()
    login_t, st3, size3 = measure(anon, login_url, args.requests)
    # The first page must list the newest referral's subject: a page that renders nothing is no result.
    newest = (world.expert_pos.referrals.select_related("letter").order_by("-created_at", "-id").first())
    page = client.get(inbox_url).content.decode()
    from django.utils.html import escape

    shows_newest = newest is not None and escape(newest.letter.subject) in page

    s1, s2, s3 = summary(first), summary(deep_t), summary(login_t)
    write_result(args.out, {
        "available": True, "db": vendor, "db_version": db_version(), "fill": fill, "page_size": PAGE_SIZE,
        "deep_page": deep, "first_page": {**s1, "status": st1, "bytes": size1},
        "deep": {**s2, "status": st2, "bytes": size2}, "login_page": {**s3, "status": st3, "bytes": size3},
        "queries_first_page": queries, "slowest_queries_first_page": slow_sql,
        "first_page_shows_newest": shows_newest,
        "ratio_first_vs_login_p50": ratio(s1["p50_ms"], s3["p50_ms"]),
        "ratio_deep_vs_login_p50": ratio(s2["p50_ms"], s3["p50_ms"]),
    })


def report(results: dict) -> str:
    from bench.common import fmt, table

    rows, notes = [], []
    for db, r in results.items():
        if not r.get("available"):
            rows.append([db, r.get("reason", "not available"), "", "", "", "", ""])
            continue
        base = r["login_page"]["p50_ms"]
        for label, key in (("inbox first page", "first_page"), (f"inbox ?page={r['deep_page']}", "deep"),
                           ("sign-in page (baseline)", "login_page")):
            x = r[key]
            rows.append([f"{db} {label}", x["n"], x["status"], fmt(x["p50_ms"], " ms"), fmt(x["p95_ms"], " ms"),
                         f"{x['bytes']:,} B", fmt(ratio(x["p50_ms"], base), "×")])
        notes.append(f"{db}: {r['fill']['letters']:,} letters + referrals + access rows in {r['fill']['seconds']} s; "
                     f"{r['queries_first_page']} SQL queries for the first page; newest referral shown: "
                     f"{'yes' if r['first_page_shows_newest'] else 'NO'}")
        for q in r.get("slowest_queries_first_page", [])[:2]:
            notes.append(f"  {q['s'] * 1000:.0f} ms: {q['sql'][:160]}")
    head = ["page", "n", "status", "p50", "p95", "size", "p50 vs sign-in"]
    return "\n".join([table(head, rows), *notes])


if __name__ == "__main__":
    main()
