"""Property: over random days of activity at two offices for two agencies — random fees, card reader and
bank gateway payments, some left unpaid, some cancelled at the bank, some paid at the bank days later,
some free — made through the real services, the settlement's sums equal the payments' sums per day and
per month, each line's total is its agency share plus its office share, and reconciliation finds no
mismatch. Each example runs in a transaction rolled back at its end."""

import datetime as dt
from collections import defaultdict
from contextlib import contextmanager

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dabir.core.jalali import TEHRAN
from dabir.counters import services
from dabir.counters import settlement as S
from dabir.counters.models import CounterService, Fee, Staff, Submission
from dabir.counters.services._shared import jalali_month, local_day
from dabir.payments import services as payments
from dabir.payments.models import Payment, PaymentStatus
from tests.desk.test_services import setup_desk
from tests.factories import make_world

from .conftest import make_office, make_staff
from .test_settlement import file, on_day, pay_gateway, previous_month, start_gateway

pytestmark = pytest.mark.django_db

METHODS = ["card", "gateway", "unpaid", "cancelled", "later"]


def candidate_days() -> list[dt.date]:
    """A few days of last month and this one, none after today (Tehran)."""
    first, last = S.month_range(previous_month())
    this_first = S.month_range(S.current_month())[0]
    return sorted({first + dt.timedelta(days=3), last, this_first, local_day()})


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


fee = st.integers(0, 60).map(lambda k: k * 1_000)
activity = st.lists(
    st.tuples(
        st.integers(0, 1),  # office
        st.integers(0, 2),  # service: permit (agency 1), licence (agency 2), free (agency 1)
        st.sampled_from(METHODS),
        st.integers(0, 3),  # day
        st.integers(1, 3),  # days until a «later» gateway payment is confirmed
    ),
    min_size=1, max_size=7,
)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(fees=st.tuples(fee, fee, fee, fee), events=activity)
def test_settlement_sums_equal_payment_sums(counter, fees, events):
    with rolled_back():
        check(counter, fees, events)


def check(counter, fees, events):
    permit_agency, permit_office, licence_agency, licence_office = fees
    world2 = make_world("شهرداری نمونه")
    permit = setup_desk(counter.world, code=f"p-{counter.world.agency.code}".lower(),
                        fees={"counter": permit_agency})
    licence = setup_desk(world2, fees={"counter": licence_agency})
    free = setup_desk(counter.world, code=f"f-{counter.world.agency.code}".lower())
    for service, office_fee in ((permit, permit_office), (licence, licence_office)):
        Fee.objects.create(schedule=counter.schedule, service=service, counter_fee_rials=office_fee)
    for service in (permit, licence, free):
        CounterService.objects.create(service=service, outsourceable=True, offered=True, all_offices=True)
    office2 = make_office("21009", name="دفتر نمونه دوم")
    operators = [counter.operator, make_staff(office2, "sample.operator", Staff.Role.OPERATOR)]
    offices = [counter.office.code, office2.code]
    agencies = [counter.world.agency.code, world2.agency.code, counter.world.agency.code]
    shares = [(permit_agency, permit_office), (licence_agency, licence_office), (0, 0)]
    days = candidate_days()

    # What should settle: by payment day, by (office, agency).
    expected_day: dict[dt.date, int] = defaultdict(int)
    expected_line: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    later = []
    for office_i, service_i, method, day_i, delay in events:
        day = days[min(day_i, len(days) - 1)]
        operator = operators[office_i]
        agency_fee, office_fee = shares[service_i]
        total = agency_fee + office_fee
        settles_on = None
        with on_day(day):
            service = (permit, licence, free)[service_i]
            if total == 0:  # nothing to pay: settled at once
                file(operator, service, pay=None)
                settles_on = day
            elif method in ("card", "gateway"):
                file(operator, service, pay=method)
                settles_on = day
            elif method == "unpaid":
                file(operator, service, pay=None)
            elif method == "cancelled":
                sub = file(operator, service, pay=None)
                p = start_gateway(operator, sub)
                payments.complete_payment(payment_token=p.token, params={"status": "NOK", "authority": p.authority})
            else:  # started at the bank today, confirmed some days later
                sub = file(operator, service, pay=None)
                later.append((sub, start_gateway(operator, sub), days[min(day_i + delay, len(days) - 1)]))
        if settles_on is not None:
            expected_day[settles_on] += total
            line = expected_line[(offices[office_i], agencies[service_i])]
            for k, v in enumerate((1, agency_fee, office_fee, total)):
                line[k] += v
    for sub, payment, day in later:
        with on_day(day, hour=15):
            pay_gateway(operators[0], sub, payment)
        sub.refresh_from_db()
        assert sub.state == Submission.State.PAID and sub.day == day
        expected_day[day] += sub.total_rials
        line = expected_line[(sub.office.code, sub.agency.code)]
        for k, v in enumerate((1, sub.agency_fee_rials, sub.counter_fee_rials, sub.total_rials)):
            line[k] += v

    user = counter.regulator
    paid = Payment.objects.filter(purpose=services.PAYMENT_PURPOSE, status=PaymentStatus.PAID)
    by_payment_day: dict[dt.date, int] = defaultdict(int)
    for p in paid:
        by_payment_day[p.paid_at.astimezone(TEHRAN).date()] += p.amount_rials

    for day in days:
        stmt = S.statement(user=user, day=day)
        assert stmt.totals.total_rials == by_payment_day.get(day, 0) == expected_day.get(day, 0)
        assert S.reconcile(user=user, day=day).ok
    for month in sorted({jalali_month(d) for d in days}):
        stmt = S.statement(user=user, month=month)
        in_month = sum(v for d, v in by_payment_day.items() if jalali_month(d) == month)
        assert stmt.totals.total_rials == in_month
        assert stmt.totals.total_rials == stmt.totals.agency_rials + stmt.totals.office_rials
        for x in stmt.lines:
            assert x.sums.total_rials == x.sums.agency_rials + x.sums.office_rials
        rec = S.reconcile(user=user, month=month)
        assert rec.ok and rec.payments_rials == rec.submissions_rials == in_month
    # Every paid line, over both months, is what the events made.
    lines: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for month in {jalali_month(d) for d in days}:
        for x in S.statement(user=user, month=month).lines:
            for k, v in enumerate((x.sums.count, x.sums.agency_rials, x.sums.office_rials, x.sums.total_rials)):
                lines[(x.office_code, x.agency_code)][k] += v
    assert dict(lines) == dict(expected_line)
