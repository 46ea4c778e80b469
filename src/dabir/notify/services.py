"""SMS use cases. queue_sms runs inside the caller's transaction; the worker runs deliver().

    with transaction.atomic():
        ...change...
        queue_sms(mobile=request.mobile, text="درخواست شما ثبت شد…", kind=SmsKind.DESK_REGISTERED,
                  related=f"desk.request:{request.pk}")

The SmsMessage row is the outbox: a change that rolls back leaves no message. The send_sms job is
written in the same transaction on the database tasks backend; on other backends (RQ, immediate)
it is enqueued after commit. `dabir sms-retry` (run every minute or so) re-enqueues messages whose
retry is due, picks up any left behind, and asks the provider for delivery reports.
`kind` is a member of the sending app's SmsKind (desk.names.SmsKind here), never a free string.
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dabir.core import audit, jobs, labels
from dabir.core.errors import DomainError
from dabir.core.validators import validate_mobile

from .models import SmsMessage, SmsStatus
from .names import AuditAction
from .providers import ProviderError, get_provider

logger = logging.getLogger(__name__)

MAX_TEXT = 700  # about ten SMS parts in Persian (70 characters each)
POLL_WINDOW = dt.timedelta(days=3)  # delivery reports are asked for during this long after sending


def _max_attempts() -> int:
    return int(settings.DABIR_SMS_MAX_ATTEMPTS)


def stale_sending() -> dt.timedelta:
    """How long a row stays "sending" before it is sent again: a worker that died mid-send, or whose
    write after the provider's answer failed, leaves it so (settings.DABIR_SMS_STALE_SECONDS)."""
    return dt.timedelta(seconds=int(settings.DABIR_SMS_STALE_SECONDS))


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next try after `attempts` failed tries: base·2^(attempts-1) (30s, 60s, 2m, 4m…)."""
    base = int(settings.DABIR_SMS_RETRY_BASE_SECONDS)
    return dt.timedelta(seconds=base * 2 ** max(attempts - 1, 0))


def _audit_data(message: SmsMessage, **extra) -> dict:
    # Never the text: it may hold a one-time code.
    return {"mobile": message.masked_mobile, "kind": message.kind, "related": message.related, **extra}


def _enqueue(message_id: int, run_after: dt.datetime | None = None) -> None:
    from .tasks import send_sms

    jobs.enqueue(send_sms, message_id, run_after=run_after)


def queue_sms(*, mobile: str, text: str, kind: str = "", related: str = "") -> SmsMessage:
    """Write the message to the outbox and queue its sending, inside the caller's transaction.

    `kind` is a member of the sending app's SmsKind (names.py); a kind no app declares is refused.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("queue_sms must run inside the caller's transaction")
    if kind:
        labels.check(labels.SMS_KIND, kind)
    mobile = validate_mobile(mobile)
    text = (text or "").strip()
    if not text:
        raise DomainError("متن پیامک خالی است.", field="text")
    if len(text) > MAX_TEXT:
        raise DomainError(f"متن پیامک بیش از {MAX_TEXT} نویسه است.", field="text")
    message = SmsMessage.objects.create(
        mobile=mobile, text=text, kind=str(kind), related=related[:100], status=SmsStatus.QUEUED,
        provider=settings.DABIR_SMS_PROVIDER,
    )
    audit.record(action=AuditAction.SMS_QUEUE, obj=message, data=_audit_data(message))
    from .tasks import send_sms

    jobs.enqueue_with_change(send_sms, message.pk)
    return message


def _claim(message_id: int) -> SmsMessage | None:
    """Take a due queued message for sending; None when it is gone, not due, or already handled."""
    return claim_outbox(SmsMessage, message_id)


def claim_outbox(model, message_id: int):
    """Take a due queued row of either outbox (SMS, e-mail) for sending, or None."""
    with transaction.atomic():
        message = model.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status != SmsStatus.QUEUED:
            return None
        if message.next_attempt_at and message.next_attempt_at > timezone.now():
            return None
        message.status = SmsStatus.SENDING
        message.attempts += 1
        message.claimed_at = timezone.now()
        message.save(update_fields=["status", "attempts", "claimed_at"])
        return message


def deliver(message_id: int) -> str:
    """Send one queued message through the configured provider and record what happened.

    The provider is called outside any transaction (no row lock held across the network).
    Returns the message's new status, or "skipped".
    """
    message = _claim(message_id)
    if message is None:
        return "skipped"
    provider = get_provider(message.provider or None)
    try:
        result = provider.send(message)
    except ProviderError as exc:
        return _record_failure(message.pk, exc.message, retryable=exc.retryable)
    except Exception as exc:  # a bug or an unexpected answer: keep the message, try again later
        logger.exception("SMS provider %s failed on message %s", provider.name, message.pk)
        return _record_failure(message.pk, f"خطای پیش‌بینی‌نشده: {type(exc).__name__}", retryable=True)
    with transaction.atomic():
        message = SmsMessage.objects.select_for_update().get(pk=message.pk)
        now = timezone.now()
        message.provider = provider.name
        message.provider_message_id = result.message_id
        message.provider_status = result.detail[:100]
        message.status = SmsStatus.DELIVERED if result.status == SmsStatus.DELIVERED else SmsStatus.SENT
        message.sent_at = now
        message.next_attempt_at = None
        message.last_error = ""
        if message.status == SmsStatus.DELIVERED:
            message.delivered_at = now
        message.save()
        audit.record(action=AuditAction.SMS_SENT, obj=message,
                     data=_audit_data(message, provider=provider.name, provider_message_id=result.message_id))
    return message.status


