"""Handing one MIME message to a mailbox's SMTP server (smtplib), and saying whether a failure is worth
another try.

The server is reached as the mailbox says: TLS from the first byte (SMTP_SSL), STARTTLS, or plain on
an agency's closed network. Certificates are checked against the system's CAs plus the mailbox's own CA
(an agency's private network often has one). A 4xx answer or a dropped connection is temporary (the
outbox tries again later); a 5xx answer (recipient refused, wrong password) is final.
"""

import base64
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

from django.conf import settings

from . import secrets
from .models import Mailbox, Security


@dataclass
class SendError(Exception):
    message: str  # Persian, shown to the secretariat
    retryable: bool

    def __str__(self) -> str:
        return self.message


def tls_context(mailbox: Mailbox) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if mailbox.ca_certificate.strip():
        try:
            context.load_verify_locations(cadata=mailbox.ca_certificate)
        except (ssl.SSLError, ValueError) as exc:
            raise SendError("گواهی مرجع صدور ثبت‌شده برای صندوق خوانده نشد؛ آن را در تنظیمات صندوق درست کنید.",
                            retryable=False) from exc
    return context


def _login(mailbox: Mailbox) -> tuple[str, str]:
    token = mailbox.smtp_password_encrypted or mailbox.password_encrypted
    return (mailbox.smtp_username or mailbox.username), secrets.decrypt(token)


def _authenticate(client: smtplib.SMTP, user: str, password: str) -> None:
    if (user + password).isascii():
        client.login(user, password)
        return
    # smtplib encodes AUTH in ASCII only; PLAIN is UTF-8 (RFC 4616), and Persian passwords happen.
    client.ehlo_or_helo_if_needed()
    token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode("ascii")
    code, answer = client.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, answer)


def _connect(mailbox: Mailbox) -> smtplib.SMTP:
    timeout = int(settings.DABIR_MAIL_TIMEOUT)
    host, port = mailbox.smtp_host, mailbox.smtp_port
    if mailbox.smtp_security == Security.SSL:
        return smtplib.SMTP_SSL(host, port, timeout=timeout, context=tls_context(mailbox))
    client = smtplib.SMTP(host, port, timeout=timeout)
    if mailbox.smtp_security == Security.STARTTLS:
        client.starttls(context=tls_context(mailbox))
    return client


def _refused(refused: dict) -> SendError:
    # The address is on the row already; an address inside Persian text would be scrambled by the bidi order.
    codes = sorted({code for code, _ in refused.values()})
    return SendError(f"کارساز ایمیل گیرنده را نپذیرفت (کد {'، '.join(map(str, codes))}).",
                     retryable=all(400 <= c < 500 for c in codes))


def _session(mailbox: Mailbox, act) -> object:
    """Connect, log in and `act(client)`; the failures said in Persian (SendError), the session closed."""
    if not mailbox.smtp_host:
        raise SendError("کارساز SMTP صندوق دبیرخانه تنظیم نشده است.", retryable=False)
    try:
        user, password = _login(mailbox)
    except Exception as exc:  # a password the current key cannot open (secrets.decrypt's DomainError)
        raise SendError(getattr(exc, "message", str(exc)), retryable=False) from exc
    try:
        client = _connect(mailbox)
        try:
            if password:
                _authenticate(client, user, password)
            return act(client)
        finally:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()
    except smtplib.SMTPAuthenticationError as exc:
        raise SendError(f"کارساز ایمیل نام کاربری یا گذرواژه صندوق را نپذیرفت ({exc.smtp_code}).",
                        retryable=400 <= exc.smtp_code < 500) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise SendError("کارساز ایمیل ورود با گذرواژه را نمی‌پذیرد (شاید پیش از TLS).", retryable=False) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise _refused(exc.recipients) from exc
    except smtplib.SMTPSenderRefused as exc:
        raise SendError(f"کارساز ایمیل نشانی فرستنده را نپذیرفت ({exc.smtp_code}).",
                        retryable=400 <= exc.smtp_code < 500) from exc
    except smtplib.SMTPResponseException as exc:
        raise SendError(f"کارساز ایمیل پیام را نپذیرفت ({exc.smtp_code}).",
                        retryable=400 <= exc.smtp_code < 500) from exc
    except ssl.SSLCertVerificationError as exc:
        raise SendError("گواهی کارساز ایمیل معتبر نیست یا مرجع صدور آن شناخته نیست.", retryable=False) from exc
    except SendError:
        raise
    except (smtplib.SMTPException, OSError) as exc:  # OSError: refused, timed out, TLS broken
        # A dropped connection, a timeout, a server not listening: the next try may go through.
        raise SendError(f"به کارساز ایمیل وصل نشد یا اتصال برید ({type(exc).__name__}).", retryable=True) from exc


def send(mailbox: Mailbox, message: EmailMessage, to: list[str]) -> None:
    """Send `message` to `to` through the mailbox's server; SendError in Persian when it does not go."""
    refused = _session(mailbox, lambda client: client.send_message(message, from_addr=mailbox.address, to_addrs=to))
    if refused:
        raise _refused(refused)


def check(mailbox: Mailbox) -> None:
    """Connect and log in as sending would, send nothing (the admin's «آزمایش اتصال»); SendError if not."""
    _session(mailbox, lambda client: client.noop())
