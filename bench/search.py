"""Search latency over generated Persian letters, against a primary-key lookup in the same run.

Run by the orchestrator as `python -m bench.search --out FILE --letters 1000000 --queries 200`
with DABIR_DATABASE_URL set (100,000 on SQLite). Letters are COPYed on PostgreSQL (the search
table's triggers index them) and bulk-created on SQLite (the FTS5 triggers index them), then
VACUUM ANALYZE / ANALYZE run (as autovacuum would) and the secretariat's clerk searches with
dabir.letters.search.search_letters(user, q=...)[:25].

Baselines measured right after, on the same data: Letter.objects.get(pk=...) and a naive
`search_text__contains` scan (same words, same visibility filter and order).
"""

from __future__ import annotations

import itertools
import random
import time
from enum import Enum

from bench.common import db_version, not_available, phase_args, ratio, setup_django, summary, write_result


def generate(world, n: int) -> dict:
    """n letters in world's secretariat: COPY on PostgreSQL (the search table's INSERT trigger indexes
    each COPY in one statement), big bulk_create batches on SQLite (its FTS5 triggers index them)."""
    from django.db import connection
    from django.utils import timezone

    from bench.corpus import Generator, letter_rows, letter_values

    gen, now = Generator(), timezone.now()
    t0 = time.perf_counter()
    if connection.vendor == "postgresql":
        made = _copy(letter_values(world, n, gen, now=now), n, now=now)
    else:
        made = _bulk_create(letter_rows(world, n, gen, now=now), n)
    took = time.perf_counter() - t0
    t1 = time.perf_counter()
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # What autovacuum does after a large insert (hint bits, visibility map, statistics).
            tables = connection.introspection.table_names(cur)
            for table in ("letters_letter", "letters_letter_search"):
                if table in tables:
                    cur.execute(f"VACUUM (ANALYZE) {table}")
        cur.execute("ANALYZE")
    return {"letters": made, "seconds": round(took, 1), "letters_per_s": round(made / took),
            "analyze_s": round(time.perf_counter() - t1, 1)}


def _bulk_create(rows, n: int, batch: int = 5000) -> int:
    from django.db import transaction

    from dabir.letters.models import Letter

    made = 0
    while made < n:
        chunk = [next(rows) for _ in range(min(batch, n - made))]
        with transaction.atomic():
            Letter.objects.bulk_create(chunk, batch_size=500)
        made += len(chunk)
    return made


def _copy(values, n: int, *, now, batch: int = 50000) -> int:
    """COPY the letters in transactions of `batch` rows; columns the generator leaves out get the
    model's defaults (a fresh uid each)."""
    import uuid

    from django.db import connection, transaction

    from dabir.letters.models import Letter

    first = next(values)
    fields = [f for f in Letter._meta.concrete_fields if not f.primary_key]
    given = [f.attname for f in fields if f.attname in first]
    fixed = {}
    for f in fields:
        if f.attname in first or f.attname == "uid":
            continue
        if f.attname == "updated_at":
            fixed[f.attname] = now
        elif f.has_default():
            default = f.get_default()
            fixed[f.attname] = default.value if isinstance(default, Enum) else default
        else:
            fixed[f.attname] = None if f.null else ""
    columns = ", ".join(connection.ops.quote_name(Letter._meta.get_field(a).column)
                        for a in ["uid", *given, *fixed])
    tail = list(fixed.values())
    rows = itertools.chain([first], values)
    made = 0
    while made < n:
        size = min(batch, n - made)
        with (transaction.atomic(), connection.cursor() as cur,
              cur.cursor.copy(f"COPY letters_letter ({columns}) FROM STDIN") as copy):
            for row in itertools.islice(rows, size):
                copy.write_row([uuid.uuid4(), *(row[a] for a in given), *tail])
        made += size
    return made


