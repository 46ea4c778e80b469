"""`dabir backup` and `dabir restore`: a consistent, engine-neutral snapshot of an installation.

A backup is a folder (or one `.tar` file of it):

    manifest.json                  what is in it, with the SHA-256 of every part and file
    db/<app>.<model>.jsonl.gz      one part per table: a header line, then one JSON list per row
    files/<sha256>                 every stored file the database refers to, named by its hash

Every table is read in one consistent snapshot (PostgreSQL: one REPEATABLE READ READ ONLY
transaction; SQLite: one read transaction, which WAL keeps open without blocking writers), so the
letters, their number counters and their audit entries always agree. Rows are written field by field
as JSON (not SQL), so a backup of an SQLite installation restores into PostgreSQL and back.
Files are read and written through each FileField's storage, never through local paths, so they
may live on an object store.

Private signing keys are rows, already encrypted with DABIR_SIGNING_KEY; the backup never holds
that key. It holds an HMAC made with it: restore refuses a backup whose manifest was altered, and
says so plainly when the installation's DABIR_SIGNING_KEY is not the one the backup was made with.
"""

import contextlib
import datetime as dt
import decimal
import gzip
import hashlib
import hmac
import importlib.metadata
import json
import os
import shutil
import tarfile
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.duration import duration_iso_string

from . import audit

FORMAT = "dabir-backup"
FORMAT_VERSION = 1
BATCH = 2000
# Rows a fresh `migrate` creates by itself; restore replaces them with the backup's.
SEEDED = {"contenttypes.contenttype", "auth.permission", "core.audithead"}


class BackupError(Exception):
    """A backup that cannot be taken or restored; the message is for the operator (Persian)."""


@dataclass
class Summary:
    path: Path
    tables: int = 0
    rows: int = 0
    files: int = 0
    file_bytes: int = 0
    missing_files: list[str] = field(default_factory=list)
    audit_entries: int | None = None


# ---------------------------------------------------------------- values


def _encode(value):
    # Full precision: the audit chain hashes each entry's time to the microsecond.
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return duration_iso_string(value)
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview | bytearray):
        import base64

        return base64.b64encode(bytes(value)).decode()
    raise TypeError(f"cannot back up a value of type {type(value).__name__}")


def _dumps(row) -> str:
    return json.dumps(row, default=_encode, ensure_ascii=False, separators=(",", ":"))


def _fields(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not getattr(f, "generated", False)]


def _models() -> list[type[models.Model]]:
    """Every table Django manages, many-to-many link tables included, in a stable order."""
    found = [
        m for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and not m._meta.swapped
    ]
    return sorted(found, key=lambda m: m._meta.label_lower)


def _file_fields(model) -> list[models.FileField]:
    return [f for f in _fields(model) if isinstance(f, models.FileField)]


def _key() -> bytes:
    secret = str(settings.DABIR_SIGNING_KEY or settings.SECRET_KEY)
    return hashlib.sha256(("dabir-backup:" + secret).encode()).digest()


def _mac(label: str, payload: bytes) -> str:
    return hmac.new(_key(), label.encode() + b"\0" + payload, hashlib.sha256).hexdigest()


def _canonical(manifest: dict) -> bytes:
    body = {k: v for k, v in manifest.items() if k != "mac"}
    return json.dumps(body, sort_keys=True, ensure_ascii=False).encode()


def _sha256_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        applied.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


def _version() -> str:
    try:
        release = importlib.metadata.version("dabir")
    except importlib.metadata.PackageNotFoundError:
        release = "unknown"
    return f"{release} (DABIR_VERSION={settings.DABIR_VERSION})"


# ---------------------------------------------------------------- snapshot


