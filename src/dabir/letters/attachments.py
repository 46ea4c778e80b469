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


def check(name: str, content: bytes) -> CheckedFile:
    """Refuse empty, oversized, unknown or disguised files with a Persian message."""
    limit = settings.DABIR_MAX_ATTACHMENT_BYTES
    label = f"«{name}»"
    if not content:
        raise DomainError(f"پرونده {label} خالی است.", field="attachments")
    if len(content) > limit:
        mb = to_persian_digits(limit // (1024 * 1024))
        raise DomainError(f"حجم پرونده {label} بیش از {mb} مگابایت است.", field="attachments")
    kind = filetype.guess(content[:8192])
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if kind is None or kind.mime not in ALLOWED:
        raise DomainError(
            f"نوع پرونده {label} پذیرفته نیست؛ PDF، تصویر (JPG/PNG/TIFF) یا سند Word/Excel بفرستید.",
            field="attachments",
        )
    if extension not in ALLOWED[kind.mime]:
        raise DomainError(f"محتوای پرونده {label} با پسوند آن نمی‌خواند.", field="attachments")
    return CheckedFile(name=name[:255], content=content, content_type=kind.mime, sha256=hashlib.sha256(content).hexdigest())
