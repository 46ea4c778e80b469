"""What `dabir cleanup` removes, registered by each app when it starts (in its AppConfig.ready()).

Core knows no domain app: the accounts register their expired one-time codes, the desk its folder of
request-form drafts, and every app with file fields the folder those fields write to and the fields
themselves. The command (core/management/commands/cleanup.py) only walks what is registered here.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.core.files.storage import Storage
from django.db.models import QuerySet

from . import files

DAY = 24 * 3600


@dataclass(frozen=True)
class ExpiredRows:
    key: str  # the count's name in the audit entry, e.g. "codes"
    label: str  # printed after the count, e.g. "expired one-time code(s)"
    short: str  # in the closing summary, e.g. "code(s)"
    rows: Callable[[dt.datetime], QuerySet]  # the rows to delete, given the time of the run


@dataclass(frozen=True)
class FileFields:
    folder: str  # a folder of the default storage that the fields write to
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
    """A folder of the default storage whose files must each be named by one of the registered fields."""
    _file_fields[folder] = FileFields(folder, tuple(fields))


def expired_kinds() -> list[ExpiredRows]:
    return list(_expired.values())


def draft_folders() -> list[str]:
    return list(_draft_folders)


def file_folders() -> list[str]:
    return list(_file_fields)


def registered_fields() -> set[tuple[str, str]]:
    return {pair for group in _file_fields.values() for pair in group.fields}


def stale_drafts(storage: Storage, now_ts: float, max_age: int) -> dict[str, list[str]]:
    """Draft folders whose newest file (or the folder itself, when empty) is older than `max_age`, each
    with its files. Through the storage API: the same on the file system and in an object store."""
    out: dict[str, list[str]] = {}
    for name in _draft_folders:
        for key in files.subfolders(storage, name):
            folder = f"{name}/{key}"
            found = list(files.walk(storage, folder))
            times = [when.timestamp() for _, when in found] or [_folder_time(storage, folder, now_ts)]
            if now_ts - max(times) > max_age:
                out[folder] = [path for path, _ in found]
        for path, when in files.walk(storage, name):  # a stray file beside the folders
            if "/" not in path[len(name) + 1:] and now_ts - when.timestamp() > max_age:
                out[path] = [path]
    return out


def _folder_time(storage: Storage, folder: str, now_ts: float) -> float:
    """An empty folder (the file system keeps them) is as old as its last change; an object store has none."""
    try:
        return storage.get_modified_time(folder).timestamp()
    except (OSError, NotImplementedError):
        return now_ts


def referenced_files() -> set[str]:
    """Every file name (relative to the storage's root) a registered field still points at."""
    names: set[str] = set()
    for group in _file_fields.values():
        for label, field in group.fields:
            model = apps.get_model(label)
            names.update(n for n in model.objects.exclude(**{field: ""}).exclude(**{f"{field}__isnull": True})
                         .values_list(field, flat=True).iterator() if n)
    return names


def orphan_files(storage: Storage, now_ts: float, min_age: int = DAY) -> list[str]:
    """Files under the registered folders, older than `min_age`, that no registered field names."""
    keep = referenced_files()
    out = []
    for folder in _file_fields:
        for path, when in files.walk(storage, folder):
            if now_ts - when.timestamp() > min_age and path not in keep:
                out.append(path)
    return sorted(out)
