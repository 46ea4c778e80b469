"""Queueing a background job so that it follows the change that causes it (DESIGN.md invariants).

With the database task queue (the default) the job row is written in the caller's transaction: it
commits or rolls back with the change. Other backends (Redis) cannot join the transaction, so the
job is enqueued once the change has committed. Used by every outbox (SMS, exchange).

After a commit, a broker that cannot be reached must not turn a saved change into an error page:
the failure is logged (robust on_commit), and the outbox row (queued, due) is picked up by its
sweep (`dabir sms-retry`, the exchange sweep), which enqueues it again.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction

# Long work (OCR of scans) waits behind the short jobs people wait for (an SMS, a letter to send).
BACKGROUND_PRIORITY = -50


def background(task):
    """The task at a low priority where the backend orders by priority (the database queue); as it is
    elsewhere (RQ refuses a priority it cannot keep)."""
    return task.using(priority=BACKGROUND_PRIORITY) if task.get_backend().supports_priority else task


def uses_database_queue() -> bool:
    return settings.TASKS.get("default", {}).get("BACKEND", "").startswith("django_tasks_db.")


def enqueue(task, *args, run_after: dt.datetime | None = None) -> None:
    """Enqueue now; `run_after` defers it when the backend can."""
    if run_after is not None and task.get_backend().supports_defer:
        task = task.using(run_after=run_after)
    task.enqueue(*args)


def enqueue_with_change(task, *args) -> None:
    """Enqueue as part of the caller's transaction (database queue) or after it commits."""
    if uses_database_queue() and transaction.get_connection().in_atomic_block:
        enqueue(task, *args)
    else:
        transaction.on_commit(lambda: enqueue(task, *args), robust=True)


def enqueue_after_commit(task, *args, run_after: dt.datetime | None = None) -> None:
    """A retry: queued once the failure is recorded, never for a rollback."""
    transaction.on_commit(lambda: enqueue(task, *args, run_after=run_after), robust=True)
