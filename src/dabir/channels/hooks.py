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
    from dabir.letters import outlets, panels
    from dabir.letters.models import Channel

    from .services import sending
    from .views.outbox import has_transmissions, panel_context

    outlets.register(Channel.EMAIL, sending.queue_email)
    outlets.register(Channel.FAX, sending.queue_fax)
    periodic.register("channels-retry", sending.requeue_due, seconds=lambda: 60)
    panels.register("channels-outbox", applies=has_transmissions, template="channels/outbox_panel.html",
                    context=panel_context)
    # <!-- post -->
    from dabir.letters import outlets, panels
    from dabir.letters.models import Channel

    from .services import post as post_services
    from .views import post as post_views

    outlets.register(Channel.POST, post_services.queue_letter)  # the dispatch list's lines, in the dispatch
    panels.register("channels-post", applies=post_views.has_dispatches, template="channels/post_panel.html",
                    context=post_views.letter_panel)
    # <!-- ocr -->
    from dabir.letters import panels as letter_panels
    from dabir.letters.models import Attachment
    from dabir.letters.signals import attachments_added

    from .services import ocr
    from .views.scans import has_read_files, ocr_panel

    # New scans and images are marked pending and queued for reading in the same transaction.
    attachments_added.connect(ocr.on_attachments_added, sender=Attachment, dispatch_uid="channels-ocr")
    letter_panels.register("channels-ocr", applies=has_read_files, template="channels/ocr_panel.html",
                           context=ocr_panel)
    # <!-- contacts -->
    from dabir.letters import address_book, outlets

    from .services import contacts

    # The compose and incoming forms suggest the user's agency's correspondents; dispatch starts on their channel.
    address_book.register("channels", contacts.suggested_names, per_user=True)
    outlets.register_chooser(contacts.choose_channel)
