"""Checking uploaded files by their content, not their name, and hashing them."""

import hashlib
from dataclasses import dataclass

import filetype
from django.conf import settings

from dabir.core.errors import DomainError
from dabir.core.text import to_persian_digits

# Detected MIME type → extensions a file of that type may carry.
ALLOWED = {
    "application/pdf": {"pdf"},
    "image/jpeg": {"jpg", "jpeg"},
    "image/png": {"png"},
    "image/tiff": {"tif", "tiff"},
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {"docx"},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"xlsx"},
    "application/vnd.oasis.opendocument.text": {"odt"},
    "application/zip": {"docx", "xlsx", "odt", "zip"},
}


@dataclass
class CheckedFile:
    name: str
    content: bytes
    content_type: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


def _size_text(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{to_persian_digits(limit // (1024 * 1024))} مگابایت"
    return f"{to_persian_digits(max(1, limit // 1024))} کیلوبایت"


def check(name: str, content: bytes) -> CheckedFile:
    """Refuse empty, oversized, unknown or disguised files with a Persian message."""
    limit = settings.DABIR_MAX_ATTACHMENT_BYTES
    # Keep the file's own name only: a path a browser or client sent is not ours to keep.
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip() or "پیوست"
    label = f"«{name}»"
    if not content:
        raise DomainError(f"پرونده {label} خالی است.", field="attachments", code="empty_file")
    if len(content) > limit:
        raise DomainError(
            f"حجم پرونده {label} بیش از {_size_text(limit)} است.", field="attachments", code="file_too_large"
        )
    kind = filetype.guess(content[:8192])
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    known_extension = any(extension in exts for exts in ALLOWED.values())
    if kind is None or kind.mime not in ALLOWED:
        if known_extension:
            # A text, program or other file named like a document or image: disguised.
            raise DomainError(
                f"محتوای پرونده {label} با پسوند آن نمی‌خواند؛ پرونده پذیرفته نشد.",
                field="attachments", code="disguised_file",
            )
        raise DomainError(
            f"نوع پرونده {label} پذیرفته نیست؛ PDF، تصویر (JPG/PNG/TIFF) یا سند Word/Excel بفرستید.",
            field="attachments", code="file_type",
        )
    if extension not in ALLOWED[kind.mime]:
        raise DomainError(
            f"محتوای پرونده {label} با پسوند آن نمی‌خواند؛ پرونده پذیرفته نشد.",
            field="attachments", code="disguised_file",
        )
    return CheckedFile(
        name=name[:255], content=content, content_type=kind.mime, sha256=hashlib.sha256(content).hexdigest()
    )
