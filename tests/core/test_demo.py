"""`dabir demo`: a realistic Persian demo, loaded once, in every letter state, with an intact audit chain."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count, Max, Min

from dabir.accounts.models import User
from dabir.core.jalali import today
from dabir.core.models import Holiday
from dabir.demo import data
from dabir.exchange.models import Arrival, Delivery, Inquiry, Member
from dabir.letters.models import (
    Access,
    Attachment,
    Classification,
    Filing,
    Kind,
    Letter,
    Link,
    PrintRecord,
    Referral,
    ReferralStatus,
    Status,
)
from dabir.letters.selectors import inbox, visible_letters
from dabir.orgs.models import Agency, Assignment, Position


def _demo(*args) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def test_demo_loads_a_realistic_world_once(db):
    # given an empty database, when the demo is loaded
    printed = _demo()

    # then it names where to sign in and the accounts with the shared password
    assert "http://127.0.0.1:8000/" in printed
    assert data.DEMO_PASSWORD in printed
    for username in ("admin", "dabir", "modir.it", "moaven.it", "karshenas.eghtesadi", "karshenas.narmafzar"):
        assert username in printed
    # in Persian, one line per account: its username, role and name
    for role in ("متصدی دبیرخانه", "مدیر", "کارشناس", "جانشین", "راهبر سامانه در دستگاه", "ناظر", "شهروند"):
        assert role in printed
    assert "clerk" not in printed and "manager" not in printed
    dabir_line = next(line for line in printed.splitlines() if line.strip().startswith("dabir "))
    assert "متصدی دبیرخانه" in dabir_line and "زهرا منصوری" in dabir_line
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="dabir").check_password(data.DEMO_PASSWORD)

    # the organisation: four Khuzestan agencies, 20+ positions, acting holders this week
    names = set(Agency.objects.values_list("name", flat=True))
    assert {"استانداری خوزستان", "فرمانداری اهواز", "شهرداری اهواز", "اداره کل ثبت احوال استان خوزستان"} <= names
    assert Position.objects.count() >= 20
    acting_now = Assignment.objects.current().filter(role=Assignment.Role.ACTING)
    assert acting_now.filter(user__username="moaven.it", position__code="OS.IT").exists()
    assert Holiday.objects.filter(title="عید نوروز").count() == 4

    # the letters: ~300, every state, every kind, confidential ones, files, prints, replies
    letters = Letter.objects.all()
    assert letters.count() >= 250
    assert set(letters.values_list("status", flat=True)) == set(Status.values)
    assert set(letters.values_list("kind", flat=True)) == set(Kind.values)
    assert letters.exclude(classification=Classification.UNCLASSIFIED).count() >= 5
    assert letters.filter(status=Status.VOID).exclude(void_reason="").count() == letters.filter(status=Status.VOID).count()
    assert Filing.objects.exists() and PrintRecord.objects.exists() and Attachment.objects.filter(is_scan=True).exists()
    assert Link.objects.filter(kind="replies").exists()
    assert set(letters.filter(kind=Kind.INCOMING).values_list("channel", flat=True)) >= {"post", "fax", "network", "in_person"}
    statuses = set(Referral.objects.values_list("status", flat=True))
    assert {ReferralStatus.UNREAD, ReferralStatus.READ, ReferralStatus.FORWARDED, ReferralStatus.DONE} <= statuses
    assert Referral.objects.filter(note="جهت بررسی و اعلام نظر کارشناسی").exists()
    assert Referral.objects.filter(read_as_acting=True).exists()

    # some referrals are overdue, and dates spread over the last two months
    assert Referral.objects.filter(status__in=["unread", "read"], deadline__lt=today()).count() >= 3
    span = letters.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert (span["last"] - span["first"]).days >= 30

    # official numbers are gapless per series and year, and follow registration time
    for row in letters.exclude(seq=None).values("series", "year").annotate(n=Count("id"), low=Min("seq"), high=Max("seq")):
        assert row["low"] == 1 and row["high"] == row["n"], row
        times = list(letters.filter(series=row["series"], year=row["year"]).order_by("seq")
                     .values_list("registered_at", flat=True))
        assert times == sorted(times)

    # a confidential letter is visible to its chain and secretariat, not to an outsider in the agency
    secret = letters.filter(kind=Kind.INCOMING, classification__in=[Classification.RESTRICTED,
                                                                      Classification.CONFIDENTIAL]).first()
    chain_positions = set(Access.objects.filter(letter=secret).values_list("position_id", flat=True))
    outsider = Assignment.objects.current().filter(
        role=Assignment.Role.HOLDER, position__unit__agency=secret.agency
    ).exclude(position_id__in=chain_positions).exclude(user__secretariats__isnull=False).first().user
    assert not visible_letters(outsider).filter(pk=secret.pk).exists()

    # the clerk's inbox is not empty of work for managers: the IT desk has open referrals
    it_desk = Position.objects.get(code="OS.IT")
    holder = Assignment.objects.current().filter(position=it_desk, role=Assignment.Role.HOLDER).first().user
    assert inbox(holder, it_desk.id).exists()

    # the exchange: the four agencies are members (the supervision demo joins more), and their letters
    # travelled in every state
    first_four = [a["code"] for a in data.AGENCIES]
    assert Member.objects.filter(agency__code__in=first_four).exclude(certificate_pem="").count() == 4
    assert Letter.objects.filter(kind=Kind.OUTGOING, channel="network").count() >= 5
    deliveries = list(Delivery.objects.select_related("transfer"))
    assert {"delivered", "registered", "returned", "failed"} <= {d.state for d in deliveries}
    assert any(d.is_copy for d in deliveries)
    assert all(d.reason for d in deliveries if d.state == "returned")
    assert all(d.their_number for d in deliveries if d.state == "registered")
    failed = next(d for d in deliveries if d.state == "failed")
    assert failed.transfer.attempts >= 2 and failed.transfer.last_error and failed.member.server_url
    assert Arrival.objects.filter(state=Arrival.State.PENDING).exists()
    assert Arrival.objects.filter(state=Arrival.State.PENDING, is_copy=True).exists()
    accepted = Arrival.objects.filter(state=Arrival.State.ACCEPTED)
    assert accepted.exists() and all(a.letter.referrals.exists() and a.letter.channel == "network" for a in accepted)
    # a reply (عطف) came back and was registered linked to the letter it answers
    assert Link.objects.filter(kind="replies", letter__arrival__isnull=False, target__deliveries__isnull=False).exists()
    # inquiries: answered by the civil registry's responder, answered by hand, and one waiting
    inquiries = Inquiry.objects.all()
    assert inquiries.filter(direction="in", automatic=True, state="answered", type__code="civil.identity").exists()
    assert inquiries.filter(direction="in", automatic=False, state="answered", answered_by__isnull=False).exists()
    assert inquiries.filter(direction="out", state="waiting").exists()
    assert inquiries.filter(direction="out", state="answered", requester__startswith="desk.request:").exists()
    # the printed summary says where the queue is and who the clerks are
    assert "/exchange/arrivals/" in printed and "dabir.sabt (اداره کل ثبت احوال استان خوزستان)" in printed

    # and the audit chain verifies
    verify = io.StringIO()
    call_command("audit", "verify", stdout=verify)
    assert verify.getvalue().startswith("OK: ")

    # when the demo runs again, nothing is duplicated
    count, users = letters.count(), User.objects.count()
    again = _demo()
    assert "پیش‌تر بار شده" in again and data.DEMO_PASSWORD in again
    assert Letter.objects.count() == count and User.objects.count() == users


def test_demo_is_deterministic_and_reset_reloads(db):
    if connection.vendor != "sqlite":
        # --reset refuses to empty a PostgreSQL database without --force
        with pytest.raises(CommandError, match="--force"):
            _demo("--reset", "--letters", "30")
        return
    _demo("--letters", "30")
    first = list(Letter.objects.order_by("series_id", "seq").exclude(seq=None).values_list("number", "subject"))
    agencies = Agency.objects.count()
    _demo("--reset", "--letters", "30")
    second = list(Letter.objects.order_by("series_id", "seq").exclude(seq=None).values_list("number", "subject"))
    assert [s for _n, s in first] == [s for _n, s in second]
    assert Agency.objects.count() == agencies  # the reset emptied the first load: nothing twice
    assert set(Letter.objects.values_list("status", flat=True)) == set(Status.values)


def test_demo_refuses_too_few_letters(db):
    with pytest.raises(CommandError, match="--letters"):
        _demo("--letters", "3")
