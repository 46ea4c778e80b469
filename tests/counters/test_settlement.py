"""Settlement against the real database: statements summed by hand over a known small set, who sees
which offices, reconciliation with the payments, closing a month (its rules, its digest, a closed
month that never changes, a late gateway payment that settles in the next open month), and the
CSV and Excel exports read back."""

import csv
import datetime as dt
import hashlib
import io
import itertools
import json
from contextlib import contextmanager
from dataclasses import dataclass
from unittest import mock

import pytest
from django.db import transaction

from dabir.core.audit import verify
from dabir.core.errors import Conflict, DomainError, NotAllowed
from dabir.core.jalali import TEHRAN
from dabir.core.models import AuditEntry
from dabir.counters import services
from dabir.counters import settlement as S
from dabir.counters.models import CounterService, Fee, SettlementClose, Staff, Submission
from dabir.counters.names import AuditAction
from dabir.counters.services._shared import jalali_month, local_day
from dabir.letters.services import Upload
from dabir.payments import services as payments
from dabir.payments.models import Payment
from tests.desk.test_services import national_code, setup_desk
from tests.factories import PDF_BYTES, make_user, make_world

from .conftest import Counter, consent_code, make_office, make_staff

pytestmark = pytest.mark.django_db

ANSWERS = {"parcel": "12/345", "area": "120", "use": "مسکونی"}
_refs = iter(range(10_000_000, 99_999_999, 7))
_citizens = itertools.count(1)


# ---------------------------------------------------------------- helpers (the other settlement tests use them)


@dataclass
class Land:
    """Two offices of the province and one of another, two agencies, three services:
    permit (agency 1, counter fee 25,000, no agency fee), licence (agency 2, agency fee 40,000 and counter fee
    30,000) and a free one (agency 1, nothing to pay)."""

    counter: Counter
    office2: object
    manager2: object
    operator2: object
    far_office: object
    far_operator: object
    far_regulator: object
    licence: object
    free: object
    agency2: object


def build_land(counter: Counter) -> Land:
    from dabir.counters.models import Regulator

    world2 = make_world("شهرداری آزمون")
    licence = setup_desk(world2, fees={"counter": 40_000})
    free = setup_desk(counter.world, code=f"free-{counter.world.agency.code}".lower(), title="گواهی رایگان")
    for service in (licence, free):
        CounterService.objects.create(service=service, outsourceable=True, offered=True, all_offices=True)
    Fee.objects.create(schedule=counter.schedule, service=licence, counter_fee_rials=30_000)
    office2 = make_office("21002", name="دفتر پیشخوان دوم", city="دزفول")
    far = make_office("11001", name="دفتر پیشخوان تهران", province="تهران", city="تهران")
    far_regulator = make_user("regulator.tehran")
    Regulator.objects.create(user=far_regulator, province="تهران")
    return Land(counter=counter, office2=office2, manager2=make_staff(office2, "manager2", Staff.Role.MANAGER),
                operator2=make_staff(office2, "operator2"), far_office=far, far_operator=make_staff(far, "far.op"),
                far_regulator=far_regulator, licence=licence, free=free, agency2=world2.agency)


def uploads():
    return {"deed": [Upload(name="sanad.pdf", content=PDF_BYTES)]}


def file(operator, service, *, pay: str | None = "card") -> Submission:
    """A request filed at the counter for a citizen through the real services, then paid (card reader,
    bank gateway) or left awaiting payment (pay=None)."""
    n = next(_citizens)  # a citizen each: the consent codes' limits are per mobile
    visit = services.start_visit(user=operator, national_code=national_code(50_000_000 + n), mobile=f"0916{n:07d}",
                                 name="مریم کریمی")
    visit = services.verify_visit(user=operator, visit=visit, code=consent_code(visit))
    sub = services.submit_request(user=operator, visit=visit, service=service, data=ANSWERS, uploads=uploads())
    if sub.state == Submission.State.PAID or pay is None:
        return sub
    if pay == "card":
        return services.pay_by_card(user=operator, submission=sub, reference=str(next(_refs)))
    pay_gateway(operator, sub)
    sub.refresh_from_db()
    return sub


