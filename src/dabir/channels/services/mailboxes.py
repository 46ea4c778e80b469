"""Setting up a secretariat's mailbox (the admin's form calls this): checks, passwords encrypted, audit.

Passwords are write-only: None or "" keeps the stored one, a new value is stored encrypted
(channels.secrets) and never returned. Changing where messages are read from (server, account or
folder) forgets the poll position, so the new folder is read from its start; a message already
stored is never stored twice (the intake's (mailbox, UIDVALIDITY, UID) constraint).
"""

from django.db import transaction

from dabir.core import audit
from dabir.core.errors import DomainError, NotAllowed
from dabir.core.text import to_persian_digits
from dabir.orgs.models import Secretariat

from .. import policy, secrets
from ..models import Mailbox, Security
from ..names import AuditAction

# What an admin sets; the poll state and the encrypted passwords are the system's.
FIELDS = [
    "secretariat", "name", "address", "display_name", "active",
    "receives", "imap_host", "imap_port", "imap_security", "username", "folder", "ca_certificate",
    "sends", "smtp_host", "smtp_port", "smtp_security", "smtp_username",
    "fax_senders", "fax_header", "fax_gateway",
]
# A change of any of these points the poll at another folder: its UIDs mean nothing here.
SOURCE = {"imap_host", "imap_port", "username", "folder"}


def _attr(name: str) -> str:
    return "secretariat_id" if name == "secretariat" else name


def _check(mailbox: Mailbox, has_password: bool) -> None:
    if not (mailbox.name or "").strip():
        raise DomainError("عنوان صندوق را بنویسید.", field="name")
    for name in ("imap_security", "smtp_security"):
        if getattr(mailbox, name) not in Security.values:
            raise DomainError("روش رمزنگاری را از فهرست برگزینید.", field=name)
    if mailbox.receives:
        if not mailbox.imap_host.strip():
            raise DomainError("برای دریافت ایمیل، نشانی کارساز IMAP لازم است.", field="imap_host")
        if not mailbox.username.strip():
            raise DomainError("برای دریافت ایمیل، نام کاربری لازم است.", field="username")
        if not has_password:
            raise DomainError("برای دریافت ایمیل، گذرواژه صندوق لازم است.", field="password")
        if not mailbox.folder.strip():
            raise DomainError("پوشه صندوق را بنویسید (معمولاً INBOX).", field="folder")
    if mailbox.sends and not mailbox.smtp_host.strip():
        raise DomainError("برای ارسال ایمیل، نشانی کارساز SMTP لازم است.", field="smtp_host")
    for name in ("imap_port", "smtp_port"):
        if not 0 < int(getattr(mailbox, name) or 0) < 65536:
            raise DomainError("شماره درگاه باید میان ۱ و ۶۵۵۳۵ باشد.", field=name)
    if mailbox.fax_gateway and "{number}" not in mailbox.fax_gateway:
        raise DomainError("نشانی درگاه نمابر باید جای شماره را با {number} نشان دهد؛ مثلاً {number}@fax.example.ir",
                          field="fax_gateway")
    if mailbox.ca_certificate.strip():
        from cryptography import x509

        try:
            x509.load_pem_x509_certificates(mailbox.ca_certificate.strip().encode())
        except ValueError:
            raise DomainError("گواهی مرجع صدور باید یک یا چند گواهی PEM باشد "
                              "(با -----BEGIN CERTIFICATE----- آغاز شود).", field="ca_certificate") from None


@transaction.atomic
def save_mailbox(*, user, mailbox: Mailbox, password: str | None = None,
                 smtp_password: str | None = None) -> Mailbox:
    """Create or change a mailbox from `mailbox` (an unsaved or changed instance); returns the saved row."""
    secretariat = Secretariat.objects.filter(pk=mailbox.secretariat_id).first()
    if secretariat is None:
        raise DomainError("دبیرخانه صندوق را برگزینید.", field="secretariat")
    if not policy.may_set_up_mailbox(user, secretariat):
        raise NotAllowed("صندوق‌های ایمیل را مدیران سامانه همان دستگاه تنظیم می‌کنند.")
    if mailbox.pk:
        stored = policy.mailboxes_of(user).select_for_update().filter(pk=mailbox.pk).first()
        if stored is None:
            raise NotAllowed("این صندوق از آن دستگاهی نیست که شما مدیر سامانه آن هستید.")
    else:
        stored = Mailbox()
    mailbox.address = (mailbox.address or "").strip().lower()
    mailbox.fax_senders = "\n".join(line.strip().lower() for line in mailbox.fax_senders.splitlines() if line.strip())
    _check(mailbox, bool(password) or bool(stored.password_encrypted))
    clash = Mailbox.objects.filter(secretariat=secretariat, address=mailbox.address).exclude(pk=stored.pk or None)
    if clash.exists():
        raise DomainError("این دبیرخانه صندوقی با همین نشانی دارد.", field="address")

    changed = [name for name in FIELDS if getattr(stored, _attr(name)) != getattr(mailbox, _attr(name))]
    for name in FIELDS:
        setattr(stored, _attr(name), getattr(mailbox, _attr(name)))
    if stored.pk and SOURCE & set(changed):
        stored.uidvalidity, stored.last_uid = None, 0
    if password:
        stored.password_encrypted = secrets.encrypt(password)
    if smtp_password:
        stored.smtp_password_encrypted = secrets.encrypt(smtp_password)
    stored.save()
    mailbox.pk = stored.pk
    # The passwords never reach the log: only whether they were changed.
    audit.record(action=AuditAction.MAILBOX_SAVE, obj=stored, actor=user, data={
        "address": stored.address, "secretariat": secretariat.pk, "changed": sorted(changed),
        "password_changed": bool(password), "smtp_password_changed": bool(smtp_password),
    })
    return stored


# ---------------------------------------------------------------- the admin's «آزمایش اتصال»


def check_connection(mailbox: Mailbox) -> list[tuple[bool, str]]:
    """Connect to the mailbox's servers as the worker would (channels.imap and channels.smtp), write
    nothing; (ok, Persian report) for each of receiving and sending."""
    from .. import imap, smtp

    results = []
    if mailbox.receives:
        try:
            found = imap.check(mailbox)
        except (imap.MailError, DomainError) as exc:
            results.append((False, f"IMAP: {getattr(exc, 'message', exc)}"))
        else:
            results.append((True, f"IMAP: اتصال و ورود درست است؛ {to_persian_digits(found['waiting'])} پیام "
                                  f"در پوشه «{mailbox.folder}» هنوز به صف نیامده است."))
    if mailbox.sends:
        try:
            smtp.check(mailbox)
        except smtp.SendError as exc:
            results.append((False, f"SMTP: {exc.message}"))
        else:
            results.append((True, "SMTP: اتصال و ورود درست است."))
    if not results:
        results.append((False, "این صندوق نه دریافت می‌کند نه ارسال؛ چیزی برای آزمایش نیست."))
    return results