class _Snapshot:
    """One consistent read of the whole database for the duration of the `with` block."""

    def __enter__(self):
        if connection.in_atomic_block:
            raise BackupError("پشتیبان‌گیری باید بیرون از هر تراکنشی اجرا شود.")
        connection.ensure_connection()
        with connection.cursor() as cursor:  # health check done now, not as the transaction's first query
            cursor.execute("SELECT 1")
        if connection.vendor == "postgresql":
            self._atomic = transaction.atomic()
            self._atomic.__enter__()
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        else:
            # Django opens SQLite transactions IMMEDIATE (a write lock); a deferred read transaction,
            # begun by hand in autocommit mode, holds a WAL snapshot and lets writers go on.
            self._atomic = None
            with connection.cursor() as cursor:
                cursor.execute("BEGIN DEFERRED")
                cursor.execute("SELECT count(*) FROM sqlite_master")
        return self

    def __exit__(self, *exc):
        if self._atomic is not None:
            transaction.set_rollback(True)
            self._atomic.__exit__(*exc)
        else:
            with connection.cursor() as cursor:
                cursor.execute("ROLLBACK")
        return False


def _rows(model, fields) -> Iterator[tuple]:
    names = [f.attname for f in fields]
    return model._base_manager.order_by("pk").values_list(*names).iterator(chunk_size=BATCH)


def take(target: str | os.PathLike, *, progress: Callable[[str], None] | None = None) -> Summary:
    """Write a backup to `target` (a new or empty folder, or a file name ending in .tar)."""
    target = Path(target)
    as_tar = target.suffix == ".tar"
    if target.exists() and (as_tar or any(target.iterdir())):
        raise BackupError(f"مقصد پشتیبان «{target}» از پیش وجود دارد و خالی نیست.")
    folder = Path(tempfile.mkdtemp(prefix=".dabir-backup-", dir=target.parent)) if as_tar else target
    try:
        summary = _write(folder, progress or (lambda _: None))
        if as_tar:
            with tarfile.open(target, "w") as tar:
                for path in sorted(folder.rglob("*")):
                    tar.add(path, arcname=str(path.relative_to(folder)), recursive=False)
            summary.path = target
        return summary
    except BaseException:
        if as_tar:
            target.unlink(missing_ok=True)
        raise
    finally:
        if as_tar:
            shutil.rmtree(folder, ignore_errors=True)


def _write(folder: Path, progress) -> Summary:
    (folder / "db").mkdir(parents=True, exist_ok=True)
    (folder / "files").mkdir(exist_ok=True)
    summary = Summary(path=folder)
    parts, files = [], []
    audit.checkpoint()  # seal every lane of the audit chain just before the snapshot
    with _Snapshot():
        taken_at = timezone.now()
        migrations = _applied_migrations()
        for model in _models():
            part, count, referenced = _write_part(folder, model)
            parts.append(part)
            summary.tables += 1
            summary.rows += count
            progress(f"{model._meta.label_lower}: {count}")
            for field_label, names in referenced.items():
                model_field = model._meta.get_field(field_label.rsplit(".", 1)[1])
                for name in sorted(names):
                    entry = _copy_file(folder, model_field.storage, name, field_label)
                    if entry is None:
                        summary.missing_files.append(name)
                        continue
                    files.append(entry)
                    summary.files += 1
                    summary.file_bytes += entry["bytes"]
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "dabir_version": _version(),
        "engine": connection.vendor,
        "created_at": taken_at.isoformat(),
        "migrations": migrations,
        "parts": parts,
        "files": files,
        "missing_files": summary.missing_files,
        "secrets": {
            "needed": "DABIR_SIGNING_KEY",
            "note": (
                "کلیدهای خصوصی امضا با DABIR_SIGNING_KEY رمز شده‌اند و این کلید در پشتیبان نیست؛ "
                "بدون همان کلید بازگردانی انجام نمی‌شود. آن را جدا از پشتیبان نگه دارید."
            ),
            "key_check": _mac("key-check", b""),
        },
    }
    manifest["mac"] = _mac("manifest", _canonical(manifest))
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return summary


