"""Supervision: the dashboard, the ranking export and the one-agency page over ten million letters, against
the same figures counted straight from the letters; the rebuild of the figure tables, and their refresh
after 10,000 new letters.

Run by the orchestrator as `python -m bench.stats --out FILE --letters 10000000 --requests 50
--new-letters 10000 --agencies 60` with DABIR_DATABASE_URL set (200,000 letters on SQLite). Builds 60
agencies (40 in Khuzestan, 10 in Fars, 10 in Isfahan), each with a unit, a secretariat with incoming/outgoing/internal series, a clerk, three
managers (who sign) and an expert holding positions, two thirds of them members of the exchange network;
a national supervisor, Khuzestan's supervisor (stats.models.Supervisor) and one agency's manager. Then,
in SQL (INSERT … SELECT over generate_series on PostgreSQL, a recursive CTE on SQLite, in chunks of
1,000,000 rows; not through the services, and with the search table's insert trigger off on PostgreSQL:
supervision never reads it):

  letters     --letters over last Jalali year and this one up to yesterday, during working hours: half
              incoming, 35 % outgoing (90 % of them dispatched), 15 % internal, 0.5 % void; channels
              electronic at a share of 20–95 % that differs by agency; numbers per series and year gapless
              (seq from the row's place in a fixed pattern of slots); a third of incoming letters from
              another agency, two in five outgoing ones addressed to one
  referrals   three letters in ten, from a manager or the clerk to the expert, read after up to two days
              (one in seven never), acted on after up to three more (one in four not), half with a deadline
  prints      one letter in five, 1–4 pages × 1–3 copies, by the clerk, a manager or the expert

Then VACUUM ANALYZE of those tables (what autovacuum does after such a load), `stats.aggregate.rebuild()`
over everything (timed once: what an operator pays after an upgrade) and VACUUM ANALYZE of the figures. Timed, after one warm-up each, --requests runs through Django's test Client
against the real database: the dashboard of this Jalali year for the national supervisor (60
agencies) and for the province's (40), the ranking's Excel export, and the one-agency page for its
manager. Until the pages exist, the selectors the pages call are timed instead (ranking + trend;
figures + ranking + trend + printers for one agency), and the result says so. Baseline in the same
run: the same letter counts straight from the letters table (one GROUP BY agency, kind, channel over
the year's letters), the aggregates-to-plain ratio printed.

Refresh: 10,000 letters of today (with their referrals and prints) inserted in SQL across the agencies
and their (agency, day) pairs marked as the signals would (`aggregate.mark`), after 20 letters
registered through `letters.services.register_incoming` whose signals must have marked their day;
`aggregate.refresh()` timed until no Dirty row is left.

Checks: the dashboard's letter counts equal the plain count per agency for the year; a sample month
refreshed (every day marked dirty) gives the very rows the rebuild wrote; today's refreshed rows equal
a rebuild of today.
"""

from __future__ import annotations

import datetime as dt
import time

from bench.common import db_version, not_available, phase_args, ratio, setup_django, summary, write_result

PROVINCES = ["خوزستان", "فارس", "اصفهان"]  # two thirds of the agencies in the first, a sixth in each other
SLOTS = 20  # a pattern of 20 letters per agency: 10 incoming, 7 outgoing, 3 internal
KINDS = (("incoming", 0, 10, "s_in", "و"), ("outgoing", 10, 7, "s_out", "ص"), ("internal", 17, 3, "s_int", "د"))
CHUNK = 1_000_000
OTHERS = "شهروند"


# ---------------------------------------------------------------- the world


