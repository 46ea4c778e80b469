"""Who may do what with counter offices: the one access policy of this app.

Services, selectors, pages, the API and the admin ask these functions only.
- An operator (or the office's manager) acts only for their own office, and only while its licence is
  active: `acting_staff` is asked at every step of every write, so a suspended office's operators are
  refused at once, half-filled submissions included.
- A service is filed at an office only when its agency offers it there (`check_offered`).
- The regulator of a province keeps the registry of that province's offices, approves fee schedules,
  closes settlement months and answers complaints; a superuser is the regulator of every province.
- An office's work (visits, submissions, letters, figures) is seen by its own staff and by its regulator,
  never by another office.
- An agency's admins declare which of its services are outsourced.
"""

import datetime as dt

from django.db.models import Q

from dabir.core.errors import DomainError, NotAllowed
from dabir.core.jalali import format_date, today

from .models import CounterService, LicenceState, Office, Regulator, Staff

NOT_STAFF = "این حساب به هیچ دفتر پیشخوانی وابسته نیست."
NOT_REGULATOR = "این کار فقط از ناظر دفاتر پیشخوان (اداره کل ارتباطات استان) برمی‌آید."


def block_reason(office: Office, on: dt.date | None = None) -> str:
    """Why the office may not file anything today ('' when it may)."""
    on = on or today()
    reason = f" ({office.state_reason})" if office.state_reason else ""
    if office.state == LicenceState.SUSPENDED:
        return f"پروانه دفتر «{office.name}» تعلیق شده است{reason}؛ تا رفع تعلیق ثبت هیچ درخواستی ممکن نیست."
    if office.state == LicenceState.REVOKED:
        return f"پروانه دفتر «{office.name}» لغو شده است{reason}؛ این دفتر دیگر نمی‌تواند درخواستی ثبت کند."
    if office.state == LicenceState.EXPIRED or office.licence_expires_on < on:
        return (f"پروانه دفتر «{office.name}» در تاریخ {format_date(office.licence_expires_on)} منقضی شده است؛ "
                "تا تمدید پروانه ثبت هیچ درخواستی ممکن نیست.")
    return ""


def is_active(office: Office, on: dt.date | None = None) -> bool:
    return not block_reason(office, on)


def staff_of(user) -> Staff | None:
    """The user's active place in an office (with the office), or None."""
    if not user or not user.is_authenticated:
        return None
    cached = getattr(user, "_counter_staff", False)
    if cached is False:
        cached = Staff.objects.select_related("office").filter(user=user, active=True).first()
        user._counter_staff = cached
    return cached


def acting_staff(user, *, manager: bool = False) -> Staff:
    """The user's place in an office whose licence is active now; refused with the reason otherwise.
    Reads the office afresh: a suspension takes effect on the operator's very next step."""
    staff = Staff.objects.select_related("office").filter(user=user, active=True).first() \
        if user and user.is_authenticated else None
    if staff is None:
        raise NotAllowed(NOT_STAFF, code="not_counter_staff")
    if manager and staff.role != Staff.Role.MANAGER:
        raise NotAllowed("این کار فقط از مدیر دفتر برمی‌آید.")
    reason = block_reason(staff.office)
    if reason:
        raise NotAllowed(reason, code="office_inactive")
    return staff


def offered_at(service, office: Office) -> bool:
    declared = CounterService.objects.filter(service=service, offered=True, service__active=True)
    return declared.filter(Q(all_offices=True) | Q(offices=office)).exists()


def check_offered(service, office: Office) -> None:
    if not offered_at(service, office):
        raise DomainError(f"خدمت «{service.title}» به دفتر «{office.name}» واگذار نشده است.", field="service",
                          code="not_outsourced")


def counter_gate(*, operator, service) -> str:
    """The desk's counter gate (desk.gates): a counter submission by `operator` for `service`."""
    staff = acting_staff(operator)
    check_offered(service, staff.office)
    return f"دفتر پیشخوان «{staff.office.name}»، کد {staff.office.code}"


def regulator_of(user) -> Regulator | None:
    if not user or not user.is_authenticated:
        return None
    return Regulator.objects.filter(user=user).first()


def is_regulator(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or regulator_of(user) is not None))


def regulated_provinces(user) -> list[str] | None:
    """The provinces the user regulates: None for all (a superuser), [] for none."""
    if not user or not user.is_authenticated:
        return []
    if user.is_superuser:
        return None
    regulator = regulator_of(user)
    return [regulator.province] if regulator else []


def check_regulator(user, office: Office | None = None, province: str | None = None) -> None:
    provinces = regulated_provinces(user)
    if provinces == []:
        raise NotAllowed(NOT_REGULATOR)
    where = office.province if office is not None else province
    if provinces is not None and where is not None and where not in provinces:
        raise NotAllowed("این دفتر در استان شما نیست.")


def offices_for(user):
    """The offices whose work the user may see: a regulator's province, or the user's own office."""
    provinces = regulated_provinces(user)
    if provinces is None:
        return Office.objects.all()
    q = Q(province__in=provinces) if provinces else Q(pk__in=[])
    staff = staff_of(user)
    if staff is not None:
        q |= Q(pk=staff.office_id)
    return Office.objects.filter(q)


def can_see_office(user, office: Office) -> bool:
    return offices_for(user).filter(pk=office.pk).exists()


def can_declare_outsourcing(user, agency) -> bool:
    """An agency's admins (and a superuser) declare its outsourced services."""
    if not user or not user.is_authenticated:
        return False
    return user.is_superuser or agency.admins.filter(pk=user.pk).exists()
