"""Counter offices: operator submissions vs online citizen submissions, and the monthly settlement
statement over a million paid counter submissions.

Run by the orchestrator as `python -m bench.counters --out FILE --submissions 300 --settle-rows 1000000
--settle-runs 7 [--settle-sqlite]` with DABIR_DATABASE_URL set. Builds an agency with a desk (bench.world,
bench.desk.definition: a service offered online and at counters), an approved fee schedule for this
Jalali year (the counter's fee 50,000 rials), the service outsourced to every office, an office of
Khuzestan with an operator, and the province's regulator. Then:

  operator  the counter journey through the services, one at a time: start_visit (consent code by SMS),
            verify_visit (the code the citizen reads out), submit_request (a desk request on the counter
            channel with the fees in force: request, incoming letter, referral, SMS, submission row) and
            pay_by_card (payment row, on_paid hook: submission paid, settlement month) — timed whole,
            and its filing part (submit_request + pay_by_card) apart
  online    desk.services.submit_request(channel="online") for a citizen, alternated with the operator's,
            so both see the same database and load; the figure is operator filings per second ÷ online
            submissions per second

  settle    the monthly statement (settlement.statement(user=regulator, month=M): one GROUP BY over the
            month's paid submissions of the province, names read after) over --settle-rows submissions
            of month M in the province, bulk-inserted in SQL (generate_series on PostgreSQL, a recursive
            CTE on SQLite; not through the services), beside a fifth as many in other months and another
            province; --settle-runs timed runs after one warm-up, median and spread; the day statement and
            the close's canonical totals too. Skipped on SQLite unless --settle-sqlite.

Checks: every operator filing is paid with its month and its payment, every online submission made its
letter; the statement's totals equal a plain SUM over the same rows; the audit chain verifies.
"""

from __future__ import annotations

import random
import statistics
import time

from bench.common import (
    db_version,
    not_available,
    phase_args,
    ratio,
    setup_django,
    summary,
    write_result,
)

PROVINCE = "خوزستان"
COUNTER_FEE = 50_000
OFFICES = 200
AGENCIES = 8


def stats(latencies: list[float]) -> dict:
    total = sum(latencies)
    return {**summary(latencies), "per_s": round(len(latencies) / total, 1) if total else None}


# ---------------------------------------------------------------- the world


def build() -> dict:
    import datetime as dt

    from django.contrib.auth.hashers import make_password

    from bench.desk import definition
    from bench.world import make_world
    from dabir.accounts.models import User
    from dabir.core.jalali import to_jalali, today
    from dabir.counters.models import CounterService, Fee, FeeSchedule, Office, Regulator, Staff
    from dabir.desk import services as desk
    from dabir.desk.models import Category, DeskProfile
    from dabir.orgs.models import Assignment, Position

    w = make_world("counters")
    signer = User.objects.create(username=f"signer-{w.agency.code}", first_name="علی", last_name="مدیری",
                                 password=make_password(None))
    signer_pos = Position.objects.create(unit=w.unit, title="مدیرکل", code=f"S{w.agency.code}"[:32], can_sign=True,
                                         is_manager=True)
    Assignment.objects.create(user=signer, position=signer_pos, role=Assignment.Role.HOLDER)
    DeskProfile.objects.create(agency=w.agency, secretariat=w.secretariat, complaints_position=w.clerk_pos)
    for slug, name in (("building", "ساختمان"), ("business", "کسب و کار"), ("civil", "ثبت احوال"),
                       ("citizen", "خدمات شهروندی")):
        Category.objects.get_or_create(slug=slug, defaults={"name": name})
    d = definition(1, w.agency.code, w.expert_pos.code, signer_pos.code, random.Random(10))
    service = desk.publish_service(user=None, definition=d).service
    schedule = FeeSchedule.objects.create(year=to_jalali(today()).year, state=FeeSchedule.State.APPROVED,
                                          letter_fee_rials=15_000)
    Fee.objects.create(schedule=schedule, service=service, counter_fee_rials=COUNTER_FEE)
    CounterService.objects.create(service=service, outsourceable=True, offered=True, all_offices=True)
    office = Office.objects.create(
        code="70000", name="دفتر پیشخوان سنجش", province=PROVINCE, city="اهواز", address="اهواز، خیابان آزادی",
        licence_number="B-70000", holder_name="رضا دفترداری", holder_id="1234567891",
        licence_issued_on=today() - dt.timedelta(days=100), licence_expires_on=today() + dt.timedelta(days=300),
    )
    password = make_password(None)
    operator = User.objects.create(username="bench-operator", first_name="کاربر", last_name="باجه", password=password)
    Staff.objects.create(office=office, user=operator, role=Staff.Role.OPERATOR)
    regulator = User.objects.create(username="bench-regulator", first_name="ناظر", last_name="استان",
                                    password=password)
    Regulator.objects.create(user=regulator, province=PROVINCE)
    return {"world": w, "service": service, "office": office, "operator": operator, "regulator": regulator}