def build(count: int = 60) -> dict:
    from django.contrib.auth.hashers import make_password

    from dabir.accounts.models import User
    from dabir.exchange.models import Member
    from dabir.orgs.models import Agency, Assignment, NumberSeries, Position, Secretariat, Unit
    from dabir.stats.models import Level, Supervisor

    password = make_password(None)
    agencies = []
    n = 0
    others = count // 6
    for province, size in zip(PROVINCES, (count - 2 * others, others, others), strict=True):
        for k in range(size):
            n += 1
            name = f"اداره کل سنجش {n} استان {province}" if k else f"استانداری {province} (سنجش)"
            agency = Agency.objects.create(name=name, code=f"ST{n:03d}", province=province)
            unit = Unit.objects.create(agency=agency, name="دفتر مدیرکل")
            sec = Secretariat.objects.create(agency=agency, name="دبیرخانه مرکزی", code="DM")
            series = {kind: NumberSeries.objects.create(secretariat=sec, name=kind, code=code, kinds=[kind]).pk
                      for kind, _, _, _, code in KINDS}
            users, positions = {}, {}
            for role, title, manager in (("clerk", "کارمند دبیرخانه", False), ("m1", "مدیرکل", True),
                                         ("m2", "معاون", True), ("m3", "مدیر اداره", True),
                                         ("expert", "کارشناس", False)):
                users[role] = User.objects.create(username=f"st{n}-{role}", first_name="کاربر", last_name=title,
                                                  password=password)
                positions[role] = Position.objects.create(unit=unit, title=title, code=f"ST{n}{role}",
                                                          is_manager=manager, can_sign=manager)
                Assignment.objects.create(user=users[role], position=positions[role],
                                          role=Assignment.Role.HOLDER)
            sec.clerks.add(users["clerk"])
            if n % 3:
                Member.objects.create(code=f"st-{n}", name=name, agency=agency)
            agencies.append({"agency": agency, "sec": sec, "series": series, "users": users,
                             "positions": positions, "e": 200 + (n * 137) % 751})  # electronic per mille
    national = User.objects.create(username="st-national", first_name="ناظر", last_name="کشوری", password=password)
    province = User.objects.create(username="st-province", first_name="ناظر", last_name="استان", password=password)
    office = agencies[0]["agency"]
    Supervisor.objects.create(user=national, level=Level.NATIONAL, office=office)
    Supervisor.objects.create(user=province, level=Level.PROVINCE, province=PROVINCES[0], office=office)
    return {"agencies": agencies, "national": national, "province": province,
            "manager": agencies[1]["users"]["m1"], "managed": agencies[1]["agency"]}


def agency_table(cur, built: dict) -> None:
    """A temporary table of each agency's ids by its place i, which the generating SQL joins."""
    rows = []
    count = len(built["agencies"])
    for i, a in enumerate(built["agencies"]):
        other = built["agencies"][(i * 7 + 1) % count]["agency"].name
        u, p = a["users"], a["positions"]
        rows.append([i, a["agency"].pk, a["sec"].pk, a["series"]["incoming"], a["series"]["outgoing"],
                     a["series"]["internal"], u["clerk"].pk, p["clerk"].pk, u["m1"].pk, p["m1"].pk, u["expert"].pk,
                     p["expert"].pk, a["e"], other])
    cur.execute("CREATE TEMP TABLE bench_agencies (i integer PRIMARY KEY, id integer, sec integer, s_in integer, "
                "s_out integer, s_int integer, clerk integer, clerk_pos integer, mgr integer, mgr_pos integer, "
                "expert integer, expert_pos integer, e integer, other varchar(200))")
    cur.executemany("INSERT INTO bench_agencies VALUES (" + ", ".join(["%s"] * 14) + ")", rows)
    if cur.db.vendor == "postgresql":
        cur.execute("CREATE INDEX ON bench_agencies (id)")
        cur.execute("ANALYZE bench_agencies")


# ---------------------------------------------------------------- SQL by engine


class Dialect:
    def __init__(self, vendor: str):
        self.pg = vendor == "postgresql"

    def series(self) -> str:
        if self.pg:
            return "SELECT g FROM generate_series(%s::bigint, %s::bigint) AS g"
        return "WITH RECURSIVE s(g) AS (SELECT %s UNION ALL SELECT g + 1 FROM s WHERE g < %s) SELECT g FROM s"

    def uuid(self) -> str:
        return "gen_random_uuid()" if self.pg else "lower(hex(randomblob(16)))"

    def plus_minutes(self, moment: str, minutes: str) -> str:
        if self.pg:
            return f"({moment} + ({minutes}) * interval '1 minute')"
        return f"strftime('%%Y-%%m-%%d %%H:%%M:%%f', {moment}, '+' || ({minutes}) || ' minutes')"

    def plus_seconds(self, moment: str, seconds: str) -> str:
        if self.pg:
            return f"({moment} + ({seconds}) * interval '1 second')"
        return f"strftime('%%Y-%%m-%%d %%H:%%M:%%f', {moment}, '+' || ({seconds}) || ' seconds')"

    def tehran_date_plus(self, moment: str, days: int) -> str:
        if self.pg:
            return f"((({moment}) AT TIME ZONE 'Asia/Tehran')::date + {days})"
        return f"date({moment}, '+210 minutes', '+{days} days')"  # Tehran keeps +03:30 all year

    def moment(self, value: dt.datetime):
        """A timestamp parameter as each engine stores it (SQLite: UTC text)."""
        return value if self.pg else value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def filled(model, given: dict[str, str]) -> tuple[str, str, list]:
    """(columns, select list, params): `given` SQL for some columns, every other column its model default
    as a parameter (the table has no database defaults)."""
    from django.db import connection
    from django.utils import timezone

    cols, exprs, params = [], [], []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        cols.append(connection.ops.quote_name(f.column))
        if f.attname in given:
            exprs.append(given[f.attname])
            continue
        value = f.get_default()
        if value is None and not f.null:
            value = timezone.now()  # auto_now columns
        exprs.append("%s")
        params.append(f.get_db_prep_save(value, connection))
    return ", ".join(cols), ", ".join(exprs), params


