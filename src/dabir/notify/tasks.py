"""Background jobs of the SMS outbox (django-tasks). Run by `dabir worker`."""

from django_tasks import task

from . import services


@task()
def send_sms(message_id: int) -> str:
    """Send one queued message; on a passing failure it is queued again with backoff."""
    return services.deliver(message_id)


@task()
def sms_sweep() -> dict:
    """Re-enqueue due messages and mails, collect delivery reports (what `dabir sms-retry` does)."""
    from . import mail

    return {"requeued": services.requeue_due(), "delivery_updates": services.poll_delivery(),
            "mail_requeued": mail.requeue_due()}


@task()
def send_mail(message_id: int) -> str:
    """Send one queued notice e-mail; on a passing failure it is queued again with backoff."""
    from . import mail

    return mail.deliver(message_id)


@task()
def send_digests() -> int:
    """Send the daily digests that are due (the worker's periodic round does the same)."""
    from . import digest

    return digest.send_due()
