"""What `dabir cleanup` removes, registered by each app when it starts (in its AppConfig.ready()).

Core knows no domain app: the accounts register their expired one-time codes, the desk its folder of
request-form drafts, and every app with file fields the folder those fields write to and the fields
themselves. The command (core/management/commands/cleanup.py) only walks what is registered here.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.db.models import QuerySet

DAY = 24 * 3600


@dataclass(frozen=True)
class ExpiredRows:
    key: str  # the count's name in the audit entry, e.g. "codes"
    label: str  # printed after the count, e.g. "expired one-time code(s)"
    short: str  # in the closing summary, e.g. "code(s)"
    rows: Callable[[dt.datetime], QuerySet]  # the rows to delete, given the time of the run


@dataclass(frozen=True)
class FileFields:
    folder: str  # a folder under MEDIA_ROOT that the fields write to
    fields: tuple[tuple[str, str], ...]  # ("app_label.Model", "field name") pairs naming files


_expired: dict[str, ExpiredRows] = {}
_draft_folders: list[str] = []
_file_fields: dict[str, FileFields] = {}


def register_expired(key: str, label: str, short: str, rows: Callable[[dt.datetime], QuerySet]) -> None:
    """Rows that expire: `rows(now)` is deleted in the run's transaction."""
    _expired[key] = ExpiredRows(key, label, short, rows)


def register_draft_folder(folder: str) -> None:
    """A folder of per-session drafts (<folder>/<key>/...), removed once older than the session lifetime."""
    if folder not in _draft_folders:
        _draft_folders.append(folder)


def register_file_fields(folder: str, *fields: tuple[str, str]) -> None:
    """A folder under MEDIA_ROOT whose files must each be named by one of the registered fields."""
    _file_fields[folder] = FileFields(folder, tuple(fields))


def expired_kinds() -> list[ExpiredRows]:
    return list(_expired.values())


def draft_folders() -> list[str]:
    return list(_draft_folders)


def file_folders() -> list[str]:
    return list(_file_fields)


def registered_fields() -> set[tuple[str, str]]:
    return {pair for group in _file_fields.values() for pair in group.fields}


def stale_drafts(media: Path, now_ts: float, max_age: int) -> list[Path]:
    """Draft folders whose newest file (or the folder itself, when empty) is older than `max_age`."""
    out = []
    for name in _draft_folders:
        root = media / name
        if not root.is_dir():
            continue
        for folder in sorted(root.iterdir()):
            if not folder.is_dir():
                if now_ts - folder.stat().st_mtime > max_age:
                    out.append(folder)
                continue
            times = [p.stat().st_mtime for p in folder.rglob("*") if p.is_file()] or [folder.stat().st_mtime]
            if now_ts - max(times) > max_age:
                out.append(folder)
    return out


def referenced_files() -> set[str]:
    """Every file name (relative to MEDIA_ROOT) a registered field still points at."""
    names: set[str] = set()
    for group in _file_fields.values():
        for label, field in group.fields:
            model = apps.get_model(label)
            names.update(n for n in model.objects.exclude(**{field: ""}).exclude(**{f"{field}__isnull": True})
                         .values_list(field, flat=True).iterator() if n)
    return names


def orphan_files(media: Path, now_ts: float, min_age: int = DAY) -> list[Path]:
    """Files under the registered folders, older than `min_age`, that no registered field names."""
    keep = referenced_files()
    out = []
    for folder in _file_fields:
        root = media / folder
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if not path.is_file() or now_ts - path.stat().st_mtime <= min_age:
                continue
            if path.relative_to(media).as_posix() not in keep:
                out.append(path)
    return out