def case_kind(template: str) -> str:
    """CASE over the slot s giving template.format(kind=…, first=…, size=…, series=…, code=…) per kind."""
    parts = [f"WHEN x.s < {first + size} THEN {template.format(kind=kind, first=first, size=size, series=col, code=code)}"
             for kind, first, size, col, code in KINDS]
    return "CASE " + " ".join(parts) + " END"


def insert_letters(cur, d: Dialect, *, g_from: int, g_to: int, total: int, year: int, first_day: dt.datetime,
                   days: int, agencies: int, g0: int = 0, window_s: int = 28800) -> None:
    """Letters g_from..g_to of a run of `total` starting at g0, spread evenly over `days` days from
    `first_day`, each day's share within `window_s` seconds (eight working hours): letter g is agency
    (g mod 20·A) div 20's slot g mod 20 of round g div 20·A, so each series numbers its letters 1, 2, 3…
    in the order of time."""
    from dabir.letters.models import Letter

    ap = SLOTS * agencies
    seq = case_kind("x.r * {size} + x.s - {first} + 1")
    kind = case_kind("'{kind}'")
    h = "x.h"
    electronic = (f"CASE WHEN {h} < a.e THEN CASE x.h2 %% 4 WHEN 0 THEN 'network' WHEN 1 THEN 'email' "
                  "WHEN 2 THEN 'system' ELSE 'counter' END "
                  "ELSE CASE x.h2 %% 3 WHEN 0 THEN 'post' WHEN 1 THEN 'fax' ELSE 'in_person' END END")
    sent = "(x.s >= 10 AND x.s < 17 AND x.h3 < 900)"
    given = {
        "uid": d.uuid(),
        "kind": kind,
        "status": f"CASE WHEN x.h3 >= 995 THEN 'void' WHEN {sent} THEN 'dispatched' ELSE 'registered' END",
        "agency_id": "a.id", "secretariat_id": "a.sec", "series_id": case_kind("a.{series}"),
        "year": str(year), "seq": seq,
        "number": f"'{year}/' || {case_kind(repr('{code}'))} || '/' || CAST({seq} AS varchar(20))",
        "registered_at": "x.t", "registered_by_id": "a.clerk",
        "subject": "'نامه سنجش نظارت ' || CAST(x.g AS varchar(20))",
        "author_position_id": "CASE WHEN x.s < 10 THEN a.clerk_pos ELSE a.mgr_pos END",
        "created_by_id": "a.clerk",
        "signer_position_id": "CASE WHEN x.s >= 10 AND x.s < 17 THEN a.mgr_pos END",
        "approved_at": "CASE WHEN x.s >= 10 AND x.s < 17 THEN x.t END",
        "approved_by_id": "CASE WHEN x.s >= 10 AND x.s < 17 THEN a.mgr END",
        "sender_name": f"CASE WHEN x.s < 10 THEN CASE WHEN x.h2 %% 3 = 0 THEN a.other ELSE '{OTHERS}' END ELSE '' END",
        "channel": f"CASE WHEN x.s < 10 OR {sent} THEN {electronic} ELSE 'system' END",
        "received_at": "CASE WHEN x.s < 10 THEN x.t END",
        "dispatched_at": f"CASE WHEN {sent} THEN {d.plus_minutes('x.t', '120')} END",
        "voided_at": f"CASE WHEN x.h3 >= 995 THEN {d.plus_minutes('x.t', '60')} END",
        "created_at": "x.t", "updated_at": "x.t",
    }
    cols, select, params = filled(Letter, given)
    # Day and second within the day's eight working hours, spread evenly over the year's days.
    gg = f"(g - {g0})"
    moment = d.plus_seconds("%s", f"({gg} * {days} / {total}) * 86400 + (({gg} * {days}) %% {total}) * {window_s} / {total}")
    inner = (f"SELECT g, (g / {ap}) AS r, ((g %% {ap}) / {SLOTS}) AS i, (g %% {SLOTS}) AS s, "
             f"((g * 2654435761) %% 1000003) %% 1000 AS h, (g * 40503) %% 997 AS h2, "
             f"((g * 2246822519) %% 1000033) %% 1000 AS h3, {moment} AS t FROM ({d.series()}) AS gs")
    sql = (f"INSERT INTO {Letter._meta.db_table} ({cols}) SELECT {select} FROM ({inner}) AS x "
           "JOIN bench_agencies a ON a.i = x.i")
    cur.execute(sql, [*params, d.moment(first_day), g_from, g_to])


