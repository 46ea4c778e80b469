"""The built-in test bank end to end through real pages: pay, cancel, replay, forged and tampered returns."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import transaction

from dabir.core import audit
from dabir.core.errors import DomainError
from dabir.core.models import AuditEntry
from dabir.payments import services
from dabir.payments.models import Payment, PaymentStatus, TestBankTransaction

pytestmark = pytest.mark.django_db

CARD = "۶۰۳۷-۹۹۷۵-۹۹۱۹-۹۲۳۰"


def _start(amount=500_000, callback="/payments/return/"):
    return services.start_payment(purpose="test.fee", object_id="42", amount_rials=amount,
                                  payer_mobile="۰۹۱۲۳۴۵۶۷۸۹", callback_url=callback,
                                  description="هزینه پروانه ساختمان")


def _pay(client, url, card=CARD):
    response = client.post(url, {"action": "pay", "card_number": card})
    assert response.status_code == 302, response.content.decode()
    return response["Location"]


def test_bank_page_shows_amount_in_rials_and_tomans(client):
    payment, url = _start()
    assert url == f"/payments/testbank/{payment.authority}/"
    page = client.get(url).content.decode()
    assert "۵۰۰٬۰۰۰ ریال" in page and "۵۰٬۰۰۰ تومان" in page
    assert "میز خدمت دبیر" in page and "هزینه پروانه ساختمان" in page
    assert "پرداخت" in page and "انصراف" in page and 'name="card_number"' in page
    assert 'dir="rtl"' in page


def test_happy_path_pays_once_and_replays_count_once(client, paid_calls):
    payment, url = _start()
    assert payment.status == PaymentStatus.PENDING and payment.payer_mobile == "09123456789"
    back = _pay(client, url)
    query = parse_qs(urlsplit(back).query)
    assert urlsplit(back).path == "/payments/return/"
    assert query["token"] == [payment.token] and query["status"] == ["OK"]
    page = client.get(back).content.decode()
    assert "پرداخت انجام شد" in page
    payment.refresh_from_db()
    assert payment.is_paid and payment.paid_at and payment.ref_id
    assert payment.card_mask == "603799******9230"
    assert paid_calls == [payment]
    # The payer refreshes the return page, the browser replays it: counted once.
    for _ in range(2):
        assert "پرداخت انجام شد" in client.get(back).content.decode()
    again = services.complete_payment(payment_token=payment.token, params=query)
    assert again.is_paid and again.ref_id == payment.ref_id and again.verify_attempts == 1
    assert len(paid_calls) == 1
    assert AuditEntry.objects.filter(action="payment.paid", object_id=str(payment.pk)).count() == 1
    assert audit.verify().ok
    # The receipt shows the bank's reference in Persian digits.
    receipt = client.get(f"/payments/receipt/{payment.token}/").content.decode()
    assert "شماره پیگیری بانک" in receipt


def test_cancel_stays_unpaid_and_says_so(client, paid_calls):
    payment, url = _start()
    back = client.post(url, {"action": "cancel"})["Location"]
    assert parse_qs(urlsplit(back).query)["status"] == ["NOK"]
    page = client.get(back).content.decode()
    assert "پرداخت انجام نشد" in page and "هنوز پرداخت نشده" in page
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED and not payment.is_paid and payment.ref_id is None
    # A forged OK afterwards changes nothing.
    forged = services.complete_payment(payment_token=payment.token, params={"status": "OK"})
    assert forged.status == PaymentStatus.CANCELLED
    assert paid_calls == []
    # The bank page now only offers the way back.
    assert "بازگشت به سایت پذیرنده" in client.get(url).content.decode()


def test_a_forged_ok_without_paying_fails_verification(client, paid_calls):
    payment, _ = _start()
    page = client.get("/payments/return/", {"token": payment.token, "status": "OK"}).content.decode()
    assert "پرداخت انجام نشد" in page
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    assert "تأیید نکرد" in payment.last_message
    assert paid_calls == []


def test_amount_mismatch_is_refused(client, paid_calls):
    payment, url = _start(amount=500_000)
    TestBankTransaction.objects.filter(authority=payment.authority).update(amount_rials=5_000)  # the bank took less
    client.get(_pay(client, url))
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED and "مبلغ" in payment.last_message
    assert paid_calls == []


def test_a_bad_card_number_keeps_what_was_typed(client):
    payment, url = _start()
    response = client.post(url, {"action": "pay", "card_number": "۱۲۳۴ ۵۶۷۸"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "شماره کارت باید ۱۶ رقم" in page and 'value="۱۲۳۴ ۵۶۷۸"' in page
    assert TestBankTransaction.objects.get(authority=payment.authority).status == "started"


def test_unknown_token_and_authority_get_persian_404_pages(client):
    for url in ["/payments/return/?token=nope&status=OK", "/payments/return/", "/payments/receipt/nope/",
                "/payments/testbank/TBNOPE/"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "یافت نشد" in response.content.decode()
    assert client.post("/payments/testbank/TBNOPE/", {"action": "pay"}).status_code == 404


def test_a_return_for_another_bank_session_is_refused(client):
    payment, url = _start()
    other, _ = _start()
    response = client.get("/payments/return/", {"token": payment.token, "authority": other.authority, "status": "OK"})
    assert response.status_code == 400 and "نمی‌خواند" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


def test_a_failing_on_paid_hook_leaves_the_payment_pending_and_a_retry_counts_once(client):
    calls = []

    def flaky(payment):
        calls.append(payment.pk)
        if len(calls) == 1:
            raise RuntimeError("desk was down")

    services.on_paid("test.fee", flaky)
    try:
        payment, url = _start()
        back = _pay(client, url)
        params = parse_qs(urlsplit(back).query)
        page = client.get(back).content.decode()
        assert "هنوز تأیید نشده" in page and "ثبت آن کامل نشد" in page
        payment.refresh_from_db()
        assert payment.status == PaymentStatus.PENDING and payment.ref_id is None
        assert TestBankTransaction.objects.get(authority=payment.authority).verified
        done = services.complete_payment(payment_token=payment.token, params=params)
        assert done.is_paid and calls == [payment.pk, payment.pk]
        assert AuditEntry.objects.filter(action="payment.paid", object_id=str(payment.pk)).count() == 1
    finally:
        services._on_paid.pop("test.fee", None)


@pytest.mark.parametrize("kwargs, field", [
    ({"amount_rials": 0}, "amount_rials"), ({"amount_rials": -5}, "amount_rials"),
    ({"amount_rials": "ده"}, "amount_rials"), ({"payer_mobile": "123"}, "mobile"),
    ({"callback_url": ""}, "callback_url"), ({"purpose": " "}, "purpose"),
])
def test_start_payment_refuses_bad_input_in_persian(kwargs, field):
    args = {"purpose": "test.fee", "object_id": "1", "amount_rials": 1000, "payer_mobile": "09123456789",
            "callback_url": "/payments/return/", **kwargs}
    with pytest.raises(DomainError) as err:
        services.start_payment(**args)
    assert err.value.field == field
    assert not Payment.objects.exists()


def test_amount_in_persian_digits_is_accepted():
    payment, _ = services.start_payment(purpose="test.fee", object_id="1", amount_rials="۱۲۰۰۰", payer_mobile="",
                                        callback_url="/x/?a=1")
    assert payment.amount_rials == 12000
    assert payment.callback_url == f"/x/?a=1&token={payment.token}"


def test_start_inside_a_rolled_back_transaction_leaves_no_payment():
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        _start()
        1 / 0  # noqa: B018
    assert not Payment.objects.exists()
