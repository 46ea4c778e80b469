"""Background jobs of the service desk (django-tasks). Run by `dabir worker`; enqueue from cron or a timer."""

from django_tasks import task

from . import services


@task()
def finish_signed_results() -> int:
    """Complete approved requests whose result letter was signed from the ordinary inbox."""
    return services.finish_signed_results()
