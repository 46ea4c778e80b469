"""A dispatched letter out by e-mail, or by fax through a mail-to-fax gateway (docs/channels.md).

`queue_email` / `queue_fax` are the outlets letters.services.dispatch calls inside its transaction:
one Transmission row per outside recipient, found in the address book, and its job in the same
transaction; a recipient with no address refuses the whole dispatch. The worker runs `deliver`: the
row is claimed in a short transaction, the message built and handed to SMTP outside any transaction,
then the outcome recorded. A temporary failure is tried again after base·2^(n-1) seconds; a final
one (or too many tries) leaves the row failed, shown in the secretariat's outbox, where a clerk sends
it again. Modelled on notify.services (the SMS outbox).
"""

import datetime as dt
import logging
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape

from dabir.core import audit, jobs
from dabir.core.errors import Conflict, DomainError
from dabir.core.jalali import format_date
from dabir.core.text import normalize, to_latin_digits
from dabir.letters.models import Kind as LetterKind
from dabir.letters.models import Letter

from .. import addressing, policy, smtp
from ..models import Mailbox, Transmission
from ..names import AuditAction

logger = logging.getLogger(__name__)

State = Transmission.State


def backoff(attempts: int) -> dt.timedelta:
    """Wait after `attempts` failed tries: base·2^(attempts-1) (1, 2, 4, 8 minutes by default)."""
    return dt.timedelta(seconds=int(settings.DABIR_MAIL_RETRY_BASE_SECONDS) * 2 ** max(attempts - 1, 0))


def _audit(action, transmission: Transmission, actor=None, **extra) -> None:
    audit.record(action=action, obj=transmission, actor=actor, data={
        "letter": transmission.letter_id, "kind": transmission.kind, "to": transmission.to, **extra})


def _enqueue_now(transmission_id: int) -> None:
    from ..tasks import send_transmission

    jobs.enqueue_with_change(send_transmission, transmission_id)


# ---------------------------------------------------------------- queueing (inside dispatch)


def sending_mailbox(letter: Letter, kind: str) -> Mailbox:
    mailboxes = Mailbox.objects.filter(secretariat_id=letter.secretariat_id, active=True, sends=True)
    if kind == Transmission.Kind.FAX:
        mailbox = mailboxes.exclude(fax_gateway="").order_by("id").first()
        if mailbox is None:
            raise DomainError("برای دبیرخانه این نامه درگاه ارسال نمابر (صندوق فعال با نشانی درگاه نمابر) "
                              "تنظیم نشده است.", field="channel")
        return mailbox
    mailbox = mailboxes.order_by("id").first()
    if mailbox is None:
        raise DomainError("دبیرخانه این نامه صندوق ایمیل فعالی برای ارسال ندارد؛ مدیر سامانه باید آن را "
                          "تنظیم کند.", field="channel")
    return mailbox


def fax_address(mailbox: Mailbox, number: str) -> str:
    """The gateway's address for a fax number: «{number}@fax.example.ir» with the number's digits."""
    digits = "".join(ch for ch in to_latin_digits(normalize(number)) if ch.isdigit())
    if len(digits) < 5:
        raise DomainError(f"شماره نمابر «{number}» درست نیست.", field="channel")
    try:
        address = mailbox.fax_gateway.format(number=digits)
    except (KeyError, IndexError, ValueError):
        address = ""
    if "{" in mailbox.fax_gateway and "@" in address and address != mailbox.fax_gateway:
        return address
    raise DomainError("نشانی درگاه نمابر دبیرخانه درست تنظیم نشده است (باید مانند {number}@fax.example.ir باشد).",
                      field="channel")


def _queue(letter: Letter, user, kind: str) -> list[Transmission]:
    if letter.kind != LetterKind.OUTGOING:
        raise DomainError("فقط نامه صادره را می‌توان با ایمیل یا نمابر فرستاد.", field="channel")
    outside = [r for r in letter.recipients.all() if r.position_id is None and r.name.strip()]
    if not outside:
        raise DomainError("این نامه گیرنده بیرونی ندارد.", field="channel")
    mailbox = sending_mailbox(letter, kind)
    book = addressing.find(letter.agency_id, [r.name for r in outside])
    rows, missing = [], []
    for recipient in outside:
        contact = book.get(recipient.name)
        reach = (contact.email if kind == Transmission.Kind.EMAIL else contact.fax) if contact else ""
        if not reach:
            missing.append(recipient.name)
            continue
        to = reach.strip() if kind == Transmission.Kind.EMAIL else fax_address(mailbox, reach)
        if any(row.to.lower() == to.lower() for row in rows):
            continue  # the same correspondent as recipient and copy: one message
        rows.append(Transmission(letter=letter, mailbox=mailbox, kind=kind, recipient_name=recipient.name[:300],
                                 to=to[:320], created_by=user))
    if missing:
        what = "ایمیل" if kind == Transmission.Kind.EMAIL else "شماره نمابر"
        raise DomainError(f"این گیرندگان در دفترچه نشانی‌ها {what} ندارند؛ نشانی را ثبت کنید یا نامه را با روش "
                          "دیگری بفرستید: " + "، ".join(missing), field="channel")
    for row in rows:
        row.save()
        _audit(AuditAction.MAIL_QUEUE, row, user, mailbox=mailbox.address)
        _enqueue_now(row.pk)
    return rows


