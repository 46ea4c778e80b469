from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dabir.accounts"
    label = "accounts"
    verbose_name = "حساب‌ها"