def main(argv=None) -> None:
    parser = phase_args(__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=1000000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--naive", type=int, default=50, help="queries also run as a naive scan (0: none)")
    args = parser.parse_args(argv)
    vendor = setup_django()
    try:
        from dabir.letters.search import normalize_query, search_letters
    except ImportError as exc:
        return not_available(args.out, f"dabir.letters.search.search_letters is missing ({exc})")

    from django.db.models.functions import Coalesce

    from bench.corpus import Generator
    from bench.world import make_world
    from dabir.letters.models import Letter
    from dabir.letters.selectors import visible_letters

    world = make_world("search")
    gen_stats = generate(world, args.letters)
    user = world.clerk
    qgen = Generator(seed=7)
    queries = [qgen.query() for _ in range(args.queries)]

    def run(q):
        return list(search_letters(user, q=q)[:25])

    for q in queries[:10]:  # warm caches and connections
        run(q)
    times, hits, empty = [], [], 0
    per_query = []
    for q in queries:
        t0 = time.perf_counter()
        found = run(q)
        dt_ = time.perf_counter() - t0
        times.append(dt_)
        hits.append(len(found))
        empty += not found
        per_query.append((dt_, q, len(found)))

    ids = list(Letter.objects.filter(agency=world.agency).values_list("id", flat=True))
    rnd = random.Random(3)
    pk_times = []
    for _ in range(max(200, args.queries)):
        pk = rnd.choice(ids)
        t0 = time.perf_counter()
        Letter.objects.get(pk=pk)
        pk_times.append(time.perf_counter() - t0)

    naive_times, agree = [], 0
    for q in queries[: args.naive]:
        qs = visible_letters(user)
        for w in normalize_query(q):
            qs = qs.filter(search_text__contains=w)
        qs = qs.order_by(Coalesce("registered_at", "created_at").desc(), "-id")
        t0 = time.perf_counter()
        found = list(qs[:25])
        naive_times.append(time.perf_counter() - t0)
        # Prefix matching (the index) finds at least what substring matching finds for whole words.
        agree += len(found) <= 25 and bool(found) == bool(run(q))

    s, pk, nv = summary(times), summary(pk_times), summary(naive_times)
    slowest = sorted(per_query, reverse=True)[:5]
    # The plan of the slowest query, to explain it rather than guess.
    explain_kw = {"analyze": True, "buffers": True} if vendor == "postgresql" else {}
    plan = search_letters(user, q=slowest[0][1])[:25].explain(**explain_kw) if slowest else ""
    write_result(args.out, {
        "available": True, "db": vendor, "db_version": db_version(), "generation": gen_stats,
        "queries": len(queries), "search": s, "pk_lookup": pk, "naive_contains": nv,
        "naive_queries": len(naive_times), "naive_same_emptiness": agree,
        "mean_hits": round(sum(hits) / len(hits), 1), "empty_results": empty,
        "ratio_search_p50_vs_pk_p50": ratio(s["p50_ms"], pk["p50_ms"]),
        "ratio_naive_p50_vs_search_p50": ratio(nv["p50_ms"], s["p50_ms"]),
        "slowest": [{"ms": round(t * 1000, 1), "q": q, "hits": h} for t, q, h in slowest],
        "sample_queries": queries[:12], "slowest_plan": plan,
    })


def report(results: dict) -> str:
    from bench.common import fmt, table

    rows, notes = [], []
    for db, r in results.items():
        if not r.get("available"):
            rows.append([db, r.get("reason", "not available"), "", "", "", ""])
            continue
        g = r["generation"]
        base = r["pk_lookup"]["p50_ms"]
        for label, key in (("search_letters[:25]", "search"), ("pk lookup (baseline)", "pk_lookup"),
                           ("naive contains scan", "naive_contains")):
            x = r[key]
            rows.append([f"{db} {label}", x["n"], fmt(x["p50_ms"], " ms"), fmt(x["p95_ms"], " ms"),
                         fmt(x["max_ms"], " ms"), fmt(ratio(x["p50_ms"], base), "×")])
        notes.append(
            f"{db}: {g['letters']:,} letters generated in {g['seconds']} s ({g['letters_per_s']:,}/s, ANALYZE "
            f"{g['analyze_s']} s); mean hits {r['mean_hits']} of 25; {r['empty_results']} of {r['queries']} "
            f"queries found nothing; slowest: "
            + "; ".join(f"{x['q']!r} {x['ms']} ms" for x in r["slowest"][:3])
        )
    head = ["query", "n", "p50", "p95", "max", "p50 vs pk p50"]
    return "\n".join([table(head, rows), *notes])


if __name__ == "__main__":
    main()
