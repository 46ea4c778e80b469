"""What channels plugs into the apps below it and into the worker, at start (AppConfig.ready).

Letters knows nothing of channels: it calls the outlets registered for a dispatch channel, sends
attachments_added for new files, and asks the address book's providers for names. Each part's
registration sits under its marker below.
"""

from django.conf import settings


def connect() -> None:
    from dabir.core import periodic

    # <!-- mail-in -->
    from .services import polling

    periodic.register("channels-poll", polling.poll_all, seconds=lambda: settings.DABIR_MAIL_POLL_SECONDS)
    # <!-- mail-out -->
    # <!-- post -->
    # <!-- ocr -->
    # <!-- contacts -->