def start_gateway(operator, sub) -> Payment:
    services.start_gateway_payment(user=operator, submission=sub, callback_url="http://testserver/back/")
    return Payment.objects.filter(purpose=services.PAYMENT_PURPOSE, object_id=str(sub.pk)).latest("id")


def pay_gateway(operator, sub, payment: Payment | None = None) -> Payment:
    payment = payment or start_gateway(operator, sub)
    payments.testbank_pay(authority=payment.authority, card_number="6037990000000006")
    return payments.complete_payment(payment_token=payment.token,
                                     params={"status": "OK", "authority": payment.authority})


@contextmanager
def on_day(day: dt.date, hour: int = 11):
    """The clock of timezone.now() on `day` in Tehran (for work done in an earlier month)."""
    moment = dt.datetime.combine(day, dt.time(hour), tzinfo=TEHRAN)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield moment


def previous_month() -> int:
    year, m = divmod(S.current_month(), 100)
    return (year - 1) * 100 + 12 if m == 1 else S.current_month() - 1


def a_day_of(month: int) -> dt.date:
    return S.month_range(month)[0] + dt.timedelta(days=9)


def table(stmt) -> dict:
    return {(x.office_code, x.agency_code): (x.sums.count, x.sums.agency_rials, x.sums.office_rials, x.sums.total_rials)
            for x in stmt.lines}


def known_set(land: Land) -> None:
    """office 1: permit ×2 by card, licence ×1 by card, licence awaiting payment, the free service;
    office 2: licence by gateway, permit whose gateway payment was cancelled; Tehran: permit by card."""
    c = land.counter
    file(c.operator, c.service)
    file(c.operator, c.service)
    file(c.operator, land.licence)
    file(c.operator, land.licence, pay=None)
    file(c.operator, land.free)
    file(land.operator2, land.licence, pay="gateway")
    cancelled = file(land.operator2, c.service, pay=None)
    payment = start_gateway(land.operator2, cancelled)
    payments.complete_payment(payment_token=payment.token, params={"status": "NOK", "authority": payment.authority})
    file(land.far_operator, c.service)


@pytest.fixture
def land(counter) -> Land:
    return build_land(counter)


# ---------------------------------------------------------------- the statement, by hand


def test_statement_sums_a_known_set_by_hand(land):
    known_set(land)
    c, a1, a2 = land.counter, land.counter.world.agency.code, land.agency2.code
    stmt = S.statement(user=c.regulator)
    assert stmt.month == jalali_month(local_day()) and stmt.day is None
    assert table(stmt) == {
        ("21001", a1): (3, 0, 50_000, 50_000),  # two permits and the free one
        ("21001", a2): (1, 40_000, 30_000, 70_000),  # the unpaid licence is not in
        ("21002", a2): (1, 40_000, 30_000, 70_000),  # the cancelled gateway payment is not in
    }
    assert stmt.totals == S.Sums(5, 80_000, 110_000, 190_000)
    assert stmt.totals.total_rials == stmt.totals.agency_rials + stmt.totals.office_rials
    assert [(g.code, g.sums.total_rials) for g in stmt.by_office] == [("21001", 120_000), ("21002", 70_000)]
    assert {g.code: g.sums.count for g in stmt.by_agency} == {a1: 3, a2: 2}
    # The day's statement is the same set (everything was paid today); narrowing by office and agency.
    assert table(S.statement(user=c.regulator, day=local_day())) == table(stmt)
    assert S.statement(user=c.regulator, office=land.office2).totals == S.Sums(1, 40_000, 30_000, 70_000)
    assert S.statement(user=c.regulator, agency=land.agency2.pk).totals == S.Sums(2, 80_000, 60_000, 140_000)
    # Another month, another day: nothing.
    assert S.statement(user=c.regulator, month=previous_month()).lines == []
    assert S.statement(user=c.regulator, day=local_day() - dt.timedelta(days=40)).totals == S.Sums()


