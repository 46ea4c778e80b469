"""What channels plugs into the apps below it and into the worker, at start (AppConfig.ready).

Letters knows nothing of channels: it calls the outlets registered for a dispatch channel (and asks
the choosers which channel a letter's recipients are reached by), sends attachments_added for new
files, shows the panels registered for its letter page, and asks the address book's providers for
names.
"""

from django.conf import settings


def connect() -> None:
    from dabir.core import periodic
    from dabir.letters import address_book, outlets, panels
    from dabir.letters.models import Attachment, Channel
    from dabir.letters.signals import attachments_added

    from .services import contacts, ocr, polling, post, sending
    from .views import outbox as outbox_views
    from .views import post as post_views
    from .views import scans as scan_views

    # The worker polls the mailboxes into the intake queue, and frees or retries outgoing mail.
    periodic.register("channels-poll", polling.poll_all, seconds=lambda: settings.DABIR_MAIL_POLL_SECONDS)
    periodic.register("channels-retry", sending.requeue_due, seconds=lambda: 60)

    # Dispatching by e-mail or fax queues a transmission per recipient; by post, a line of the day's list.
    outlets.register(Channel.EMAIL, sending.queue_email)
    outlets.register(Channel.FAX, sending.queue_fax)
    outlets.register(Channel.POST, post.queue_letter)
    # The dispatch form starts on the channel the letter's outside recipients are reached by.
    outlets.register_chooser(contacts.choose_channel)
    # The compose and incoming forms suggest the user's agency's correspondents.
    address_book.register("channels", contacts.suggested_names, per_user=True)

    # New scans and images are marked pending and queued for reading in the same transaction.
    attachments_added.connect(ocr.on_attachments_added, sender=Attachment, dispatch_uid="channels-ocr")

    panels.register("channels-outbox", applies=outbox_views.has_transmissions,
                    template="channels/outbox_panel.html", context=outbox_views.panel_context)
    panels.register("channels-post", applies=post_views.has_dispatches, template="channels/post_panel.html",
                    context=post_views.letter_panel)
    panels.register("channels-ocr", applies=scan_views.has_read_files, template="channels/ocr_panel.html",
                    context=scan_views.ocr_panel)