def queue_email(letter: Letter, user) -> list[Transmission]:
    """Outlet of Channel.EMAIL: runs in the dispatch's transaction; a DomainError refuses the dispatch."""
    return _queue(letter, user, Transmission.Kind.EMAIL)


def queue_fax(letter: Letter, user) -> list[Transmission]:
    """Outlet of Channel.FAX: the letter's PDF to each recipient's fax number through the gateway."""
    return _queue(letter, user, Transmission.Kind.FAX)


# ---------------------------------------------------------------- the message


def _letter_pdf(letter: Letter) -> tuple[bytes, str]:
    """The signed PDF once the letter is signed (as its «PDF» page gives it), else a fresh rendering."""
    from dabir.signing import pdf as signing_pdf

    version = letter.versions.order_by("-number").first()
    if version is not None and version.signatures.exists():
        return signing_pdf.letter_pdf(version), signing_pdf.verify_url(version.code)
    return signing_pdf.render_letter(letter), (signing_pdf.verify_url(version.code) if version else "")


def _ascii_name(number: str) -> str:
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in number.replace("/", "-"))


def build_message(row: Transmission) -> EmailMessage:
    """The MIME message of a transmission: Persian text and RTL html, the letter's PDF and (e-mail only)
    its attachments. Headers with Persian text are RFC 2047 encoded by the email package."""
    letter, mailbox = row.letter, row.mailbox
    document, verify = _letter_pdf(letter)
    number, date = letter.number or "", format_date(letter.registered_at) if letter.registered_at else ""
    sender = mailbox.display_name or (letter.secretariat.name if letter.secretariat_id else "") or mailbox.address
    message = EmailMessage()
    message["From"] = formataddr((sender, mailbox.address))
    message["To"] = formataddr((row.recipient_name, row.to)) if row.kind == Transmission.Kind.EMAIL else row.to
    message["Subject"] = f"{letter.subject} (شماره {number})" if number else letter.subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = row.message_id
    lines = [f"{row.recipient_name}،", "", f"نامه شماره {number} مورخ {date} با موضوع «{letter.subject}» "
             f"از {sender} به پیوست فرستاده می‌شود."]
    if verify:
        lines += ["", f"درستی این نامه را در {verify} بسنجید."]
    message.set_content("\n".join(lines) + "\n")
    html = "".join(f"<p>{escape(line)}</p>" for line in lines if line)
    message.add_alternative(f'<!doctype html><html lang="fa" dir="rtl"><body dir="rtl" '
                            f'style="font-family:Tahoma,sans-serif;text-align:right">{html}</body></html>',
                            subtype="html")
    message.add_attachment(document, maintype="application", subtype="pdf",
                           filename=f"letter-{_ascii_name(number) or letter.pk}.pdf")
    if row.kind == Transmission.Kind.EMAIL:
        for att in letter.attachments.all():
            maintype, _, subtype = (att.content_type or "application/octet-stream").partition("/")
            with att.file.open("rb") as fh:
                message.add_attachment(fh.read(), maintype=maintype, subtype=subtype or "octet-stream",
                                       filename=att.name)
    return message


# ---------------------------------------------------------------- the worker's side


def _claim(transmission_id: int) -> Transmission | None:
    """Take a due queued row for sending; None when it is gone, not due or already taken."""
    with transaction.atomic():
        row = Transmission.objects.select_for_update().filter(pk=transmission_id).first()
        if row is None or row.state != State.QUEUED:
            return None
        if row.next_attempt_at and row.next_attempt_at > timezone.now():
            return None
        row.state, row.attempts, row.claimed_at = State.SENDING, row.attempts + 1, timezone.now()
        if not row.message_id:
            # Kept across tries: a message sent twice (a worker dying after the server took it) is one to
            # the recipient's mail system.
            row.message_id = make_msgid(domain=row.mailbox.address.rpartition("@")[2] or None)
        row.save(update_fields=["state", "attempts", "claimed_at", "message_id"])
        return row


