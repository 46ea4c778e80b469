"""The access policy on the pages that once leaked: the follow-up list and linked letters (پیرو/عطف).

Given a confidential letter whose chain leaves a viewer out, when the viewer opens a page that lists
or links letters, then nothing of that letter (subject, number) is in the answer, while what the
viewer may see still is.
"""

import datetime as dt
import re

import pytest
from django.test import Client

from dabir.core.jalali import today
from dabir.core.text import to_persian_digits
from dabir.letters import policy, services
from dabir.letters.models import Referral
from tests.factories import make_draft, register_incoming

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


BIDI_CONTROLS = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")


def absent(html: str, *texts: str) -> None:
    """None of the texts, in Latin or Persian digits, even split by the bidi marks numbers are shown with."""
    html = BIDI_CONTROLS.sub("", html)
    for t in texts:
        assert t not in html and to_persian_digits(t) not in html, t


def test_followup_lists_only_letters_the_viewer_may_see_but_counts_all(world):
    # given two overdue referrals in the agency: a confidential letter referred to the finance
    # expert (the manager is not in its chain) and an ordinary one referred to the manager
    secret = register_incoming(world, subject="پرونده محرمانه بازرسی", classification="confidential",
                               refer_to=[services.ReferralSpec(world.other_pos.id)])
    plain = register_incoming(world, subject="درخواست عادی تعمیرات",
                              refer_to=[services.ReferralSpec(world.manager_pos.id)])
    Referral.objects.filter(letter__in=[secret, plain]).update(deadline=today() - dt.timedelta(days=2))
    assert not policy.can_see(world.manager, secret)
    # when the manager opens the follow-up page
    response = client_of(world.manager).get("/followup/")
    html = response.content.decode()
    # then the ordinary letter is listed, the confidential one is counted but not shown
    assert response.status_code == 200
    assert plain.subject in html
    absent(html, secret.subject, secret.number)
    assert response.context["total"] == 2
    # and the clerk of its secretariat, who may see it, finds it listed
    clerk_html = client_of(world.clerk).get("/followup/").content.decode()
    assert secret.subject in clerk_html


def test_letter_page_hides_linked_letters_the_viewer_may_not_see(world):
    # given a confidential incoming letter referred to the expert only
    secret = register_incoming(world, subject="گزارش محرمانه حراست", classification="confidential",
                               refer_to=[services.ReferralSpec(world.expert_pos.id)])
    # and an ordinary letter from the expert «عطف» to it, sent to the manager for signature
    reply = make_draft(world, subject="پاسخ به گزارش", links=[(secret.id, "replies")])
    services.submit_for_signature(user=world.expert, seat=world.seat(world.expert_pos), letter=reply)
    assert policy.can_see(world.manager, reply) and not policy.can_see(world.manager, secret)
    # when the manager opens the reply
    response = client_of(world.manager).get(f"/letters/{reply.id}/")
    # then the page shows the reply but neither the number nor the subject of the linked letter
    assert response.status_code == 200
    html = response.content.decode()
    assert "پاسخ به گزارش" in html
    absent(html, secret.number, secret.subject, f"/letters/{secret.id}/")
    # while the expert, who may see both, gets the link
    assert f"/letters/{secret.id}/" in client_of(world.expert).get(f"/letters/{reply.id}/").content.decode()


def test_letter_page_hides_later_letters_the_viewer_may_not_see(world):
    # given an ordinary letter referred to the manager and the expert
    earlier = register_incoming(world, subject="بخشنامه عادی", refer_to=[
        services.ReferralSpec(world.manager_pos.id), services.ReferralSpec(world.expert_pos.id)])
    # and a confidential draft of the expert «پیرو» it, which the manager has no part in
    later = make_draft(world, subject="طرح محرمانه ویژه", classification="confidential", signer_position_id=None,
                       links=[(earlier.id, "follows")])
    # when the manager opens the earlier letter
    html = client_of(world.manager).get(f"/letters/{earlier.id}/").content.decode()
    # then the later, confidential letter is not named there
    absent(html, later.subject, f"/letters/{later.id}/")
    assert later.subject in client_of(world.expert).get(f"/letters/{earlier.id}/").content.decode()
