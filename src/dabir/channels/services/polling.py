"""Polling mailboxes into the intake queue (IMAP over TLS; see docs/channels.md).

Each message is stored and committed first, then marked on the server: killed between the two, the
next poll finds the row by (mailbox, UIDVALIDITY, UID) and only marks it; killed before the commit,
the message is still unmarked and is fetched again. Nothing is lost and nothing is stored twice. A
lease on the mailbox row keeps two workers from polling one mailbox at the same time.
"""

import datetime as dt
import logging

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone

from dabir.core.errors import DomainError

from .. import imap
from ..models import Mailbox
from . import receiving

log = logging.getLogger("dabir.channels.mail")


def _lease_seconds() -> int:
    # Long enough for one message's fetch and store, renewed after each; a killed poller's lease runs out.
    return max(60, settings.DABIR_MAIL_TIMEOUT * 4)


def _take_lease(mailbox: Mailbox) -> bool:
    now = timezone.now()
    return bool(Mailbox.objects.filter(pk=mailbox.pk).filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
                .update(lease_until=now + dt.timedelta(seconds=_lease_seconds())))


def _renew(mailbox: Mailbox) -> None:
    Mailbox.objects.filter(pk=mailbox.pk).update(
        lease_until=timezone.now() + dt.timedelta(seconds=_lease_seconds()))


def poll_mailbox(mailbox: Mailbox) -> int:
    """One round on one mailbox: the number of messages newly queued (-1 if another worker holds it)."""
    if not _take_lease(mailbox):
        return -1
    queued, error = 0, ""
    try:
        queued = _poll(mailbox)
    except (imap.MailError, DomainError) as exc:
        error = str(exc)
    except Exception as exc:  # noqa: BLE001 - the server hung up mid-round, a bug: recorded, next round retries
        log.exception("poll of mailbox %s failed", mailbox.pk)
        error = f"بررسی صندوق ناتمام ماند ({type(exc).__name__}: {exc})."
    finally:
        Mailbox.objects.filter(pk=mailbox.pk).update(
            lease_until=None, last_polled_at=timezone.now(), last_error=error[:500])
    mailbox.last_error = error[:500]
    return queued


def _poll(mailbox: Mailbox) -> int:
    queued = 0
    with imap.Connection(mailbox) as conn:
        validity = conn.uidvalidity
        if validity != mailbox.uidvalidity:
            # The folder was rebuilt: its UIDs now name other messages; the keyword still says what is stored.
            mailbox.uidvalidity, mailbox.last_uid = validity, 0
            Mailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=validity, last_uid=0)
        for uid in conn.unqueued()[: settings.DABIR_MAIL_POLL_BATCH]:
            if receiving.existing(mailbox, validity, uid) is None:  # stored, killed before marking: only mark
                raw = conn.fetch(uid)
                if raw is None:
                    continue
                created = _store(mailbox, raw, validity, uid)
                if created is None:
                    continue  # not stored at all: left unmarked, tried again next round
                queued += created
            conn.flag(uid)
            _renew(mailbox)
    last = mailbox.items.filter(uidvalidity=validity).aggregate(m=Max("uid"))["m"] or 0
    Mailbox.objects.filter(pk=mailbox.pk).update(last_uid=last)
    mailbox.last_uid = last
    return queued


def _store(mailbox: Mailbox, raw: bytes, validity, uid) -> int | None:
    """1 if stored now, 0 if it already was, None if it could not be stored at all."""
    try:
        _, created = receiving.store_message(mailbox, raw, uidvalidity=validity, uid=uid)
        return int(created)
    except Exception:  # noqa: BLE001 - one bad message must not stop the mailbox: kept raw, with a note
        log.exception("storing message %s of mailbox %s failed", uid, mailbox.pk)
    try:
        _, created = receiving.store_unreadable(
            mailbox, raw, "پیام خوانده نشد؛ پیام اصلی همان‌گونه که رسید پیوست است.", uidvalidity=validity, uid=uid)
        return int(created)
    except Exception:  # noqa: BLE001
        log.exception("message %s of mailbox %s left on the server unmarked", uid, mailbox.pk)
        return None


def poll_all() -> int:
    """Poll every active receiving mailbox once; the number of messages queued."""
    total = 0
    boxes = Mailbox.objects.filter(active=True, receives=True).exclude(imap_host="").order_by("pk")
    for mailbox in boxes:
        try:
            total += max(0, poll_mailbox(mailbox))
        except Exception:  # noqa: BLE001 - e.g. the database refused the lease: the other mailboxes go on
            log.exception("poll of mailbox %s failed", mailbox.pk)
    return total
