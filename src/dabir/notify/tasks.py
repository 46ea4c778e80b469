"""Background jobs of the SMS outbox (django-tasks). Run by `dabir worker`."""

from django_tasks import task

from . import services


@task()
def send_sms(message_id: int) -> str:
    """Send one queued message; on a passing failure it is queued again with backoff."""
    return services.deliver(message_id)


@task()
def sms_sweep() -> dict:
    """Re-enqueue due messages and collect delivery reports (what `dabir sms-retry` does)."""
    return {"requeued": services.requeue_due(), "delivery_updates": services.poll_delivery()}
