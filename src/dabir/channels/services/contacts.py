"""The address book: outside correspondents of an agency, kept by its secretariats and admins.

`save_correspondent` and `deactivate` are the only writes (pages, the CSV import, the admin and the
demo call them). `channel_for` and `choose_channel` are reads the letter page's dispatch form asks
through letters.outlets: a letter to a correspondent picks its channel by itself.
"""

import csv
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from dabir.core import audit
from dabir.core.errors import DomainError
from dabir.core.text import normalize, to_latin_digits, to_persian_digits
from dabir.core.validators import clean_text, validate_postal_code

from .. import addressing, policy
from ..models import Correspondent
from ..names import AuditAction

FIELDS = ("kind", "name", "email", "fax", "phone", "postal_address", "postal_code", "exchange_code", "prefer",
          "note", "active")
_SEPARATORS = re.compile(r"[\s\u200c\u200d\u200e\u200f\u00a0\-_.()/]+")
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 5000


# ---------------------------------------------------------------- checks


def _phone(value, field_name: str, label: str) -> str:
    """A fax or phone number as Latin digits (a leading + kept); Persian and Arabic digits accepted."""
    # A leading «'» is how a spreadsheet export keeps «+98…» from being read as a formula.
    text = _SEPARATORS.sub("", to_latin_digits(str(value or "")).strip().lstrip("'"))
    if not text:
        return ""
    digits = text[1:] if text.startswith("+") else text
    if not (digits.isascii() and digits.isdigit()):
        raise DomainError(f"{label} فقط رقم می‌پذیرد (مثلاً ۰۶۱۳۳۳۳۴۴۵۵).", field=field_name)
    if not 5 <= len(digits) <= 15:
        raise DomainError(f"{label} باید ۵ تا ۱۵ رقم باشد.", field=field_name)
    return text


def _email(value) -> str:
    text = to_latin_digits(str(value or "")).strip()
    if not text:
        return ""
    try:
        validate_email(text)
    except ValidationError:
        raise DomainError("نشانی ایمیل درست نیست (مثلاً info@example.ir).", field="email") from None
    return text


def _exchange_code(value) -> str:
    from dabir.exchange.models import Member

    code = to_latin_digits(str(value or "")).strip()
    if not code:
        return ""
    if not Member.objects.filter(code=code, active=True).exists():
        raise DomainError(f"کد «{code}» در فهرست اعضای شبکه تبادل نیست.", field="exchange_code")
    return code


def _choice(value, choices, field_name: str, label: str) -> str:
    """A choice given by its code or its Persian label."""
    text = str(value or "").strip()
    for code, title in choices:
        if text == code or (text and normalize(text) == normalize(str(title))):
            return code
    raise DomainError(f"{label} «{text}» شناخته نیست.", field=field_name)


def _clean(fields: dict) -> dict:
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown correspondent fields: {sorted(unknown)}")
    data = {
        "name": clean_text(fields.get("name"), "name", "نام", 300),
        "kind": _choice(fields.get("kind") or Correspondent.Kind.ORGANISATION, Correspondent.Kind.choices,
                        "kind", "نوع"),
        "email": _email(fields.get("email")),
        "fax": _phone(fields.get("fax"), "fax", "شماره نمابر"),
        "phone": _phone(fields.get("phone"), "phone", "شماره تلفن"),
        "postal_address": clean_text(fields.get("postal_address"), "postal_address", "نشانی پستی", 500,
                                     required=False),
        "postal_code": validate_postal_code(fields["postal_code"]) if str(fields.get("postal_code") or "").strip()
        else "",
        "exchange_code": _exchange_code(fields.get("exchange_code")),
        "prefer": _choice(fields.get("prefer") or "", Correspondent.Prefer.choices, "prefer", "روش ارسال"),
        "note": clean_text(fields.get("note"), "note", "یادداشت", 500, required=False),
    }
    if "active" in fields:
        data["active"] = bool(fields["active"])
    # A preferred channel the correspondent cannot be reached by would send letters nowhere.
    needs = {"network": ("exchange_code", "کد عضو شبکه تبادل"), "email": ("email", "ایمیل"),
             "fax": ("fax", "شماره نمابر"), "post": ("postal_address", "نشانی پستی")}
    if data["prefer"] in needs and not data[needs[data["prefer"]][0]]:
        raise DomainError(f"برای این روش ارسال، {needs[data['prefer']][1]} را هم وارد کنید.", field="prefer")
    data["search_name"] = addressing.search_name(data["name"])
    return data