def insert_companions(cur, d: Dialect, after_id: int) -> dict:
    """Referrals, prints and agency recipients of the letters with id > after_id."""
    from dabir.letters.models import PrintRecord, Recipient, Referral

    made = {}
    read = d.plus_minutes("l.registered_at", "10 + (l.id * 37) %% 2880")
    acted = d.plus_minutes(read, "(l.id * 53) %% 4320")
    cols, select, params = filled(Referral, {
        "letter_id": "l.id",
        "from_position_id": "CASE WHEN l.id %% 3 = 0 THEN a.mgr_pos ELSE a.clerk_pos END",
        "from_user_id": "CASE WHEN l.id %% 3 = 0 THEN a.mgr ELSE a.clerk END",
        "to_position_id": "a.expert_pos",
        "deadline": f"CASE WHEN l.id %% 2 = 0 THEN {d.tehran_date_plus('l.registered_at', 7)} END",
        "status": "CASE WHEN l.id %% 7 = 0 THEN 'unread' WHEN l.id %% 4 = 0 THEN 'read' ELSE 'done' END",
        "created_at": d.plus_minutes("l.registered_at", "10"),
        "read_at": f"CASE WHEN l.id %% 7 <> 0 THEN {read} END",
        "read_by_id": "CASE WHEN l.id %% 7 <> 0 THEN a.expert END",
        "acted_at": f"CASE WHEN l.id %% 7 <> 0 AND l.id %% 4 <> 0 THEN {acted} END",
        "acted_by_id": "CASE WHEN l.id %% 7 <> 0 AND l.id %% 4 <> 0 THEN a.expert END",
    })
    source = "FROM letters_letter l JOIN bench_agencies a ON a.id = l.agency_id WHERE l.id > %s"
    cur.execute(f"INSERT INTO {Referral._meta.db_table} ({cols}) SELECT {select} {source} AND l.id %% 10 < 3",
                [*params, after_id])
    made["referrals"] = cur.rowcount
    cols, select, params = filled(PrintRecord, {
        "letter_id": "l.id", "agency_id": "a.id",
        "user_id": "CASE l.id %% 3 WHEN 0 THEN a.clerk WHEN 1 THEN a.mgr ELSE a.expert END",
        "pages": "1 + l.id %% 4", "copies": "1 + (l.id / 5) %% 3",
        "at": d.plus_minutes("l.registered_at", "60"),
    })
    cur.execute(f"INSERT INTO {PrintRecord._meta.db_table} ({cols}) SELECT {select} {source} AND l.id %% 5 = 0",
                [*params, after_id])
    made["prints"] = cur.rowcount
    cols, select, params = filled(Recipient, {"letter_id": "l.id", "name": "a.other"})
    cur.execute(f"INSERT INTO {Recipient._meta.db_table} ({cols}) SELECT {select} {source} "
                "AND l.kind = 'outgoing' AND l.id %% 5 < 2", [*params, after_id])
    made["recipients"] = cur.rowcount
    return made


def drop_indexes(cur) -> list[str]:
    """Drop the letter tables' plain indexes (not the primary keys', not the unique constraints') for the
    bulk load; returns their definitions, to create them again after it (the usual bulk-load recipe)."""
    cur.execute("SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
                "AND i.tablename = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                "WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)",
                [list(LETTER_TABLES)])
    found = cur.fetchall()
    for name, _ in found:
        cur.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in found]


def last_id(cur) -> int:
    cur.execute("SELECT COALESCE(MAX(id), 0) FROM letters_letter")
    return cur.fetchone()[0]