def _write_part(folder: Path, model) -> tuple[dict, int, dict[str, set[str]]]:
    label = model._meta.label_lower
    fields = _fields(model)
    file_fields = [(i, f) for i, f in enumerate(fields) if isinstance(f, models.FileField)]
    referenced: dict[str, set[str]] = {f"{label}.{f.name}": set() for _, f in file_fields}
    name = f"db/{label}.jsonl.gz"
    count = 0
    with gzip.open(folder / name, "wt", encoding="utf-8", compresslevel=1, newline="\n") as out:
        out.write(_dumps({"model": label, "fields": [f.attname for f in fields]}) + "\n")
        for row in _rows(model, fields):
            out.write(_dumps(row) + "\n")
            count += 1
            for i, f in file_fields:
                if row[i]:
                    referenced[f"{label}.{f.name}"].add(row[i])
    digest, size = _sha256_file(folder / name)
    return {"name": name, "model": label, "rows": count, "sha256": digest, "bytes": size}, count, referenced


def _copy_file(folder: Path, storage, name: str, field_label: str) -> dict | None:
    try:
        source = storage.open(name, "rb")
    except (FileNotFoundError, OSError):
        return None
    digest, size = hashlib.sha256(), 0
    with source, tempfile.NamedTemporaryFile(dir=folder / "files", delete=False) as out:
        while chunk := source.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    sha = digest.hexdigest()
    os.replace(out.name, folder / "files" / sha)  # the same content twice is kept once
    return {"name": name, "field": field_label, "sha256": sha, "bytes": size, "path": f"files/{sha}"}


# ---------------------------------------------------------------- restore


@contextlib.contextmanager
def _opened(source: Path) -> Iterator[Path]:
    """The backup as a folder: itself, or a .tar unpacked beside it for the time of the `with`."""
    if source.is_file() and tarfile.is_tarfile(source):
        with tempfile.TemporaryDirectory(prefix=".dabir-restore-", dir=source.parent) as tmp:
            with tarfile.open(source) as tar:
                tar.extractall(tmp, filter="data")
            yield Path(tmp)
        return
    if not (source / "manifest.json").is_file():
        raise BackupError(f"«{source}» پشتیبان دبیر نیست (manifest.json ندارد).")
    yield source


def restore(source: str | os.PathLike, *, progress: Callable[[str], None] | None = None) -> Summary:
    """Bring a backup back into an empty installation; refuse anything altered or any data present."""
    source = Path(source)
    with _opened(source) as folder:
        return _restore(folder, progress or (lambda _: None), shown=source)


def check_only(source: str | os.PathLike) -> dict:
    """Check a backup's manifest and every hash without touching the installation."""
    with _opened(Path(source)) as folder:
        manifest = read_manifest(folder)
        check(folder, manifest)
        return manifest


def read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"بخش manifest.json خوانده نشد: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("بخش manifest.json فهرست پشتیبان دبیر نیست.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"قالب پشتیبان {manifest.get('format_version')} را این نسخه نمی‌شناسد.")
    secrets = manifest.get("secrets") or {}
    if not hmac.compare_digest(str(secrets.get("key_check", "")), _mac("key-check", b"")):
        raise BackupError(
            "کلید DABIR_SIGNING_KEY این نصب با کلید هنگام پشتیبان‌گیری یکی نیست؛ بدون آن کلیدهای امضا "
            "گشوده نمی‌شوند. همان کلید را تنظیم کنید و دوباره بازگردانید."
        )
    if not hmac.compare_digest(str(manifest.get("mac", "")), _mac("manifest", _canonical(manifest))):
        raise BackupError("بخش manifest.json پس از پشتیبان‌گیری تغییر کرده است.")
    return manifest


def check(folder: Path, manifest: dict) -> None:
    """Every part and every file against its SHA-256, naming the first that does not match."""
    for part in manifest["parts"]:
        _check_hash(folder, part["name"], part["sha256"], part["bytes"], f"بخش {part['name']}")
    for entry in manifest["files"]:
        _check_hash(folder, entry["path"], entry["sha256"], entry["bytes"], f"پرونده {entry['name']}")


