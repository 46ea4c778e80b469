from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "dabir.channels"
    label = "channels"
    verbose_name = "ایمیل، نمابر، پست و نویسه‌خوانی"

    def ready(self):
        # Each part registers its hooks in its own module (outlets for dispatch by e-mail, fax and
        # post, the OCR of new attachments, the worker's mailbox polls, the address book's names).
        from dabir.core import cleanup

        from . import hooks

        hooks.connect()
        # Every stored file is named by its row, so the orphan sweep never takes one.
        cleanup.register_file_fields("intake", ("channels.IntakeItem", "raw"), ("channels.IntakeFile", "file"))
