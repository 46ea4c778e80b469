"""The Kavenegar provider against a local server that speaks Kavenegar's protocol."""

import pytest

from dabir.notify.models import SmsMessage
from dabir.notify.providers import KavenegarProvider, ProviderError, get_provider

from .conftest import API_KEY

TEXT = "درخواست شما با کد رهگیری ۱۲۳۴ ثبت شد."


def _provider(fake, **kw):
    return KavenegarProvider(api_key=API_KEY, sender="10004346", base_url=fake.server.url,
                             timeout=kw.pop("timeout", 0.5), **kw)


def test_send_posts_receptor_message_sender_and_returns_the_message_id(kavenegar):
    result = _provider(kavenegar).send(SmsMessage(mobile="09123456789", text=TEXT))
    assert result.message_id == "8792344"
    assert result.status == "sent"
    assert result.detail == "در صف ارسال"
    [req] = kavenegar.server.requests
    assert req.method == "POST"
    assert req.path == f"/v1/{API_KEY}/sms/send.json"
    assert req.form == {"receptor": "09123456789", "message": TEXT, "sender": "10004346"}


def test_settings_choose_the_provider(kavenegar):
    provider = get_provider()
    assert isinstance(provider, KavenegarProvider)
    assert provider.base_url == kavenegar.server.url
    assert get_provider("dev").name == "dev"


@pytest.mark.parametrize("mode, text", [("411", "گیرنده نامعتبر"), ("412", "ارسال کننده نامعتبر"),
                                        ("418", "اعتبار حساب")])
def test_client_errors_are_permanent_with_the_providers_persian_message(kavenegar, mode, text):
    kavenegar.mode = mode
    with pytest.raises(ProviderError) as err:
        _provider(kavenegar).send(SmsMessage(mobile="09123456789", text=TEXT))
    assert err.value.retryable is False
    assert err.value.code == int(mode)
    assert text in err.value.message


def test_a_wrong_api_key_is_permanent(kavenegar):
    provider = KavenegarProvider(api_key="WRONG", base_url=kavenegar.server.url, timeout=0.5)
    with pytest.raises(ProviderError) as err:
        provider.send(SmsMessage(mobile="09123456789", text=TEXT))
    assert err.value.retryable is False and err.value.code == 403


def test_missing_api_key_is_refused_without_a_request(kavenegar):
    with pytest.raises(ProviderError) as err:
        KavenegarProvider(api_key="", base_url=kavenegar.server.url).send(SmsMessage(mobile="09123456789", text=TEXT))
    assert err.value.retryable is False
    assert kavenegar.server.requests == []


@pytest.mark.parametrize("mode", ["500", "timeout"])
def test_server_errors_and_timeouts_are_retryable(kavenegar, mode):
    kavenegar.mode = mode
    with pytest.raises(ProviderError) as err:
        _provider(kavenegar, timeout=0.3).send(SmsMessage(mobile="09123456789", text=TEXT))
    assert err.value.retryable is True
    assert "کاوه‌نگار" in err.value.message


def test_connection_refused_is_retryable(kavenegar):
    url = kavenegar.server.url
    kavenegar.server.stop()
    with pytest.raises(ProviderError) as err:
        KavenegarProvider(api_key=API_KEY, base_url=url, timeout=0.5).send(SmsMessage(mobile="09123456789", text=TEXT))
    assert err.value.retryable is True


def test_an_answer_that_is_not_json_is_not_trusted(kavenegar):
    kavenegar.mode = "garbage"
    with pytest.raises(ProviderError) as err:
        _provider(kavenegar).send(SmsMessage(mobile="09123456789", text=TEXT))
    assert "نامفهوم" in err.value.message


def test_status_maps_kavenegar_codes(kavenegar):
    kavenegar.delivery = {"11": 10, "12": 11, "13": 4, "14": 14}
    result = _provider(kavenegar).status(["11", "12", "13", "14", "99"])
    assert result["11"].status == "delivered"
    assert result["12"].status == "failed"
    assert result["13"].status == "sent"
    assert result["14"].status == "failed"
    assert "99" not in result  # 100: unknown id
    [req] = kavenegar.server.requests
    assert req.method == "GET" and req.path == f"/v1/{API_KEY}/sms/status.json"
    assert req.query == {"messageid": "11,12,13,14,99"}


@pytest.mark.django_db
def test_an_outbox_message_carries_its_id_as_localid_so_a_resend_is_not_sent_twice(kavenegar, settings):
    """A worker that dies (or whose database write fails) after Kavenegar took the message leaves the
    row "sending"; after DABIR_SMS_STALE_SECONDS it is sent again, with the same localid, which
    Kavenegar answers with the first message instead of sending it again."""
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from dabir.notify import services
    from dabir.notify.models import SmsStatus

    settings.DABIR_SMS_STALE_SECONDS = 30
    with transaction.atomic():
        message = services.queue_sms(mobile="09123456789", text=TEXT)
    assert _provider(kavenegar).send(message).message_id
    SmsMessage.objects.filter(pk=message.pk).update(status=SmsStatus.SENDING, attempts=1,
                                                   claimed_at=timezone.now() - dt.timedelta(seconds=20))
    assert services.requeue_due() == 0  # not stale yet
    SmsMessage.objects.filter(pk=message.pk).update(claimed_at=timezone.now() - dt.timedelta(seconds=31))
    assert services.requeue_due() == 1
    assert services.deliver(message.pk) == SmsStatus.SENT
    first, second = kavenegar.server.requests
    assert first.form["localid"] == second.form["localid"] == str(message.pk)
