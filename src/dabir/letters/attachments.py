"""Checking uploaded files by their content, not their name, and hashing them.

The one checker for every document upload (letters' attachments and scans, the desk's request
documents, through pages, the API and Open311). A file's first bytes only say what it claims to
be; it is accepted when it also parses whole as that: a PDF with pypdf in strict mode, every page
readable; an image decoded to its last pixel with Pillow, within a pixel budget (decompression
bombs); an office document or zip opened as an archive and every entry read, within limits on
entries, expanded size and compression ratio (zip bombs). Signature images have their own PNG
checker in dabir.signing.
"""

import hashlib
import io
import logging
import zipfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image
from pypdf import PdfReader

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


IMAGES = {"image/jpeg", "image/png", "image/tiff"}
ARCHIVES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.text",
    "application/zip",
}
# The entry an office document cannot be without, by extension.
_OFFICE_PARTS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "odt": "content.xml"}


def _limit(name: str) -> int:
    """A parsing limit from the settings (DABIR_UPLOAD_*): pixels, archive entries, bytes, ratio."""
    return int(getattr(settings, name))


class Unreadable(Exception):
    """The file does not parse as the type it claims; the message says why, in Persian."""


@dataclass
class CheckedFile:
    name: str
    content: bytes
    content_type: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)

    def store(self, field, path: str) -> None:
        """Put the content in a model's file field under its SHA-256 path: the same content is stored
        once and shared by every row that carries it (the row is saved by the caller)."""
        if field.storage.exists(path):
            field.name = path
        else:
            field.save(self.sha256, ContentFile(self.content), save=False)


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
    try:
        _parse_whole(kind.mime, extension, content)
    except Unreadable as exc:
        raise DomainError(
            f"پرونده {label} {exc}؛ پرونده پذیرفته نشد.", field="attachments", code="unreadable_file"
        ) from None
    except Exception:  # a parser's own failure on a crafted file: refused all the same, never a 500
        logging.getLogger("dabir.uploads").info("upload %r did not parse", name, exc_info=True)
        raise DomainError(
            f"پرونده {label} خراب است یا کامل نیست و خوانده نشد؛ پرونده پذیرفته نشد.",
            field="attachments", code="unreadable_file",
        ) from None
    return CheckedFile(
        name=name[:255], content=content, content_type=kind.mime, sha256=hashlib.sha256(content).hexdigest()
    )


def _parse_whole(mime: str, extension: str, content: bytes) -> None:
    if mime == "application/pdf":
        _parse_pdf(content)
    elif mime in IMAGES:
        _parse_image(content)
    elif mime in ARCHIVES:
        _parse_archive(extension, content)


def _parse_pdf(content: bytes) -> None:
    end = content.rfind(b"%%EOF")
    if end < 0 or content[end + 5:].strip(b" \t\r\n\x00\x0c"):
        # Bytes after the PDF's end belong to no page: an executable or archive riding along.
        raise Unreadable("پس از پایان PDF داده‌ای ناشناخته دارد")
    reader = PdfReader(io.BytesIO(content), strict=True)
    if reader.is_encrypted and not reader.decrypt(""):
        # Opened only with a password we do not have: nobody here could read or verify it.
        raise Unreadable("رمزدار است و بدون گذرواژه باز نمی‌شود")
    if len(reader.pages) == 0:
        raise Unreadable("هیچ صفحه‌ای ندارد")
    for page in reader.pages:
        page.mediabox  # noqa: B018 - reading it checks the page's dictionary
        page.get_contents()  # decodes the page's content streams


def _parse_image(content: bytes) -> None:
    budget = _limit("DABIR_UPLOAD_MAX_PIXELS")
    too_big = "تصویری بیش از اندازه بزرگ است"
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.verify()  # the container: chunks, checksums, markers
        with Image.open(io.BytesIO(content)) as image:
            pixels = 0
            for frame in range(getattr(image, "n_frames", 1)):  # a scanned TIFF has a page per frame
                image.seek(frame)
                pixels += image.width * image.height
                if pixels > budget:  # counted from the header, before a pixel is decoded
                    raise Unreadable(too_big)
                image.load()  # every pixel decoded: truncated or corrupt data fails here
    except Image.DecompressionBombError:
        raise Unreadable(too_big) from None
    # Decoders stop at the image's end (PNG IEND, JPEG EOI) and never look further: bytes after it
    # belong to no pixel, as with an executable or archive appended to a picture.
    end = _image_end(content)
    if end is None:
        raise Unreadable("ساختار تصویری سالمی ندارد")
    if content[end:].strip(_PADDING):
        raise Unreadable("پس از پایان تصویر داده‌ای ناشناخته دارد")