def _check_hash(folder: Path, relative: str, sha: str, size: int, what: str) -> None:
    path = (folder / relative).resolve()
    if folder.resolve() not in path.parents:
        raise BackupError(f"{what}: نشانی بیرون از پشتیبان است.")
    if not path.is_file():
        raise BackupError(f"{what} در پشتیبان نیست.")
    if _sha256_file(path) != (sha, size):
        raise BackupError(f"{what} با چکیده SHA-256 فهرست نمی‌خواند؛ پشتیبان تغییر کرده یا آسیب دیده است.")


def _restore(folder: Path, progress, *, shown: Path) -> Summary:
    manifest = read_manifest(folder)
    check(folder, manifest)
    progress("چکیده‌ها درست است")
    _prepare_schema(manifest)
    _refuse_data()
    by_label = {m._meta.label_lower: m for m in _models()}
    unknown = [p["model"] for p in manifest["parts"] if p["model"] not in by_label]
    if unknown:
        raise BackupError(f"جدول‌های پشتیبان در این نسخه نیستند: {', '.join(unknown)}")
    summary = Summary(path=shown, missing_files=list(manifest.get("missing_files", [])))
    for entry in manifest["files"]:  # files first: a failed load then leaves only orphans, which cleanup removes
        _restore_file(folder, entry, by_label)
        summary.files += 1
        summary.file_bytes += entry["bytes"]
    progress(f"{summary.files} پرونده")
    with transaction.atomic():
        for label in sorted(SEEDED):
            if label in by_label:
                by_label[label]._base_manager.all().delete()
        for part in manifest["parts"]:
            count = _load_part(folder, part, by_label[part["model"]])
            if count != part["rows"]:
                raise BackupError(f"بخش {part['name']}: {count} سطر به جای {part['rows']}.")
            summary.tables += 1
            summary.rows += count
            progress(f"{part['model']}: {count}")
        if connection.vendor == "postgresql":
            # Sequences past the restored ids: the next row takes a new id, never one already used.
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), list(by_label.values())):
                    cursor.execute(sql)
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    for entry in manifest["files"]:  # and once more as the storage gives them back
        _check_stored(entry, by_label)
    result = audit.verify()
    if not result.ok:
        raise BackupError(f"زنجیره رویدادها پس از بازگردانی درست نیست: رویداد {result.broken_id} — {result.reason}")
    summary.audit_entries = result.checked
    return summary


def _prepare_schema(manifest: dict) -> None:
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", interactive=False, verbosity=0)
    mine = _applied_migrations()
    theirs = {app: sorted(names) for app, names in manifest["migrations"].items()}
    if mine != theirs:
        missing = sorted(f"{a}.{n}" for a, ns in theirs.items() for n in ns if n not in mine.get(a, []))
        extra = sorted(f"{a}.{n}" for a, ns in mine.items() for n in ns if n not in theirs.get(a, []))
        raise BackupError(
            "وضعیت مهاجرت‌های پشتیبان با این نسخه دبیر یکی نیست "
            f"(پشتیبان {manifest.get('dabir_version')}؛ نبودِ اینجا: {', '.join(missing[:5]) or '-'}؛ "
            f"اضافهٔ اینجا: {', '.join(extra[:5]) or '-'}). با همان نسخه بازگردانید و سپس ارتقا دهید."
        )


def _refuse_data() -> None:
    filled = [
        m._meta.label_lower for m in _models()
        if m._meta.label_lower not in SEEDED and m._base_manager.exists()
    ]
    if filled:
        raise BackupError(
            "پایگاه داده خالی نیست؛ بازگردانی فقط در نصب خالی انجام می‌شود "
            f"(داده در {', '.join(filled[:5])}{'…' if len(filled) > 5 else ''})."
        )


def _storage_of(entry: dict, by_label):
    label, field_name = entry["field"].rsplit(".", 1)
    return by_label[label]._meta.get_field(field_name).storage


