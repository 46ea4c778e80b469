"""Fee schedules (تعرفه کارمزد دفاتر): the counter's own fee per service per Jalali year.

The regulator drafts a year's schedule — empty, or copied from another (usually the last approved) with
every fee raised by an inflation percentage — edits the draft's fees, reviews it and approves it. An
approved schedule never changes: every function here refuses it, and counters/fee_guard.py refuses a
direct save or delete of its rows from any other path (the admin, a shell).

Rounding: a fee raised by p % is old × (100 + p) / 100, computed exactly (Decimal), then rounded UP to
the next whole 1,000 rials (ROUND_TO); a fee already a multiple of 1,000 raised by 0 % stays the same,
and 0 stays 0. The letter fee is raised the same way unless given.
"""

from decimal import ROUND_CEILING, Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from dabir.core import audit
from dabir.core.errors import Conflict, DomainError, NotFound
from dabir.core.text import to_persian_digits, typed_number
from dabir.core.validators import clean_text
from dabir.desk.models import Service

from .. import policy
from ..models import CounterService, Fee, FeeSchedule
from ..names import AuditAction

ROUND_TO = 1_000
MAX_INFLATION = Decimal(200)
MAX_RIALS = 10**13  # ten thousand billion rials: far above any counter fee, far below the column's limit
YEARS = (1390, 1500)


def amount_text(rials: int) -> str:
    return to_persian_digits(f"{int(rials):,}").replace(",", "٬")


def parse_rials(value, *, field: str = "counter_fee_rials", label: str = "کارمزد") -> int:
    """A whole, non-negative number of rials; Persian or Arabic digits and thousands separators accepted."""
    if isinstance(value, bool):
        raise DomainError(f"{label} باید عدد باشد.", field=field)
    if isinstance(value, int):
        number = value
    else:
        text = typed_number(value if value is not None else "")
        if not text:
            raise DomainError(f"{label} را وارد کنید.", field=field)
        if text.startswith("-") and text[1:].isdigit():
            raise DomainError(f"{label} نمی‌تواند منفی باشد.", field=field)
        if not text.isascii() or not text.isdigit():
            raise DomainError(f"{label} باید عددی صحیح به ریال باشد (بدون اعشار).", field=field)
        number = int(text)
    if number < 0:
        raise DomainError(f"{label} نمی‌تواند منفی باشد.", field=field)
    if number > MAX_RIALS:
        raise DomainError(f"{label} بیش از اندازه بزرگ است.", field=field)
    return number


def parse_percent(value, *, field: str = "inflation_percent") -> Decimal:
    """An inflation percentage between 0 and 200, at most two decimals (۲۵ or ۲۵٫۵ or 25.5)."""
    text = typed_number(value if value is not None else "")
    if not text:
        raise DomainError("درصد افزایش را وارد کنید.", field=field)
    try:
        percent = Decimal(text)
    except InvalidOperation:
        raise DomainError("درصد افزایش باید عدد باشد.", field=field) from None
    if not percent.is_finite():
        raise DomainError("درصد افزایش باید عدد باشد.", field=field)
    if percent < 0 or percent > MAX_INFLATION:
        raise DomainError("درصد افزایش باید میان ۰ و ۲۰۰ باشد.", field=field)
    if percent != percent.quantize(Decimal("0.01")):
        raise DomainError("درصد افزایش بیش از دو رقم اعشار دارد.", field=field)
    return percent.quantize(Decimal("0.01"))


def parse_year(value, *, field: str = "year") -> int:
    text = typed_number(value if value is not None else "")
    if not text.isascii() or not text.isdigit():
        raise DomainError("سال را به شکل چهار رقمی خورشیدی وارد کنید، مانند ۱۴۰۵.", field=field)
    year = int(text)
    if not YEARS[0] <= year <= YEARS[1]:
        raise DomainError(f"سال باید میان {to_persian_digits(YEARS[0])} و {to_persian_digits(YEARS[1])} باشد.",
                          field=field)
    return year


def raised(rials: int, percent: Decimal) -> int:
    """`rials` raised by `percent` %, rounded up to a whole 1,000 rials (see the module's docstring)."""
    exact = Decimal(int(rials)) * (Decimal(100) + Decimal(percent)) / Decimal(100)
    thousands = (exact / ROUND_TO).to_integral_value(rounding=ROUND_CEILING)
    return int(thousands) * ROUND_TO


def sealed_message(schedule: FeeSchedule) -> str:
    return (f"تعرفه سال {to_persian_digits(schedule.year)} تصویب شده است و دیگر تغییر نمی‌کند؛ "
            "برای کارمزدهای تازه پیش‌نویس سال بعد را بسازید.")


