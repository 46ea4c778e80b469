"""The regulator's registry of counter offices: an office and its licence, the licence's state, renewals
with their fee, the holder (the forced move from natural to legal persons), the office's staff, and the
daily sweep that marks lapsed licences expired.

Every write here is the regulator's of the office's province (policy.check_regulator), except staff:
an office's manager may add and end the operators of their own office. Each change leaves an
OfficeEvent whose `changes` maps a field to [before, after] as people read them (Jalali dates with
Persian digits, Persian names of choices), and one audit entry.
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dabir.core import audit
from dabir.core.errors import Conflict, DomainError, NotAllowed, NotFound
from dabir.core.jalali import format_date, parse_date, today
from dabir.core.text import to_latin_digits, to_persian_digits
from dabir.core.validators import clean_text, validate_national_code, validate_postal_code

from .. import policy
from ..models import Area, HolderKind, LicenceState, Office, OfficeEvent, Renewal, Staff
from ..names import AuditAction

# What create_office takes; edit_office takes the same but the holder (change_holder), the expiry
# (renew_licence) and the state (set_licence_state), which have their own use cases and history.
OFFICE_FIELDS = ("code", "name", "area", "province", "city", "address", "postal_code", "phone", "latitude",
                 "longitude", "hours", "licence_number", "holder_kind", "holder_name", "holder_id",
                 "licence_issued_on", "licence_expires_on", "licence_value_rials")
HOLDER_FIELDS = ("holder_kind", "holder_name", "holder_id")
EDITABLE_FIELDS = tuple(f for f in OFFICE_FIELDS if f not in (*HOLDER_FIELDS, "licence_expires_on"))

# Licence transitions a regulator makes by hand (see LicenceState): expiry is the sweep's, and an
# expired licence comes back only by a renewal.
TRANSITIONS = {
    LicenceState.ACTIVE: {LicenceState.SUSPENDED, LicenceState.REVOKED},
    LicenceState.SUSPENDED: {LicenceState.ACTIVE, LicenceState.REVOKED},
    LicenceState.EXPIRED: set(),
    LicenceState.REVOKED: set(),
}

_LABELS = {f.name: f.verbose_name for f in Office._meta.get_fields() if hasattr(f, "verbose_name")}
_CHOICES = {"area": dict(Area.choices), "holder_kind": dict(HolderKind.choices), "state": dict(LicenceState.choices)}


def field_label(name: str) -> str:
    """The Persian name of an office field as the history shows it."""
    return {"staff": "کارکنان"}.get(name) or str(_LABELS.get(name, name))


def shown(name: str, value) -> str:
    """A field's value as people read it in the history: Jalali dates, Persian names, Persian digits."""
    if value is None or value == "":
        return ""
    if name in _CHOICES:
        return str(_CHOICES[name].get(value, value))
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, Decimal):
        return to_persian_digits(format(value.normalize(), "f"))
    if isinstance(value, int):
        return to_persian_digits(f"{value:,}").replace(",", "٬")
    return str(value)


# ---------------------------------------------------------------- checks of the input


def _digits_only(value) -> str:
    text = to_latin_digits(str(value if value is not None else "")).strip()
    for sep in (" ", "-", "\u200c", "٬", ",", "_"):
        text = text.replace(sep, "")
    return text


def legal_id_check_digit(first_ten: str) -> int:
    """The check digit of an 11-digit national id of a legal person (شناسه ملی اشخاص حقوقی): with d the
    tenth digit + 2, sum (d + digit) × 29, 27, 23, 19, 17 (repeating) over the first ten digits; the
    remainder by 11 is the check digit, 10 counting as 0."""
    d = int(first_ten[9]) + 2
    weights = (29, 27, 23, 19, 17)
    total = sum((d + int(c)) * weights[i % 5] for i, c in enumerate(first_ten))
    remainder = total % 11
    return 0 if remainder == 10 else remainder