def test_statement_is_one_aggregate_query(land, django_assert_max_num_queries):
    known_set(land)
    user = land.counter.regulator
    user.refresh_from_db()
    # policy (regulator row), the scope's office ids, the GROUP BY, office names, agency names, provinces, closes
    with django_assert_max_num_queries(7) as ctx:
        S.statement(user=user)
    (grouped,) = [q["sql"] for q in ctx.captured_queries if "GROUP BY" in q["sql"]]
    # The offices as a list of ids, not a subquery (which PostgreSQL runs office by office: see settlement._ids).
    assert "SELECT" not in grouped.split("FROM", 1)[1]


def test_scope_regulator_province_manager_office_others_refused(land):
    known_set(land)
    c = land.counter
    assert set(table(S.statement(user=c.regulator))) >= {("21001", c.world.agency.code)}
    assert {x.office_code for x in S.statement(user=c.regulator).lines} == {"21001", "21002"}
    assert {x.office_code for x in S.statement(user=land.far_regulator).lines} == {"11001"}
    assert {x.office_code for x in S.statement(user=c.manager).lines} == {"21001"}
    assert {x.office_code for x in S.statement(user=land.manager2).lines} == {"21002"}
    admin = make_user("root", is_superuser=True)
    assert {x.office_code for x in S.statement(user=admin).lines} == {"21001", "21002", "11001"}
    assert S.statement(user=admin, province="تهران").totals.total_rials == 25_000
    with pytest.raises(NotAllowed, match="صورت‌حساب این دفتر"):
        S.statement(user=c.manager, office=land.office2)
    with pytest.raises(NotAllowed, match="صورت‌حساب این دفتر"):
        S.statement(user=land.far_regulator, office=c.office)
    for someone in (c.operator, land.operator2, make_user("nobody")):
        with pytest.raises(NotAllowed, match="فقط ناظر استان و مدیر همان دفتر"):
            S.statement(user=someone)
        with pytest.raises(NotAllowed):
            S.reconcile(user=someone)


@pytest.mark.parametrize("text", ["۱۴۰۵/۰۴", "1405/4", "140504", "۱۴۰۵-۰۴", 140504])
def test_month_is_read_in_any_spelling(text):
    assert S.parse_month(text) == 140504


@pytest.mark.parametrize("text", ["", "1405", "۱۴۰۵/۱۳", "abc", "1405/04/01", "0000/01", 14051])
def test_bad_month_gets_a_persian_message(text, counter):
    with pytest.raises(DomainError) as bad:
        S.statement(user=counter.regulator, month=text or "x")
    assert bad.value.field == "month" and ("ماه" in bad.value.message)


def test_bad_day_office_agency_get_persian_messages(counter):
    with pytest.raises(DomainError, match="تاریخ"):
        S.statement(user=counter.regulator, day="۱۴۰۵/۱۳/۴۰")
    with pytest.raises(DomainError, match="دفتر پیدا نشد"):
        S.statement(user=counter.regulator, office="999999")
    with pytest.raises(DomainError, match="دستگاه پیدا نشد"):
        S.statement(user=counter.regulator, agency="x")


def test_jalali_month_range_and_labels():
    assert S.month_range(140501) == (dt.date(2026, 3, 21), dt.date(2026, 4, 20))
    assert S.month_range(140412) == (dt.date(2026, 2, 20), dt.date(2026, 3, 20))  # Esfand 1404 (29 days)
    assert S.month_label(140504) == "تیر ۱۴۰۵" and S.month_label(140505) == "مرداد ۱۴۰۵"
    assert S.month_ended(140501, on=dt.date(2026, 4, 21)) and not S.month_ended(140501, on=dt.date(2026, 4, 20))
    months = S.recent_months(14)
    assert months[0] == S.current_month() and len(set(months)) == 14 and months == sorted(months, reverse=True)