def _draft_for_update(schedule) -> FeeSchedule:
    """The schedule, locked; refused unless it is still a draft."""
    locked = FeeSchedule.objects.select_for_update().filter(pk=getattr(schedule, "pk", schedule)).first()
    if locked is None:
        raise NotFound("این تعرفه پیدا نشد.", field="schedule")
    if locked.state != FeeSchedule.State.DRAFT:
        raise Conflict(sealed_message(locked), code="schedule_approved")
    return locked


def _feeable(service) -> Service:
    """A desk service its agency declared outsourceable (only those have a counter fee)."""
    pk = getattr(service, "pk", service)
    found = Service.objects.select_related("agency").filter(pk=pk).first() if str(pk).isdigit() else None
    if found is None:
        raise NotFound("این خدمت پیدا نشد.", field="service")
    if not CounterService.objects.filter(service=found, outsourceable=True).exists():
        raise DomainError(f"خدمت «{found.title}» از سوی دستگاهش قابل واگذاری به دفاتر اعلام نشده است؛ "
                          "برای آن کارمزد دفتر تعیین نمی‌شود.", field="service", code="not_outsourceable")
    return found


@transaction.atomic
def draft_schedule(*, user, year, from_schedule=None, inflation_percent=None, letter_fee_rials=None,
                   note: str = "") -> FeeSchedule:
    """A new year's draft: empty, or a copy of `from_schedule` with every fee raised by `inflation_percent`
    (0 when not given) and rounded up to 1,000 rials. Services no longer outsourceable are not copied."""
    policy.check_fee_regulator(user)
    year = parse_year(year)
    note = clean_text(note, "note", "توضیح", 500, required=False)
    source = None
    if from_schedule not in (None, ""):
        source = FeeSchedule.objects.filter(pk=getattr(from_schedule, "pk", from_schedule)).first() \
            if str(getattr(from_schedule, "pk", from_schedule)).isdigit() else None
        if source is None:
            raise NotFound("تعرفه مبنا پیدا نشد.", field="from_schedule")
        if source.year >= year:
            raise DomainError("تعرفه مبنا باید از سالی پیش از سال پیش‌نویس باشد.", field="from_schedule")
    percent = None
    if inflation_percent not in (None, ""):
        if source is None:
            raise DomainError("درصد افزایش فقط برای پیش‌نویسی است که از تعرفه دیگری ساخته می‌شود.",
                              field="inflation_percent")
        percent = parse_percent(inflation_percent)
    elif source is not None:
        percent = Decimal("0.00")
    if letter_fee_rials not in (None, ""):
        letter_fee = parse_rials(letter_fee_rials, field="letter_fee_rials", label="کارمزد ثبت نامه")
    else:
        letter_fee = raised(source.letter_fee_rials, percent) if source is not None else 0
    if FeeSchedule.objects.filter(year=year).exists():
        raise Conflict(f"تعرفه سال {to_persian_digits(year)} پیش‌تر ساخته شده است.", field="year",
                       code="year_taken")
    try:
        with transaction.atomic():
            schedule = FeeSchedule.objects.create(year=year, based_on=source, inflation_percent=percent,
                                                  letter_fee_rials=letter_fee, note=note, created_by=user)
    except IntegrityError:  # the same year drafted at the same moment by someone else
        raise Conflict(f"تعرفه سال {to_persian_digits(year)} پیش‌تر ساخته شده است.", field="year",
                       code="year_taken") from None
    copied = skipped = 0
    if source is not None:
        rows = []
        outsourceable = set(CounterService.objects.filter(outsourceable=True).values_list("service_id", flat=True))
        for fee in Fee.objects.filter(schedule=source):
            if fee.service_id not in outsourceable:
                skipped += 1
                continue
            rows.append(Fee(schedule=schedule, service_id=fee.service_id,
                            counter_fee_rials=raised(fee.counter_fee_rials, percent)))
        Fee.objects.bulk_create(rows)
        copied = len(rows)
    audit.record(action=AuditAction.SCHEDULE_DRAFT, obj=schedule, actor=user, data={
        "year": year, "from": source.year if source else None, "inflation_percent": str(percent) if percent is not None
        else None, "letter_fee": letter_fee, "copied": copied, "skipped": skipped,
    })
    return schedule