def validate_holder_id(kind: str, value) -> str:
    """A natural person's national code (10 digits) or a company's national id (11 digits)."""
    if kind == HolderKind.NATURAL:
        try:
            return validate_national_code(value)
        except DomainError as exc:
            raise DomainError(f"کد ملی دارنده: {exc.message}", field="holder_id") from None
    text = _digits_only(value)
    if not text:
        raise DomainError("شناسه ملی شرکت دارنده را وارد کنید.", field="holder_id")
    if not (text.isascii() and text.isdigit() and len(text) == 11):
        raise DomainError("شناسه ملی شخص حقوقی باید ۱۱ رقم باشد.", field="holder_id")
    if int(text[3:9]) == 0 or legal_id_check_digit(text[:10]) != int(text[10]):
        raise DomainError("شناسه ملی شخص حقوقی نادرست است؛ رقم‌ها را دوباره بررسی کنید.", field="holder_id")
    return text


def _date(value, field: str, label: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value is None or not str(value).strip():
        raise DomainError(f"{label} را وارد کنید.", field=field)
    try:
        return parse_date(str(value), field=field)
    except DomainError as exc:
        raise DomainError(f"{label}: {exc.message}", field=field) from None


def parse_rials(value, field: str, label: str) -> int:
    """A whole number of rials ≥ 0 (Persian digits and thousands separators accepted)."""
    if isinstance(value, bool):
        raise DomainError(f"{label} باید عدد باشد.", field=field)
    if isinstance(value, int):
        number = value
    else:
        if str(value).strip().startswith(("-", "−", "−")):
            raise DomainError(f"{label} نمی‌تواند منفی باشد.", field=field)
        text = _digits_only(value)
        if not text:
            raise DomainError(f"{label} را وارد کنید.", field=field)
        if not (text.isascii() and text.isdigit()):
            raise DomainError(f"{label} باید عدد صحیح (ریال) باشد.", field=field)
        number = int(text)
    if number < 0:
        raise DomainError(f"{label} نمی‌تواند منفی باشد.", field=field)
    if number > 10**15:
        raise DomainError(f"{label} بیش از اندازه است.", field=field)
    return number


def _coordinate(value, field: str, label: str, limit: int) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(to_latin_digits(str(value)).strip().replace("٫", ".").replace("/", "."))
    except InvalidOperation:
        raise DomainError(f"{label} باید عدد باشد (مانند ۳۱٫۳۱۸۳).", field=field) from None
    if not number.is_finite() or not -limit <= number <= limit:
        raise DomainError(f"{label} باید میان {to_persian_digits(-limit)} و {to_persian_digits(limit)} باشد.",
                          field=field)
    return number.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


def _choice(value, choices, field: str, label: str) -> str:
    value = (value or "").strip() if isinstance(value, str) else value
    if value not in choices.values:
        raise DomainError(f"{label} را از میان گزینه‌ها برگزینید.", field=field)
    return value


def _clean(values: dict, names: tuple[str, ...]) -> dict:
    """Check the given fields one by one (the first fault is reported with its field)."""
    unknown = set(values) - set(names)
    if unknown:
        raise DomainError(f"این مشخصات را این‌جا نمی‌توان تغییر داد: {'، '.join(field_label(n) for n in sorted(unknown))}.",
                          field=sorted(unknown)[0])
    out = {}
    for name, value in values.items():
        if name == "code":
            code = _digits_only(value)
            if not code:
                raise DomainError("کد دفتر را وارد کنید.", field="code")
            if not (code.isascii() and code.isdigit()) or len(code) > 16:
                raise DomainError("کد دفتر باید فقط رقم باشد (حداکثر ۱۶ رقم).", field="code")
            out[name] = code
        elif name in ("name", "city", "address", "holder_name", "province"):
            limit = Office._meta.get_field(name).max_length
            out[name] = clean_text(value, name, field_label(name), limit)
        elif name in ("phone", "hours"):
            out[name] = clean_text(value, name, field_label(name), Office._meta.get_field(name).max_length,
                                   required=False)
        elif name == "postal_code":
            out[name] = validate_postal_code(value) if str(value or "").strip() else ""
        elif name == "licence_number":
            out[name] = to_latin_digits(clean_text(value, name, "شماره پروانه", 32)).replace(" ", "")
        elif name == "area":
            out[name] = _choice(value, Area, name, "نوع دفتر (شهری یا روستایی)")
        elif name == "holder_kind":
            out[name] = _choice(value, HolderKind, name, "نوع دارنده پروانه (حقیقی یا حقوقی)")
        elif name == "latitude":
            out[name] = _coordinate(value, name, "عرض جغرافیایی", 90)
        elif name == "longitude":
            out[name] = _coordinate(value, name, "طول جغرافیایی", 180)
        elif name in ("licence_issued_on", "licence_expires_on"):
            out[name] = _date(value, name, field_label(name))
        elif name == "licence_value_rials":
            out[name] = parse_rials(value, name, "ارزش پروانه") if value not in (None, "") else 0
        elif name == "holder_id":
            out[name] = value  # checked with the holder's kind below
    return out


def _check_whole(office: Office, *, holder: bool = True) -> None:
    """Checks across fields, on the office as it would be saved (the holder's id when it is new)."""
    if holder:
        office.holder_id = validate_holder_id(office.holder_kind, office.holder_id)
    if office.licence_expires_on <= office.licence_issued_on:
        raise DomainError("تاریخ انقضای پروانه باید پس از تاریخ صدور آن باشد.", field="licence_expires_on")
    if office.licence_issued_on > today():
        raise DomainError("تاریخ صدور پروانه نمی‌تواند در آینده باشد.", field="licence_issued_on")
    if (office.latitude is None) != (office.longitude is None):
        raise DomainError("عرض و طول جغرافیایی را با هم وارد کنید (یا هیچ‌کدام را).",
                          field="longitude" if office.longitude is None else "latitude")
    if Office.objects.filter(code=office.code).exclude(pk=office.pk).exists():
        raise Conflict(f"دفتری با کد {to_persian_digits(office.code)} پیش‌تر ثبت شده است.", field="code")
    if Office.objects.filter(licence_number=office.licence_number).exclude(pk=office.pk).exists():
        raise Conflict("این شماره پروانه برای دفتر دیگری ثبت شده است.", field="licence_number")


def _event(office: Office, kind: str, user, changes: dict, note: str = "") -> OfficeEvent:
    return OfficeEvent.objects.create(office=office, kind=kind, changes=changes, note=note[:500],
                                      actor=user if user is not None and user.is_authenticated else None)


def _locked(office) -> Office:
    found = Office.objects.select_for_update().filter(pk=getattr(office, "pk", office)).first()
    if found is None:
        raise NotFound("این دفتر در فهرست دفاتر نیست.")
    return found


def _not_revoked(office: Office) -> None:
    if office.state == LicenceState.REVOKED:
        raise Conflict(f"پروانه دفتر «{office.name}» لغو شده است و دیگر تغییری در آن ثبت نمی‌شود.")


# ---------------------------------------------------------------- the office and its licence


@transaction.atomic
def create_office(*, user, **fields) -> Office:
    """A new office in the regulator's province (province defaults to it); active unless its expiry has
    already passed (then expired: it waits for a renewal)."""
    provinces = policy.regulated_provinces(user)
    if provinces == []:
        raise NotAllowed(policy.NOT_REGULATOR)
    if not str(fields.get("province") or "").strip() and provinces:
        fields["province"] = provinces[0]
    for required in ("holder_id", "licence_issued_on", "licence_expires_on"):
        fields.setdefault(required, None)
    cleaned = _clean(fields, OFFICE_FIELDS)
    policy.check_regulator(user, province=cleaned.get("province"))
    if not cleaned.get("hours"):
        cleaned.pop("hours", None)  # the model's default working hours
    office = Office(**cleaned)
    for name in ("code", "name", "city", "address", "licence_number", "holder_name"):
        if not getattr(office, name):
            raise DomainError(f"{field_label(name)} را وارد کنید.", field=name)
    _check_whole(office)
    if office.licence_expires_on < today():
        office.state = LicenceState.EXPIRED
    office.save()
    changes = {name: ["", shown(name, getattr(office, name))] for name in (*OFFICE_FIELDS, "state")
               if shown(name, getattr(office, name))}
    _event(office, OfficeEvent.Kind.CREATED, user, changes)
    audit.record(action=AuditAction.OFFICE_CREATE, obj=office, actor=user, data={
        "code": office.code, "province": office.province, "licence_number": office.licence_number,
        "state": office.state})
    return office


@transaction.atomic
def edit_office(*, user, office, **fields) -> Office:
    """Change the office's particulars (not its holder, expiry or state: they have their own use cases)."""
    office = _locked(office)
    policy.check_regulator(user, office)
    _not_revoked(office)
    cleaned = _clean(fields, EDITABLE_FIELDS)
    changes = {}
    for name, value in cleaned.items():
        before = getattr(office, name)
        if (before if before is not None else "") != (value if value is not None else ""):
            changes[name] = [shown(name, before), shown(name, value)]
            setattr(office, name, value)
    if not changes:
        raise DomainError("چیزی تغییر نکرده است.")
    if "province" in changes:
        policy.check_regulator(user, province=office.province)
    _check_whole(office, holder=False)
    office.save()
    _event(office, OfficeEvent.Kind.EDITED, user, changes)
    audit.record(action=AuditAction.OFFICE_EDIT, obj=office, actor=user,
                 data={"code": office.code, "changes": changes})
    return office


@transaction.atomic
def set_licence_state(*, user, office, state, reason="") -> Office:
    """Suspend, reinstate or revoke the licence (see TRANSITIONS); a reason is required to suspend or
    revoke. Reinstating a licence whose date has passed is refused: renew it first."""
    office = _locked(office)
    policy.check_regulator(user, office)
    state = _choice(state, LicenceState, "state", "وضعیت تازه پروانه")
    reason = clean_text(reason, "reason", "علت", 500,
                        required=state in (LicenceState.SUSPENDED, LicenceState.REVOKED))
    current = LicenceState(office.state)
    if state == current:
        raise Conflict(f"پروانه این دفتر هم‌اکنون «{current.label}» است.", field="state")
    if state == LicenceState.EXPIRED:
        raise DomainError("انقضای پروانه با گذشتن تاریخ آن خودکار ثبت می‌شود، نه با دست.", field="state")
    if current == LicenceState.REVOKED:
        raise Conflict("پروانه این دفتر لغو شده است؛ لغو پروانه برگشت‌پذیر نیست.", field="state")
    if current == LicenceState.EXPIRED:
        raise Conflict("پروانه این دفتر منقضی شده است؛ با تمدید پروانه دوباره فعال می‌شود.", field="state")
    if state not in TRANSITIONS[current]:
        raise DomainError(f"پروانه «{current.label}» را نمی‌توان «{LicenceState(state).label}» کرد.", field="state")
    if state == LicenceState.ACTIVE and office.licence_expires_on < today():
        raise Conflict(f"تاریخ پروانه ({format_date(office.licence_expires_on)}) گذشته است؛ نخست پروانه را "
                       "تمدید کنید، سپس تعلیق را بردارید.", field="state")
    changes = {"state": [shown("state", current), shown("state", state)]}
    if office.state_reason != (reason if state != LicenceState.ACTIVE else ""):
        changes["state_reason"] = [office.state_reason, reason if state != LicenceState.ACTIVE else ""]
    office.state = state
    office.state_reason = reason if state != LicenceState.ACTIVE else ""
    office.save(update_fields=["state", "state_reason"])
    _event(office, OfficeEvent.Kind.STATE, user, changes, note=reason)
    audit.record(action=AuditAction.OFFICE_STATE, obj=office, actor=user,
                 data={"code": office.code, "from": current.value, "to": state, "reason": reason})
    return office


def renewal_percent() -> Decimal:
    return Decimal(str(settings.DABIR_COUNTER_RENEWAL_PERCENT))


def renewal_fee(licence_value_rials: int) -> int:
    """The renewal fee: DABIR_COUNTER_RENEWAL_PERCENT % of the licence value, rounded to whole rials
    (half a rial up)."""
    fee = Decimal(int(licence_value_rials)) * renewal_percent() / Decimal(100)
    return int(fee.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def check_renewal(office: Office, new_expiry, licence_value_rials=None) -> tuple[dt.date, int, int]:
    """(new expiry, licence value, fee) of a renewal, checked; what the page shows before confirming."""
    _not_revoked(office)
    new_expiry = _date(new_expiry, "new_expiry", "تاریخ انقضای تازه")
    if new_expiry <= office.licence_expires_on:
        raise DomainError(f"تاریخ انقضای تازه باید پس از انقضای کنونی ({format_date(office.licence_expires_on)}) "
                          "باشد.", field="new_expiry")
    if new_expiry <= today():
        raise DomainError("تاریخ انقضای تازه باید در آینده باشد.", field="new_expiry")
    if licence_value_rials in (None, ""):
        value = office.licence_value_rials
    else:
        value = parse_rials(licence_value_rials, "licence_value_rials", "ارزش پروانه")
    if not value:
        raise DomainError("ارزش پروانه را وارد کنید؛ هزینه تمدید درصدی از آن است.", field="licence_value_rials")
    return new_expiry, value, renewal_fee(value)


@transaction.atomic
def renew_licence(*, user, office, new_expiry, licence_value_rials=None, payment_reference="") -> Renewal:
    """Renew the licence to `new_expiry`; the fee is a share of the licence value (renewal_fee). An
    expired office becomes active again; a suspended one stays suspended."""
    office = _locked(office)
    policy.check_regulator(user, office)
    new_expiry, value, fee = check_renewal(office, new_expiry, licence_value_rials)
    reference = to_latin_digits(clean_text(payment_reference, "payment_reference", "شماره پیگیری پرداخت", 64,
                                           required=False))
    renewal = Renewal.objects.create(
        office=office, previous_expiry=office.licence_expires_on, new_expiry=new_expiry, licence_value_rials=value,
        share_percent=renewal_percent(), fee_rials=fee, payment_reference=reference,
        actor=user if user is not None and user.is_authenticated else None,
    )
    changes = {"licence_expires_on": [shown("licence_expires_on", office.licence_expires_on),
                                      shown("licence_expires_on", new_expiry)]}
    if value != office.licence_value_rials:
        changes["licence_value_rials"] = [shown("licence_value_rials", office.licence_value_rials),
                                          shown("licence_value_rials", value)]
    office.licence_expires_on, office.licence_value_rials = new_expiry, value
    if office.state == LicenceState.EXPIRED:
        changes["state"] = [shown("state", office.state), shown("state", LicenceState.ACTIVE)]
        office.state, office.state_reason = LicenceState.ACTIVE, ""
    office.save(update_fields=["licence_expires_on", "licence_value_rials", "state", "state_reason"])
    _event(office, OfficeEvent.Kind.RENEWED, user, changes,
           note=f"هزینه تمدید {shown('fee', fee)} ریال ({to_persian_digits(format(renewal_percent().normalize(), 'f'))}٪ "
                f"ارزش پروانه)")
    audit.record(action=AuditAction.OFFICE_RENEW, obj=office, actor=user, data={
        "code": office.code, "renewal": renewal.pk, "new_expiry": new_expiry, "licence_value": value, "fee": fee,
        "payment_reference": reference})
    return renewal


@transaction.atomic
def change_holder(*, user, office, holder_kind, holder_name, holder_id, reason) -> Office:
    """A new licence holder, e.g. the forced move from a natural person to a company."""
    office = _locked(office)
    policy.check_regulator(user, office)
    _not_revoked(office)
    cleaned = _clean({"holder_kind": holder_kind, "holder_name": holder_name}, HOLDER_FIELDS)
    cleaned["holder_id"] = validate_holder_id(cleaned["holder_kind"], holder_id)
    reason = clean_text(reason, "reason", "علت تغییر دارنده", 500)
    changes = {name: [shown(name, getattr(office, name)), shown(name, value)]
               for name, value in cleaned.items() if getattr(office, name) != value}
    if not changes:
        raise DomainError("دارنده تازه همان دارنده کنونی است.", field="holder_id")
    for name, value in cleaned.items():
        setattr(office, name, value)
    office.save(update_fields=list(HOLDER_FIELDS))
    _event(office, OfficeEvent.Kind.HOLDER, user, changes, note=reason)
    audit.record(action=AuditAction.OFFICE_HOLDER, obj=office, actor=user,
                 data={"code": office.code, "changes": changes, "reason": reason})
    return office


@transaction.atomic
def expire_due(*, on: dt.date | None = None) -> int:
    """Mark every active office whose licence date is before `on` (today) expired; returns how many.
    Run daily by `dabir counters expire`."""
    on = on or today()
    count = 0
    for office in Office.objects.select_for_update().filter(state=LicenceState.ACTIVE, licence_expires_on__lt=on):
        note = f"تاریخ پروانه ({format_date(office.licence_expires_on)}) گذشت."
        office.state, office.state_reason = LicenceState.EXPIRED, ""
        office.save(update_fields=["state", "state_reason"])
        _event(office, OfficeEvent.Kind.STATE, None,
               {"state": [shown("state", LicenceState.ACTIVE), shown("state", LicenceState.EXPIRED)]}, note=note)
        audit.record(action=AuditAction.OFFICE_EXPIRE, obj=office, actor=None,
                     data={"code": office.code, "expired_on": office.licence_expires_on})
        count += 1
    return count


# ---------------------------------------------------------------- staff


def _staff_label(staff_user, role: str) -> str:
    name = staff_user.get_full_name().strip() or staff_user.get_username()
    return f"{name} ({staff_user.get_username()}) — {Staff.Role(role).label}"


@transaction.atomic
def set_staff(*, user, office, account, role) -> Staff:
    """Bind `account` to the office as its manager or an operator. The regulator sets anyone; the office's
    manager adds operators to their own office only. An account works at one office at a time."""
    office = _locked(office)
    role = _choice(role, Staff.Role, "role", "نقش")
    by_manager = policy.check_staff_manager(user, office, role=role)
    _not_revoked(office)
    if account is None:
        raise DomainError("حساب کاربری کارمند را برگزینید.", field="account")
    if not account.is_active or getattr(account, "is_citizen", False):
        raise DomainError("این حساب، حساب فعال کارکنان نیست.", field="account")
    if by_manager and account.pk == user.pk:
        raise NotAllowed("مدیر دفتر نقش خود را تغییر نمی‌دهد.", field="account")
    staff = Staff.objects.select_for_update().select_related("office").filter(user=account).first()
    before = ""
    if staff is not None and staff.active:
        if staff.office_id != office.pk:
            raise Conflict(f"این حساب کارمند دفتر «{staff.office.name}» است؛ هر حساب فقط به یک دفتر وابسته است. "
                           "نخست کار او را در آن دفتر پایان دهید.", field="account")
        if staff.role == role:
            raise Conflict(f"این حساب هم‌اکنون {Staff.Role(role).label} همین دفتر است.", field="account")
        if by_manager:
            raise NotAllowed("نقش مدیر دفتر را فقط ناظر تغییر می‌دهد.", field="account")
        before = _staff_label(account, staff.role)
    if role == Staff.Role.MANAGER:
        other = Staff.objects.filter(office=office, role=Staff.Role.MANAGER, active=True).exclude(user=account)
        if other.exists():
            raise Conflict("این دفتر مدیر فعال دارد؛ نخست کار مدیر کنونی را پایان دهید.", field="role")
    if staff is None:
        staff = Staff(user=account)
    staff.office, staff.role, staff.active = office, role, True
    if not before:
        staff.since = timezone.now()
    staff.save()
    _event(office, OfficeEvent.Kind.STAFF, user, {"staff": [before, _staff_label(account, role)]})
    audit.record(action=AuditAction.STAFF_SET, obj=staff, actor=user,
                 data={"office": office.code, "account": account.get_username(), "role": role})
    return staff


@transaction.atomic
def end_staff(*, user, staff) -> Staff:
    """The staff member no longer works at the office (the regulator, or the office's manager for an operator)."""
    found = Staff.objects.select_for_update().select_related("office", "user").filter(
        pk=getattr(staff, "pk", staff)).first()
    if found is None:
        raise NotFound("این کارمند پیدا نشد.")
    by_manager = policy.check_staff_manager(user, found.office, role=found.role)
    if by_manager and found.user_id == user.pk:
        raise NotAllowed("مدیر دفتر کار خود را پایان نمی‌دهد؛ این کار ناظر است.")
    if not found.active:
        raise Conflict("کار این کارمند پیش‌تر پایان یافته است.")
    found.active = False
    found.save(update_fields=["active"])
    _event(found.office, OfficeEvent.Kind.STAFF, user, {"staff": [_staff_label(found.user, found.role), ""]},
           note="پایان کار")
    audit.record(action=AuditAction.STAFF_END, obj=found, actor=user,
                 data={"office": found.office.code, "account": found.user.get_username(), "role": found.role})
    return found
