"""Suggested first recipients: accuracy on a generated history, and the cost of a suggestion.

Run by the orchestrator as `python -m bench.suggest --out FILE --letters 5000 --requests 50` with
DABIR_DATABASE_URL set. Generates a secretariat's history of incoming letters (`generate`: each unit
has its senders and subject words; letters stray to another unit or carry another unit's word with
some noise), writes it as registered letters with their first referral (`fill`), then:
- accuracy: `letters.suggestions.evaluate` on the most recent 20 % held back (top-1 and top-3 against
  the baseline «always the most frequent position»), as `dabir letters suggest-report` prints it;
- cost: GET of the suggestions partial (what the register page asks while the clerk types) and the
  SQL queries it runs, against the register page itself.

The generator is also used by tests/letters/test_suggestions.py (imported as bench.suggest).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass

from bench.common import db_version, not_available, phase_args, ratio, setup_django, summary, write_result

COMMON_WORDS = "درخواست گزارش بررسی پیگیری اعلام نظر ارسال تمدید".split()

# Each unit: its name, the position first referred to, its subject words and its usual senders.
UNITS = [
    ("دفتر مدیرکل", "مدیرکل", "جلسه شورا هماهنگی دستور بازدید عملکرد برنامه سفر",
     ["استانداری خوزستان", "فرمانداری اهواز", "دفتر نماینده مجلس"]),
    ("امور مالی", "مدیر امور مالی", "پرداخت صورت‌حساب بودجه اعتبارات تخصیص مطالبات ضمانت‌نامه تعدیل",
     ["سازمان مدیریت و برنامه‌ریزی", "اداره کل امور اقتصادی و دارایی", "دیوان محاسبات استان", "بانک ملی شعبه مرکزی"]),
    ("منابع انسانی", "مدیر منابع انسانی", "استخدام مرخصی ماموریت بازنشستگی انتصاب ارزشیابی رفاهی بیمه",
     ["سازمان تامین اجتماعی", "صندوق بازنشستگی کشوری", "سازمان اداری و استخدامی"]),
    ("امور حقوقی", "مدیر امور حقوقی", "شکایت دادخواست دعوی رای ابلاغیه دادگاه لایحه وکالت",
     ["دادگستری استان", "دیوان عدالت اداری", "سازمان بازرسی استان"]),
    ("فناوری اطلاعات", "مدیر فناوری اطلاعات", "سامانه نرم‌افزار شبکه رایانه امنیت سرور اینترنت پشتیبانی",
     ["شرکت مخابرات ایران", "سازمان فناوری اطلاعات", "مرکز ملی فضای مجازی"]),
    ("معاونت عمرانی", "معاون عمرانی", "پروژه پیمانکار مناقصه ساختمان تعمیرات آسفالت صورت‌وضعیت نقشه",
     ["اداره کل راه و شهرسازی", "شهرداری دزفول", "بنیاد مسکن", "سازمان نظام مهندسی"]),
    ("روابط عمومی", "مدیر روابط عمومی", "همایش مراسم رسانه خبرنگار اطلاع‌رسانی نمایشگاه تبلیغات مصاحبه",
     ["صدا و سیمای مرکز خوزستان", "خبرگزاری ایرنا", "اداره کل فرهنگ و ارشاد"]),
    ("حراست", "مدیر حراست", "حفاظت گزینش اسناد تردد نگهبانی دوربین کارت",
     ["اداره کل حراست استانداری", "پلیس امنیت عمومی"]),
]
# Senders that write to every unit alike (citizens, other agencies on anything).
STRAY_SENDERS = ["شهروند متقاضی", "اداره کل بهزیستی", "شرکت آب و فاضلاب", "دانشگاه شهید چمران"]


@dataclass(frozen=True)
class Row:
    sender: str
    subject: str
    unit: int  # index into UNITS: where the letter went first
    days_ago: float


def _zipf(n: int, s: float = 0.8) -> list[float]:
    return [1 / (rank + 1) ** s for rank in range(n)]


def generate(n: int, *, seed: int = 1405, noise: float = 0.15, days: int = 730) -> list[Row]:
    """n letters, newest first: a unit (sizes uneven), one of its senders (else a stray one), two or three
    of its words with a common word; with probability `noise` the letter went to a random unit instead,
    and with the same probability its subject carries a word of another unit."""
    rnd = random.Random(seed)
    unit_w = _zipf(len(UNITS), 0.6)
    rows = []
    for _ in range(n):
        unit = rnd.choices(range(len(UNITS)), weights=unit_w)[0]
        _name, _title, words, senders = UNITS[unit]
        words = words.split()
        sender = rnd.choice(senders) if rnd.random() < 0.8 else rnd.choice(STRAY_SENDERS)
        subject = rnd.choices(words, weights=_zipf(len(words)), k=rnd.randint(1, 3))
        subject.insert(0, rnd.choice(COMMON_WORDS))
        if rnd.random() < noise:
            subject.append(rnd.choice(UNITS[rnd.randrange(len(UNITS))][2].split()))
        if rnd.random() < noise:
            unit = rnd.randrange(len(UNITS))
        rows.append(Row(sender=sender, subject=" ".join(dict.fromkeys(subject)), unit=unit,
                        days_ago=rnd.uniform(0, days)))
    rows.sort(key=lambda r: r.days_ago)
    return rows


def make_units(agency) -> list:
    """One unit and its first-referral position per entry of UNITS, in the agency; returns the positions."""
    import secrets

    from dabir.orgs.models import Position, Unit

    positions = []
    for name, title, _words, _senders in UNITS:
        unit, _ = Unit.objects.get_or_create(agency=agency, name=name)
        positions.append(Position.objects.create(unit=unit, title=title, code=f"S{secrets.token_hex(6)}"))
    return positions


def fill(*, secretariat, series, clerk, clerk_pos, positions: list, rows: list[Row],
         now: dt.datetime | None = None, classified_every: int = 0) -> int:
    """The rows as registered incoming letters of the secretariat, each with its first referral (unread)
    from the clerk's position to the row's unit, and the access rows the services would write."""
    from django.db import transaction
    from django.db.models import Max
    from django.utils import timezone

    from dabir.core.jalali import jalali_year
    from dabir.core.text import normalize
    from dabir.letters.models import Access, Channel, Classification, Kind, Letter, Referral, Status
    from dabir.orgs.models import NumberCounter

    now = now or timezone.now()
    counters: dict = {}
    with transaction.atomic():
        letters = []
        for i, row in enumerate(rows):
            at = now - dt.timedelta(days=row.days_ago)
            year = jalali_year(at)
            if year not in counters:  # after the series' numbers already taken that year
                counters[year] = NumberCounter.objects.filter(series=series, year=year).aggregate(m=Max("last"))["m"] or 0
            counters[year] = seq = counters[year] + 1
            classified = bool(classified_every) and i % classified_every == classified_every - 1
            letters.append(Letter(
                kind=Kind.INCOMING, status=Status.REGISTERED, agency_id=secretariat.agency_id,
                secretariat=secretariat, series=series, year=year, seq=seq, number=series.format(year=year, seq=seq),
                registered_at=at, registered_by=clerk, subject=row.subject, sender_name=row.sender,
                classification=Classification.CONFIDENTIAL if classified else Classification.UNCLASSIFIED,
                created_by=clerk, channel=Channel.POST, received_at=at, created_at=at,
                search_text=normalize(f"{row.subject} {row.sender}"),
            ))
        Letter.objects.bulk_create(letters, batch_size=500)
        refs, access = [], []
        for letter, row in zip(letters, rows, strict=True):
            target = positions[row.unit]
            refs.append(Referral(letter=letter, from_position=clerk_pos, from_user=clerk, to_position=target,
                                 created_at=letter.registered_at + dt.timedelta(minutes=5)))
            access += [Access(letter=letter, position=target, reason=Access.Reason.CHAIN),
                       Access(letter=letter, position=clerk_pos, reason=Access.Reason.CHAIN)]
        Referral.objects.bulk_create(refs, batch_size=500)
        Access.objects.bulk_create(access, batch_size=1000)
        # The series' counters move past the numbers used, so a letter registered later takes the next one.
        for year, last in counters.items():
            NumberCounter.objects.update_or_create(series=series, year=year, defaults={"last": last})
    return len(letters)


def measure(client, url: str, n: int) -> tuple[list[float], int, int]:
    client.get(url)  # warm up
    times, status, size = [], 0, 0
    for _ in range(n):
        t0 = time.perf_counter()
        resp = client.get(url)
        times.append(time.perf_counter() - t0)
        status, size = resp.status_code, len(resp.content)
    return times, status, size


def main(argv=None) -> None:
    parser = phase_args(__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--noise", type=float, default=0.15)
    args = parser.parse_args(argv)
    vendor = setup_django()
    from urllib.parse import urlencode

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    try:
        suggest_url, page_url = reverse("suggest_recipients"), reverse("register_incoming")
    except NoReverseMatch as exc:
        return not_available(args.out, f"the suggestions are not routed yet ({exc})")
    from bench.world import make_world
    from dabir.letters import suggestions

    world = make_world("suggest")
    positions = make_units(world.agency)
    rows = generate(args.letters, noise=args.noise)
    t0 = time.perf_counter()
    fill(secretariat=world.secretariat, series=world.incoming, clerk=world.clerk, clerk_pos=world.clerk_pos,
         positions=positions, rows=rows)
    fill_s = time.perf_counter() - t0
    with connection.cursor() as cur:
        cur.execute("ANALYZE")

    t0 = time.perf_counter()
    history = suggestions.history(world.secretariat.id, limit=args.letters)
    acc = suggestions.evaluate(history, holdout=0.2)
    eval_s = time.perf_counter() - t0

    # A typical typed letter: a known sender of the finance unit, two of its words.
    _name, _title, words, senders = UNITS[1]
    query = urlencode({"secretariat": world.secretariat.id, "sender_name": senders[0],
                       "subject": " ".join(["درخواست", *words.split()[:2]])})
    client = Client()
    client.force_login(world.clerk)
    sugg_t, st1, size1 = measure(client, f"{suggest_url}?{query}", args.requests)
    page_t, st2, size2 = measure(client, page_url, args.requests)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(f"{suggest_url}?{query}").content.decode()
    first_is_finance = page.find(UNITS[1][1]) != -1 and (
        page.find(UNITS[1][1]) < min((page.find(u[1]) for u in UNITS if u[1] != UNITS[1][1] and u[1] in page),
                                     default=len(page)))
    s1, s2 = summary(sugg_t), summary(page_t)
    write_result(args.out, {
        "available": True, "db": vendor, "db_version": db_version(), "letters": len(rows), "fill_seconds": round(fill_s, 1),
        "history": settings_history(), "accuracy": {
            "trained_on": acc.trained_on, "tested": acc.tested, "top1": round(acc.top1_rate, 3),
            "top3": round(acc.top3_rate, 3), "baseline": round(acc.baseline_rate, 3), "seconds": round(eval_s, 2)},
        "suggest": {**s1, "status": st1, "bytes": size1}, "register_page": {**s2, "status": st2, "bytes": size2},
        "queries_suggest": len(ctx.captured_queries), "first_is_expected": first_is_finance,
        "ratio_suggest_vs_page_p50": ratio(s1["p50_ms"], s2["p50_ms"]),
    })


def settings_history() -> int:
    from django.conf import settings

    return settings.DABIR_SUGGEST_HISTORY


def report(results: dict) -> str:
    from bench.common import fmt, table

    rows, notes = [], []
    for db, r in results.items():
        if not r.get("available"):
            rows.append([db, r.get("reason", "not available"), "", "", "", "", ""])
            continue
        base = r["register_page"]["p50_ms"]
        for label, key in (("suggestions partial", "suggest"), ("register page (baseline)", "register_page")):
            x = r[key]
            rows.append([f"{db} {label}", x["n"], x["status"], fmt(x["p50_ms"], " ms"), fmt(x["p95_ms"], " ms"),
                         f"{x['bytes']:,} B", fmt(ratio(x["p50_ms"], base), "×")])
        a = r["accuracy"]
        notes.append(f"{db}: {r['letters']:,} generated letters (filled in {r['fill_seconds']} s), the newest "
                     f"{r['history']:,} learned per suggestion; {r['queries_suggest']} SQL queries per suggestion; "
                     f"expected position first: {'yes' if r['first_is_expected'] else 'NO'}")
        notes.append(f"{db}: held-back {a['tested']:,} of {a['tested'] + a['trained_on']:,}: top-1 {a['top1']:.1%}, "
                     f"top-3 {a['top3']:.1%}, baseline (most frequent position) {a['baseline']:.1%}")
    head = ["request", "n", "status", "p50", "p95", "size", "p50 vs page"]
    return "\n".join([table(head, rows), *notes])


if __name__ == "__main__":
    main()