def _restore_file(folder: Path, entry: dict, by_label) -> None:
    storage = _storage_of(entry, by_label)
    name = entry["name"]
    if storage.exists(name):
        _check_stored(entry, by_label)  # the same file already there (a retried restore) is kept
        return
    with open(folder / entry["path"], "rb") as fh:
        saved = storage.save(name, File(fh, name=os.path.basename(name)))
    if saved != name:
        storage.delete(saved)
        raise BackupError(f"پرونده {name} با نام دیگری ({saved}) ذخیره شد.")


def _check_stored(entry: dict, by_label) -> None:
    storage = _storage_of(entry, by_label)
    digest, size = hashlib.sha256(), 0
    try:
        with storage.open(entry["name"], "rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
    except (FileNotFoundError, OSError) as exc:
        raise BackupError(f"پرونده {entry['name']} پس از بازگردانی خوانده نشد: {exc}") from exc
    if (digest.hexdigest(), size) != (entry["sha256"], entry["bytes"]):
        raise BackupError(f"پرونده {entry['name']} در انبار با چکیده پشتیبان نمی‌خواند.")


_PLAIN = (models.CharField, models.TextField, models.IntegerField, models.BooleanField)


def _converter(f: models.Field):
    """JSON value → database parameter, as the ORM would store it (without its per-row compiler work)."""
    target = f.target_field if f.is_relation else f
    if isinstance(target, _PLAIN) and not isinstance(target, models.FileField):
        return None  # JSON gives these as the database takes them
    return lambda v: None if v is None else f.get_db_prep_save(f.to_python(v), connection)


def _load_part(folder: Path, part: dict, model) -> int:
    """Insert a part's rows as they are: plain INSERTs, so no save() hook, signal or auto_now
    changes a restored value (bulk_create would stamp auto_now fields with the restore's time)."""
    with gzip.open(folder / part["name"], "rt", encoding="utf-8") as lines:
        header = json.loads(next(lines))
        by_attname = {f.attname: f for f in _fields(model)}
        missing = [name for name in header["fields"] if name not in by_attname]
        if header.get("model") != part["model"] or missing:
            raise BackupError(f"بخش {part['name']}: ستون‌ها با این نسخه نمی‌خوانند ({', '.join(missing)}).")
        fields = [by_attname[name] for name in header["fields"]]
        convert = [(i, c) for i, c in enumerate(map(_converter, fields)) if c is not None]
        quote = connection.ops.quote_name
        head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "
        one = f"({', '.join(['%s'] * len(fields))})"
        # Many rows per statement: one round trip, and one run of a statement-level trigger (the
        # search table's), per batch instead of per row.
        per = max(1, min(500, (connection.features.max_query_params or 30000) // max(1, len(fields))))

        def insert(cursor, rows):
            for k in range(0, len(rows), per):
                chunk = rows[k:k + per]
                cursor.execute(head + ", ".join([one] * len(chunk)), [v for row in chunk for v in row])

        count, batch = 0, []
        with connection.cursor() as cursor:
            for line in lines:
                try:
                    row = json.loads(line)
                    if len(row) != len(fields):
                        raise ValueError(f"{len(row)} مقدار به جای {len(fields)}")
                    for i, conv in convert:
                        row[i] = conv(row[i])
                except (ValueError, TypeError, ValidationError) as exc:
                    raise BackupError(f"بخش {part['name']}، سطر {count + len(batch) + 1}: {exc}") from exc
                batch.append(row)
                if len(batch) >= 1000:
                    insert(cursor, batch)
                    count += len(batch)
                    batch = []
            if batch:
                insert(cursor, batch)
                count += len(batch)
    return count


def describe(summary: Summary) -> str:
    size = f"{summary.file_bytes / 1_048_576:.1f} MiB"
    text = f"{summary.tables} جدول، {summary.rows} سطر، {summary.files} پرونده ({size})"
    if summary.audit_entries is not None:
        text += f"؛ زنجیره رویدادها درست است ({summary.audit_entries} رویداد)"
    return text


__all__ = ["BackupError", "Summary", "check", "check_only", "describe", "read_manifest", "restore", "take"]