@transaction.atomic
def set_fee(*, user, schedule, service, counter_fee_rials) -> Fee:
    """Set one service's counter fee in a draft (a new row or a changed one)."""
    policy.check_fee_regulator(user)
    schedule = _draft_for_update(schedule)
    service = _feeable(service)
    amount = parse_rials(counter_fee_rials)
    fee = Fee.objects.filter(schedule=schedule, service=service).first()
    before = fee.counter_fee_rials if fee else None
    if fee is None:
        fee = Fee.objects.create(schedule=schedule, service=service, counter_fee_rials=amount)
    elif before != amount:
        fee.counter_fee_rials = amount
        fee.save(update_fields=["counter_fee_rials"])
    audit.record(action=AuditAction.SCHEDULE_EDIT, obj=schedule, actor=user, data={
        "year": schedule.year, "service": service.code, "before": before, "after": amount,
    })
    return fee


@transaction.atomic
def remove_fee(*, user, schedule, service) -> None:
    """Take a service out of a draft (its counter fee is then none: 0 rials)."""
    policy.check_fee_regulator(user)
    schedule = _draft_for_update(schedule)
    pk = getattr(service, "pk", service)
    fee = Fee.objects.select_related("service").filter(schedule=schedule, service_id=pk).first() \
        if str(pk).isdigit() else None
    if fee is None:
        raise NotFound("این خدمت در این پیش‌نویس کارمزدی ندارد.", field="service")
    code, before = fee.service.code, fee.counter_fee_rials
    fee.delete()
    audit.record(action=AuditAction.SCHEDULE_EDIT, obj=schedule, actor=user, data={
        "year": schedule.year, "service": code, "before": before, "after": None,
    })


@transaction.atomic
def set_fees(*, user, schedule, fees: dict, letter_fee_rials=None, note=None) -> FeeSchedule:
    """The whole draft's table at once (the edit page): `fees` maps a service (or its id) to its fee, or to
    None / "" to take it out. Every value is checked before anything is written; one audit entry."""
    policy.check_fee_regulator(user)
    schedule = _draft_for_update(schedule)
    ids = {}
    for key in fees:
        pk = getattr(key, "pk", key)
        if not str(pk).isdigit():
            raise NotFound("این خدمت پیدا نشد.", field="service")
        ids[int(pk)] = fees[key]
    services = Service.objects.in_bulk(list(ids))
    outsourceable = set(CounterService.objects.filter(service_id__in=list(ids), outsourceable=True)
                        .values_list("service_id", flat=True))
    wanted: dict[int, int | None] = {}
    codes: dict[int, str] = {}
    for pk, value in ids.items():
        service = services.get(pk)
        if service is None:
            raise NotFound("این خدمت پیدا نشد.", field="service")
        if pk not in outsourceable:
            _feeable(service)  # raises its message
        codes[pk] = service.code
        blank = value is None or (isinstance(value, str) and not value.strip())
        wanted[pk] = None if blank else parse_rials(value, field=f"fee_{pk}", label=f"کارمزد «{service.title}»")
    fields = []
    if letter_fee_rials not in (None, ""):
        schedule.letter_fee_rials = parse_rials(letter_fee_rials, field="letter_fee_rials", label="کارمزد ثبت نامه")
        fields.append("letter_fee_rials")
    if note is not None:
        schedule.note = clean_text(note, "note", "توضیح", 500, required=False)
        fields.append("note")
    existing = {f.service_id: f for f in Fee.objects.filter(schedule=schedule, service_id__in=list(wanted))}
    changes = {}
    for service_id, amount in wanted.items():
        fee = existing.get(service_id)
        before = fee.counter_fee_rials if fee else None
        if before == amount:
            continue
        if amount is None:
            fee.delete()
        elif fee is None:
            Fee.objects.create(schedule=schedule, service_id=service_id, counter_fee_rials=amount)
        else:
            fee.counter_fee_rials = amount
            fee.save(update_fields=["counter_fee_rials"])
        changes[codes[service_id]] = [before, amount]
    if fields:
        schedule.save(update_fields=fields)
    audit.record(action=AuditAction.SCHEDULE_EDIT, obj=schedule, actor=user, data={
        "year": schedule.year, "changes": changes, "letter_fee": schedule.letter_fee_rials,
    })
    return schedule


@transaction.atomic
def approve_schedule(*, user, schedule) -> FeeSchedule:
    """The regulator approves a reviewed draft: from now on nothing about it changes."""
    policy.check_fee_regulator(user)
    schedule = _draft_for_update(schedule)
    schedule.state = FeeSchedule.State.APPROVED
    schedule.approved_at = timezone.now()
    schedule.approved_by = user
    schedule.save(update_fields=["state", "approved_at", "approved_by"])
    fees = dict(Fee.objects.filter(schedule=schedule).values_list("service__code", "counter_fee_rials"))
    audit.record(action=AuditAction.SCHEDULE_APPROVE, obj=schedule, actor=user, data={
        "year": schedule.year, "letter_fee": schedule.letter_fee_rials, "fees": fees,
    })
    return schedule