# ---------------------------------------------------------------- reconciliation


def test_reconcile_agrees_with_the_payments_day_by_day(land):
    known_set(land)
    rec = S.reconcile(user=land.counter.regulator)
    assert rec.ok and rec.mismatches == []
    (today_row,) = rec.days
    assert today_row.day == local_day() and today_row.ok
    # Paid submissions with something to pay: 2 permits, 1 licence (office 1) + 1 licence (office 2).
    assert (today_row.submissions, today_row.submissions_rials) == (4, 190_000)
    assert (today_row.payments, today_row.payments_rials) == (4, 190_000)
    assert S.reconcile(user=land.far_regulator).submissions_rials == 25_000
    assert S.reconcile(user=land.counter.manager, day=local_day()).payments_rials == 120_000


def test_reconcile_lists_a_second_payment_and_a_tampered_amount(land):
    c = land.counter
    sub = file(c.operator, c.service)
    other = file(c.operator, land.licence)
    with transaction.atomic():  # a second card payment of a submission already paid
        extra = payments.record_card_payment(purpose=services.PAYMENT_PURPOSE, object_id=str(sub.pk),
                                             amount_rials=25_000, reference="55554444")
    Payment.objects.filter(pk=other.payment_id).update(amount_rials=69_000)  # changed behind the system's back
    rec = S.reconcile(user=c.regulator)
    assert not rec.ok and not rec.days[0].ok
    assert rec.submissions_rials == 95_000 and rec.payments_rials == 25_000 + 69_000 + 25_000
    found = {(m.payment_id, m.submission.pk if m.submission else None): m.message for m in rec.mismatches}
    assert "با جمع ثبت" in found[(other.payment_id, other.pk)] and "۶۹٬۰۰۰" in found[(other.payment_id, other.pk)]
    assert "پرداخت اضافه" in found[(extra.pk, sub.pk)]
    assert len(found) == 2
    # The office manager of the other office sees none of it.
    assert S.reconcile(user=land.manager2).ok


# ---------------------------------------------------------------- closing a month


def fill_previous_month(land) -> tuple[int, Submission]:
    """Work done on a day of last month: two paid filings and one left at the bank gateway."""
    c, month = land.counter, previous_month()
    with on_day(a_day_of(month)):
        file(c.operator, c.service)
        file(land.operator2, land.licence, pay="gateway")
        waiting = file(c.operator, land.licence, pay=None)
        payment = start_gateway(c.operator, waiting)
    waiting.payment_for_test = payment
    return month, waiting


