"""Work the worker does now and then beside its task loop (`dabir worker`), registered by the apps at start.

Core knows no domain app: an app registers a function and a function giving its interval in seconds
(read from the app's setting when the worker starts; 0 turns the job off); the worker runs each in its
own thread, and a failure is logged and tried again next time.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[], object]
    seconds: Callable[[], float]


_jobs: dict[str, Job] = {}


def register(name: str, run: Callable[[], object], *, seconds: Callable[[], float]) -> None:
    _jobs[name] = Job(name, run, seconds)


def jobs() -> list[Job]:
    return list(_jobs.values())
