"""The exchange in the admin: every changelist loads, members and inquiry types are saved through
the services (audited, refusals shown on the form), the log is read-only, credentials are revoked
by an action and never show their private key."""

import pytest
from django.contrib import admin

from dabir.core.models import AuditEntry
from dabir.exchange.models import (
    Arrival,
    Credential,
    Delivery,
    Inquiry,
    InquiryType,
    Member,
    Message,
    Refusal,
    Transfer,
)
from dabir.letters import services as letters
from dabir.orgs.services import make_agency_admin

from ..factories import make_registered, make_user
from .conftest import drain

MODELS = [Member, Credential, Message, Refusal, Transfer, Delivery, Arrival, InquiryType, Inquiry]
SCHEMA = {"type": "object", "properties": {"code": {"type": "string", "title": "کد"}}, "required": ["code"]}


def _url(model, view="changelist", *args):
    from django.urls import reverse

    return reverse(f"admin:exchange_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def superuser(db):
    return make_user(is_staff=True, is_superuser=True)


@pytest.fixture
def busy(pair):
    """A letter sent and a refusal logged, so every table has rows."""
    letter = make_registered(pair.a, kind="outgoing", to=[pair.b.agency.name])
    letters.dispatch(user=pair.a.clerk, letter=letter, channel="network")
    drain()
    from dabir.exchange import services

    try:
        services.receive(b"<x/>")
    except Exception:  # noqa: BLE001 - the refusal itself is what we want logged
        pass
    InquiryType.objects.create(code="t1", name="نوع آزمون", member=pair.mb, question_schema=SCHEMA,
                               answer_schema=SCHEMA)
    return pair


def test_every_exchange_model_is_registered_and_its_changelist_loads(client, busy, superuser):
    client.force_login(superuser)
    for model in MODELS:
        assert model in admin.site._registry, model
        response = client.get(_url(model))
        assert response.status_code == 200, model
    assert client.get(_url(Message), {"q": "x"}).status_code == 200


def test_the_message_log_is_read_only(client, busy, superuser):
    client.force_login(superuser)
    message = Message.objects.first()
    assert client.get(_url(Message, "change", message.pk)).status_code == 200
    assert client.post(_url(Message, "change", message.pk), {"sender": "x"}).status_code == 403
    assert client.post(_url(Message, "delete", message.pk), {"post": "yes"}).status_code == 403
    assert client.get(_url(Message, "add")).status_code == 403
    message.refresh_from_db()
    assert Message.objects.filter(pk=message.pk, sender=message.sender).exists()


def test_an_agency_admin_sees_their_agencys_messages_only_and_no_refusals(client, busy):
    admin_user = make_user(is_staff=True)
    make_agency_admin(actor=None, user=admin_user, agency=busy.a.agency)
    client.force_login(admin_user)
    page = client.get(_url(Message)).content.decode()
    assert page.count('<tr><th class="field-created_at') == Message.objects.filter(sender=busy.ma.code).count() + \
        Message.objects.filter(receiver=busy.ma.code).count()
    assert client.get(_url(Refusal)).status_code == 403
    assert client.get(_url(Member, "add")).status_code == 403
    # an arrival names a letter's subject: only the receiving secretariat's clerks see it, not its admin
    admin_b = make_user(is_staff=True)
    make_agency_admin(actor=None, user=admin_b, agency=busy.b.agency)
    client.force_login(admin_b)
    assert Arrival.objects.exists() and "/admin/exchange/arrival/" + str(Arrival.objects.get().pk) not in \
        client.get(_url(Arrival)).content.decode()


def test_a_member_is_saved_through_the_service_and_refusals_show_on_the_form(client, db, superuser):
    client.force_login(superuser)
    bad = client.post(_url(Member, "add"), {"code": "peer.x", "name": "دستگاه دور", "server_url": "",
                                            "active": "on"})
    assert bad.status_code == 200 and "https://" in bad.content.decode()
    assert not Member.objects.exists()
    ok = client.post(_url(Member, "add"), {"code": "Peer.X", "name": "دستگاه دور",
                                           "server_url": "https://peer.example/exchange/v1/messages",
                                           "active": "on"})
    assert ok.status_code == 302
    member = Member.objects.get()
    assert member.code == "peer.x" and member.source == Member.Source.LOCAL
    assert AuditEntry.objects.filter(action="exchange.save_member", object_id=str(member.pk)).exists()
    changed = client.post(_url(Member, "change", member.pk), {"name": "دستگاه دور تازه",
                                                              "server_url": "https://peer.example/x", "active": ""})
    assert changed.status_code == 302
    member.refresh_from_db()
    assert (member.name, member.active, Member.objects.count()) == ("دستگاه دور تازه", False, 1)


def test_credentials_hide_the_key_and_are_revoked_by_the_action(client, pair, superuser):
    client.force_login(superuser)
    credential = Credential.objects.get(member=pair.ma)
    page = client.get(_url(Credential, "change", credential.pk)).content.decode()
    assert "PRIVATE KEY" not in page and "private_key" not in page
    assert credential.fingerprint in page
    response = client.post(_url(Credential), {"action": "revoke", "_selected_action": [credential.pk]})
    assert response.status_code == 302
    credential.refresh_from_db()
    pair.ma.refresh_from_db()
    assert credential.revoked_at is not None and pair.ma.revoked_at is not None
    assert AuditEntry.objects.filter(action="exchange.revoke_credential").exists()


def test_an_inquiry_type_with_a_bad_schema_is_refused_and_a_good_one_saved(client, pair, superuser):
    client.force_login(superuser)
    data = {"code": "nid", "name": "استعلام کد ملی", "member": pair.mb.pk, "description": "", "deadline_hours": 24,
            "responder": "", "question_schema": '{"type": "object", "properties": {"a": {"type": 12}}}',
            "answer_schema": '{"type": "object"}'}
    bad = client.post(_url(InquiryType, "add"), data)
    assert bad.status_code == 200 and "شِما درست نیست" in bad.content.decode()
    assert not InquiryType.objects.exists()
    data["question_schema"] = '{"type": "object", "properties": {"a": {"type": "string"}}}'
    assert client.post(_url(InquiryType, "add"), data).status_code == 302
    kind = InquiryType.objects.get()
    assert AuditEntry.objects.filter(action="exchange.save_inquiry_type", object_id=str(kind.pk)).exists()