def test_close_month_stores_totals_and_their_digest(land):
    c = land.counter
    month, _ = fill_previous_month(land)
    file(c.operator, c.service)  # this month's work is not in last month's close
    close = services.close_month(user=c.regulator, province="خوزستان", month=month)
    totals = close.totals
    assert totals["month"] == month and totals["province"] == "خوزستان"
    assert totals["totals"] == {"count": 2, "agency_rials": 40_000, "office_rials": 55_000, "total_rials": 95_000}
    assert [(x["office"], x["total_rials"]) for x in totals["lines"]] == [("21001", 25_000), ("21002", 70_000)]
    canonical = json.dumps(totals, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    assert close.digest == hashlib.sha256(canonical).hexdigest()
    assert S.close_holds(close)
    entry = AuditEntry.objects.get(action=AuditAction.MONTH_CLOSE)
    assert entry.actor == c.regulator and entry.data["digest"] == close.digest and entry.data["total_rials"] == 95_000
    stmt = S.statement(user=c.regulator, month=month)
    assert stmt.close == close and stmt.totals.total_rials == 95_000
    assert S.statement(user=c.manager, month=month).close == close  # the office sees its province's close
    assert verify().ok


def test_close_month_rules_write_nothing_when_refused(land):
    c = land.counter
    month, _ = fill_previous_month(land)
    cases = [
        (c.manager, "خوزستان", month, NotAllowed, "ناظر"),
        (c.operator, "خوزستان", month, NotAllowed, "ناظر"),
        (land.far_regulator, "خوزستان", month, NotAllowed, "استان شما"),
        (c.regulator, "خوزستان", S.current_month(), DomainError, "هنوز به پایان نرسیده"),
        (c.regulator, "خوزستان", "۱۴۰۵/۱۳", DomainError, "چنین ماهی"),
        (c.regulator, "خوزستان", "", DomainError, "۱۴۰۵/۰۴"),
        (c.regulator, "", month, DomainError, "استان"),
        (make_user("root", is_superuser=True), "کرمان", month, DomainError, "دفتر پیشخوانی ثبت نشده"),
    ]
    for user, province, m, error, text in cases:
        with pytest.raises(error) as refused:
            services.close_month(user=user, province=province, month=m)
        assert text in refused.value.message, (province, m, refused.value.message)
    assert not SettlementClose.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.MONTH_CLOSE).exists()
    services.close_month(user=c.regulator, province="خوزستان", month=month)
    with pytest.raises(Conflict, match="پیش‌تر بسته شده"):
        services.close_month(user=c.regulator, province="خوزستان", month=month)
    assert SettlementClose.objects.count() == 1
    # Tehran's month is its own: its regulator closes it separately.
    services.close_month(user=land.far_regulator, province="تهران", month=month)
    assert SettlementClose.objects.count() == 2


def test_a_closed_month_never_changes(land):
    c = land.counter
    month, _ = fill_previous_month(land)
    close = services.close_month(user=c.regulator, province="خوزستان", month=month)
    sub = Submission.objects.filter(month=month).first()
    sub.counter_fee_rials, sub.total_rials = 1, sub.agency_fee_rials + 1
    with pytest.raises(Conflict, match="بسته شده است"):
        with transaction.atomic():
            sub.save()
    with pytest.raises(Conflict, match="بسته شده است"):
        with transaction.atomic():
            Submission.objects.get(pk=sub.pk).delete()
    moved = Submission.objects.filter(month=S.current_month()).first() or file(c.operator, c.service)
    moved.month = month  # into the closed month: refused too
    with pytest.raises(Conflict, match="بسته شده است"):
        with transaction.atomic():
            moved.save(update_fields=["month"])
    # The close itself is kept as it was.
    close.digest = "0" * 64
    with pytest.raises(Conflict, match="باز نمی‌شود"):
        with transaction.atomic():
            close.save()
    with pytest.raises(Conflict, match="باز نمی‌شود"):
        with transaction.atomic():
            SettlementClose.objects.get(pk=close.pk).delete()
    assert S.close_holds(SettlementClose.objects.get(pk=close.pk))
    # Tehran did not close that month: its submissions still change.
    with on_day(a_day_of(month)):
        far = file(land.far_operator, c.service)
    far.save()


def test_a_late_gateway_payment_settles_in_the_next_open_month(land):
    c = land.counter
    month, waiting = fill_previous_month(land)
    close = services.close_month(user=c.regulator, province="خوزستان", month=month)
    before = S.statement(user=c.regulator, month=month)
    # The citizen comes back from the bank after the close: the payment is confirmed, the submission paid …
    pay_gateway(c.operator, waiting, waiting.payment_for_test)
    waiting.refresh_from_db()
    assert waiting.state == Submission.State.PAID and waiting.method == "gateway"
    # … and settled in the next open month, not in the closed one.
    assert waiting.month == S.current_month() != month
    after = S.statement(user=c.regulator, month=month)
    assert after.totals == before.totals and table(after) == table(before) and S.close_holds(close)
    assert after.totals.total_rials == close.totals["totals"]["total_rials"]
    assert S.statement(user=c.regulator).totals.total_rials == 70_000
    # A payment confirmed with the clock still in the closed month goes to the next open month too.
    with on_day(a_day_of(month)):
        late = file(c.operator, c.service)
    assert late.day == a_day_of(month) and late.month == S.current_month()
    assert S.close_holds(close)


