"""A signer who writes his own letter signs it from its draft page, through the pages (Django client):
alone, first in a circuit, and later in a circuit. And no list offers a letter its viewer cannot open."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from dabir.letters import policy
from dabir.letters.models import Letter, Status
from tests.factories import make_position, make_user

pytestmark = pytest.mark.django_db

LINK = re.compile(r'href="/letters/(\d+)/"')


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def compose(client, world, subject, **extra) -> Letter:
    data = {"kind": "internal", "subject": subject, "body": "<p>متن نامه</p>", "to": [world.other_pos.id],
            "signer_position": world.manager_pos.id, "urgency": "normal", "classification": "unclassified", **extra}
    response = client.post("/letters/new/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return Letter.objects.get(pk=int(re.search(r"/letters/(\d+)/", response["Location"]).group(1)))


def buttons(html: str) -> dict:
    return {"sign": "bi-pen\"></i> امضا<" in html, "submit": "فرستادن برای امضا" in html}


def test_a_manager_signs_his_own_letter_from_its_draft_page(world):
    manager = client_of(world.manager)
    # given the manager writes a letter to be signed by his own position
    letter = compose(manager, world, "دستور کار جلسه شورا")
    # when he opens the draft, then he is offered «امضا», not «فرستادن برای امضا» to himself
    html = manager.get(f"/letters/{letter.id}/").content.decode()
    assert buttons(html) == {"sign": True, "submit": False}
    # and when he signs it, it goes to the secretariat, signed by him, with no referral to himself
    response = manager.post(f"/letters/{letter.id}/approve/", {"approve-note": ""}, follow=True)
    assert "نامه امضا شد و به دبیرخانه رفت." in response.content.decode()
    letter.refresh_from_db()
    assert letter.status == Status.APPROVED and letter.approved_by == world.manager
    assert not letter.referrals.filter(to_position=world.manager_pos).exists()
    assert letter.signing_steps.get().state == "signed"
    # and the clerk finds it in the registration queue, and the link opens
    clerk = client_of(world.clerk)
    assert f'/letters/{letter.id}/' in clerk.get("/secretariat/").content.decode()
    assert clerk.get(f"/letters/{letter.id}/").status_code == 200


def test_sending_his_own_letter_to_himself_is_refused_with_a_way_forward(world):
    manager = client_of(world.manager)
    letter = compose(manager, world, "دستور کار جلسه")
    response = manager.post(f"/letters/{letter.id}/submit/", {})
    assert response.status_code == 400
    assert "آن را امضا کنید" in response.content.decode()
    assert Letter.objects.get(pk=letter.pk).status == Status.DRAFT


def test_first_in_a_circuit_he_signs_then_the_next_signer_gets_it(world):
    deputy = make_user(first_name="حسن", last_name="معاون")
    deputy_pos = make_position(world.unit, "معاون", holder=deputy, can_sign=True)
    manager = client_of(world.manager)
    # given the manager's letter signed first by him (earlier signer) and then by the deputy (final)
    letter = compose(manager, world, "ابلاغ برنامه", signer_position=deputy_pos.id, earlier_1=world.manager_pos.id)
    assert list(letter.signing_steps.order_by("order").values_list("position_id", flat=True)) == [
        world.manager_pos.id, deputy_pos.id]
    assert buttons(manager.get(f"/letters/{letter.id}/").content.decode()) == {"sign": True, "submit": False}
    manager.post(f"/letters/{letter.id}/approve/", {"approve-note": ""})
    letter.refresh_from_db()
    assert letter.status == Status.AWAITING_SIGNATURE
    # then the deputy holds it «جهت امضا» and signs it from his inbox
    deputy_client = client_of(deputy)
    assert f'/letters/{letter.id}/' in deputy_client.get(reverse("inbox")).content.decode()
    deputy_client.post(f"/letters/{letter.id}/approve/", {"approve-note": ""})
    assert Letter.objects.get(pk=letter.pk).status == Status.APPROVED


def test_later_in_a_circuit_he_sends_it_then_signs_his_own_step(world):
    deputy = make_user(first_name="حسن", last_name="معاون")
    deputy_pos = make_position(world.unit, "معاون", holder=deputy, can_sign=True)
    manager = client_of(world.manager)
    # given the manager's letter signed first by the deputy, last by himself
    letter = compose(manager, world, "گزارش به استاندار", earlier_1=deputy_pos.id)
    assert buttons(manager.get(f"/letters/{letter.id}/").content.decode()) == {"sign": False, "submit": True}
    manager.post(f"/letters/{letter.id}/submit/", {})
    client_of(deputy).post(f"/letters/{letter.id}/approve/", {"approve-note": ""})
    # then his own step comes back to him «جهت امضا», and he signs it
    assert "امضا و تأیید" in manager.get(f"/letters/{letter.id}/").content.decode()
    manager.post(f"/letters/{letter.id}/approve/", {"approve-note": ""})
    assert Letter.objects.get(pk=letter.pk).status == Status.APPROVED


def test_no_list_offers_a_letter_its_viewer_cannot_open(world):
    """Every letter linked from the inbox, sent list and «امضای من» opens for whoever sees the link."""
    deputy = make_user(first_name="حسن", last_name="معاون")
    deputy_pos = make_position(world.unit, "معاون", holder=deputy, can_sign=True)
    manager = client_of(world.manager)
    compose(manager, world, "نامه یک", classification="confidential")
    compose(manager, world, "نامه دو", earlier_1=deputy_pos.id, classification="secret")
    sent = compose(manager, world, "نامه سه", earlier_1=deputy_pos.id)
    manager.post(f"/letters/{sent.id}/submit/", {})
    for user in (world.manager, deputy, world.expert, world.other, world.clerk):
        client = client_of(user)
        for page in ("/", "/inbox/", "/inbox/?tab=sent", "/signing/me/", "/secretariat/", "/followup/"):
            response = client.get(page)
            ids = {int(x) for x in LINK.findall(response.content.decode())}
            for letter_id in ids:
                assert policy.can_see(user, letter_id), (user, page, letter_id)
                assert client.get(f"/letters/{letter_id}/").status_code == 200