# ---------------------------------------------------------------- (a) operator vs online


def national_code(i: int) -> str:
    from dabir.core.validators import national_code_check_digit

    first = f"{(3_000_000 + i * 7919) % 1_000_000_000:09d}"
    return first + str(national_code_check_digit(first))


def filings(built: dict, n: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.corpus import Generator
    from dabir.accounts.models import OneTimeCode
    from dabir.accounts.services import purpose_hash
    from dabir.counters import services as counters
    from dabir.counters.models import Submission
    from dabir.desk import services as desk
    from dabir.desk.models import ServiceRequest

    gen = Generator(seed=41)
    service, operator = built["service"], built["operator"]
    code = "246810"

    def answers():
        return {"subject": gen.subject()[:200], "details": gen.body()[:2000]}

    def consent(i):
        """start_visit (timed by the caller) then the citizen's code made known (not timed)."""
        visit = counters.start_visit(user=operator, national_code=national_code(i), mobile=f"0935{i % 10_000_000:07d}",
                                     name="مریم احمدی")
        subject = f"visit:{visit.pk}"
        OneTimeCode.objects.filter(purpose=OneTimeCode.Purpose.COUNTER, subject=subject).update(
            code_hash=purpose_hash(purpose=OneTimeCode.Purpose.COUNTER, subject=subject, mobile=visit.mobile,
                                   code=code))
        return visit

    def operator_filing(i) -> tuple[float, float, object]:
        t0 = time.perf_counter()
        visit = counters.start_visit(user=operator, national_code=national_code(i), mobile=f"0935{i % 10_000_000:07d}",
                                     name="مریم احمدی")
        t_visit = time.perf_counter() - t0
        subject = f"visit:{visit.pk}"
        OneTimeCode.objects.filter(purpose=OneTimeCode.Purpose.COUNTER, subject=subject).update(
            code_hash=purpose_hash(purpose=OneTimeCode.Purpose.COUNTER, subject=subject, mobile=visit.mobile,
                                   code=code))
        t0 = time.perf_counter()
        visit = counters.verify_visit(user=operator, visit=visit, code=code)
        t_verify = time.perf_counter() - t0
        t0 = time.perf_counter()
        sub = counters.submit_request(user=operator, visit=visit, service=service, data=answers(),
                                      submission_key=f"bench-{i}", expected_total=COUNTER_FEE)
        sub = counters.pay_by_card(user=operator, submission=sub, reference=f"{10_000_000 + i}")
        t_file = time.perf_counter() - t0
        return t_visit + t_verify + t_file, t_file, sub

    def online(i):
        return desk.submit_request(service=service, channel="online", national_code=national_code(500_000 + i),
                                   mobile=f"0912{i % 10_000_000:07d}", data=answers(), applicant_name="سارا شهروند")

    # Warm-up of each, with their query counts.
    visit = counters.verify_visit(user=operator, visit=consent(n), code=code)
    with CaptureQueriesContext(connection) as q_file:
        sub = counters.submit_request(user=operator, visit=visit, service=service, data=answers())
        counters.pay_by_card(user=operator, submission=sub, reference="99999999")
    with CaptureQueriesContext(connection) as q_online:
        online(n)
    whole, filing, online_lat, made, requests = [], [], [], [], []
    for i in range(n):
        w, f, sub = operator_filing(i)
        whole.append(w)
        filing.append(f)
        made.append(sub.pk)
        t0 = time.perf_counter()
        requests.append(online(i).pk)
        online_lat.append(time.perf_counter() - t0)
    subs = Submission.objects.filter(pk__in=made)
    return {
        "operator_journey": stats(whole), "operator_filing": stats(filing), "online": stats(online_lat),
        "throughput_operator_vs_online": ratio(stats(whole)["per_s"], stats(online_lat)["per_s"]),
        "throughput_filing_vs_online": ratio(stats(filing)["per_s"], stats(online_lat)["per_s"]),
        "queries": {"filing": len(q_file.captured_queries), "online": len(q_online.captured_queries)},
        "filings": len(made),
        "paid": subs.filter(state=Submission.State.PAID, payment__isnull=False, month__isnull=False).count(),
        "with_letter": ServiceRequest.objects.filter(pk__in=requests, letter__isnull=False).count(),
        "counter_requests_with_letter": ServiceRequest.objects.filter(counter__in=made, letter__isnull=False).count(),
    }


# ---------------------------------------------------------------- (b) the settlement over a million rows


def bulk_insert(built: dict, rows: int, others: int) -> dict:
    """`rows` paid submissions of this month in the province's offices, `others` elsewhere (last month, and
    another province), in SQL. Fees vary by row: the agency's 0–60,000, the office's 20,000–40,000."""
    import datetime as dt

    from django.db import connection, transaction

    from dabir.core.jalali import TEHRAN
    from dabir.counters import settlement as S
    from dabir.counters.models import Office, Submission
    from dabir.orgs.models import Agency

    month = S.current_month()
    first, last = S.month_range(month)
    days = (last - first).days + 1
    previous = S.recent_months(2)[1]
    pfirst = S.month_range(previous)[0]
    with transaction.atomic():
        agencies = [built["world"].agency.pk] + [
            Agency.objects.create(name=f"دستگاه سنجش تسویه {i}", code=f"BS{i}", province=PROVINCE).pk
            for i in range(1, AGENCIES)]
        offices = [built["office"].pk] + [
            Office.objects.create(
                code=f"6{i:04d}", name=f"دفتر پیشخوان شماره {i}", province=PROVINCE if i < OFFICES else "فارس",
                city="اهواز", address="اهواز", licence_number=f"B-6{i:04d}", holder_name="دارنده",
                holder_id="1234567891", licence_issued_on=first, licence_expires_on=last + dt.timedelta(days=365),
            ).pk for i in range(1, OFFICES + 20)]
    table = Submission._meta.db_table
    operator = built["operator"].pk
    vendor = connection.vendor
    start = dt.datetime.combine(first, dt.time(9), tzinfo=TEHRAN)
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE bench_offices (i integer PRIMARY KEY, id integer)")
        cur.execute("CREATE TEMP TABLE bench_agencies (i integer PRIMARY KEY, id integer)")
        cur.executemany("INSERT INTO bench_offices VALUES (%s, %s)", list(enumerate(offices)))
        cur.executemany("INSERT INTO bench_agencies VALUES (%s, %s)", list(enumerate(agencies)))
        if vendor == "postgresql":
            series = "SELECT g FROM generate_series(%s, %s) AS g"
            moment = "%s::timestamptz + (g %% {days}) * interval '1 day' + (g %% 28800) * interval '1 second'"
            day = "%s::date + (g %% {days})::int"
        else:
            series = "WITH RECURSIVE s(g) AS (SELECT %s UNION ALL SELECT g + 1 FROM s WHERE g < %s) SELECT g FROM s"
            moment = ("strftime('%%Y-%%m-%%d %%H:%%M:%%f', %s, '+' || (g %% {days}) || ' days', "
                      "'+' || (g %% 28800) || ' seconds')")
            day = "date(%s, '+' || (g %% {days}) || ' days')"

        def insert(lo: int, hi: int, month_value: int, day_from: dt.date, n_offices: int, office_from: int):
            sql = (
                f"INSERT INTO {table} (office_id, operator_id, agency_id, kind, tracking_code, national_code, "
                "agency_fee_rials, counter_fee_rials, total_rials, state, method, paid_at, month, day, created_at) "
                f"SELECT o.id, %s, a.id, 'request', 'B' || g, '0000000000', (g %% 7) * 10000, "
                f"20000 + (g %% 5) * 5000, (g %% 7) * 10000 + 20000 + (g %% 5) * 5000, 'paid', 'card', "
                f"{moment.format(days=days)}, %s, {day.format(days=days)}, {moment.format(days=days)} "
                f"FROM ({series}) AS gs JOIN bench_offices o ON o.i = %s + gs.g %% %s "
                f"JOIN bench_agencies a ON a.i = (gs.g / {OFFICES}) %% {AGENCIES}"
            )
            when = start if month_value == month else dt.datetime.combine(day_from, dt.time(9), tzinfo=TEHRAN)
            on = day_from
            if vendor != "postgresql":  # SQLite keeps moments as UTC text, days as ISO text
                when = when.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
                on = day_from.isoformat()
            cur.execute(sql, [operator, when, month_value, on, when, lo, hi, office_from, n_offices])

        insert(1, rows, month, first, OFFICES, 0)  # this month, the province's offices
        half = others // 2
        if half:
            insert(rows + 1, rows + half, previous, pfirst, OFFICES, 0)  # last month, the same offices
            insert(rows + half + 1, rows + others, month, first, 19, OFFICES)  # this month, another province
    took = time.perf_counter() - t0
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(f"VACUUM ANALYZE {table}" if vendor == "postgresql" else f"ANALYZE {table}")
    return {"rows": rows, "others": others, "month": month, "previous": previous, "insert_s": round(took, 1),
            "analyze_s": round(time.perf_counter() - t0, 1), "offices": OFFICES, "agencies": AGENCIES}


def settle(built: dict, runs: int, month: int, rows: int) -> dict:
    from django.db import connection
    from django.db.models import Count, Sum

    from dabir.counters import settlement as S
    from dabir.counters.models import Submission

    user = built["regulator"]
    S.statement(user=user, month=month)  # warm-up (and caches)
    times, stmt = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        stmt = S.statement(user=user, month=month)
        times.append(time.perf_counter() - t0)
    day = S.month_range(month)[0]
    day_times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        S.statement(user=user, day=day)
        day_times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    canonical = S.canonical_totals(PROVINCE, month)
    canonical_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    csv_bytes = len(S.to_csv(stmt))
    xlsx_bytes = len(S.to_xlsx(stmt))
    export_s = time.perf_counter() - t0
    # The same sums by a plain aggregate: the statement adds up.
    plain = Submission.objects.filter(month=month, state="paid", office__province=PROVINCE).aggregate(
        n=Count("id"), t=Sum("total_rials"))
    plan = ""
    if connection.vendor == "postgresql":  # the statement's own GROUP BY, as it ran
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ran:
            S.statement(user=user, month=month)
        sql = next(q["sql"] for q in ran.captured_queries if "GROUP BY" in q["sql"])
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " + sql)
            plan = "\n".join(r[0] for r in cur.fetchall())
    median = statistics.median(times)
    return {
        "statement": {**summary(times), "median_ms": round(median * 1000, 1), "min_ms": round(min(times) * 1000, 1)},
        "day_statement": {**summary(day_times), "median_ms": round(statistics.median(day_times) * 1000, 1)},
        "canonical_totals_ms": round(canonical_s * 1000, 1), "exports_ms": round(export_s * 1000, 1),
        "csv_bytes": csv_bytes, "xlsx_bytes": xlsx_bytes,
        "lines": len(stmt.lines), "count": stmt.totals.count, "total_rials": stmt.totals.total_rials,
        "plain_count": plain["n"], "plain_total": int(plain["t"] or 0),
        "adds_up": stmt.totals.count == plain["n"] >= rows and stmt.totals.total_rials == int(plain["t"] or 0)
        and canonical["totals"]["total_rials"] == stmt.totals.total_rials
        and stmt.totals.total_rials == stmt.totals.agency_rials + stmt.totals.office_rials,
        "under_a_second": median < 1.0, "plan": plan,
    }


def main(argv=None) -> None:
    parser = phase_args(__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=300)
    parser.add_argument("--settle-rows", type=int, default=1_000_000)
    parser.add_argument("--settle-others", type=int, help="rows in other months and provinces (default a fifth)")
    parser.add_argument("--settle-runs", type=int, default=7)
    parser.add_argument("--settle-sqlite", action="store_true", help="time the settlement on SQLite too")
    args = parser.parse_args(argv)
    vendor = setup_django()
    try:
        from dabir.counters import services, settlement  # noqa: F401
        from dabir.counters.settlement import statement  # noqa: F401
    except ImportError as exc:
        not_available(args.out, f"the counter offices' settlement is not there: {exc}")
        return
    from django.core.management import call_command

    from dabir.core import audit

    call_command("createcachetable", verbosity=0)
    built = build()
    result = {"available": True, "db": vendor, "db_version": db_version(), "filings": filings(built,
                                                                                           args.submissions)}
    chain = audit.verify()
    result["audit_chain"] = {"ok": chain.ok, "checked": chain.checked, "reason": chain.reason}
    if vendor == "postgresql" or args.settle_sqlite:
        others = args.settle_others if args.settle_others is not None else args.settle_rows // 5
        loaded = bulk_insert(built, args.settle_rows, others)
        result["settlement"] = {"available": True, **loaded, **settle(built, args.settle_runs, loaded["month"],
                                                                      args.settle_rows)}
    else:
        result["settlement"] = {"available": False,
                                "reason": "the settlement over a million rows is timed on PostgreSQL (--settle-sqlite "
                                          "to time it on SQLite too)"}
    write_result(args.out, result)


def report(results: dict) -> str:
    from bench.common import fmt, table

    rows, notes = [], []
    for db, r in results.items():
        if not r.get("available"):
            rows.append([db, "not available: " + r.get("reason", ""), "", "", "", "", ""])
            continue
        f = r["filings"]
        for label, x, base in (
            ("online desk submit_request (baseline)", f["online"], f["online"]),
            ("operator: consent + submit + card", f["operator_journey"], f["online"]),
            ("operator: submit_request + pay_by_card", f["operator_filing"], f["online"]),
        ):
            rows.append([f"{db} {label}", x["n"], fmt(x["per_s"], "/s"), fmt(x["p50_ms"], " ms"),
                         fmt(x["p95_ms"], " ms"), fmt(ratio(x["per_s"], base["per_s"]), "×"), "serial, alternated"])
        s = r["settlement"]
        if s.get("available"):
            st = s["statement"]
            rows.append([f"{db} monthly statement over {s['rows']:,} paid rows", st["n"], "",
                         fmt(st["median_ms"], " ms"), fmt(st["p95_ms"], " ms"), "",
                         f"median of {st['n']}, min {st['min_ms']} ms"])
            ds = s["day_statement"]
            rows.append([f"{db} day statement (one day of that month)", ds["n"], "", fmt(ds["median_ms"], " ms"),
                         fmt(ds["p95_ms"], " ms"), "", ""])
            notes.append(
                f"{db}: {s['rows']:,} paid submissions of month {s['month']} in {s['offices']} offices × "
                f"{s['agencies']} agencies (+{s['others']:,} in another month and province) inserted in "
                f"{s['insert_s']} s; statement {s['lines']} lines, {s['count']:,} rows, {s['total_rials']:,} rials; "
                f"equal to a plain SUM: {'yes' if s['adds_up'] else 'NO'}; close's canonical totals "
                f"{s['canonical_totals_ms']} ms; CSV+Excel of the statement {s['exports_ms']} ms; "
                f"median under a second: {'yes' if s['under_a_second'] else 'NO'} (target < 1 s)")
        else:
            notes.append(f"{db}: settlement over a million rows skipped — {s.get('reason', '')}")
        notes.append(
            f"{db}: operator journeys per second ÷ online submissions per second "
            f"{fmt(f['throughput_operator_vs_online'], '×')} (filing part alone "
            f"{fmt(f['throughput_filing_vs_online'], '×')}); queries per filing (submit + card) "
            f"{f['queries']['filing']}, per online submission {f['queries']['online']}; {f['paid']}/{f['filings']} "
            f"filings paid with their month, {f['counter_requests_with_letter']}/{f['filings']} and "
            f"{f['with_letter']}/{f['filings']} requests registered as letters; audit chain verified: "
            f"{'yes' if r['audit_chain']['ok'] else 'NO ' + str(r['audit_chain']['reason'])}")
    head = ["operation", "n", "per second", "p50", "p95", "vs online", "how"]
    return "\n".join([table(head, rows), *notes, "(per second: n ÷ summed latency, one at a time)"])


if __name__ == "__main__":
    main()
