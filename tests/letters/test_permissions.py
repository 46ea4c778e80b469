"""Who may act and who may see: positions held or acted for, secretariat clerks, classification."""

import pytest

from dabir.core.errors import NotAllowed, NotFound
from dabir.core.models import AuditEntry
from dabir.letters import services
from dabir.letters.models import Letter, Status
from dabir.letters.selectors import get_visible_letter, to_register, visible_letters
from dabir.orgs.selectors import Seat, seat_for

from ..factories import (
    make_draft,
    make_position,
    make_registered,
    make_signed,
    make_user,
    make_world,
    register_incoming,
)


def sees(user, letter) -> bool:
    return visible_letters(user).filter(pk=letter.pk).exists()


def viewers(world, letter, *extra) -> dict[str, bool]:
    users = {"clerk": world.clerk, "manager": world.manager, "expert": world.expert, "other": world.other}
    users.update(dict(extra))
    return {name: sees(user, letter) for name, user in users.items()}


# ---------------------------------------------------------------- acting through positions


def test_seat_for_refuses_a_position_the_user_does_not_hold(world):
    # when the expert asks for the manager's seat
    with pytest.raises(NotAllowed) as refused:
        seat_for(world.expert, world.manager_pos.id)
    # then it is refused in Persian, naming the position field
    assert refused.value.field == "position" and "سمت" in refused.value.message
    assert seat_for(world.expert, world.expert_pos.id) == Seat(world.expert_pos, False)


def test_services_refuse_a_seat_the_user_does_not_hold(world):
    # given a letter in the manager's inbox
    letter = register_incoming(world, refer_to=[services.ReferralSpec(world.manager_pos.id)])
    referral = letter.referrals.get()
    entries = AuditEntry.objects.count()
    # when the expert passes the manager's seat to services
    for call in (
        lambda: services.mark_read(user=world.expert, seat=Seat(world.manager_pos, False), referral=referral),
        lambda: services.refer(user=world.expert, seat=Seat(world.manager_pos, False), letter=letter,
                               targets=[services.ReferralSpec(world.other_pos.id)]),
        lambda: services.close_letter(user=world.expert, seat=Seat(world.manager_pos, True), letter=letter,
                                      note="بسته شد"),
        lambda: make_draft(world, author=world.expert, author_pos=world.manager_pos),
    ):
        with pytest.raises(NotAllowed):
            call()
    # then nothing was written
    assert AuditEntry.objects.count() == entries
    referral.refresh_from_db()
    assert referral.status == "unread"


# ---------------------------------------------------------------- secretariat clerks


def test_only_its_clerks_register_in_a_secretariat(world):
    # given a clerk of another agency's secretariat, and a holder who is no clerk
    stranger = make_world()
    for user in (stranger.clerk, world.manager):
        # when they register an incoming letter in this secretariat
        with pytest.raises(NotAllowed) as refused:
            register_incoming(world, user=user, seat=None)
        # then it is refused, naming the secretariat
        assert refused.value.field == "secretariat"
    assert not Letter.objects.filter(secretariat=world.secretariat).exists()


def test_only_its_clerks_number_and_void_its_letters(world):
    stranger = make_world()
    letter = make_signed(world)
    with pytest.raises(NotAllowed):
        services.register_letter(user=stranger.clerk, letter=letter)
    with pytest.raises(NotAllowed):
        services.register_letter(user=world.manager, letter=letter)
    with pytest.raises(NotAllowed):
        services.register_letter(user=world.clerk, letter=letter, secretariat=stranger.secretariat)
    letter.refresh_from_db()
    assert (letter.status, letter.seq) == (Status.APPROVED, None)
    # when its own clerk registers it, only that clerk (not the stranger) may void it
    services.register_letter(user=world.clerk, letter=letter)
    letter.refresh_from_db()
    with pytest.raises(NotAllowed):
        services.void_letter(user=stranger.clerk, letter=letter, reason="ابطال")
    letter.refresh_from_db()
    assert letter.status == Status.REGISTERED
    assert list(to_register(world.clerk)) == [] and list(to_register(stranger.clerk)) == []