def _record_failure(message_id: int, error: str, *, retryable: bool) -> str:
    with transaction.atomic():
        message = SmsMessage.objects.select_for_update().get(pk=message_id)
        message.last_error = error
        if retryable and message.attempts < _max_attempts():
            message.status = SmsStatus.QUEUED
            message.next_attempt_at = timezone.now() + backoff(message.attempts)
            message.save(update_fields=["status", "next_attempt_at", "last_error"])
            audit.record(action=AuditAction.SMS_RETRY, obj=message,
                         data=_audit_data(message, attempts=message.attempts, error=error))
            from .tasks import send_sms

            jobs.enqueue_after_commit(send_sms, message.pk, run_after=message.next_attempt_at)
        else:
            message.status = SmsStatus.FAILED
            message.next_attempt_at = None
            message.save(update_fields=["status", "next_attempt_at", "last_error"])
            audit.record(action=AuditAction.SMS_FAILED, obj=message,
                         data=_audit_data(message, attempts=message.attempts, error=error))
    return message.status


def requeue_due(now: dt.datetime | None = None) -> int:
    """Enqueue every queued message whose time has come, and free messages stuck in "sending".

    A send_sms job that was lost (a crash after commit on a non-database backend, a backend that
    cannot defer) is recovered here; send_sms skips a message already taken, so an extra job is harmless.
    """
    return requeue_outbox(SmsMessage, retry_action=AuditAction.SMS_RETRY, audit_data=_audit_data, enqueue=_enqueue,
                          now=now)


def requeue_outbox(model, *, retry_action, audit_data, enqueue, now: dt.datetime | None = None) -> int:
    """The recovery both outboxes (SMS, e-mail) share: free rows left "sending" by a dead worker, then
    enqueue each queued row whose retry is due or whose first job is overdue."""
    now = now or timezone.now()
    with transaction.atomic():
        stale = model.objects.select_for_update().filter(
            status=SmsStatus.SENDING, claimed_at__lt=now - stale_sending(),
        )
        for message in stale:
            message.status = SmsStatus.QUEUED
            message.next_attempt_at = now
            message.last_error = "ارسال نیمه‌کاره ماند؛ دوباره در صف گذاشته شد"
            message.save(update_fields=["status", "next_attempt_at", "last_error"])
            audit.record(action=retry_action, obj=message, data=audit_data(message, stale=True))
    # A retry whose time has come, or a first try whose job is overdue (lost with a broker, or a crash
    # after commit). A fresh message's own job is still waiting in the queue: enqueueing it again every
    # round flooded a busy queue with copies (200,000 in a run where the workers were reading scans).
    overdue = now - stale_sending()
    due = list(
        model.objects.filter(status=SmsStatus.QUEUED)
        .filter(Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True, created_at__lt=overdue))
        .order_by("id")
        .values_list("id", flat=True)[:1000]
    )
    for message_id in due:
        enqueue(message_id)
    return len(due)


def poll_delivery(now: dt.datetime | None = None, limit: int = 2000) -> int:
    """Ask the provider for delivery reports of sent messages; record delivered or failed. Returns updates."""
    now = now or timezone.now()
    pending = list(
        SmsMessage.objects.filter(status=SmsStatus.SENT, sent_at__gte=now - POLL_WINDOW)
        .exclude(provider_message_id="")
        .order_by("id")[:limit]
    )
    updated = 0
    by_provider: dict[str, list[SmsMessage]] = {}
    for message in pending:
        by_provider.setdefault(message.provider or "dev", []).append(message)
    for name, messages in by_provider.items():
        try:
            statuses = get_provider(name).status([m.provider_message_id for m in messages])
        except ProviderError as exc:
            logger.warning("Delivery reports from %s failed: %s", name, exc.message)
            continue
        for message in messages:
            report = statuses.get(message.provider_message_id)
            if report is None:
                continue
            if record_delivery(message.pk, report.status, report.detail, now=now):
                updated += 1
    return updated


def record_delivery(message_id: int, status: str, detail: str = "", *, now: dt.datetime | None = None) -> bool:
    """Record a provider's delivery report for a sent message; True when the status changed."""
    now = now or timezone.now()
    with transaction.atomic():
        message = SmsMessage.objects.select_for_update().get(pk=message_id)
        message.status_checked_at = now
        message.provider_status = (detail or "")[:100]
        changed = message.status == SmsStatus.SENT and status in (SmsStatus.DELIVERED, SmsStatus.FAILED)
        if changed:
            message.status = status
            if status == SmsStatus.DELIVERED:
                message.delivered_at = now
            else:
                message.last_error = detail or "به گیرنده نرسید"
            audit.record(action=AuditAction(f"sms.{status}"), obj=message, data=_audit_data(message, detail=detail))
        message.save()
    return changed