def generate(built: dict, letters: int) -> dict:
    """`letters` letters over last Jalali year and this one up to yesterday, with their companions."""
    from django.db import connection, transaction

    from dabir.core.jalali import TEHRAN, to_jalali, today
    from dabir.stats.periods import Period

    d = Dialect(connection.vendor)
    this = to_jalali(today()).year
    last_year = Period("year", this - 1)
    lived = max(1, (today() - Period("year", this).start).days)  # up to yesterday
    segments = [(this - 1, last_year.start, (last_year.end - last_year.start).days + 1),
                (this, Period("year", this).start, lived)]
    total_days = sum(days for _, _, days in segments)
    count = len(built["agencies"])
    made = {"letters": 0, "referrals": 0, "prints": 0, "recipients": 0}
    plan = []
    left = letters
    for k, (year, first, days) in enumerate(segments):
        n = left if k == len(segments) - 1 else letters * days // total_days
        left -= n
        plan.append((year, first, days, n))
    t0 = time.perf_counter()
    indexes_s = None
    with connection.cursor() as cur:
        agency_table(cur, built)
        dropped = drop_indexes(cur) if d.pg else []
        try:
            for year, first, days, n in plan:
                start = dt.datetime.combine(first, dt.time(7, 30), tzinfo=TEHRAN)
                for lo in range(0, n, CHUNK):
                    hi = min(n, lo + CHUNK) - 1
                    c0 = time.perf_counter()
                    with transaction.atomic():
                        if d.pg:
                            # No triggers in this transaction: neither the foreign keys' checks (every id
                            # comes from the agencies just built) nor the search table's (never read here).
                            cur.execute("SET LOCAL session_replication_role = replica")
                        before = last_id(cur)
                        insert_letters(cur, d, g_from=lo, g_to=hi, total=n, year=year, first_day=start, days=days,
                                       agencies=count)
                        made["letters"] += hi - lo + 1
                        for key, value in insert_companions(cur, d, before).items():
                            made[key] += value
                    print(f"  {year}: letters {lo + 1:,}–{hi + 1:,} of {n:,} with their referrals and prints in "
                          f"{time.perf_counter() - c0:.1f} s (all: {made['letters']:,} letters, "
                          f"{made['referrals']:,} referrals, {made['prints']:,} prints)", flush=True)
            # Later registrations (the services) continue each series after the generated numbers.
            cur.execute("INSERT INTO orgs_numbercounter (series_id, year, last) SELECT series_id, year, MAX(seq) "
                        "FROM letters_letter WHERE series_id IS NOT NULL GROUP BY series_id, year")
        finally:
            if dropped:
                i0 = time.perf_counter()
                cur.execute("SET maintenance_work_mem = '512MB'")
                for definition in dropped:
                    cur.execute(definition)
                indexes_s = round(time.perf_counter() - i0, 1)
                print(f"  {len(dropped)} indexes re-created in {indexes_s} s", flush=True)
    took = time.perf_counter() - t0
    return {**made, "seconds": round(took, 1), "letters_per_s": round(made["letters"] / took) if took else None,
            "indexes_recreated": len(dropped), "indexes_s": indexes_s,
            "years": [{"year": y, "days": days, "letters": n} for y, _, days, n in plan]}


LETTER_TABLES = ("letters_letter", "letters_referral", "letters_printrecord", "letters_recipient")
FIGURE_TABLES = ("stats_agencyday", "stats_managerday", "stats_durationbin", "stats_userprintday")


def vacuum(tables) -> float:
    """VACUUM ANALYZE (SQLite: ANALYZE) the tables, as autovacuum would after a large write: without
    statistics the planner takes a freshly filled table for an empty one (the rebuild's EXISTS over the
    recipients then ran 90 s a month instead of under one)."""
    from django.db import connection

    t0 = time.perf_counter()
    with connection.cursor() as cur:
        for table in tables:
            cur.execute(f"VACUUM ANALYZE {table}" if connection.vendor == "postgresql" else f"ANALYZE {table}")
    return round(time.perf_counter() - t0, 1)


# ---------------------------------------------------------------- timed reads


def plain_counts(agency_ids, period) -> dict:
    """What a dashboard without aggregates would count: the period's letters by agency, kind and channel."""
    from django.db.models import Count

    from dabir.core.jalali import TEHRAN
    from dabir.letters.models import Letter, Status

    lo = dt.datetime.combine(period.start, dt.time.min, TEHRAN)
    hi = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, TEHRAN)
    rows = (Letter.objects.filter(agency_id__in=list(agency_ids), registered_at__gte=lo, registered_at__lt=hi)
            .exclude(status=Status.VOID).values_list("agency_id", "kind", "channel").annotate(n=Count("id"))
            .order_by())
    return {(a, k, c): n for a, k, c, n in rows}


def pages_ready() -> str | None:
    """None when the supervision pages are there, else why not."""
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("stats:dashboard")
        reverse("stats:agency", kwargs={"agency_id": 1})
    except NoReverseMatch as exc:
        return f"the supervision pages are not there yet ({exc}); their selectors are timed instead"
    return None


def targets(built: dict, period, via_pages: bool) -> list[tuple[str, object]]:
    """(label, call) for each measured read: a page through the test Client, or the selectors it calls."""
    from django.test import Client
    from django.urls import reverse

    from dabir.core import tables
    from dabir.stats import policy, selectors

    agency = built["managed"]
    everyone = len(built["agencies"])
    province = sum(a["agency"].province == PROVINCES[0] for a in built["agencies"])
    if via_pages:
        clients = {}
        for key in ("national", "province", "manager"):
            clients[key] = Client()
            clients[key].force_login(built[key])
        dash = reverse("stats:dashboard")
        page = reverse("stats:agency", kwargs={"agency_id": agency.pk})

        def get(who, url, **query):
            def call():
                response = clients[who].get(url, {"period": period.key, **query})
                if response.status_code != 200:
                    raise RuntimeError(f"GET {url} {query} as {who}: {response.status_code}")
                return response
            return call

        return [(f"dashboard, national supervisor ({everyone} agencies)", get("national", dash)),
                (f"dashboard, province supervisor ({province} agencies)", get("province", dash)),
                ("ranking export (xlsx), national", get("national", dash, export="ranking", format="xlsx")),
                ("one agency's page, its manager", get("manager", page))]

    def dashboard(user):
        def call():
            scope = policy.visible_agencies(user)
            return selectors.ranking(scope, period), selectors.trend(scope, period)
        return call

    def export():
        rows = selectors.ranking(policy.visible_agencies(built["national"]), period)
        sheet = tables.Sheet("رتبه‌بندی", [tables.Column("rank", "رتبه"), tables.Column("name", "دستگاه"),
                                           tables.Column("index", "شاخص", "0.0")],
                             [{"rank": r.rank, "name": r.agency.name, "index": r.index} for r in rows])
        return tables.to_xlsx(sheet)

    def one_agency():
        user = built["manager"]
        policy.check_agency(user, agency)
        figures = selectors.figures_for([agency.pk], period)
        ranked = selectors.ranking(policy.ranking_scope(user, agency), period)
        return figures, ranked, selectors.trend([agency], period), selectors.printers(agency.pk, period)

    return [(f"dashboard selectors, national supervisor ({everyone} agencies)", dashboard(built["national"])),
            (f"dashboard selectors, province supervisor ({province} agencies)", dashboard(built["province"])),
            ("ranking + Excel, national (selectors)", export),
            ("one agency's selectors, its manager", one_agency)]


