"""A citizen cancels a request: its letter leaves the staff inboxes, closed «لغو به درخواست متقاضی»."""

import pytest
from django.test import Client
from django.urls import reverse

from dabir.core.audit import verify
from dabir.core.models import AuditEntry
from dabir.desk import codes, selectors, services
from dabir.desk.models import RequestStatus
from dabir.letters import services as letters
from dabir.letters.models import ReferralStatus, Status

from .test_services import make_citizen, setup_desk, submit

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_cancel_over_http_closes_the_letter_and_empties_the_inbox(world):
    service = setup_desk(world)
    citizen = make_citizen()
    req = submit(service, citizen)
    expert = login(world.expert)
    # given the request's letter in the first stage's inbox
    assert codes.display(req.tracking_code) in expert.get(reverse("inbox")).content.decode()
    assert selectors.staff_requests(world.expert, open_only=True).filter(pk=req.pk).exists()

    # when the citizen cancels it on their request page
    response = login(citizen).post(f"/services/my/{req.tracking_code}/cancel/")
    assert response.status_code == 302

    # then the request is cancelled, its referral done and its letter closed by the system
    req.refresh_from_db()
    assert req.status == RequestStatus.CANCELLED
    letter = req.letter
    letter.refresh_from_db()
    assert letter.status == Status.CLOSED and letter.closed_note == "لغو به درخواست متقاضی"
    assert not letter.referrals.exclude(status=ReferralStatus.DONE).exists()
    assert set(letter.referrals.values_list("result_note", flat=True)) == {letter.closed_note}
    entry = AuditEntry.objects.get(action="letter.close_by_system")
    assert entry.actor_id is None and entry.object_id == str(letter.pk)
    assert verify().ok  # the chain stays intact
    # and the staff inbox no longer lists it
    assert codes.display(req.tracking_code) not in expert.get(reverse("inbox")).content.decode()
    assert not selectors.staff_requests(world.expert, open_only=True).filter(pk=req.pk).exists()


def test_cancel_with_a_reason_after_a_second_stage(world):
    service = setup_desk(world)
    citizen = make_citizen()
    req = submit(service, citizen)
    services.decide_stage(user=world.expert, position_id=world.expert_pos.id, request=req, outcome="ok")
    assert req.letter.referrals.filter(to_position=world.other_pos, status__in=["unread", "read"]).exists()
    services.cancel_request(user=citizen, request=req, reason="منصرف شدم")
    req.letter.refresh_from_db()
    assert req.letter.status == Status.CLOSED and req.letter.closed_note == "لغو به درخواست متقاضی: منصرف شدم"
    assert not req.letter.referrals.filter(status__in=["unread", "read"]).exists()
    assert codes.display(req.tracking_code) not in login(world.other).get(reverse("inbox")).content.decode()


def test_close_by_system_refuses_a_draft_and_needs_a_note(world):
    from dabir.orgs.selectors import seat_for

    seat = seat_for(world.expert, world.expert_pos.id)
    draft = letters.create_draft(user=world.expert, seat=seat, kind="internal", subject="پیش‌نویس آزمون",
                                 body="<p>متن</p>", to=[world.other_pos.id])
    from dabir.core.errors import Conflict, DomainError

    with pytest.raises(Conflict):
        letters.close_by_system(letter=draft, note="لغو")
    with pytest.raises(DomainError):
        letters.close_by_system(letter=draft, note="  ")
    assert not AuditEntry.objects.filter(action="letter.close_by_system").exists()


def test_cancel_rolls_back_together(world):
    """If closing the letter fails, the cancellation does not remain either (one transaction)."""
    service = setup_desk(world)
    citizen = make_citizen()
    req = submit(service, citizen)
    from dabir.letters.models import Letter

    Letter.objects.filter(pk=req.letter_id).update(status=Status.AWAITING_SIGNATURE)  # a state it refuses
    from dabir.core.errors import Conflict

    with pytest.raises(Conflict):
        services.cancel_request(user=citizen, request=req, reason="منصرف شدم")
    req.refresh_from_db()
    assert req.status != RequestStatus.CANCELLED
    assert not req.events.filter(kind="cancelled").exists()
