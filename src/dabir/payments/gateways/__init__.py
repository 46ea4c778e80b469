"""Payment gateways, chosen by settings.DABIR_PAYMENT_GATEWAY ("testbank" or "zarinpal")."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .base import Gateway, GatewayError, VerifyResult
from .testbank import TestBankGateway
from .zarinpal import ZarinpalGateway

__all__ = ["Gateway", "GatewayError", "TestBankGateway", "VerifyResult", "ZarinpalGateway", "get_gateway"]


def get_gateway(name: str | None = None) -> Gateway:
    name = name or settings.DABIR_PAYMENT_GATEWAY or "testbank"
    if name == "testbank":
        return TestBankGateway()
    if name == "zarinpal":
        return ZarinpalGateway(
            merchant_id=settings.DABIR_ZARINPAL_MERCHANT_ID,
            base_url=settings.DABIR_ZARINPAL_BASE_URL,
            timeout=settings.DABIR_PAYMENT_TIMEOUT,
        )
    raise ImproperlyConfigured(f"Unknown DABIR_PAYMENT_GATEWAY {name!r}: use 'testbank' or 'zarinpal'.")
