from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "dabir.notify"
    label = "notify"
    verbose_name = "پیامک و اطلاع‌رسانی"