def deliver(transmission_id: int) -> str:
    """Send one queued transmission and record the outcome; returns its new state or "skipped"."""
    row = _claim(transmission_id)
    if row is None:
        return "skipped"
    row = Transmission.objects.select_related("letter", "letter__secretariat", "mailbox").get(pk=row.pk)
    try:
        message = build_message(row)
        smtp.send(row.mailbox, message, [row.to])
    except smtp.SendError as exc:
        return _record_failure(row.pk, exc.message, retryable=exc.retryable)
    except Exception as exc:  # a bug or a file gone: keep the row and try again later
        logger.exception("Transmission %s failed", row.pk)
        return _record_failure(row.pk, f"خطای پیش‌بینی‌نشده: {type(exc).__name__}", retryable=True)
    with transaction.atomic():
        row = Transmission.objects.select_for_update().get(pk=row.pk)
        row.state, row.sent_at, row.next_attempt_at, row.last_error = State.SENT, timezone.now(), None, ""
        row.save(update_fields=["state", "sent_at", "next_attempt_at", "last_error"])
        _audit(AuditAction.MAIL_SENT, row, message_id=row.message_id, attempts=row.attempts)
    return row.state


def _record_failure(transmission_id: int, error: str, *, retryable: bool) -> str:
    with transaction.atomic():
        row = Transmission.objects.select_for_update().get(pk=transmission_id)
        row.last_error = error[:500]
        if retryable and row.attempts < int(settings.DABIR_MAIL_MAX_ATTEMPTS):
            row.state, row.next_attempt_at = State.QUEUED, timezone.now() + backoff(row.attempts)
            row.save(update_fields=["state", "next_attempt_at", "last_error"])
            _audit(AuditAction.MAIL_RETRY, row, attempts=row.attempts, error=error)
            from ..tasks import send_transmission

            jobs.enqueue_after_commit(send_transmission, row.pk, run_after=row.next_attempt_at)
        else:
            row.state, row.next_attempt_at = State.FAILED, None
            row.save(update_fields=["state", "next_attempt_at", "last_error"])
            _audit(AuditAction.MAIL_FAILED, row, attempts=row.attempts, error=error)
    return row.state


def requeue_due(now: dt.datetime | None = None) -> int:
    """Free rows stuck in «sending» (a worker that died mid-send) and enqueue every due queued row.

    A lost job is recovered here; deliver skips a row already taken, so an extra job is harmless.
    """
    now = now or timezone.now()
    stale_before = now - dt.timedelta(seconds=int(settings.DABIR_MAIL_STALE_SECONDS))
    with transaction.atomic():
        for row in Transmission.objects.select_for_update().filter(state=State.SENDING, claimed_at__lt=stale_before):
            row.state, row.next_attempt_at = State.QUEUED, now
            row.last_error = "ارسال نیمه‌کاره ماند؛ دوباره در صف گذاشته شد"
            row.save(update_fields=["state", "next_attempt_at", "last_error"])
            _audit(AuditAction.MAIL_RETRY, row, stale=True, attempts=row.attempts)
    due = list(Transmission.objects.filter(state=State.QUEUED).exclude(next_attempt_at__gt=now)
               .order_by("id").values_list("id", flat=True)[:1000])
    from ..tasks import send_transmission

    for transmission_id in due:
        jobs.enqueue(send_transmission, transmission_id)
    return len(due)


@transaction.atomic
def resend(*, user, transmission: Transmission) -> Transmission:
    """A clerk sends a failed transmission again, to the address book's current address, with fresh tries."""
    policy.check_transmission(user, transmission)
    row = Transmission.objects.select_for_update().select_related("letter").get(pk=transmission.pk)
    if row.state != State.FAILED:
        raise Conflict("فقط ارسال ناموفق را می‌توان دوباره فرستاد.")
    mailbox = sending_mailbox(row.letter, row.kind)
    contact = addressing.find(row.letter.agency_id, [row.recipient_name]).get(row.recipient_name)
    if contact is not None:  # the clerk may have put the right address in the book after the failure
        reach = contact.email if row.kind == Transmission.Kind.EMAIL else contact.fax
        if reach:
            row.to = (reach.strip() if row.kind == Transmission.Kind.EMAIL else fax_address(mailbox, reach))[:320]
    previous_error = row.last_error
    row.mailbox, row.state, row.attempts, row.next_attempt_at, row.last_error = mailbox, State.QUEUED, 0, None, ""
    row.save(update_fields=["mailbox", "to", "state", "attempts", "next_attempt_at", "last_error"])
    _audit(AuditAction.MAIL_RESEND, row, user, previous_error=previous_error)
    _enqueue_now(row.pk)
    return row