def _duplicate(agency_id: int, search_name: str, exclude_pk=None) -> Correspondent | None:
    qs = Correspondent.objects.filter(agency_id=agency_id, search_name=search_name)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.first()


def _duplicate_error(other: Correspondent) -> DomainError:
    if other.active:
        return DomainError("طرف مکاتبه‌ای با همین نام در دفترچه هست.", field="name")
    return DomainError("طرف مکاتبه‌ای با همین نام در دفترچه هست و غیرفعال شده؛ همان را ویرایش و فعال کنید.",
                       field="name")


# ---------------------------------------------------------------- writes


def save_correspondent(*, user, agency, correspondent: Correspondent | None = None, **fields) -> Correspondent:
    """Create (no `correspondent`) or edit a correspondent of `agency`'s book; DomainError on bad input."""
    policy.check_keep_contacts(user, agency)
    data = _clean(fields)
    with transaction.atomic():
        if correspondent is None:
            row = Correspondent(agency=agency)
            before = {}
        else:
            row = Correspondent.objects.select_for_update().get(pk=correspondent.pk)
            if row.agency_id != agency.id:
                raise DomainError("این طرف مکاتبه از دفترچه دستگاه دیگری است.", field="name")
            before = {k: getattr(row, k) for k in data}
        other = _duplicate(agency.id, data["search_name"], row.pk)
        if other is not None:
            raise _duplicate_error(other)
        for key, value in data.items():
            setattr(row, key, value)
        try:
            with transaction.atomic():  # a savepoint: a racing twin's insert is a form error, not a 500
                row.save()
        except IntegrityError:
            raise DomainError("طرف مکاتبه‌ای با همین نام در دفترچه هست.", field="name") from None
        changed = sorted(k for k in data if k != "search_name" and before.get(k) != data[k]) if before else []
        audit.record(action=AuditAction.CONTACT_SAVE, obj=row, actor=user,
                     data={"agency": agency.id, "name": row.name, "new": correspondent is None, "changed": changed})
    if correspondent is not None:
        correspondent.refresh_from_db()
    return row


def deactivate(*, user, correspondent: Correspondent) -> Correspondent:
    """Take a correspondent off the book's suggestions and lookups (the row stays for the letters' history)."""
    policy.check_keep_contacts(user, correspondent.agency)
    with transaction.atomic():
        row = Correspondent.objects.select_for_update().get(pk=correspondent.pk)
        if row.active:
            row.active = False
            row.save(update_fields=["active", "updated_at"])
            audit.record(action=AuditAction.CONTACT_REMOVE, obj=row, actor=user,
                         data={"agency": row.agency_id, "name": row.name})
    correspondent.refresh_from_db()
    return correspondent


# ---------------------------------------------------------------- CSV import

# Header names accepted for each field: the export's Persian labels and the English field names.
HEADERS = {
    "name": ("نام", "name"),
    "kind": ("نوع", "kind"),
    "email": ("ایمیل", "پست الکترونیکی", "email", "e-mail"),
    "fax": ("نمابر", "فکس", "fax"),
    "phone": ("تلفن", "phone"),
    "postal_address": ("نشانی پستی", "نشانی", "postal_address", "address"),
    "postal_code": ("کد پستی", "postal_code"),
    "exchange_code": ("کد عضو شبکه تبادل", "کد شبکه تبادل", "exchange_code"),
    "prefer": ("روش ارسال", "prefer"),
    "note": ("یادداشت", "note"),
}
LABELS = {"name": "نام", "kind": "نوع", "email": "ایمیل", "fax": "نمابر", "phone": "تلفن",
          "postal_address": "نشانی پستی", "postal_code": "کد پستی", "exchange_code": "کد عضو شبکه تبادل",
          "prefer": "روش ارسال", "note": "یادداشت"}
_HEADER_KEYS = {normalize(h): key for key, names in HEADERS.items() for h in names}


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number in the file, Persian message)