def measure(built: dict, requests: int, plain_runs: int) -> dict:
    from django.db import connection

    from dabir.stats import policy, selectors
    from dabir.stats.figures import ELECTRONIC
    from dabir.stats.periods import current

    period = current("year")
    why_not = pages_ready()
    out = {"period": period.key, "via_pages": why_not is None, "pages_note": why_not, "reads": []}
    calls = targets(built, period, why_not is None)
    if why_not is None:  # a page may exist but still be unfinished: fall back rather than fail
        try:
            for _, call in calls:
                call()
        except Exception as exc:
            out.update(via_pages=False, pages_note=f"a supervision page failed ({exc}); selectors timed instead")
            calls = targets(built, period, False)
    for label, call in calls:
        ran = []  # counted by a wrapper: a request's start clears the test Client's captured queries

        def count(execute, sql, params, many, context, ran=ran):
            ran.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            call()  # warm-up
        times = []
        for _ in range(requests):
            t0 = time.perf_counter()
            call()
            times.append(time.perf_counter() - t0)
        out["reads"].append({"label": label, **summary(times), "queries": len(ran)})

    scope = list(policy.visible_agencies(built["national"]).values_list("id", flat=True))
    plain_counts(scope, period)  # warm-up
    times = []
    for _ in range(plain_runs):
        t0 = time.perf_counter()
        plain = plain_counts(scope, period)
        times.append(time.perf_counter() - t0)
    out["plain"] = summary(times)
    national = out["reads"][0]
    out["ratio_national_vs_plain_p50"] = ratio(national["p50_ms"], out["plain"]["p50_ms"])
    out["ratio_national_vs_plain_p95"] = ratio(national["p95_ms"], out["plain"]["p95_ms"])

    # The dashboard's letter counts are the plain counts, agency by agency.
    figs = selectors.figures_for(scope, period)
    by_agency: dict = {}
    for (agency, kind, channel), n in plain.items():
        row = by_agency.setdefault(agency, {"incoming": 0, "outgoing": 0, "internal": 0, "in_electronic": 0})
        row[kind] += n
        if kind == "incoming" and channel in ELECTRONIC:
            row["in_electronic"] += n

    def plain_row(a):
        row = by_agency.get(a) or {"incoming": 0, "outgoing": 0, "internal": 0, "in_electronic": 0}
        share = round(100 * row["in_electronic"] / row["incoming"], 1) if row["incoming"] else None
        return row["incoming"], row["outgoing"], row["internal"], share

    mismatched = [a for a in scope if plain_row(a) != tuple(
        figs[a][k] for k in ("letters_in", "letters_out", "letters_internal", "in_electronic_share"))]
    out["letters_in_period"] = sum(plain.values())
    out["totals_equal_plain"] = not mismatched
    out["mismatched_agencies"] = mismatched[:10]
    out["under_200ms_p95"] = all(r["p95_ms"] < 200 for r in out["reads"])
    return out


# ---------------------------------------------------------------- refresh and rebuild agree


def snapshot(start: dt.date, end: dt.date) -> dict:
    from dabir.stats.models import AgencyDay, DurationBin, ManagerDay, UserPrintDay

    def rows(model, fields):
        return sorted(model.objects.filter(day__gte=start, day__lte=end).values_list(*fields))

    return {
        "days": rows(AgencyDay, ["agency_id", "day", "month", *AgencyDay.COUNTS]),
        "managers": rows(ManagerDay, ["agency_id", "day", "position_id", "signed", "referred"]),
        "bins": rows(DurationBin, ["agency_id", "day", "metric", "bin", "count"]),
        "prints": rows(UserPrintDay, ["agency_id", "day", "user_id", "prints", "pages", "copies"]),
    }


