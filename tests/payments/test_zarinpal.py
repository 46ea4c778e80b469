"""The Zarinpal v4 gateway against a local server that speaks Zarinpal's protocol."""

import pytest

from dabir.core.errors import DomainError
from dabir.core.models import AuditEntry
from dabir.payments import services
from dabir.payments.models import Payment, PaymentStatus

from .conftest import MERCHANT

pytestmark = pytest.mark.django_db


def _start(amount=1_250_000):
    return services.start_payment(purpose="test.fee", object_id="7", amount_rials=amount, payer_mobile="09123456789",
                                  callback_url="/services/requests/7/paid/", description="هزینه صدور گواهی")


def _return(payment, status="OK"):
    return services.complete_payment(payment_token=payment.token,
                                     params={"token": payment.token, "Authority": payment.authority, "Status": status})


def _calls(fake, name):
    return [r for r in fake.server.requests if r.path.endswith(f"/{name}.json")]


def test_request_sends_the_documented_fields_and_redirects_to_startpay(zarinpal):
    payment, url = _start()
    [req] = _calls(zarinpal, "request")
    assert req.method == "POST" and req.path == "/pg/v4/payment/request.json"
    assert req.json == {
        "merchant_id": MERCHANT, "amount": 1_250_000, "currency": "IRR",
        "callback_url": f"https://dabir.example.ir/services/requests/7/paid/?token={payment.token}",
        "description": "هزینه صدور گواهی", "metadata": {"mobile": "09123456789"},
    }
    assert payment.authority == "A00000000000000000000000000000000001"
    assert url == f"{zarinpal.server.url}/pg/StartPay/{payment.authority}"
    assert payment.gateway == "zarinpal" and payment.status == PaymentStatus.PENDING


@pytest.mark.parametrize("mode, text", [("-9", "نادرست"), ("-11", "فعال نیست"), ("500", "در دسترس نیست"),
                                        ("timeout", "در دسترس نیست")])
def test_a_refused_or_unreachable_request_opens_no_payment(zarinpal, mode, text):
    zarinpal.request_mode = mode
    with pytest.raises(DomainError) as err:
        _start()
    assert text in err.value.message
    assert not Payment.objects.exists()


def test_code_100_pays_with_ref_id_and_card(zarinpal, paid_calls):
    payment, _ = _start()
    done = _return(payment)
    assert done.is_paid and done.ref_id == "202" and done.card_mask == "502229******5995"
    [req] = _calls(zarinpal, "verify")
    assert req.json == {"merchant_id": MERCHANT, "amount": 1_250_000, "authority": payment.authority}
    assert paid_calls == [done]
    # Replayed: no second verify call, same answer.
    assert _return(payment).ref_id == "202"
    assert len(_calls(zarinpal, "verify")) == 1 and len(paid_calls) == 1


def test_code_101_already_verified_counts_once(zarinpal, paid_calls):
    zarinpal.verify_mode = "101"
    payment, _ = _start()
    done = _return(payment)
    assert done.is_paid and done.ref_id == "202"
    entry = AuditEntry.objects.get(action="payment.paid", object_id=str(payment.pk))
    assert entry.data["already_verified"] is True
    assert len(paid_calls) == 1


def test_the_same_bank_reference_is_never_counted_for_two_payments(zarinpal, paid_calls):
    zarinpal.ref_id = 777
    first, _ = _start()
    second, _ = _start()
    assert _return(first).is_paid
    again = _return(second)
    assert again.status == PaymentStatus.FAILED and "پیش‌تر" in again.last_message
    assert [p.pk for p in paid_calls] == [first.pk]


@pytest.mark.parametrize("mode, text", [("-51", "ناموفق"), ("-54", "نامعتبر"), ("-9", "نادرست")])
def test_error_codes_fail_the_payment_with_a_persian_message(zarinpal, paid_calls, mode, text):
    payment, _ = _start()
    zarinpal.verify_mode = mode
    done = _return(payment)
    assert done.status == PaymentStatus.FAILED and text in done.last_message
    assert not done.is_paid and paid_calls == []


def test_amount_mismatch_code_50(zarinpal, paid_calls):
    payment, _ = _start()
    zarinpal.paid_amount[payment.authority] = 10_000  # the payer paid another amount
    done = _return(payment)
    assert done.status == PaymentStatus.FAILED and "مبلغ" in done.last_message
    assert paid_calls == []


@pytest.mark.parametrize("mode", ["500", "timeout"])
def test_an_unreachable_bank_leaves_the_payment_pending_until_a_later_return(zarinpal, paid_calls, mode):
    payment, _ = _start()
    zarinpal.verify_mode = mode
    waiting = _return(payment)
    assert waiting.status == PaymentStatus.PENDING and waiting.verify_attempts == 1
    assert "پاسخ نداد" in waiting.last_message
    zarinpal.verify_mode = "101"  # the bank had in fact confirmed it
    done = _return(payment)
    assert done.is_paid and done.verify_attempts == 2 and len(paid_calls) == 1


def test_nok_cancels_without_asking_the_bank(zarinpal, paid_calls):
    payment, _ = _start()
    done = _return(payment, status="NOK")
    assert done.status == PaymentStatus.CANCELLED and "لغو" in done.last_message
    assert _calls(zarinpal, "verify") == []


def test_the_return_page_through_http(zarinpal, client):
    payment, _ = _start()
    response = client.get("/payments/return/", {"token": payment.token, "Authority": payment.authority, "Status": "OK"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "پرداخت انجام شد" in page and "۱٬۲۵۰٬۰۰۰ ریال" in page and "۱۲۵٬۰۰۰ تومان" in page
