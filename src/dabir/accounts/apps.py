from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dabir.accounts"
    label = "accounts"
    verbose_name = "حساب‌ها"

    def ready(self):
        from dabir.core import cleanup

        cleanup.register_expired("codes", "expired one-time code(s)", "code(s)", _expired_codes)


def _expired_codes(now):
    # A day after expiry: the rate limits look back one hour only, so these rows count for nothing.
    import datetime as dt

    from .models import OneTimeCode

    return OneTimeCode.objects.filter(expires_at__lt=now - dt.timedelta(days=1))
