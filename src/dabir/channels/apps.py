from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "dabir.channels"
    label = "channels"
    verbose_name = "ایمیل، نمابر، پست و نویسه‌خوانی"

    def ready(self):
        # Each part registers its hooks in its own module (outlets for dispatch by e-mail, fax and
        # post, the OCR of new attachments, the worker's mailbox polls, the address book's names).
        from . import hooks

        hooks.connect()
