"""Reading the text of a scan, an image or a PDF: the OCR engine the worker calls (docs/channels.md).

- A PDF whose pages all carry text (written by an office program) gives that text through pypdf: no
  OCR, no copy.
- A scanned PDF goes through OCRmyPDF (Tesseract) with skip_text: pages that carry text keep it, the
  others are read; the result is a copy of the file with an invisible text layer.
- An image (JPEG, PNG, a multi-page TIFF from a fax) is first made a PDF with img2pdf, then read.

OCRmyPDF runs as a child process in its own session under DABIR_OCR_TIMEOUT: when time is up the
whole process group (Tesseract included) is killed, so a pathological page never holds a worker.
Everything is written in a temporary directory removed afterwards. Only the first
DABIR_OCR_MAX_PAGES pages are read, and the note says so. Notes are Persian: they are shown to staff.
"""

import io
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from dabir.core.text import to_persian_digits

PDF = "application/pdf"
IMAGE_TYPES = {"image/jpeg", "image/png", "image/tiff"}
READABLE_TYPES = {PDF, *IMAGE_TYPES}

NOT_INSTALLED = "OCR روی این کارساز نصب نیست"
NO_TEXT = "متنی در این فایل پیدا نشد (صفحه خالی یا تصویر ناخوانا)"
# Two letters in a row: what Tesseract makes of specks and lines is single marks, not words.
_WORD = re.compile(r"[^\W\d_]{2,}")


@dataclass(frozen=True)
class Reading:
    text: str
    searchable_pdf: bytes | None  # a scan's copy with a text layer; None when no OCR ran
    pages: int  # pages of the file (all of them, read or not)
    note: str = ""  # why nothing was read, or what was left out


class _Failed(Exception):
    """Reading stopped; the message is the Persian note."""


def read_file(content: bytes, content_type: str) -> Reading:
    """The text of a PDF or an image; never raises for a bad or unreadable file (the note says why)."""
    with tempfile.TemporaryDirectory(prefix="dabir-ocr-") as tmp:
        try:
            return _read(content, content_type, Path(tmp))
        except _Failed as exc:
            return Reading("", None, 0, str(exc))


def has_words(text: str) -> bool:
    return bool(_WORD.search(text or ""))


def _read(content: bytes, content_type: str, tmp: Path) -> Reading:
    if content_type in IMAGE_TYPES:
        pdf = _image_to_pdf(content)
    elif content_type == PDF:
        pdf = content
    else:
        raise _Failed("خواندن متن برای این نوع فایل پشتیبانی نمی‌شود")
    pdf, pages, kept = _first_pages(pdf)
    note = ""
    if kept < pages:
        note = f"فقط {to_persian_digits(str(kept))} صفحه نخست از {to_persian_digits(str(pages))} صفحه خوانده شد"
    own = _page_texts(pdf)
    if content_type == PDF and all(has_words(t) for t in own):
        return Reading(_join(own), None, pages, note)
    searchable, read = _ocr(pdf, tmp)
    # Pages OCRmyPDF skipped (they carry text) keep the text they had.
    texts = [mine if has_words(mine) else theirs for mine, theirs in zip(own, read + [""] * len(own), strict=False)]
    text = _join(texts)
    if not has_words(text):
        return Reading("", None, pages, NO_TEXT)
    return Reading(text, searchable, pages, note)


def _join(texts: list[str]) -> str:
    return "\n\n".join(t.strip() for t in texts if t.strip())


def _image_to_pdf(content: bytes) -> bytes:
    import img2pdf
    from PIL import Image

    try:
        return img2pdf.convert(content, rotation=img2pdf.Rotation.ifvalid)
    except Exception:  # an alpha channel, a palette img2pdf will not embed as is: flatten it to RGB
        try:
            with Image.open(io.BytesIO(content)) as image:
                frames = []
                for i in range(getattr(image, "n_frames", 1)):
                    image.seek(i)
                    out = io.BytesIO()
                    image.convert("RGB").save(out, "PNG", dpi=image.info.get("dpi", (300, 300)))
                    frames.append(out.getvalue())
            return img2pdf.convert(frames)
        except Exception:
            raise _Failed("تصویر باز نشد (فایل خراب است)") from None


def _first_pages(pdf: bytes) -> tuple[bytes, int, int]:
    """(the PDF cut to the page limit, its page count, pages kept)."""
    import pikepdf

    limit = max(int(settings.DABIR_OCR_MAX_PAGES), 1)
    try:
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            pages = len(doc.pages)
            if pages <= limit:
                return pdf, pages, pages
            del doc.pages[limit:]
            out = io.BytesIO()
            doc.save(out)
            return out.getvalue(), pages, limit
    except pikepdf.PasswordError:
        raise _Failed("PDF رمزدار است و خوانده نمی‌شود") from None
    except pikepdf.PdfError:
        raise _Failed("PDF باز نشد (ساختار فایل خراب است)") from None


def _page_texts(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    try:
        return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]
    except Exception:  # a page pypdf cannot parse is simply treated as an image page
        return []


def _ocr(pdf: bytes, tmp: Path) -> tuple[bytes, list[str]]:
    """OCRmyPDF in a child process: (the copy with a text layer, each page's text)."""
    if shutil.which("tesseract") is None:
        raise _Failed(NOT_INSTALLED)
    src, out, sidecar = tmp / "in.pdf", tmp / "out.pdf", tmp / "text.txt"
    src.write_bytes(pdf)
    timeout = int(settings.DABIR_OCR_TIMEOUT)
    cmd = [
        sys.executable, "-m", "ocrmypdf", "--quiet", "--skip-text", "--output-type", "pdf",
        "--language", settings.DABIR_OCR_LANGUAGES, "--sidecar", str(sidecar),
        "--jobs", str(min(2, os.cpu_count() or 1)), "--tesseract-timeout", str(timeout),
        str(src), str(out),
    ]
    # OCRmyPDF's own temporary files go in our directory; Tesseract uses one thread per page.
    env = {**os.environ, "TMPDIR": str(tmp), "OMP_THREAD_LIMIT": "1"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise _Failed(f"خواندن متن بیش از {to_persian_digits(str(timeout))} ثانیه طول کشید و رها شد") from None
    if proc.returncode == 3:  # ExitCode.missing_dependency: Tesseract or a language pack
        raise _Failed(f"{NOT_INSTALLED} (زبان {settings.DABIR_OCR_LANGUAGES})")
    if proc.returncode == 8:
        raise _Failed("PDF رمزدار است و خوانده نمی‌شود")
    if proc.returncode not in (0, 4) or not out.exists():  # 4: written, only its PDF/A check failed
        last = (err or b"").decode(errors="replace").strip().splitlines()[-1:] or [f"کد {proc.returncode}"]
        raise _Failed(f"خواندن متن ناموفق بود: {last[0][:200]}")
    pages = sidecar.read_text(encoding="utf-8", errors="replace").split("\f") if sidecar.exists() else []
    # A page skipped for its own text is written as "[OCR skipped on page(s) N]": not the letter's words.
    return out.read_bytes(), ["" if p.strip().startswith("[OCR skipped") else p for p in pages]
