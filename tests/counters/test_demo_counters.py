"""The counter offices' part of the demo, loaded through the services: what a new user finds."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db.models import Sum

from dabir.core.jalali import today
from dabir.counters import policy, settlement
from dabir.counters.models import (
    CounterLetter,
    FeeSchedule,
    LicenceState,
    Office,
    OfficeComplaint,
    SettlementClose,
    Staff,
    Submission,
)
from dabir.desk.models import ServiceRequest
from dabir.payments.models import Payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    out = io.StringIO()
    call_command("demo", "--letters", "26", stdout=out)
    return out.getvalue()


def test_a_dozen_khuzestan_offices_with_one_suspended_and_one_about_to_expire(demo):
    offices = Office.objects.all()
    assert offices.count() == 12 and set(offices.values_list("province", flat=True)) == {"خوزستان"}
    assert set(offices.values_list("area", flat=True)) == {"urban", "rural"}
    assert offices.filter(state=LicenceState.SUSPENDED).count() == 1
    assert offices.filter(licence_expires_on__lte=today() + dt.timedelta(days=30), state=LicenceState.ACTIVE).exists()
    assert all(Staff.objects.filter(office=o).exists() for o in offices)
    # the accounts the README names are printed, with their roles
    for username in ("nazer.pishkhan", "pishkhan.kianpars", "bajeh.kianpars", "bajeh.golestan"):
        assert username in demo
    assert "ناظر دفاتر پیشخوان" in demo and "کاربر باجه پیشخوان" in demo
    assert policy.block_reason(Office.objects.get(code="61103"))  # bajeh.golestan's office


def test_months_of_filings_paid_and_settled_with_closed_months_unchanged(demo):
    subs = Submission.objects.all()
    assert subs.filter(kind="request").count() >= 40 and subs.filter(kind="letter").count() == 8
    assert {"card", "gateway"} <= set(subs.values_list("method", flat=True))
    assert subs.filter(state="awaiting_payment").exists()
    assert len(set(subs.exclude(month=None).values_list("month", flat=True))) >= 3
    # every paid filing has its paid payment of the same amount
    paid = subs.filter(state="paid").exclude(method="none")
    assert Payment.objects.filter(pk__in=paid.values("payment"), status="paid").aggregate(t=Sum("amount_rials"))["t"] \
        == paid.aggregate(t=Sum("total_rials"))["t"]
    # the requests went to the agencies as letters, the office recorded on each
    for sub in subs.filter(kind="request", state="paid")[:10]:
        req = ServiceRequest.objects.get(pk=sub.request_id)
        assert req.letter_id and sub.office.name in req.events.get(kind="submitted").note
    closes = SettlementClose.objects.all()
    assert closes.count() >= 2
    for close in closes:  # each closed month still holds exactly what was frozen, digest and all
        assert subs.filter(month=close.month, state="paid").exists()
        assert settlement.close_holds(close)
        assert close.digest == settlement.digest(settlement.canonical_totals(close.province, close.month))


def test_fee_schedules_letters_and_complaints(demo):
    states = dict(FeeSchedule.objects.values_list("year", "state"))
    assert sorted(states.values()).count("approved") == 2 and "draft" in states.values()
    letters = set(CounterLetter.objects.values_list("state", flat=True))
    assert {"sent", "registered", "returned"} <= letters
    assert all(cl.letter.channel == "counter" for cl in CounterLetter.objects.filter(state="registered"))
    complaints = OfficeComplaint.objects.all()
    assert complaints.filter(channel="195").exists() and complaints.filter(verdict="upheld").exists()
    assert complaints.filter(status="submitted").exists()
