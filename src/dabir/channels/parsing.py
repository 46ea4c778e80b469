"""Reading an e-mail (or a fax delivered as e-mail) into what the intake queue keeps.

Whatever bytes come from a mail server, parse() returns what could be read of them and a Persian note
for each thing it could not read: mail in the wild carries broken MIME, undeclared charsets, Outlook's
winmail.dat and attachments too large to keep, and one bad message must not stop a mailbox's poll.
"""

import email
import email.header
import email.utils
import html as html_lib
import io
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import Message
from html.parser import HTMLParser

import nh3
from django.conf import settings

from dabir.core.text import to_persian_digits

log = logging.getLogger("dabir.channels.mail")

# Nested multiparts deeper than this are not walked: real mail never nests so deep.
_MAX_DEPTH = 12
_TNEF_TYPES = {"application/ms-tnef", "application/vnd.ms-tnef"}
_EXT = {"application/pdf": "pdf", "image/tiff": "tif", "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif",
        "text/plain": "txt", "text/html": "html", "message/rfc822": "eml"}


@dataclass
class Part:
    name: str
    content_type: str
    content: bytes
    inline: bool = False


@dataclass
class Parsed:
    message_id: str = ""
    sender_name: str = ""
    sender_address: str = ""
    subject: str = ""
    text: str = ""
    html: str = ""
    sent_at: datetime | None = None
    files: list[Part] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    kind: str = "email"
    calling_number: str = ""

    def note(self, text: str) -> None:
        if text not in self.problems:
            self.problems.append(text)


def size_text(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{to_persian_digits(f'{n / (1024 * 1024):.1f}')} مگابایت"
    return f"{to_persian_digits(max(1, n // 1024))} کیلوبایت"


def parse(raw: bytes, *, fax_senders=(), fax_header: str = "X-Fax-From") -> Parsed:
    out = Parsed()
    try:
        msg = email.message_from_bytes(raw or b"", policy=policy.default)
        _headers(msg, out)
        _walk(msg, out, depth=0)
        if any(_defects(msg)):
            out.note("ساختار MIME پیام ایراد داشت؛ آنچه خوانده شد نگه داشته شد.")
        _fax(msg, out, fax_senders, fax_header)
    except Exception:  # noqa: BLE001 - any bytes at all: keep what was read, say the rest was not
        log.warning("message parse failed", exc_info=True)
        out.note("پیام کامل خوانده نشد؛ آنچه خوانده شد نگه داشته شد و پیام اصلی پیوست است.")
    if not out.text and out.html:
        out.text = html_to_text(out.html)
    if not out.sender_address:
        out.note("نشانی فرستنده در پیام نیست یا خوانده نشد.")
    for name in ("message_id", "sender_name", "sender_address", "subject", "text", "html", "calling_number"):
        setattr(out, name, _printable(getattr(out, name)))
    return out


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _printable(text: str) -> str:
    # Control characters are no text (and PostgreSQL refuses NUL); line ends become plain newlines.
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _header(msg: Message, name: str) -> str:
    """A header's decoded text; a header the strict parser refuses is decoded by hand."""
    try:
        value = msg.get(name)
        return "" if value is None else _decode_words(str(value)).strip()
    except Exception:  # noqa: BLE001 - a malformed header is read raw rather than lost
        raw = msg.get_all(name, failobj=[None])[0] if hasattr(msg, "get_all") else None
        return _decode_words(str(raw or "")).strip()


def _decode_words(value: str) -> str:
    """Encoded words left undecoded (inside quotes, or in a charset the policy missed)."""
    if "=?" not in value:
        return " ".join(value.split()) if "\n" in value else value
    try:
        return str(email.header.make_header(email.header.decode_header(value)))
    except Exception:  # noqa: BLE001 - unknown charset: the text as it came
        return value


def _headers(msg: Message, out: Parsed) -> None:
    out.subject = _header(msg, "Subject")
    out.message_id = _header(msg, "Message-ID").strip("<> ")
    sender = _header(msg, "From")
    if sender:
        name, address = email.utils.parseaddr(sender)
        out.sender_name, out.sender_address = _decode_words(name), address.strip().lower()
        if not out.sender_address and "@" not in sender:
            out.sender_name = out.sender_name or sender
    date = _header(msg, "Date")
    if date:
        try:
            out.sent_at = email.utils.parsedate_to_datetime(date)
        except Exception:  # noqa: BLE001
            out.note("تاریخ ارسال پیام خوانده نشد.")


def _defects(msg: Message):
    for part in msg.walk():
        yield from getattr(part, "defects", ())


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:  # noqa: BLE001
        name = ""
    if not name:
        try:
            name = part.get_param("name", header="content-type") or ""
            if isinstance(name, tuple):
                name = email.utils.collapse_rfc2231_value(name)
        except Exception:  # noqa: BLE001
            name = ""
    name = _decode_words(str(name)).replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:255]


