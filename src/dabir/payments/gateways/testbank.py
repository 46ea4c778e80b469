"""The built-in test bank: a simulated gateway for the demo, with its own ledger (TestBankTransaction).

Its payment page lives at /payments/testbank/<authority>/. Verification reads the bank's ledger
directly (calling our own server over HTTP from inside a request would deadlock a one-worker server),
through the same Gateway interface as a real bank.
"""

import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ..models import TestBankStatus, TestBankTransaction
from .base import Gateway, VerifyResult


class TestBankGateway(Gateway):
    __test__ = False
    name = "testbank"

    def start(self, payment) -> str:
        authority = "TB" + secrets.token_hex(12).upper()
        with transaction.atomic():
            TestBankTransaction.objects.create(
                authority=authority,
                merchant=settings.DABIR_PAYMENT_MERCHANT_NAME,
                amount_rials=payment.amount_rials,
                description=payment.description[:200],
                callback_url=payment.callback_url,
            )
        payment.authority = authority
        return reverse("payments:testbank", args=[authority])

    def verify(self, payment, params: dict) -> VerifyResult:
        with transaction.atomic():
            txn = TestBankTransaction.objects.select_for_update().filter(authority=payment.authority).first()
            if txn is None:
                return VerifyResult(False, message="بانک تراکنشی با این شناسه نمی‌شناسد.")
            if txn.status != TestBankStatus.PAID:
                return VerifyResult(False, message="بانک پرداخت این تراکنش را تأیید نکرد؛ مبلغی کسر نشده است.")
            if txn.amount_rials != payment.amount_rials:
                return VerifyResult(False, message="مبلغ پرداخت‌شده با مبلغ درخواست نمی‌خواند؛ پرداخت پذیرفته نشد.")
            already = txn.verified
            if not already:
                txn.verified = True
                txn.verified_at = timezone.now()
                txn.save(update_fields=["verified", "verified_at"])
        return VerifyResult(True, ref_id=txn.ref_id or "", card_mask=txn.card_mask,
                            message="پرداخت از سوی بانک تأیید شد.", already_verified=already)
