"""Stored files through Django's storage API only, wherever they are kept (docs/deploy.md).

The file system under MEDIA_ROOT by default; an S3-compatible object store (dabir.core.s3) when
DABIR_S3_BUCKET is set, so that every web server and task worker of a cluster sees the same files.
Nothing here asks the storage for a local path.
"""

import datetime as dt
import secrets
from collections.abc import Iterator

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.http import FileResponse


def file_response(field_file, *, content_type: str, filename: str = "",
                  as_attachment: bool = False) -> FileResponse:
    """Serve a stored file in chunks: an object store's body is streamed, never read whole into memory."""
    storage = field_file.storage
    opener = getattr(storage, "open_stream", None)
    if opener is None:
        stream, size = storage.open(field_file.name, "rb"), None  # a local file: FileResponse sizes it
    else:
        stream, size = opener(field_file.name)
    response = FileResponse(stream, as_attachment=as_attachment, filename=filename, content_type=content_type)
    if size is not None:
        response["Content-Length"] = str(size)
    return response


def walk(storage: Storage, folder: str) -> Iterator[tuple[str, dt.datetime]]:
    """Every file under `folder` (its name relative to the storage's root) with its modification time."""
    lister = getattr(storage, "walk_files", None)
    if lister is not None:  # an object store lists names and times in one request per thousand files
        yield from lister(folder)
        return
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        path = f"{folder}/{name}"
        yield path, storage.get_modified_time(path)
    for name in sorted(folders):
        yield from walk(storage, f"{folder}/{name}")


def subfolders(storage: Storage, folder: str) -> list[str]:
    try:
        return sorted(storage.listdir(folder)[0])
    except FileNotFoundError:
        return []


def remove_empty_folder(storage: Storage, folder: str) -> None:
    """Local storage keeps empty directories after its files are deleted; an object store has none."""
    try:
        path = storage.path(folder)
    except NotImplementedError:
        return
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def check_writable(storage: Storage) -> str:
    """Empty when a file can be written, read back and deleted; otherwise why not (dabir check-deploy)."""
    folder = "check-deploy"
    try:
        name = storage.save(f"{folder}/{secrets.token_hex(8)}", ContentFile(b"dabir"))
        try:
            with storage.open(name, "rb") as fh:
                same = fh.read() == b"dabir"
        finally:
            storage.delete(name)
            remove_empty_folder(storage, folder)
    except Exception as exc:  # noqa: BLE001 - any failure of the storage is the answer
        return f"{type(exc).__name__}: {exc}"
    return "" if same else "a file read back differs from what was written"