def _payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001
        data = None
    if data is None:
        raw = part.get_payload()
        data = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
    return data


def decode_text(data: bytes, charset: str | None) -> str:
    """Text in its declared charset; undeclared or wrong ones tried as UTF-8, then Windows-1256."""
    if charset:
        try:
            return data.decode(charset.strip().lower(), errors="replace" if charset.lower() != "utf-8" else "strict")
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("windows-1256", errors="replace")


def _walk(part: Message, out: Parsed, depth: int) -> None:
    ctype = part.get_content_type()
    if part.is_multipart() and ctype != "message/rfc822":
        if depth >= _MAX_DEPTH:
            out.note("بخش‌های تودرتوی پیام بیش از اندازه بود و بخشی از آن خوانده نشد.")
            return
        payload = part.get_payload()
        for sub in payload if isinstance(payload, list) else []:
            _walk(sub, out, depth + 1)
        return
    name = _filename(part)
    disposition = part.get_content_disposition()
    if ctype == "message/rfc822":
        _keep(out, name or f"پیام-{len(out.files) + 1}.eml", ctype, _embedded(part), inline=False)
        return
    if ctype in _TNEF_TYPES or name.lower() == "winmail.dat":
        _tnef(out, name or "winmail.dat", _payload(part))
        return
    if ctype in ("text/plain", "text/html") and disposition != "attachment" and not name:
        text = decode_text(_payload(part), part.get_content_charset())
        if ctype == "text/plain" and not out.text:
            out.text = text.strip()
            return
        if ctype == "text/html" and not out.html:
            out.html = clean_html(text)
            return
    cid = (part.get("Content-ID") or "").strip().strip("<>")
    inline = disposition == "inline" or (bool(cid) and disposition != "attachment")
    if not name:
        name = (cid.split("@")[0] if cid else f"پیوست-{len(out.files) + 1}") + "." + _EXT.get(ctype, "bin")
    _keep(out, name, ctype, _payload(part), inline=inline and ctype.startswith("image/"))


def _embedded(part: Message) -> bytes:
    inner = part.get_payload()
    inner = inner[0] if isinstance(inner, list) and inner else inner
    try:
        return inner.as_bytes(policy=policy.compat32)
    except Exception:  # noqa: BLE001
        return str(inner).encode("utf-8", "replace")


def _keep(out: Parsed, name: str, ctype: str, content: bytes, *, inline: bool) -> None:
    limit = settings.DABIR_MAX_ATTACHMENT_BYTES
    if not content:
        out.note(f"پیوست «{name}» خالی بود.")
        return
    if len(content) > limit:
        out.note(f"پیوست «{name}» با حجم {size_text(len(content))} بیش از حد مجاز ({size_text(limit)}) "
                 "بود و نگه داشته نشد.")
        return
    out.files.append(Part(name=name, content_type=ctype, content=content, inline=inline))


