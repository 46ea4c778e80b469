"""Work the worker does now and then beside its task loop (`dabir worker`), registered by the apps at start.

Core knows no domain app: an app registers a function and the setting that holds its interval in
seconds; the worker runs each in its own thread, and a failure is logged and tried again next time.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[], object]
    seconds_setting: str


_jobs: dict[str, Job] = {}


def register(name: str, run: Callable[[], object], *, seconds_setting: str) -> None:
    _jobs[name] = Job(name, run, seconds_setting)


def jobs() -> list[Job]:
    return list(_jobs.values())
