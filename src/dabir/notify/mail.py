"""The e-mail outbox of notices: queue_mail runs in the caller's transaction, the worker runs deliver().

A MailMessage row is the outbox, as SmsMessage is for SMS: a change that rolls back leaves no mail, a
failed send leaves the row queued with a backoff (the SMS one), a worker that died mid-send leaves it
"sending" until requeue_due frees it (`dabir sms-retry` and the worker's periodic round call it).
Sending goes through Django's e-mail backend (settings: EMAIL_HOST…, DEFAULT_FROM_EMAIL); SmtpBackend
adds an agency's private CA and UTF-8 passwords to Django's SMTP backend.
"""

import base64
import datetime as dt
import logging
import smtplib
import ssl

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends import smtp
from django.db import transaction
from django.utils import timezone
from django.utils.functional import cached_property

from dabir.core import audit, jobs, labels

from .models import MailMessage, SmsStatus
from .names import AuditAction
from .services import backoff, claim_outbox, requeue_outbox

logger = logging.getLogger(__name__)


class _Utf8Login:
    """smtplib encodes AUTH in ASCII only; PLAIN is UTF-8 (RFC 4616), and Persian passwords happen."""

    def login(self, user, password, *, initial_response_ok=True):
        if (user + password).isascii():
            return super().login(user, password, initial_response_ok=initial_response_ok)
        self.ehlo_or_helo_if_needed()
        token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode("ascii")
        code, answer = self.docmd("AUTH", f"PLAIN {token}")
        if code != 235:
            raise smtplib.SMTPAuthenticationError(code, answer)
        return code, answer


class _SMTP(_Utf8Login, smtplib.SMTP):
    pass


class _SMTPS(_Utf8Login, smtplib.SMTP_SSL):
    pass


class SmtpBackend(smtp.EmailBackend):
    """Django's SMTP backend, checking the server against the system's CAs plus DABIR_EMAIL_CA_FILE."""

    @property
    def connection_class(self):
        return _SMTPS if self.use_ssl else _SMTP

    @cached_property
    def ssl_context(self):
        context = super().ssl_context
        if settings.DABIR_EMAIL_CA_FILE:
            context.load_verify_locations(cafile=settings.DABIR_EMAIL_CA_FILE)
        return context


def _masked(address: str) -> str:
    """The audit log keeps the domain and the first letter: enough to tell messages apart."""
    name, _, domain = address.partition("@")
    return f"{name[:1]}•••@{domain}"


def _audit_data(message: MailMessage, **extra) -> dict:
    return {"to": _masked(message.to), "kind": message.kind, "related": message.related, **extra}


def queue_mail(*, to: str, subject: str, text: str, kind: str, related: str = "") -> MailMessage:
    """Write the mail to the outbox and queue its sending, inside the caller's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("queue_mail must run inside the caller's transaction")
    labels.check(labels.SMS_KIND, kind)
    message = MailMessage.objects.create(
        to=to, subject=subject[:300], text=text, kind=str(kind), related=related[:100], status=SmsStatus.QUEUED,
    )
    audit.record(action=AuditAction.MAIL_QUEUE, obj=message, data=_audit_data(message))
    from .tasks import send_mail

    jobs.enqueue_with_change(send_mail, message.pk)
    return message


def _claim(message_id: int) -> MailMessage | None:
    return claim_outbox(MailMessage, message_id)


def _failure(exc: Exception) -> tuple[str, bool]:
    """(Persian reason, worth another try): a 4xx answer or a dropped connection passes, a 5xx is final."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in exc.recipients.values()})
        return (f"کارساز ایمیل گیرنده را نپذیرفت (کد {'، '.join(map(str, codes))}).",
                all(400 <= c < 500 for c in codes))
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return "کارساز ایمیل نام کاربری یا گذرواژه را نپذیرفت.", False
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"کارساز ایمیل پیام را نپذیرفت (کد {exc.smtp_code}).", 400 <= exc.smtp_code < 500
    if isinstance(exc, ssl.SSLError):
        return "اتصال امن به کارساز ایمیل برقرار نشد.", True
    if isinstance(exc, OSError):
        return "کارساز ایمیل در دسترس نبود.", True
    return f"خطای پیش‌بینی‌نشده: {type(exc).__name__}", True


def deliver(message_id: int) -> str:
    """Send one queued mail and record what happened; the server is talked to outside any transaction.
    Returns the message's new status, or "skipped"."""
    message = _claim(message_id)
    if message is None:
        return "skipped"
    try:
        email = EmailMessage(subject=message.subject, body=message.text, to=[message.to],
                             from_email=settings.DEFAULT_FROM_EMAIL,
                             headers={"Auto-Submitted": "auto-generated"})
        get_connection(fail_silently=False).send_messages([email])
    except Exception as exc:
        if not isinstance(exc, OSError | smtplib.SMTPException):
            logger.exception("Mail %s failed", message.pk)
        error, retryable = _failure(exc)
        return _record_failure(message.pk, error, retryable=retryable)
    with transaction.atomic():
        message = MailMessage.objects.select_for_update().get(pk=message.pk)
        message.status = SmsStatus.SENT
        message.sent_at = timezone.now()
        message.next_attempt_at = None
        message.last_error = ""
        message.save(update_fields=["status", "sent_at", "next_attempt_at", "last_error"])
        audit.record(action=AuditAction.MAIL_SENT, obj=message, data=_audit_data(message, attempts=message.attempts))
    return message.status


def _record_failure(message_id: int, error: str, *, retryable: bool) -> str:
    with transaction.atomic():
        message = MailMessage.objects.select_for_update().get(pk=message_id)
        message.last_error = error
        if retryable and message.attempts < int(settings.DABIR_NOTIFY_MAIL_MAX_ATTEMPTS):
            message.status = SmsStatus.QUEUED
            message.next_attempt_at = timezone.now() + backoff(message.attempts)
            action = AuditAction.MAIL_RETRY
        else:
            message.status = SmsStatus.FAILED
            message.next_attempt_at = None
            action = AuditAction.MAIL_FAILED
        message.save(update_fields=["status", "next_attempt_at", "last_error"])
        audit.record(action=action, obj=message, data=_audit_data(message, attempts=message.attempts, error=error))
        if message.status == SmsStatus.QUEUED:
            from .tasks import send_mail

            jobs.enqueue_after_commit(send_mail, message.pk, run_after=message.next_attempt_at)
    return message.status


def requeue_due(now: dt.datetime | None = None) -> int:
    """Free mails stuck in "sending" and enqueue every queued one whose retry is due or whose first job is
    overdue (lost with a broker); deliver skips a mail already taken, so an extra job is harmless."""
    from .tasks import send_mail

    return requeue_outbox(MailMessage, retry_action=AuditAction.MAIL_RETRY, audit_data=_audit_data,
                          enqueue=lambda message_id: jobs.enqueue(send_mail, message_id), now=now)