def test_a_month_after_a_closed_one_is_skipped_too(land):
    c = land.counter
    month = previous_month()
    year, m = divmod(month, 100)
    before = (year - 1) * 100 + 12 if m == 1 else month - 1
    with on_day(a_day_of(before)):
        file(c.operator, c.service)
    services.close_month(user=c.regulator, province="خوزستان", month=before)
    services.close_month(user=c.regulator, province="خوزستان", month=month)
    with on_day(a_day_of(before)):
        late = file(c.operator, c.service)
    assert late.month == S.current_month()


def test_awaiting_payment_count_for_the_confirmation(land):
    c = land.counter
    month = previous_month()
    waiting = file(c.operator, land.licence, pay=None)
    Submission.objects.filter(pk=waiting.pk).update(
        created_at=dt.datetime.combine(a_day_of(month), dt.time(9), tzinfo=TEHRAN))
    assert S.awaiting_payment("خوزستان", month) == 1 and S.awaiting_payment("تهران", month) == 0


# ---------------------------------------------------------------- exports


def test_csv_export_reads_back(land):
    known_set(land)
    stmt = S.statement(user=land.counter.regulator)
    data = S.to_csv(stmt)
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM: Excel opens it as UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == S.HEADERS and rows[0][0] == "کد دفتر"
    body = {(r[0], r[2]): tuple(int(v) for v in r[4:]) for r in rows[1:-1]}
    assert body == table(stmt)
    assert rows[-1][0] == "جمع کل" and [int(v) for v in rows[-1][4:]] == [5, 80_000, 110_000, 190_000]
    assert rows[1][1] == "دفتر پیشخوان آزمون"


def test_excel_export_reads_back_right_to_left_with_numbers(land):
    from openpyxl import load_workbook

    known_set(land)
    stmt = S.statement(user=land.counter.regulator)
    wb = load_workbook(io.BytesIO(S.to_xlsx(stmt)))
    lines, offices, agencies = wb.worksheets
    assert all(ws.sheet_view.rightToLeft for ws in wb.worksheets)
    rows = list(lines.iter_rows(values_only=True))
    assert list(rows[0]) == S.HEADERS
    assert {(r[0], r[2]): tuple(r[4:]) for r in rows[1:-1]} == table(stmt)
    assert all(isinstance(v, int) for r in rows[1:] for v in r[4:])  # numbers, not text
    assert rows[-1][0] == "جمع کل" and rows[-1][4:] == (5, 80_000, 110_000, 190_000)
    assert lines.cell(row=2, column=8).number_format == "#,##0"
    by_office = list(offices.iter_rows(values_only=True))
    assert by_office[1:] == [("21001", "دفتر پیشخوان آزمون", 4, 40_000, 80_000, 120_000),
                             ("21002", "دفتر پیشخوان دوم", 1, 40_000, 30_000, 70_000),
                             ("جمع کل", None, 5, 80_000, 110_000, 190_000)]
    assert sum(r[5] for r in list(agencies.iter_rows(values_only=True))[1:-1]) == 190_000


def test_exports_never_hand_a_formula_to_the_spreadsheet(land):
    c = land.counter
    c.office.name = "=HYPERLINK(\"http://x\")"
    c.office.save()
    file(c.operator, c.service)
    stmt = S.statement(user=c.regulator)
    rows = list(csv.reader(io.StringIO(S.to_csv(stmt).decode("utf-8-sig"))))
    assert rows[1][1].startswith("'=")
    empty = S.statement(user=c.regulator, month=previous_month())
    assert list(csv.reader(io.StringIO(S.to_csv(empty).decode("utf-8-sig"))))[1:] == [["جمع کل", "", "", "", "0", "0",
                                                                                        "0", "0"]]


