"""The outbox's retries, expiry and alert; the signed directory and its checks."""

import datetime as dt

import pytest
from django.utils import timezone

from dabir.core import audit
from dabir.core.errors import Conflict, DomainError, NotAllowed
from dabir.exchange import envelope, services
from dabir.exchange.models import (
    Arrival,
    Delivery,
    DirectorySnapshot,
    InquiryType,
    Member,
    Transfer,
    TransferState,
)
from dabir.exchange.services._shared import backoff
from dabir.letters import services as letters
from dabir.notify.models import SmsMessage

from ..factories import make_registered, make_world
from .conftest import drain


@pytest.fixture
def remote(pair):
    """A member on another server that does not answer."""
    return services.save_member(user=None, code="far-away", name="اداره دوردست",
                                server_url="http://127.0.0.1:9/exchange/v1/messages",
                                certificate_pem=pair.ma.certificate_pem)


def test_backoff_grows_with_jitter_and_is_capped(settings):
    settings.DABIR_EXCHANGE_RETRY_BASE_SECONDS, settings.DABIR_EXCHANGE_RETRY_MAX_SECONDS = 10, 60
    waits = [backoff(n).total_seconds() for n in range(1, 12) for _ in range(20)]
    assert min(waits) >= 5 and max(waits) <= 60
    assert len({round(w, 3) for w in waits}) > 50  # jitter: not the same wait for every sender


def test_an_unreachable_member_is_retried_then_failed_and_the_secretariat_alerted(pair, remote):
    pair.a.clerk.mobile = "09121234567"
    pair.a.clerk.save()
    letter = make_registered(pair.a, kind="outgoing", to=[remote.name])
    letters.dispatch(user=pair.a.clerk, letter=letter, channel="network")
    transfer = Transfer.objects.get()
    assert services.attempt(transfer.pk) == "retry"
    transfer.refresh_from_db()
    assert transfer.state == TransferState.SENT and transfer.attempts == 1 and "network" in transfer.last_error
    assert transfer.next_attempt_at > timezone.now()
    assert services.attempt(transfer.pk) == "skipped"  # not due yet: no second try before its time
    Transfer.objects.filter(pk=transfer.pk).update(next_attempt_at=timezone.now(),
                                                   expires_at=timezone.now() + dt.timedelta(seconds=1))
    assert services.attempt(transfer.pk) == "failed"
    delivery = Delivery.objects.get()
    assert delivery.state == "failed"
    sms = SmsMessage.objects.get(kind="exchange_failed")
    assert letter.number in sms.text
    # a clerk sends it again: the same message id, queued anew
    services.outbox.retry(user=pair.a.clerk, transfer=transfer)
    transfer.refresh_from_db()
    assert transfer.state == TransferState.QUEUED and transfer.message is not None
    with pytest.raises(NotAllowed):
        services.outbox.retry(user=pair.b.clerk, transfer=transfer)


def test_a_dispatch_to_a_recipient_outside_the_directory_is_refused_whole(pair):
    letter = make_registered(pair.a, kind="outgoing", to=[pair.b.agency.name, "شرکت ناشناس"])
    with pytest.raises(DomainError) as caught:
        letters.dispatch(user=pair.a.clerk, letter=letter, channel="network")
    assert "شرکت ناشناس" in str(caught.value)
    letter.refresh_from_db()
    assert letter.status == "registered" and not Transfer.objects.exists()


def test_a_cc_recipient_gets_a_copy(pair):
    third = services.join_agency(agency=make_world("فرمانداری").agency)
    letter = make_registered(pair.a, kind="outgoing", to=[pair.b.agency.name], cc=[third.name])
    letters.dispatch(user=pair.a.clerk, letter=letter, channel="network")
    drain()
    copies = {a.agency_id: a.is_copy for a in Arrival.objects.all()}
    assert copies == {pair.b.agency.id: False, third.agency_id: True}


def test_every_step_is_in_the_audit_chain(pair):
    letter = make_registered(pair.a, kind="outgoing", to=[pair.b.agency.name])
    letters.dispatch(user=pair.a.clerk, letter=letter, channel="network")
    drain()
    from dabir.core.models import AuditEntry

    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"exchange.queue", "exchange.send", "exchange.receive", "exchange.delivered"} <= actions
    assert audit.verify().ok


def test_the_directory_is_signed_checked_and_never_rolled_back(pair, settings):
    settings.DABIR_EXCHANGE_DIRECTORY_AUTHORITY = True
    InquiryType.objects.create(code="civil.identity", name="استعلام هویت", member=pair.mb,
                               question_schema={"type": "object"}, answer_schema={"type": "object"})
    first = services.publish_directory()
    opened = envelope.open_message(first)
    assert opened.kind == "directory"
    # another server applies it: simulate by making the members remote
    Member.objects.update(agency=None, server_url="https://peer.example/exchange/v1/messages")
    settings.DABIR_EXCHANGE_DIRECTORY_FINGERPRINT = opened.fingerprint
    snapshot = services.import_directory(data=first)
    assert snapshot.members == 2
    assert services.import_directory(data=first) == snapshot  # the same one again changes nothing
    second = services.publish_directory()
    services.import_directory(data=second)
    with pytest.raises(Conflict):
        services.import_directory(data=first)  # older than the applied one
    assert DirectorySnapshot.objects.count() == 2


def test_a_directory_signed_by_another_key_is_refused(pair, settings):
    settings.DABIR_EXCHANGE_DIRECTORY_AUTHORITY = True
    data = services.publish_directory()
    settings.DABIR_EXCHANGE_DIRECTORY_FINGERPRINT = "00" * 32
    with pytest.raises(envelope.Refused) as caught:
        services.import_directory(data=data)
    assert caught.value.code == "directory_signer"
