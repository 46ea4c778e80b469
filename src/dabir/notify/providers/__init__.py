"""SMS providers, chosen by settings.DABIR_SMS_PROVIDER ("dev" or "kavenegar")."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .base import DeliveryStatus, ProviderError, ProviderResult, SmsProvider
from .dev import DevProvider
from .kavenegar import KavenegarProvider

__all__ = ["DeliveryStatus", "DevProvider", "KavenegarProvider", "ProviderError", "ProviderResult",
           "SmsProvider", "get_provider"]


def get_provider(name: str | None = None) -> SmsProvider:
    name = name or settings.DABIR_SMS_PROVIDER or "dev"
    if name == "dev":
        return DevProvider()
    if name == "kavenegar":
        return KavenegarProvider(
            api_key=settings.DABIR_KAVENEGAR_API_KEY,
            sender=settings.DABIR_KAVENEGAR_SENDER,
            base_url=settings.DABIR_KAVENEGAR_BASE_URL,
            timeout=settings.DABIR_SMS_TIMEOUT,
        )
    raise ImproperlyConfigured(f"Unknown DABIR_SMS_PROVIDER {name!r}: use 'dev' or 'kavenegar'.")
