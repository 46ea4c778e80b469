"""A «جهت امضا» referral is the letter's place in its signing chain: only signing or returning ends it.

Its sender cannot withdraw or reassign it while unread, nor can its receiver mark it done, through
the services, the API or the pages; otherwise the letter waits «در انتظار امضا» with nobody to sign.
"""

from django.test import Client
from django.urls import reverse

from dabir.letters import services
from dabir.letters.models import Action, Referral, ReferralStatus, Status

from ..factories import make_draft
from .test_api_helpers import Api, assert_problem


def _awaiting(world):
    letter = make_draft(world)
    services.submit_for_signature(user=world.expert, seat=world.seat(world.expert_pos), letter=letter)
    referral = Referral.objects.get(letter=letter, action=Action.SIGNATURE)
    assert (referral.from_position_id, referral.to_position_id) == (world.expert_pos.id, world.manager_pos.id)
    return letter, referral


def _unchanged(letter, referral, status=ReferralStatus.UNREAD):
    referral.refresh_from_db()
    letter.refresh_from_db()
    assert referral.status == status
    assert letter.status == Status.AWAITING_SIGNATURE
    assert Referral.objects.filter(letter=letter).count() == 1


def test_the_api_refuses_withdraw_reassign_and_done_of_a_signature_referral(world):
    letter, referral = _awaiting(world)
    expert = Api(world.expert)
    assert_problem(expert.post(f"/api/referrals/{referral.id}/withdraw"), 409)
    assert_problem(expert.post(f"/api/referrals/{referral.id}/reassign", {"to_position_id": world.other_pos.id}), 409)
    assert_problem(Api(world.manager).post(f"/api/referrals/{referral.id}/done", {"note": "انجام شد"}), 409)
    _unchanged(letter, referral)
    # the signer still signs it
    services.approve(user=world.manager, seat=world.seat(world.manager_pos), letter=letter)
    letter.refresh_from_db()
    assert letter.status == Status.APPROVED


def test_the_sent_tab_draws_no_withdraw_or_reassign_for_a_signature_referral(world):
    letter, referral = _awaiting(world)
    client = Client()
    client.force_login(world.expert)
    html = client.get(reverse("inbox"), {"tab": "sent"}).content.decode()
    assert letter.subject in html
    assert reverse("referral_withdraw", args=[referral.id]) not in html
    assert reverse("referral_reassign", args=[referral.id]) not in html
    # and posting the forms anyway changes nothing
    client.post(reverse("referral_withdraw", args=[referral.id]))
    client.post(reverse("referral_reassign", args=[referral.id]), {"to_position": world.other_pos.id})
    _unchanged(letter, referral)


def test_the_letter_page_has_no_done_form_for_the_signer_and_its_post_changes_nothing(world):
    letter, referral = _awaiting(world)
    client = Client()
    client.force_login(world.manager)
    html = client.get(reverse("letter_detail", args=[letter.id])).content.decode()
    assert reverse("letter_complete", args=[letter.id]) not in html
    client.post(reverse("letter_complete", args=[letter.id]), {"complete-note": "انجام شد"})
    _unchanged(letter, referral, ReferralStatus.READ)  # opening the page read it; nothing closed it


def test_nobody_refers_a_letter_for_signature_by_hand(world):
    """«جهت امضا» is made only by the signing workflow: a referral or a first referral that asks for it
    would make a signing step no circuit knows, which nothing could then close."""
    from ..factories import make_registered

    letter = make_registered(world)
    clerk = Api(world.clerk)
    before = Referral.objects.filter(letter=letter).count()
    answer = clerk.post(f"/api/letters/{letter.id}/refer", {
        "targets": [{"position_id": world.other_pos.id, "action": "signature"}]})
    assert_problem(answer, 400)
    assert "جهت امضا" in answer.content.decode(), answer.content.decode()
    assert Referral.objects.filter(letter=letter).count() == before
    # and the pages do not offer it
    client = Client()
    client.force_login(world.clerk)
    page = client.get(reverse("refer", args=[letter.id])).content.decode()
    assert 'value="signature"' not in page
    assert 'value="signature"' not in client.get(reverse("register_incoming")).content.decode()
