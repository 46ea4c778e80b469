"""`dabir worker`: run the background task worker for the configured tasks backend."""

import threading

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError

from dabir.core import periodic


class Command(BaseCommand):
    help = (
        "Run the task worker: django-tasks-db's db_worker for the database backend (the default), "
        "or django-rq's rqworker for the RQ/Redis backend."
    )

    def add_arguments(self, parser):
        parser.add_argument("--queue-name", default="", help="Queues to process, comma-separated (default: all configured)")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls when idle (database backend)")
        parser.add_argument("--batch", action="store_true", help="Process the outstanding tasks, then exit")
        parser.add_argument("--max-tasks", type=int, default=None, help="Exit after this many tasks")

    def handle(self, *args, queue_name: str, interval: float, batch: bool, max_tasks, **options):
        config = settings.TASKS["default"]
        backend = config["BACKEND"]
        queues = [q for q in (queue_name or ",".join(config.get("QUEUES") or ["default"])).split(",") if q]
        verbosity = options.get("verbosity", 1)
        if not batch and settings.DABIR_AUDIT_CHECKPOINT_SECONDS > 0:
            threading.Thread(target=_checkpoints, name="audit-checkpoints", daemon=True).start()
        if not batch:
            for job in periodic.jobs():
                seconds = job.seconds()
                if seconds > 0:
                    threading.Thread(target=_every, args=(job, seconds), name=job.name, daemon=True).start()
        if backend.startswith("django_tasks_db."):
            worker_options = {
                "queue_name": ",".join(queues), "interval": interval, "batch": batch, "reload": False,
                "startup_delay": not batch, "verbosity": verbosity,
            }
            if max_tasks:
                worker_options["max_tasks"] = max_tasks
            call_command("db_worker", stdout=self.stdout._out, stderr=self.stderr._out, **worker_options)
        elif backend.startswith("django_tasks_rq."):
            if "rqworker" not in get_commands():
                raise CommandError("The RQ backend needs django-rq: add django_rq and django_tasks_rq to INSTALLED_APPS.")
            # The scheduler moves deferred jobs (retries with backoff) to the queue when due; several
            # workers may run it, RQ lets one at a time hold the queue's scheduler lock.
            rq_options = {"job_class": "django_tasks_rq.Job", "burst": batch, "verbosity": verbosity,
                          "with_scheduler": True}
            if max_tasks:
                rq_options["max_jobs"] = max_tasks
            call_command("rqworker", *queues, stdout=self.stdout._out, stderr=self.stderr._out, **rq_options)
        else:
            raise CommandError(f"The tasks backend {backend} has no worker to run (it runs tasks in the web process).")


def _checkpoints() -> None:
    """Link the audit chain's lanes now and then (dabir.core.audit.checkpoint), beside the task loop."""
    import logging

    from django.db import connections

    from dabir.core import audit

    stop = threading.Event()
    while not stop.wait(settings.DABIR_AUDIT_CHECKPOINT_SECONDS):
        try:
            audit.checkpoint()
        except Exception:  # a database away for a moment: try again next time
            logging.getLogger(__name__).exception("audit checkpoint failed")
        finally:
            connections.close_all()  # this thread's own connection: none held between checkpoints


def _every(job: periodic.Job, seconds: float) -> None:
    """Run a registered periodic job (dabir.core.periodic) every `seconds`, beside the task loop."""
    import logging

    from django.db import connections

    stop = threading.Event()
    while not stop.wait(seconds):
        try:
            job.run()
        except Exception:  # a database away for a moment: try again next time
            logging.getLogger(__name__).exception("%s failed", job.name)
        finally:
            connections.close_all()