# What a writer may leave after a file's end without meaning anything (scanners pad with NULs).
_PADDING = b" \t\r\n\x00"


def _image_end(content: bytes) -> int | None:
    """Where the image's own structure ends, walked from its start; None if it cannot be walked."""
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return _png_end(content)
    if content.startswith(b"\xff\xd8"):
        return _jpeg_end(content)
    if content[:4] in (b"II*\x00", b"MM\x00*"):
        return _tiff_end(content)
    return None


def _png_end(content: bytes) -> int | None:
    pos = 8
    while pos + 12 <= len(content):
        length = int.from_bytes(content[pos:pos + 4], "big")
        kind, pos = content[pos + 4:pos + 8], pos + 12 + length  # length, type, data, CRC
        if kind == b"IEND":
            return pos if pos <= len(content) else None
    return None


def _jpeg_end(content: bytes) -> int | None:
    pos, size = 2, len(content)
    while pos + 1 < size:
        if content[pos] != 0xFF:
            return None
        while pos + 1 < size and content[pos + 1] == 0xFF:  # fill bytes before a marker
            pos += 1
        marker = content[pos + 1] if pos + 1 < size else None
        if marker is None:
            return None
        if marker == 0xD9:  # EOI
            return pos + 2
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            pos += 2
            continue
        pos += 2 + int.from_bytes(content[pos + 2:pos + 4], "big")
        if marker == 0xDA:  # scan data runs to the next marker that is not a stuffed 0 or a restart
            while pos + 1 < size and not (content[pos] == 0xFF and content[pos + 1] not in _IN_SCAN):
                pos += 1
    return None


_IN_SCAN = {0x00, 0xFF, *range(0xD0, 0xD8)}

# TIFF field types → bytes per value.
_TIFF_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
# Offsets/byte counts of image data (strips, tiles, JPEG tables) and pointers to further directories.
_TIFF_DATA = ((273, 279), (324, 325), (513, 514))
_TIFF_SUB_IFDS = {330, 34665, 34853, 40965}


def _tiff_end(content: bytes) -> int | None:
    """The farthest byte any directory, field value or strip/tile of the file reaches."""
    order = "little" if content[:2] == b"II" else "big"

    def num(at: int, width: int) -> int:
        return int.from_bytes(content[at:at + width], order)

    end, seen, todo = 8, set(), [num(4, 4)]
    while todo:
        ifd = todo.pop()
        if ifd == 0 or ifd in seen or ifd + 2 > len(content) or len(seen) > 1000:
            continue
        seen.add(ifd)
        count = num(ifd, 2)
        fields = {}
        for i in range(count):
            at = ifd + 2 + 12 * i
            tag, kind, n = num(at, 2), num(at + 2, 2), num(at + 4, 4)
            width = _TIFF_SIZES.get(kind, 1)
            where = at + 8 if width * n <= 4 else num(at + 8, 4)
            end = max(end, where + width * n)
            fields[tag] = [num(where + width * k, width) for k in range(min(n, 100000))] if width in (2, 4) else []
            if tag in _TIFF_SUB_IFDS:
                todo.extend(fields[tag])
        end = max(end, ifd + 2 + 12 * count + 4)
        for offsets_tag, counts_tag in _TIFF_DATA:
            for offset, length in zip(fields.get(offsets_tag, []), fields.get(counts_tag, []), strict=False):
                end = max(end, offset + length)
        todo.append(num(ifd + 2 + 12 * count, 4))  # the next page
    return end if end <= len(content) else None


def _parse_archive(extension: str, content: bytes) -> None:
    max_entries = _limit("DABIR_UPLOAD_ZIP_MAX_ENTRIES")
    max_bytes = _limit("DABIR_UPLOAD_ZIP_MAX_BYTES")
    max_ratio = _limit("DABIR_UPLOAD_ZIP_MAX_RATIO")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        entries = archive.infolist()
        if len(entries) > max_entries:
            raise Unreadable("بیش از اندازه بخش دارد")
        names = {entry.filename for entry in entries}
        part = _OFFICE_PARTS.get(extension)
        if part and part not in names:
            raise Unreadable("سند اداری سالمی نیست")
        total = 0
        for entry in entries:
            # Counted as read, not as the headers claim: headers can lie about sizes.
            expanded = 0
            with archive.open(entry) as stream:
                while chunk := stream.read(64 * 1024):
                    expanded += len(chunk)
                    total += len(chunk)
                    if total > max_bytes or expanded > max_ratio * max(entry.compress_size, 1024):
                        raise Unreadable("پس از باز شدن بیش از اندازه بزرگ می‌شود")
