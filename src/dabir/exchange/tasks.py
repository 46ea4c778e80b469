"""Background jobs of the exchange (django-tasks). Run by `dabir worker`."""

from django_tasks import task

from . import services


@task()
def send_transfer(transfer_id: int) -> str:
    """One try at an outbound message; a failed try schedules the next one with backoff."""
    return services.attempt(transfer_id)
