"""The worker's jobs of the channels app (django-tasks); each calls its service."""

from django_tasks import task


@task()
def send_transmission(transmission_id: int) -> str:
    from .services import sending

    return sending.deliver(transmission_id)


@task()
def read_attachment(attachment_id: int) -> str:
    from .services import ocr

    return ocr.read(attachment_id)
