"""Acting holders (جانشین): a user acts for an absent holder's position within a date range."""

import datetime as dt

import pytest
from django.utils import timezone

from dabir.core.errors import DomainError, NotAllowed
from dabir.core.models import AuditEntry
from dabir.letters import selectors as letter_selectors
from dabir.letters import services
from dabir.letters.models import Referral
from dabir.orgs import selectors
from dabir.orgs import services as org_services
from dabir.orgs.models import Assignment
from dabir.orgs.selectors import Seat

from ..factories import make_draft, register_incoming

HOUR = dt.timedelta(hours=1)


def appoint(world, user=None, position=None, *, starts=-HOUR, ends=24 * HOUR):
    now = timezone.now()
    return org_services.appoint_acting(
        position=position or world.manager_pos, user=user or world.expert, starts_at=now + starts,
        ends_at=now + ends, actor=world.manager,
    )


def seats(user):
    return {(s.position.id, s.as_acting) for s in selectors.seats_of(user)}


def test_appointing_an_acting_holder_is_audited(world):
    # when the expert is made acting manager for a day
    row = appoint(world)
    # then one audit entry names the position and the user
    entry = AuditEntry.objects.get(action="position.acting")
    assert entry.object_id == str(row.id)
    assert entry.data["position"] == world.manager_pos.id and entry.data["user"] == world.expert.id


def test_an_acting_holder_has_the_seat_within_the_range(world):
    # given the expert acts for the manager from an hour ago for a day
    appoint(world)
    # then the expert works both their own position and the manager's, the latter as acting
    assert seats(world.expert) == {(world.expert_pos.id, False), (world.manager_pos.id, True)}
    seat = selectors.seat_for(world.expert, world.manager_pos.id)
    assert (seat.position, seat.as_acting) == (world.manager_pos, True)


@pytest.mark.parametrize("starts, ends", [(HOUR, 2 * HOUR), (-2 * HOUR, -HOUR)], ids=["future", "ended"])
def test_outside_the_range_there_is_no_seat(world, starts, ends):
    appoint(world, starts=starts, ends=ends)
    assert seats(world.expert) == {(world.expert_pos.id, False)}
    with pytest.raises(NotAllowed) as refused:
        selectors.seat_for(world.expert, world.manager_pos.id)
    assert refused.value.field == "position"


def test_an_acting_range_must_end_after_it_starts(world):
    with pytest.raises(DomainError) as refused:
        appoint(world, starts=HOUR, ends=HOUR)
    assert refused.value.field == "ends_at"
    assert not Assignment.objects.filter(role="acting").exists()


def test_the_holder_cannot_act_for_their_own_position(world):
    with pytest.raises(DomainError) as refused:
        appoint(world, user=world.manager)
    assert refused.value.field == "user"


def test_actions_as_acting_are_recorded_as_acting(world):
    # given a letter awaiting the manager's signature, and the expert acting for the manager
    letter = make_draft(world, author=world.other, author_pos=world.other_pos, to=[world.clerk_pos.id])
    services.submit_for_signature(user=world.other, seat=Seat(world.other_pos, False), letter=letter)
    appoint(world)
    seat = selectors.seat_for(world.expert, world.manager_pos.id)
    # when the expert approves it from the manager's seat
    services.approve(user=world.expert, seat=seat, letter=letter)
    # then the signature referral and the audit entry say it was done as acting, at the manager's position
    sig = Referral.objects.get(letter=letter, action="signature")
    assert (sig.acted_by, sig.acted_as_acting, sig.read_as_acting) == (world.expert, True, True)
    entry = AuditEntry.objects.get(action="letter.approve")
    assert (entry.actor_id, entry.position_id, entry.as_acting) == (world.expert.id, world.manager_pos.id, True)


def test_acting_cannot_be_hidden_by_the_caller(world):
    # given the expert acts for the manager, and a letter in the manager's inbox
    appoint(world)
    letter = register_incoming(world, refer_to=[services.ReferralSpec(world.manager_pos.id)])
    referral = Referral.objects.get(letter=letter)
    # when a caller passes the manager's seat claiming it is not acting
    services.mark_read(user=world.expert, seat=Seat(world.manager_pos, False), referral=referral)
    (child,) = services.refer(user=world.expert, seat=Seat(world.manager_pos, False), letter=letter,
                              targets=[services.ReferralSpec(world.other_pos.id)])
    # then the service records the truth: acting
    referral.refresh_from_db()
    assert referral.read_as_acting is True
    assert child.from_as_acting is True and child.from_position == world.manager_pos
    assert AuditEntry.objects.get(action="letter.refer").as_acting is True


def test_the_acting_holder_sees_the_positions_letters(world):
    # given a confidential letter referred to the manager
    letter = register_incoming(world, classification="secret", refer_to=[services.ReferralSpec(world.manager_pos.id)])
    assert not letter_selectors.visible_letters(world.expert).filter(pk=letter.pk).exists()
    # when the expert becomes acting manager
    appoint(world)
    # then the expert sees it, and the manager's inbox through the seat
    assert letter_selectors.visible_letters(world.expert).filter(pk=letter.pk).exists()


def test_absences_report_who_acts_for_whom(world):
    # given the expert acts for the manager now, and the other will act for the clerk next week
    row = appoint(world)
    appoint(world, user=world.other, position=world.clerk_pos, starts=7 * 24 * HOUR, ends=8 * 24 * HOUR)
    # when absences are asked for all three positions
    found = selectors.absences([world.manager_pos.id, world.clerk_pos.id, world.other_pos.id])
    # then only the manager's position is reported, with its acting user and until when
    assert set(found) == {world.manager_pos.id}
    assert found[world.manager_pos.id]["acting_user"] == str(world.expert)
    assert found[world.manager_pos.id]["until"] == row.ends_at


def test_holders_lists_current_holders(world):
    assert selectors.holders([world.manager_pos.id, world.expert_pos.id]) == {
        world.manager_pos.id: str(world.manager), world.expert_pos.id: str(world.expert)}


def test_an_ended_holder_loses_the_seat(world):
    # given the other's holding ended an hour ago
    Assignment.objects.filter(user=world.other).update(
        starts_at=timezone.now() - 48 * HOUR, ends_at=timezone.now() - HOUR)
    # then they have no seat and services refuse them
    assert selectors.seats_of(world.other) == []
    letter = register_incoming(world)
    with pytest.raises(NotAllowed):
        services.create_folder(user=world.other, seat=Seat(world.other_pos, False), code="1", title="پرونده")
    assert letter.pk


def test_held_seats_come_before_acted_ones(world):
    import datetime as dt

    from django.utils import timezone

    from dabir.orgs.selectors import seats_of
    from dabir.orgs.services import appoint_acting

    now = timezone.now()
    appoint_acting(position=world.manager_pos, user=world.expert, starts_at=now - dt.timedelta(hours=1),
                   ends_at=now + dt.timedelta(days=3), actor=world.manager)
    seats = seats_of(world.expert)
    assert [s.as_acting for s in seats] == [False, True]
    assert seats[0].position == world.expert_pos
