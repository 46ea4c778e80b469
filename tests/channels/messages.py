"""Builders of the messages mail servers really deliver, as bytes: Persian encoded subjects, HTML-only
bodies, nested multiparts with inline images, winmail.dat, oversized attachments, broken MIME and faxes."""

import base64
import io
import struct
from email.header import Header
from email.message import EmailMessage
from email.mime.application import MIMEApplication
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

from PIL import Image, ImageDraw

SUBJECT = "درخواست همکاری اداره کل"


def png(text: str = "x", size=(60, 30)) -> bytes:
    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).text((2, 2), text, fill="black")
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def plain(subject: str = SUBJECT, body: str = "با سلام، متن نامه.", *, sender="citizen@example.ir",
          message_id: str | None = None, **headers) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"شهروند آزمون <{sender}>"
    msg["To"] = "dabir@agency.example.ir"
    msg["Subject"] = subject
    msg["Date"] = "Sat, 01 Feb 2025 09:30:00 +0330"
    msg["Message-ID"] = message_id or f"<{abs(hash((subject, body)))}@example.ir>"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


def encoded_subject(charset: str, encoding: str, subject: str = SUBJECT) -> bytes:
    """Subject and sender name as RFC 2047 encoded words (B or Q) in utf-8 or windows-1256 (which has no
    Persian ye: old clients wrote the Arabic one)."""
    if charset == "windows-1256":
        subject = subject.replace("ی", "ي")
    if encoding == "B":
        word = f"=?{charset}?B?{base64.b64encode(subject.encode(charset)).decode()}?="
    else:
        word = f"=?{charset}?Q?" + "".join(f"={b:02X}" if b > 127 or b in b" =?_" else chr(b)
                                           for b in subject.encode(charset)).replace("=20", "_") + "?="
    body = "متن ساده".encode(charset)
    name = base64.b64encode("علي رضايي".encode(charset)).decode()
    return (f"From: =?{charset}?B?{name}?= <ali@example.ir>\r\n"
            f"To: dabir@agency.example.ir\r\nSubject: {word}\r\nMessage-ID: <enc-{charset}-{encoding}@x>\r\n"
            f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset={charset}\r\n"
            f"Content-Transfer-Encoding: 8bit\r\n\r\n").encode() + body + b"\r\n"


def undeclared_8bit() -> bytes:
    """Windows-1256 text with no charset at all (old Persian mail clients)."""
    return (b"From: old@example.ir\r\nSubject: test\r\nMessage-ID: <old@x>\r\n\r\n"
            + "نامه با نويسه‌هاي قديمي".encode("windows-1256") + b"\r\n")


def html_only() -> bytes:
    html = ("<html><head><style>p{color:red}</style><script>alert(1)</script></head><body>"
            "<p>بند اول نامه</p><p>بند دوم <b>مهم</b></p><img src='http://tracker.example/pixel.gif'>"
            "<a href='javascript:alert(1)' onclick='x()'>پیوند</a></body></html>")
    msg = MIMEText(html, "html", "utf-8")
    msg["From"] = "html@example.ir"
    msg["Subject"] = Header("فقط HTML", "utf-8")
    msg["Message-ID"] = "<html-only@x>"
    return msg.as_bytes()


def nested_inline() -> bytes:
    """mixed( related( alternative(text, html), inline image ), pdf attachment with a Persian RFC 2231 name )."""
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText("متن ساده تو در تو", "plain", "utf-8"))
    alternative.attach(MIMEText("<p>متن <img src='cid:logo@x'></p>", "html", "utf-8"))
    related = MIMEMultipart("related")
    related.attach(alternative)
    image = MIMEImage(png("logo"), "png")
    image.add_header("Content-ID", "<logo@x>")
    image.add_header("Content-Disposition", "inline", filename="logo.png")
    related.attach(image)
    mixed = MIMEMultipart("mixed")
    mixed.attach(related)
    pdf = MIMEApplication(b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "pdf")
    pdf.add_header("Content-Disposition", "attachment", filename=("utf-8", "", "نامه پیوست.pdf"))
    mixed.attach(pdf)
    inner = EmailMessage()
    inner["From"] = "first@example.ir"
    inner["Subject"] = "پیام پیشین"
    inner.set_content("متن پیام پیشین")
    forwarded = MIMEApplication(inner.as_bytes(), "octet-stream")
    forwarded.set_type("message/rfc822")
    del forwarded["Content-Transfer-Encoding"]
    forwarded.set_payload([inner])
    mixed.attach(forwarded)
    mixed["From"] = "nested@example.ir"
    mixed["Subject"] = Header("تو در تو", "utf-8")
    mixed["Message-ID"] = "<nested@x>"
    return mixed.as_bytes()


