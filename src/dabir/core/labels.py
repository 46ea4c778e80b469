"""Persian names for the codes apps write into shared tables (audit actions, SMS kinds).

Core knows no domain app, so each app names its own codes in a `names.py` module
(AUDIT_ACTIONS, SMS_KINDS, TASKS: code → Persian name), found through the app registry on first use.
A code nobody named is shown as it is (the admin site's test fails on one).
"""

from functools import cache
from importlib import import_module

from django.apps import apps
from django.utils.module_loading import module_has_submodule

AUDIT_ACTION = "AUDIT_ACTIONS"
SMS_KIND = "SMS_KINDS"
TASK = "TASKS"  # background tasks by their import path


@cache
def _names(kind: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "names"):
            found.update(getattr(import_module(f"{config.name}.names"), kind, {}))
    return found


def name(kind: str, code: str) -> str:
    return _names(kind).get(code, code)


def known(kind: str) -> dict[str, str]:
    return dict(_names(kind))


def choices(kind: str) -> list[tuple[str, str]]:
    """Every named code with its name, sorted by name (for list filters)."""
    return sorted(_names(kind).items(), key=lambda item: item[1])