def _tnef(out: Parsed, name: str, data: bytes) -> None:
    """Outlook's winmail.dat: its files and body unpacked; kept whole with a note if it does not unpack."""
    try:
        import tnefparse

        blob = tnefparse.TNEF(data, do_checksum=False)
        found = [(a.long_filename() or a.name, a.data) for a in blob.attachments]
        body = blob.htmlbody or blob.body
    except Exception:  # noqa: BLE001 - a broken or unknown TNEF: keep it as it came
        found, body = [], None
    if not found and not body:  # nothing came out of it (broken, or a truncated one the parser accepts)
        out.note(f"پرونده «{name}» (winmail.dat اوت‌لوک) باز نشد و همان‌گونه که رسید نگه داشته شد.")
        _keep(out, name, "application/ms-tnef", data, inline=False)
        return
    for i, (file_name, content) in enumerate(found, 1):
        file_name = str(file_name or f"پیوست-{i}").strip("\x00").strip() or f"پیوست-{i}"
        _keep(out, file_name, _guess_type(file_name), bytes(content or b""), inline=False)
    if isinstance(body, bytes):
        body = decode_text(body.rstrip(b"\x00"), None)
    if body and not out.text:
        out.text = html_to_text(body) if "<" in body and ">" in body else body.strip()


def _guess_type(name: str) -> str:
    import mimetypes

    return mimetypes.guess_type(name)[0] or "application/octet-stream"


# ---------------------------------------------------------------- HTML


_BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote", "pre", "hr"}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head", "title"):
            self.skip += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head", "title"):
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Plain text of an HTML body, one paragraph per block, blank lines squeezed."""
    parser = _Text()
    try:
        parser.feed(markup)
        parser.close()
        text = "".join(parser.parts)
    except Exception:  # noqa: BLE001
        text = html_lib.unescape(re.sub(r"<[^>]+>", " ", markup))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _no_remote(tag: str, attr: str, value: str) -> str | None:
    # Remote images tell the sender when the clerk opened the mail: only the message's own (cid:) stay.
    if tag == "img" and attr == "src" and not value.lower().startswith("cid:"):
        return None
    return value


def clean_html(markup: str) -> str:
    try:
        return nh3.clean(markup, clean_content_tags={"script", "style"}, attribute_filter=_no_remote,
                         url_schemes={"http", "https", "mailto", "cid"})
    except Exception:  # noqa: BLE001 - unsanitisable HTML is not kept at all
        return ""


# ---------------------------------------------------------------- fax


_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


def _fax(msg: Message, out: Parsed, fax_senders, fax_header: str) -> None:
    senders = {s.strip().lower() for s in fax_senders if s.strip()}
    header = _header(msg, fax_header) if fax_header else ""
    if not header and out.sender_address not in senders:
        return
    out.kind = "fax"
    source = header or out.subject
    match = re.search(r"\+?\d[\d\s\-]{3,}\d", source.translate(_DIGITS))
    out.calling_number = re.sub(r"[^\d+]", "", match.group(0))[:40] if match else ""
    files = []
    for part in out.files:
        if part.content_type == "image/tiff" or part.name.lower().endswith((".tif", ".tiff")):
            files.append(_tiff_pdf(part, out))
        else:
            files.append(part)
    out.files = files


def _tiff_pdf(part: Part, out: Parsed) -> Part:
    """A multi-page TIFF fax as one PDF (img2pdf keeps the pages lossless; Pillow when it refuses)."""
    stem = part.name.rsplit(".", 1)[0] if "." in part.name else part.name
    try:
        import img2pdf

        # No date and img2pdf's own writer (a fixed /ID): the same fax makes the same PDF, stored once.
        pdf = img2pdf.convert(part.content, nodate=True, engine=img2pdf.Engine.internal)
    except Exception:  # noqa: BLE001
        try:
            pdf = _pillow_pdf(part.content)
        except Exception:  # noqa: BLE001
            out.note(f"نمابر «{part.name}» به PDF تبدیل نشد و همان TIFF نگه داشته شد.")
            return part
    return Part(name=f"{stem}.pdf", content_type="application/pdf", content=pdf, inline=False)


def _pillow_pdf(content: bytes) -> bytes:
    from PIL import Image, ImageSequence

    with Image.open(io.BytesIO(content)) as image:
        pages = [frame.convert("RGB") if frame.mode not in ("1", "L", "RGB") else frame.copy()
                 for frame in ImageSequence.Iterator(image)]
    buf = io.BytesIO()
    pages[0].save(buf, format="PDF", save_all=True, append_images=pages[1:])
    return buf.getvalue()