def test_a_clerk_of_two_secretariats_registers_in_both(world):
    stranger = make_world()
    stranger.secretariat.clerks.add(world.clerk)
    letter = register_incoming(world, secretariat=stranger.secretariat, seat=None)
    assert letter.agency == stranger.agency and letter.seq == 1


# ---------------------------------------------------------------- visibility by classification


@pytest.mark.parametrize("classification", ["restricted", "confidential", "secret", "top_secret"])
def test_a_classified_incoming_letter_is_seen_only_along_its_chain(world, classification):
    # given a classified letter registered by the clerk and referred to the manager
    stranger = make_world()
    letter = register_incoming(world, classification=classification,
                               refer_to=[services.ReferralSpec(world.manager_pos.id)])
    # then its secretariat's clerk and the manager see it; nobody else does
    assert viewers(world, letter, ("stranger clerk", stranger.clerk)) == {
        "clerk": True, "manager": True, "expert": False, "other": False, "stranger clerk": False}
    with pytest.raises(NotFound):
        get_visible_letter(world.expert, letter.pk)
    # when the manager refers it to the expert, the expert joins the chain; the other still does not
    services.refer(user=world.manager, seat=Seat(world.manager_pos, False), letter=letter,
                   targets=[services.ReferralSpec(world.expert_pos.id)])
    assert viewers(world, letter) == {"clerk": True, "manager": True, "expert": True, "other": False}


def test_a_classified_outgoing_letter_is_not_seen_by_a_mere_cc(world):
    # given a confidential outgoing letter by the other, signed by the manager, copied to the expert's position
    letter = make_registered(world, kind="outgoing", author=world.other, author_pos=world.other_pos,
                             to=["شهرداری اهواز"], cc=[world.expert_pos.id], classification="confidential")
    # then author, signer and secretariat see it; the CC position does not
    assert viewers(world, letter) == {"clerk": True, "manager": True, "expert": False, "other": True}


def test_an_unclassified_outgoing_letter_is_seen_by_its_cc(world):
    letter = make_registered(world, kind="outgoing", author=world.other, author_pos=world.other_pos,
                             to=["شهرداری اهواز"], cc=[world.expert_pos.id])
    assert viewers(world, letter) == {"clerk": True, "manager": True, "expert": True, "other": True}


def test_a_classified_internal_letter_reaches_only_its_recipients(world):
    # given a fifth position that is neither author, signer, recipient nor clerk
    bystander = make_user()
    make_position(world.unit, "بازرس", holder=bystander)
    # when a secret internal letter from the expert to the other is signed and registered
    letter = make_registered(world, kind="internal", to=[world.other_pos.id], classification="secret")
    # then the recipient sees it through its referral; the bystander does not
    assert viewers(world, letter, ("bystander", bystander)) == {
        "clerk": True, "manager": True, "expert": True, "other": True, "bystander": False}


def test_drafts_and_letters_awaiting_signature_are_hidden_from_the_secretariat(world):
    # given a draft by the expert (its secretariat already chosen)
    letter = make_draft(world)
    assert letter.secretariat == world.secretariat
    # then only its author sees it
    assert viewers(world, letter) == {"clerk": False, "manager": False, "expert": True, "other": False}
    # when it is submitted, the signer sees it, still not the secretariat
    services.submit_for_signature(user=world.expert, seat=Seat(world.expert_pos, False), letter=letter)
    assert viewers(world, letter) == {"clerk": False, "manager": True, "expert": True, "other": False}
    # when it is approved, the secretariat sees it to number it
    services.approve(user=world.manager, seat=Seat(world.manager_pos, False), letter=letter)
    assert sees(world.clerk, letter)
    assert list(to_register(world.clerk)) == [letter]


def test_anonymous_users_see_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    register_incoming(world)
    assert not visible_letters(AnonymousUser()).exists()
    assert not visible_letters(None).exists()
