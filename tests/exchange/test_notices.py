"""The exchange's notice (the bell, issue 13): a letter's delivery that failed for good tells the active
clerks of the sending secretariat, in the transaction that marks it failed; nobody else, and a
classified letter's subject stays out of it."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dabir.core.text import ltr_number
from dabir.exchange import services
from dabir.exchange.models import Transfer, TransferState
from dabir.exchange.names import NoticeKind
from dabir.letters import services as letters
from dabir.notify.models import Notification

from ..factories import make_registered, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def remote(pair):
    """A member on another server that does not answer."""
    return services.save_member(user=None, code="far-away", name="اداره دوردست",
                                server_url="http://127.0.0.1:9/exchange/v1/messages",
                                certificate_pem=pair.ma.certificate_pem)


def _fail_for_good(pair, remote, **letter_fields) -> tuple:
    letter = make_registered(pair.a, kind="outgoing", to=[remote.name], **letter_fields)
    letters.dispatch(user=pair.a.clerk, letter=letter, channel="network")
    transfer = Transfer.objects.get()
    assert services.attempt(transfer.pk) == "retry"
    assert not Notification.objects.filter(kind=NoticeKind.DELIVERY_FAILED).exists()  # a retry is no failure
    Transfer.objects.filter(pk=transfer.pk).update(next_attempt_at=timezone.now(),
                                                   expires_at=timezone.now() + dt.timedelta(seconds=1))
    assert services.attempt(transfer.pk) == "failed"
    return letter, transfer


def test_a_failed_delivery_tells_the_sending_secretariats_active_clerks(pair, remote):
    second = make_user(first_name="نرگس", last_name="دبیرخانه")
    gone = make_user(first_name="کاربر", last_name="غیرفعال", is_active=False)
    pair.a.secretariat.clerks.add(second, gone)
    letter, transfer = _fail_for_good(pair, remote)
    rows = list(Notification.objects.filter(kind=NoticeKind.DELIVERY_FAILED))
    assert {r.user_id for r in rows} == {pair.a.clerk.pk, second.pk}
    notice = rows[0]
    assert ltr_number(letter.number) in notice.title and letter.subject in notice.title and remote.name in notice.title
    assert notice.url == reverse("letter_detail", args=[letter.pk])
    assert notice.related == f"exchange.transfer:{transfer.pk}"
    # the receiving agency's clerks and the letter's writers hear nothing of it
    assert not Notification.objects.filter(kind=NoticeKind.DELIVERY_FAILED,
                                           user__in=[pair.b.clerk, pair.a.expert, pair.a.manager]).exists()


def test_a_retried_then_failed_again_delivery_tells_again(pair, remote):
    letter, transfer = _fail_for_good(pair, remote)
    services.outbox.retry(user=pair.a.clerk, transfer=transfer)
    Transfer.objects.filter(pk=transfer.pk).update(next_attempt_at=timezone.now(),
                                                   expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert services.attempt(transfer.pk) == "skipped"  # expired at its claim: failed there
    transfer.refresh_from_db()
    assert transfer.state == TransferState.FAILED
    assert Notification.objects.filter(kind=NoticeKind.DELIVERY_FAILED, user=pair.a.clerk).count() == 2


def test_a_classified_letters_failure_notice_has_no_subject(pair, remote):
    letter, _ = _fail_for_good(pair, remote, subject="قرارداد محرمانه خرید تجهیزات", classification="restricted")
    notice = Notification.objects.get(kind=NoticeKind.DELIVERY_FAILED, user=pair.a.clerk)
    assert "قرارداد" not in notice.title + notice.body
    assert "محرمانه" in notice.title and ltr_number(letter.number) in notice.title
