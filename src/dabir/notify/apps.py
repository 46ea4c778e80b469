from django.apps import AppConfig
from django.conf import settings


class NotifyConfig(AppConfig):
    name = "dabir.notify"
    label = "notify"
    verbose_name = "پیامک و اطلاع‌رسانی"

    def ready(self):
        from dabir.core import periodic

        from . import digest, mail

        # The worker sends the daily digests that are due (each user's hour) and re-enqueues notice
        # e-mails whose retry is due, as `dabir sms-retry` does for both outboxes.
        periodic.register("notify-digest", digest.send_due, seconds=lambda: settings.DABIR_NOTIFY_DIGEST_SECONDS)
        periodic.register("notify-mail-retry", mail.requeue_due, seconds=lambda: 60)