# ---------------------------------------------------------------- a payment racing the close (PostgreSQL)


@pytest.mark.django_db(transaction=True)
def test_a_payment_racing_the_close_is_counted_once_in_the_close_or_in_the_next_month(land):
    """SQLite runs one writer at a time; on PostgreSQL the close waits for a payment being written and counts
    it, and a payment written while the close runs is refused after its write and then settles later."""
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite runs one writer at a time")
    c = land.counter
    month = previous_month()
    year, m = divmod(month, 100)
    earlier = (year - 1) * 100 + 12 if m == 1 else month - 1
    with on_day(a_day_of(month)):
        file(c.operator, c.service)
    first, second = file(c.operator, c.service, pay=None), file(c.operator, c.service, pay=None)
    errors: list = []

    def thread(fn, *args):
        def run():
            try:
                fn(*args)
            except Exception as exc:  # the refusal is the finding
                errors.append(exc)
            finally:
                connection.close()
        t = threading.Thread(target=run)
        t.start()
        return t

    def pay(sub, paid_on, wrote: threading.Event, hold: threading.Event | None):
        with mock.patch("dabir.counters.services.filing.local_day", return_value=paid_on):
            with transaction.atomic():
                services.pay_by_card(user=c.operator, submission=sub, reference=str(next(_refs)))
                wrote.set()
                if hold is not None:
                    assert hold.wait(20)

    def close(m):
        services.close_month(user=c.regulator, province="خوزستان", month=m)

    # 1. The payment has written its row and not committed: the close waits for it, then counts it.
    wrote, hold = threading.Event(), threading.Event()
    payer = thread(pay, first, a_day_of(month), wrote, hold)
    assert wrote.wait(20)
    closer = thread(close, month)
    closer.join(1.0)
    assert closer.is_alive()  # waiting for the payment's commit
    hold.set()
    payer.join(20)
    closer.join(20)
    assert not errors, errors
    closed = SettlementClose.objects.get(month=month)
    assert closed.totals["totals"]["count"] == 2 and Submission.objects.get(pk=first.pk).month == month
    assert S.close_holds(closed)

    # 2. The close holds the table while the payment writes: the payment waits, sees the close, rolls back.
    locked, go = threading.Event(), threading.Event()
    totals = S.canonical_totals

    def slow_totals(province, m):
        locked.set()
        assert go.wait(20)
        return totals(province, m)

    with mock.patch("dabir.counters.settlement.canonical_totals", side_effect=slow_totals):
        closer = thread(close, earlier)
        assert locked.wait(20)
        wrote = threading.Event()
        payer = thread(pay, second, a_day_of(earlier), wrote, None)
        payer.join(1.0)
        assert payer.is_alive() and not wrote.is_set()  # its UPDATE waits for the close
        go.set()
        closer.join(20)
        payer.join(20)
    assert len(errors) == 1 and isinstance(errors[0], Conflict) and "بسته شده" in errors[0].message
    assert Submission.objects.get(pk=second.pk).state == Submission.State.AWAITING_PAYMENT
    assert not Payment.objects.filter(object_id=str(second.pk)).exists()
    assert SettlementClose.objects.get(month=earlier).totals["totals"]["count"] == 0
    # Taken again, the payment settles in the first open month after the two closed ones.
    with mock.patch("dabir.counters.services.filing.local_day", return_value=a_day_of(earlier)):
        paid = services.pay_by_card(user=c.operator, submission=second, reference=str(next(_refs)))
    assert paid.month == S.current_month()
    assert all(S.close_holds(x) for x in SettlementClose.objects.all())
