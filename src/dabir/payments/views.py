"""Payment pages, thin: the built-in test bank's page, the generic return from the bank, a receipt.

GET  /payments/testbank/<authority>/   the simulated bank's payment page
POST /payments/testbank/<authority>/   «پرداخت» (with a card number) or «انصراف»; back to the callback
GET  /payments/return/?token=…         the generic return address: verify, then show the outcome
GET  /payments/receipt/<token>/        the payment's outcome, by its random token
"""

from django.conf import settings
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from dabir.core.errors import DomainError

from . import services
from .models import TestBankStatus
from .money import rials_and_tomans


def _error(request, exc: DomainError):
    return render(request, "payments/error.html", {"message": exc.message}, status=exc.status)


@never_cache
@require_http_methods(["GET", "POST"])
def testbank(request, authority: str):
    try:
        txn = services.testbank_transaction(authority)
    except DomainError as exc:
        return _error(request, exc)
    context = {"txn": txn, "amount": rials_and_tomans(txn.amount_rials), "card_number": "",
               "merchant": txn.merchant or settings.DABIR_PAYMENT_MERCHANT_NAME,
               "done": txn.status != TestBankStatus.STARTED}
    if context["done"]:  # paid or cancelled already: only the way back remains
        status = "OK" if txn.status == TestBankStatus.PAID else "NOK"
        context["return_url"] = services.with_query(txn.callback_url, authority=txn.authority, status=status)
        if request.method == "POST":
            return redirect(context["return_url"])
    if request.method == "GET":
        return render(request, "payments/testbank.html", context)
    try:
        if request.POST.get("action") == "cancel":
            return redirect(services.testbank_cancel(authority=txn.authority))
        return redirect(services.testbank_pay(authority=txn.authority, card_number=request.POST.get("card_number", "")))
    except DomainError as exc:
        context.update(error=exc.message, card_number=request.POST.get("card_number", "")[:40])
        return render(request, "payments/testbank.html", context, status=400)


@never_cache
@require_GET
def payment_return(request):
    try:
        payment = services.complete_payment(payment_token=request.GET.get("token", ""), params=request.GET.dict())
    except DomainError as exc:
        return _error(request, exc)
    return render(request, "payments/result.html", {"payment": payment, "amount": rials_and_tomans(payment.amount_rials)})


@never_cache
@require_GET
def receipt(request, token: str):
    try:
        payment = services.get_payment(token)
    except DomainError as exc:
        return _error(request, exc)
    return render(request, "payments/result.html", {"payment": payment, "amount": rials_and_tomans(payment.amount_rials)})