def _tnef_attr(level: int, name: int, kind: int, data: bytes) -> bytes:
    return (struct.pack("<BHHI", level, name, kind, len(data)) + data
            + struct.pack("<H", sum(data) & 0xFFFF))


def tnef_blob(files: dict[str, bytes], body: str = "متن اوت‌لوک") -> bytes:
    """A real TNEF stream (as Outlook writes winmail.dat): a body attribute, then each attachment's
    rendering, title and data attributes."""
    out = struct.pack("<IH", 0x223E9F78, 1)
    out += _tnef_attr(1, 0x800C, 0x0002, body.encode("utf-8"))
    for name, content in files.items():
        out += _tnef_attr(2, 0x9002, 0x0006, b"\x00" * 14)
        out += _tnef_attr(2, 0x8010, 0x0001, name.encode() + b"\x00")
        out += _tnef_attr(2, 0x800F, 0x0006, content)
    return out


def winmail(blob: bytes | None = None) -> bytes:
    msg = MIMEMultipart("mixed")
    msg.attach(MIMEText("", "plain", "utf-8"))
    part = MIMEApplication(blob if blob is not None else tnef_blob({"report.txt": b"hello report"}), "ms-tnef")
    part.add_header("Content-Disposition", "attachment", filename="winmail.dat")
    msg.attach(part)
    msg["From"] = "outlook@example.ir"
    msg["Subject"] = "winmail"
    msg["Message-ID"] = f"<winmail-{len(part.get_payload())}@x>"
    return msg.as_bytes()


def big_attachment(mb: int = 30) -> bytes:
    msg = EmailMessage()
    msg["From"] = "big@example.ir"
    msg["Subject"] = "پیوست بزرگ"
    msg["Message-ID"] = f"<big-{mb}@x>"
    msg.set_content("پیوست بزرگ دارد")
    msg.add_attachment(png("small"), maintype="image", subtype="png", filename="small.png")
    msg.add_attachment(b"\0" * (mb * 1024 * 1024), maintype="application", subtype="octet-stream",
                       filename="huge.bin")
    return msg.as_bytes()


MALFORMED = {
    "broken_boundary": (b"From: a@example.ir\r\nSubject: broken\r\nMIME-Version: 1.0\r\n"
                        b"Content-Type: multipart/mixed; boundary=\"XYZ\"\r\n\r\n--XYZ\r\n"
                        b"Content-Type: text/plain\r\n\r\nfirst part\r\n--XY\r\nContent-Type: application/pdf\r\n"
                        b"Content-Transfer-Encoding: base64\r\n\r\n!!!notbase64@@\r\n"),
    "bad_headers": (b"From: <<<>>>\r\nSubject: =?utf-8?B?!!!?=\r\nDate: yesterday\r\nContent-Type: text/plain; "
                    b"charset=no-such-charset\r\nthis is no header\r\n\r\nbody\r\n"),
    "no_from": b"Subject: no sender\r\n\r\nbody only\r\n",
    "garbage": bytes(range(256)) * 40,
    "empty": b"",
}


def tiff_pages(pages: int = 3) -> bytes:
    frames = []
    for i in range(pages):
        image = Image.new("1", (400, 560), 1)
        ImageDraw.Draw(image).text((20, 20 + i * 10), f"page {i + 1}", fill=0)
        frames.append(image)
    buf = io.BytesIO()
    frames[0].save(buf, format="TIFF", save_all=True, append_images=frames[1:], compression="group4")
    return buf.getvalue()


def fax(number: str = "02188776655", *, header: str | None = "X-Fax-From", sender="fax@faxserver.example.ir",
        subject: str | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["Subject"] = subject or "Fax received"
    msg["Message-ID"] = f"<fax-{number}-{header}@x>"
    if header:
        msg[header] = number
    msg.set_content("A fax was received.")
    msg.add_attachment(tiff_pages(3), maintype="image", subtype="tiff", filename="fax-0001.tif")
    return msg.as_bytes()
