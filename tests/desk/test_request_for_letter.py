"""The desk panel on a letter page finds its request through the desk's one access policy
(desk.policy.staff_requests), not a rule of its own: a referral alone does not show a request whose
letter the user may no longer see."""

import pytest

from dabir.desk import selectors
from dabir.letters import policy as letters_policy
from dabir.letters.models import Access, Classification, Letter
from dabir.orgs.selectors import position_ids_of

from .test_services import make_citizen, setup_desk, submit

pytestmark = pytest.mark.django_db


def test_the_referred_expert_finds_the_request_of_a_letter_they_see(world):
    req = submit(setup_desk(world), make_citizen())
    assert selectors.request_for_letter(world.expert, req.letter) == req


def test_a_referral_to_a_letter_made_confidential_no_longer_shows_its_request(world):
    req = submit(setup_desk(world), make_citizen())
    Letter.objects.filter(pk=req.letter_id).update(classification=Classification.CONFIDENTIAL)
    # The expert keeps the referral and its recipient access only: not on the letter's chain.
    Access.objects.filter(letter=req.letter, position_id__in=position_ids_of(world.expert)).exclude(
        reason=Access.Reason.RECIPIENT).delete()
    req.letter.refresh_from_db()
    assert not letters_policy.can_see(world.expert, req.letter)  # a recipient only, not on its chain
    assert selectors.request_for_letter(world.expert, req.letter) is None


def test_someone_never_referred_sees_no_request(world):
    req = submit(setup_desk(world), make_citizen())
    assert selectors.request_for_letter(world.other, req.letter) is None
