"""Persian names for the codes apps write into shared tables (audit actions, SMS kinds).

Core knows no domain app, so each app declares its own codes in a `names.py` module: the
enumerations AuditAction and SmsKind (models.TextChoices, Persian labels) and a TASKS dict
(import path → Persian name), found through the app registry on first use. A code nobody named is
shown as it is; core.audit.record and notify.queue_sms refuse one (`check`).
"""

from functools import cache
from importlib import import_module

from django.apps import apps
from django.utils.module_loading import module_has_submodule

AUDIT_ACTION = "AuditAction"
SMS_KIND = "SmsKind"
NOTICE_KIND = "NoticeKind"  # kinds of in-app notice (the bell), each app its own
TASK = "TASKS"  # background tasks by their import path


@cache
def _names(kind: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "names"):
            declared = getattr(import_module(f"{config.name}.names"), kind, {})
            found.update(declared.choices if isinstance(declared, type) else declared)
    return found


def check(kind: str, code: str) -> str:
    """The code itself, if an app declared it; a ValueError naming it otherwise (a bug, not bad input)."""
    if code not in _names(kind):
        raise ValueError(f"{code!r} is no app's {kind}: declare it in that app's names.py")
    return code


def name(kind: str, code: str) -> str:
    return _names(kind).get(code, code)


def known(kind: str) -> dict[str, str]:
    return dict(_names(kind))


def choices(kind: str) -> list[tuple[str, str]]:
    """Every named code with its name, sorted by name (for list filters)."""
    return sorted(_names(kind).items(), key=lambda item: item[1])