def _rows(content: bytes) -> tuple[list[str | None], list[tuple[int, list[str]]]]:
    if len(content) > MAX_IMPORT_BYTES:
        raise DomainError("پرونده CSV بزرگ‌تر از ۲ مگابایت است؛ آن را در چند پرونده بفرستید.", field="file")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError("پرونده باید CSV با نویسه‌گذاری UTF-8 باشد (در اکسل: «CSV UTF-8»).", field="file") from None
    lines = [(n, row) for n, row in enumerate(csv.reader(io.StringIO(text)), start=1) if any(c.strip() for c in row)]
    if not lines:
        raise DomainError("پرونده خالی است.", field="file")
    header = [_HEADER_KEYS.get(normalize(h)) for h in lines[0][1]]
    if "name" not in header:
        raise DomainError("سطر نخست باید سرستون‌ها باشد و ستون «نام» (name) را داشته باشد.", field="file")
    if len(lines) - 1 > MAX_IMPORT_ROWS:
        raise DomainError(f"بیش از {to_persian_digits(MAX_IMPORT_ROWS)} سطر؛ پرونده را بخش کنید.", field="file")
    return header, lines[1:]


def import_csv(*, user, agency, content: bytes) -> ImportResult:
    """Save each row of a CSV (header in Persian or English) on its own: a row with an error is reported and
    skipped, whole; a row naming a correspondent already in the book edits it."""
    policy.check_keep_contacts(user, agency)
    header, rows = _rows(content)
    result = ImportResult()
    for number, cells in rows:
        fields = {key: cells[i].strip() for i, key in enumerate(header) if key and i < len(cells)}
        existing = _duplicate(agency.id, addressing.search_name(fields.get("name", "")))
        if existing is not None:  # columns the file lacks keep what the book has
            fields = {**{k: getattr(existing, k) for k in HEADERS}, **fields}
        try:
            save_correspondent(user=user, agency=agency, correspondent=existing, **fields)
        except DomainError as exc:
            label = LABELS.get(exc.field or "", "")
            where = f"سطر {to_persian_digits(number)}" + (f"، ستون «{label}»" if label else "")
            result.errors.append((number, f"{where}: {exc.message}"))
            continue
        if existing is None:
            result.created += 1
        else:
            result.updated += 1
    return result


# ---------------------------------------------------------------- reads: which channel a letter goes by


def channel_for(correspondent: Correspondent) -> str:
    """The Letter Channel value a letter to this correspondent goes by: their preference, else the exchange
    network, e-mail, fax, post, in this order of what they have."""
    c = correspondent
    if c.prefer:
        return c.prefer
    if c.exchange_code:
        return "network"
    if c.email:
        return "email"
    if c.fax:
        return "fax"
    return "post"


CHANNEL_LABELS = {"network": "الکترونیکی", "email": "ایمیل", "fax": "نمابر", "post": "پست"}


def choose_channel(letter) -> tuple[str, str] | None:
    """(channel, note) for an outgoing letter's outside recipients found in its agency's book or the exchange
    directory: all alike → that channel; mixed → the first recipient's, the note saying who goes by what."""
    from dabir.exchange.models import Member

    names = [r.name for r in letter.recipients.all() if r.position_id is None and r.name]
    if not names:
        return None
    found = addressing.find(letter.agency_id, names)
    members = set(Member.objects.filter(active=True, name__in=[n for n in names if n not in found])
                  .values_list("name", flat=True))
    picks = []
    for name in names:
        if name in found:
            picks.append((name, channel_for(found[name])))
        elif name in members:
            picks.append((name, "network"))
        else:
            picks.append((name, ""))
    known = [ch for _, ch in picks if ch]
    if not known:
        return None
    note = "؛ ".join(f"«{n}»: {CHANNEL_LABELS.get(ch, ch) if ch else 'در دفترچه نشانی‌ها نیست'}" for n, ch in picks)
    return known[0], note


def suggested_names(user) -> list[str]:
    """The names the compose and incoming forms suggest: the active correspondents of the books the user reads."""
    if user is None:
        return []
    return list(policy.contacts_of(user).filter(active=True).values_list("name", flat=True))