def month_check(built: dict) -> dict:
    """Last month's days all marked dirty and refreshed give the rows the rebuild wrote."""
    from dabir.stats import aggregate
    from dabir.stats.periods import current

    month = current("month").previous()
    before = snapshot(month.start, month.end)
    ids = [a["agency"].pk for a in built["agencies"]]
    days = [month.start + dt.timedelta(days=i) for i in range((month.end - month.start).days + 1)]
    aggregate.mark([(a, day) for a in ids for day in days])
    t0 = time.perf_counter()
    refreshed = aggregate.refresh()
    took = time.perf_counter() - t0
    after = snapshot(month.start, month.end)
    return {"month": month.key, "agency_days": refreshed, "refresh_s": round(took, 2),
            "rows": len(before["days"]), "equal": before == after and bool(before["days"])}


def new_letters(built: dict, n: int, sample: int, done: int) -> dict:
    """n letters of today in SQL, marked as the signals would; then `sample` letters through
    register_incoming, whose signals must mark their day; refresh() timed until nothing is dirty;
    today's refreshed rows against a rebuild of today."""
    from django.db import connection, transaction
    from django.db.models import Max
    from django.utils import timezone

    from dabir.core.jalali import TEHRAN, to_jalali, today
    from dabir.letters.models import Letter, Status
    from dabir.letters.services import register_incoming
    from dabir.orgs.models import NumberCounter
    from dabir.stats import aggregate
    from dabir.stats.models import Dirty

    day = today()
    agencies = built["agencies"]
    d = Dialect(connection.vendor)
    now = timezone.now().astimezone(TEHRAN)
    start = dt.datetime.combine(day, dt.time.min, TEHRAN)
    # Continue this year's pattern of slots after the generated letters, so the numbers stay unique.
    year = to_jalali(day).year
    ap = SLOTS * len(agencies)
    g_from = -(-done // ap) * ap
    t0 = time.perf_counter()
    with connection.cursor() as cur, transaction.atomic():
        before = last_id(cur)
        # Spread between midnight and a minute ago.
        lived = max(60, int((now - start).total_seconds()) - 60)
        insert_letters(cur, d, g_from=g_from, g_to=g_from + n - 1, total=n, year=year, first_day=start, days=1,
                       agencies=len(agencies), g0=g_from, window_s=lived)
        companions = insert_companions(cur, d, before)
        pairs = {(a, aggregate.local_day(t)) for a, t in
                 Letter.objects.filter(id__gt=before).values_list("agency_id", "registered_at").distinct()}
        aggregate.mark(pairs)
        counted = Letter.objects.filter(id__gt=before).exclude(status=Status.VOID).count()  # void ones are not
    insert_s = time.perf_counter() - t0
    # The services number after the SQL-written letters.
    for a in agencies:
        for series in a["series"].values():
            top = Letter.objects.filter(series_id=series, year=year).aggregate(m=Max("seq"))["m"] or 0
            NumberCounter.objects.update_or_create(series_id=series, year=year, defaults={"last": top})
    signalled = timezone.now()
    for k in range(sample):
        a = agencies[k % len(agencies)]
        register_incoming(user=a["users"]["clerk"], secretariat=a["sec"], subject=f"نامه نمونه سنجش {k}",
                          sender_name=OTHERS, channel="post")
    sampled = {a["agency"].pk for a in agencies[:sample]}
    marked_by_signals = set(Dirty.objects.filter(day=day, marked_at__gte=signalled).values_list("agency_id", flat=True))
    dirty = Dirty.objects.count()
    t0 = time.perf_counter()
    rounds = 0
    while Dirty.objects.exists():
        aggregate.refresh()
        rounds += 1
    refresh_s = time.perf_counter() - t0
    refreshed = snapshot(day, day)
    aggregate.rebuild(start=day, end=day)
    rebuilt = snapshot(day, day)
    letters_today = sum(r[3] + r[4] + r[5] for r in refreshed["days"])
    return {"letters": n, "sample": sample, **companions, "insert_s": round(insert_s, 2), "dirty": dirty,
            "refresh_s": round(refresh_s, 3), "rounds": rounds,
            "signals_marked": sampled <= marked_by_signals, "letters_today": letters_today,
            "today_complete": letters_today == counted + sample, "equal_to_rebuild": refreshed == rebuilt,
            "pairs": len(pairs)}


# ---------------------------------------------------------------- main


def main(argv=None) -> None:
    parser = phase_args(__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=10_000_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--plain-runs", type=int, help="timed plain counts (default a fifth of --requests, ≥ 3)")
    parser.add_argument("--new-letters", type=int, default=10_000)
    parser.add_argument("--agencies", type=int, default=60, help="agencies (two thirds in one province)")
    args = parser.parse_args(argv)
    vendor = setup_django()
    try:
        from dabir.stats import aggregate, selectors  # noqa: F401
        from dabir.stats.selectors import ranking, trend  # noqa: F401
    except ImportError as exc:
        not_available(args.out, f"the supervision figures are not there: {exc}")
        return
    from django.core.management import call_command

    from dabir.stats import aggregate as agg

    call_command("createcachetable", verbosity=0)
    built = build(max(6, args.agencies))
    print(f"generating {args.letters:,} letters on {vendor}", flush=True)
    generated = generate(built, args.letters)
    generated["analyze_s"] = vacuum(LETTER_TABLES)
    print(f"  VACUUM ANALYZE of the letters' tables: {generated['analyze_s']} s", flush=True)
    t0 = time.perf_counter()
    days_written = agg.rebuild(log_to=lambda line: print(f"    {line}", flush=True))
    rebuild_s = round(time.perf_counter() - t0, 1)
    print(f"  rebuild: {days_written:,} agency-days in {rebuild_s} s", flush=True)
    analyze_s = vacuum(FIGURE_TABLES)
    plain_runs = args.plain_runs or max(3, args.requests // 5)
    measured = measure(built, args.requests, plain_runs)
    month = month_check(built)
    fresh = new_letters(built, args.new_letters, min(20, len(built["agencies"])), generated["years"][-1]["letters"])
    write_result(args.out, {
        "available": True, "db": vendor, "db_version": db_version(), "agencies": len(built["agencies"]),
        "generation": generated, "rebuild": {"agency_days": days_written, "seconds": rebuild_s},
        "analyze_s": analyze_s, **measured, "month_check": month, "refresh": fresh,
    })


def report(results: dict) -> str:
    from bench.common import fmt, table

    rows, notes = [], []
    for db, r in results.items():
        if not r.get("available"):
            rows.append([db, "not available: " + r.get("reason", ""), "", "", "", "", ""])
            continue
        plain = r["plain"]
        for x in r["reads"]:
            rows.append([f"{db} {x['label']}", x["n"], fmt(x["p50_ms"], " ms"), fmt(x["p95_ms"], " ms"),
                         fmt(x["max_ms"], " ms"), x["queries"], fmt(ratio(x["p50_ms"], plain["p50_ms"]), "×")])
        rows.append([f"{db} plain GROUP BY over the year's letters (baseline)", plain["n"], fmt(plain["p50_ms"], " ms"),
                     fmt(plain["p95_ms"], " ms"), fmt(plain["max_ms"], " ms"), 1, "1.00×"])
        g, f, m = r["generation"], r["refresh"], r["month_check"]
        if r.get("pages_note"):
            notes.append(f"{db}: {r['pages_note']}")
        notes.append(
            f"{db}: {g['letters']:,} letters, {g['referrals']:,} referrals, {g['prints']:,} prints, "
            f"{g['recipients']:,} recipients in {r['agencies']} agencies generated in {g['seconds']} s "
            f"({g['letters_per_s']:,} letters/s), VACUUM ANALYZE {g['analyze_s']} s; rebuild of the figure tables "
            f"{r['rebuild']['seconds']} s ({r['rebuild']['agency_days']:,} agency-days), their VACUUM ANALYZE "
            f"{r['analyze_s']} s")
        notes.append(
            f"{db}: aggregates/plain (p50) national dashboard {fmt(r['ratio_national_vs_plain_p50'], '×')}, p95 "
            f"{fmt(r['ratio_national_vs_plain_p95'], '×')}; period {r['period']}: {r['letters_in_period']:,} letters; "
            f"dashboard totals equal the plain count: {'yes' if r['totals_equal_plain'] else 'NO'}; "
            f"p95 under 200 ms on every read: {'yes' if r['under_200ms_p95'] else 'NO'} (target < 200 ms)")
        notes.append(
            f"{db}: refresh after {f['letters']:,} new letters (+{f['sample']} through the services; "
            f"{f['referrals']:,} referrals, {f['prints']:,} prints; {f['dirty']} dirty agency-days): "
            f"{fmt(f['refresh_s'] * 1000, ' ms')} in {f['rounds']} round(s); signals marked the services' letters: "
            f"{'yes' if f['signals_marked'] else 'NO'}; all {f['letters_today']:,} of today's letters counted: "
            f"{'yes' if f['today_complete'] else 'NO'}; equal to a rebuild of the day: "
            f"{'yes' if f['equal_to_rebuild'] else 'NO'}; month {m['month']} refreshed whole "
            f"({m['agency_days']:,} agency-days) in {m['refresh_s']} s, equal to the rebuild: "
            f"{'yes' if m['equal'] else 'NO'}")
    head = ["read", "n", "p50", "p95", "max", "queries", "p50 vs plain"]
    return "\n".join([table(head, rows), *notes])


if __name__ == "__main__":
    main()
