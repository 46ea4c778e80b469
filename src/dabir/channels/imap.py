"""A thin IMAP client for the intake poll (imaplib): the few commands a poll needs, Persian errors.

A message stored in Dabir is marked on the server with the keyword $DabirQueued (and \\Seen), only
after the row is committed; a poll asks for the messages without that keyword, so a message is
fetched again only when it was not yet marked, and then found in the database and only marked.
"""

import base64
import imaplib
import re
import socket
import ssl

from django.conf import settings

from . import secrets
from .models import Mailbox, Security

KEYWORD = "$DabirQueued"


class MailError(Exception):
    """A mailbox could not be reached or read; the message is Persian and fit for last_error."""


def ssl_context(mailbox: Mailbox) -> ssl.SSLContext:
    """The system's CAs, plus the agency's own CA when the mailbox gives one."""
    context = ssl.create_default_context()
    if mailbox.ca_certificate.strip():
        try:
            context.load_verify_locations(cadata=mailbox.ca_certificate)
        except (ssl.SSLError, ValueError) as exc:
            raise MailError(f"گواهی مرجع صدور کارساز که برای صندوق وارد شده خوانده نشد ({exc}).") from None
    return context


def mailbox_name(name: str) -> str:
    """A folder name in IMAP's modified UTF-7 (RFC 3501 §5.1.3): «صادره» travels as «&BjUGJwYvBjEGRw-»."""
    out, run = [], []

    def flush():
        if run:
            encoded = base64.b64encode("".join(run).encode("utf-16-be")).decode("ascii").rstrip("=")
            out.append("&" + encoded.replace("/", ",") + "-")
            run.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    flush()
    return "".join(out)


def folder_argument(name: str) -> str:
    """A folder name as an IMAP command argument: modified UTF-7, quoted."""
    name = mailbox_name(name)
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Connection:
    """An open, logged-in, selected IMAP session: `with Connection(mailbox) as imap: ...`."""

    def __init__(self, mailbox: Mailbox):
        self.mailbox = mailbox
        self.imap: imaplib.IMAP4 | None = None
        self.uidvalidity: int | None = None

    def __enter__(self) -> "Connection":
        try:
            self._open()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _open(self) -> None:
        box = self.mailbox
        where = f"{box.imap_host}:{box.imap_port}"
        timeout = settings.DABIR_MAIL_TIMEOUT
        try:
            if box.imap_security == Security.SSL:
                self.imap = imaplib.IMAP4_SSL(box.imap_host, box.imap_port, ssl_context=ssl_context(box),
                                              timeout=timeout)
            else:
                self.imap = imaplib.IMAP4(box.imap_host, box.imap_port, timeout=timeout)
                if box.imap_security == Security.STARTTLS:
                    self.imap.starttls(ssl_context=ssl_context(box))
        except ssl.SSLCertVerificationError as exc:
            raise MailError(f"گواهی TLS کارساز {where} پذیرفته نشد ({exc.verify_message}); اگر مرجع صدور آن "
                            "داخلی است، گواهی مرجع را در تنظیمات صندوق وارد کنید.") from None
        except ssl.SSLError as exc:
            raise MailError(f"ارتباط رمزنگاری‌شده (TLS) با کارساز {where} برقرار نشد ({exc.reason or exc}).") from None
        except ConnectionRefusedError:
            raise MailError(f"کارساز ایمیل {where} اتصال را نپذیرفت؛ نشانی و درگاه را بررسی کنید.") from None
        except TimeoutError:
            raise MailError(f"کارساز ایمیل {where} در زمان مقرر پاسخ نداد.") from None
        except socket.gaierror:
            raise MailError(f"نام کارساز ایمیل «{box.imap_host}» پیدا نشد.") from None
        except (OSError, imaplib.IMAP4.error) as exc:
            raise MailError(f"اتصال به کارساز ایمیل {where} برقرار نشد ({exc}).") from None
        password = secrets.decrypt(box.password_encrypted)
        try:
            if (box.username + password).isascii():
                self.imap.login(box.username, password)
            else:  # LOGIN is ASCII only; SASL PLAIN carries a Persian password as UTF-8 (RFC 4616)
                self.imap.authenticate("PLAIN", lambda _: f"\0{box.username}\0{password}".encode())
        except imaplib.IMAP4.error:
            raise MailError("ورود به صندوق ایمیل پذیرفته نشد؛ نام کاربری یا گذرواژه نادرست است.") from None
        status, _ = self.imap.select(folder_argument(box.folder or "INBOX"))
        if status != "OK":
            raise MailError(f"پوشه «{box.folder}» در صندوق ایمیل پیدا نشد.")
        _, data = self.imap.response("UIDVALIDITY")
        self.uidvalidity = int(data[0]) if data and data[0] else None

    def unqueued(self) -> list[int]:
        """UIDs of the messages not yet marked as stored, oldest first."""
        status, data = self.imap.uid("SEARCH", "UNKEYWORD", KEYWORD)
        if status != "OK":
            raise MailError("فهرست پیام‌های صندوق از کارساز گرفته نشد.")
        return sorted(int(n) for n in b" ".join(d for d in data if d).split())

    def fetch(self, uid: int) -> bytes | None:
        """The whole message, without setting \\Seen (it is set with the keyword once stored)."""
        status, data = self.imap.uid("FETCH", str(uid), "(BODY.PEEK[])")
        if status != "OK":
            raise MailError(f"پیام {uid} از کارساز گرفته نشد.")
        for entry in data:
            if isinstance(entry, tuple) and re.search(rb"BODY\[\]", entry[0]):
                return entry[1]
        return None  # deleted meanwhile by another client

    def flag(self, uid: int) -> None:
        status, _ = self.imap.uid("STORE", str(uid), "+FLAGS", f"({KEYWORD} \\Seen)")
        if status != "OK":
            raise MailError(f"پیام {uid} روی کارساز علامت نخورد.")

    def close(self) -> None:
        if self.imap is None:
            return
        try:
            self.imap.logout()
        except Exception:  # noqa: BLE001 - the connection is being dropped anyway
            pass
        self.imap = None


def check(mailbox: Mailbox) -> dict:
    """Connect, log in, select; what the server holds (for `dabir mail test` and the admin)."""
    with Connection(mailbox) as conn:
        return {"uidvalidity": conn.uidvalidity, "waiting": len(conn.unqueued())}
