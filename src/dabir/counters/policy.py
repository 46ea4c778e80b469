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


# Complaints about offices (services/complaints.py, views/complaints.py): the regulator of the office's
# province sees them in full and answers them; the office's manager sees those about their own office,
# read-only, with the complainant's personal data masked; operators and everyone else see none.

COMPLAINT_REGULATOR = "regulator"
COMPLAINT_MANAGER = "manager"


def complaint_viewer(user) -> str:
    """How the user sees complaints: COMPLAINT_REGULATOR, COMPLAINT_MANAGER or '' (not at all)."""
    if is_regulator(user):
        return COMPLAINT_REGULATOR
    staff = staff_of(user)
    if staff is not None and staff.role == Staff.Role.MANAGER:
        return COMPLAINT_MANAGER
    return ""


def check_complaint_viewer(user) -> str:
    viewer = complaint_viewer(user)
    if not viewer:
        raise NotAllowed("شکایت‌ها از دفاتر پیشخوان را فقط ناظر استان و مدیر همان دفتر می‌بینند.")
    return viewer


def complaints_for(user):
    """The complaints (OfficeComplaint) the user may see: a regulator's provinces, or a manager's office."""
    from .models import OfficeComplaint

    viewer = complaint_viewer(user)
    if viewer == COMPLAINT_REGULATOR:
        provinces = regulated_provinces(user)
        found = OfficeComplaint.objects.all()
        return found if provinces is None else found.filter(office__province__in=provinces)
    if viewer == COMPLAINT_MANAGER:
        return OfficeComplaint.objects.filter(office_id=staff_of(user).office_id)
    return OfficeComplaint.objects.none()


def sees_complainant(user, complaint) -> bool:
    """The complainant's national code, mobile and name: only the regulator of the office's province."""
    provinces = regulated_provinces(user)
    return provinces is None or complaint.office.province in provinces


def check_complaint_answer(user, complaint) -> None:
    """A complaint is answered by the regulator of the office's province (a superuser: any)."""
    check_regulator(user, office=complaint.office)


def check_complaint_taker(user, office: Office) -> None:
    """A complaint taken on the ministry's 195 line is filed by the staff of the office's province's regulator."""
    check_regulator(user, office=office)


# ---------------------------------------------------------------- fee schedules and office figures (fees)


def can_manage_fees(user) -> bool:
    """Fee schedules are one for the country's offices: a regulator (of any province) drafts and approves."""
    return is_regulator(user)


def check_fee_regulator(user) -> None:
    if not can_manage_fees(user):
        raise NotAllowed("تعرفه کارمزد دفاتر را فقط ناظر دفاتر پیشخوان تنظیم و تصویب می‌کند.")


def can_see_schedule(user, schedule) -> bool:
    """A regulator sees every schedule, drafts too; an office's staff see approved ones only (read-only)."""
    if can_manage_fees(user):
        return True
    return staff_of(user) is not None and schedule.state == schedule.State.APPROVED


def can_see_figures(user, office: Office) -> bool:
    """An office's figures: its manager and its province's regulator (an operator does not see them)."""
    provinces = regulated_provinces(user)
    if provinces is None or office.province in (provinces or []):
        return True
    staff = staff_of(user)
    return staff is not None and staff.office_id == office.pk and staff.role == Staff.Role.MANAGER


# ---------------------------------------------------------------- letters filed at the counter (letters)


def clerk_secretariat_ids(user) -> set[int]:
    """The secretariats whose clerk the user is (they receive the letters offices file for their agency)."""
    from dabir.orgs.selectors import secretariats_of

    return set(secretariats_of(user).values_list("id", flat=True))


def is_letter_clerk(user, counter_letter) -> bool:
    """A clerk of the secretariat the counter letter was sent to: registers or returns it."""
    return counter_letter.secretariat_id in clerk_secretariat_ids(user)


def check_letter_clerk(user, counter_letter) -> None:
    if not is_letter_clerk(user, counter_letter):
        raise NotAllowed("فقط کاربران دبیرخانه گیرنده این نامه می‌توانند آن را ثبت یا برگشت دهند.",
                         field="secretariat", code="not_letter_clerk")


def check_office_letter(user, counter_letter) -> Staff:
    """The office that filed the letter, acting now (active licence): prints its answer, sees its scans."""
    staff = acting_staff(user)
    if staff.office_id != counter_letter.office_id:
        from dabir.core.errors import NotFound

        raise NotFound("این نامه در دفتر شما ثبت نشده است.")
    return staff


def can_see_counter_letter(user, counter_letter) -> bool:
    """The filing office's staff, its regulator, and the clerks of the receiving secretariat."""
    staff = staff_of(user)
    if staff is not None and staff.office_id == counter_letter.office_id:
        return True
    if is_letter_clerk(user, counter_letter):
        return True
    provinces = regulated_provinces(user)
    return provinces is None or counter_letter.office.province in provinces


# ---------------------------------------------------------------- the operator's desk (desk)


def submissions_for(user):
    """The submissions (Submission) the user may see: their own office's — whatever its licence state, so a
    receipt already issued can be printed again — and a regulator's provinces'. Filing and paying ask
    acting_staff (through the services) at every step."""
    from .models import Submission

    return Submission.objects.filter(office__in=offices_for(user))


# ---------------------------------------------------------------- the registry and outsourcing (registry)


def regulates(user, office: Office) -> bool:
    """The user is the regulator of the office's province (a superuser: of every province)."""
    provinces = regulated_provinces(user)
    return provinces is None or office.province in provinces


def managed_office_id(user) -> int | None:
    """The office the user manages now (read afresh, not from the request's cache), or None."""
    if not user or not user.is_authenticated:
        return None
    return Staff.objects.filter(user=user, active=True, role=Staff.Role.MANAGER).values_list(
        "office_id", flat=True).first()


def check_staff_manager(user, office: Office, *, role: str) -> bool:
    """Who binds or ends the office's staff of `role`: its regulator (answers False) or its own manager,
    for operators only (answers True); anyone else is refused."""
    if regulates(user, office) and is_regulator(user):
        return False
    if managed_office_id(user) == office.pk:
        if role != Staff.Role.OPERATOR:
            raise NotAllowed("مدیر دفتر فقط کاربران باجه دفتر خود را تعیین می‌کند؛ مدیر را ناظر تعیین می‌کند.",
                             field="role")
        return True
    raise NotAllowed("کارکنان این دفتر را فقط ناظر استان یا مدیر همین دفتر تعیین می‌کنند.")


def can_see_registry_office(user, office: Office) -> bool:
    """An office's registry page: its province's regulator, and its own manager (who manages operators there)."""
    return (is_regulator(user) and regulates(user, office)) or managed_office_id(user) == office.pk


def declarable_agencies(user):
    """The agencies whose outsourcing the user declares (can_declare_outsourcing): a superuser's every agency,
    an agency admin's own."""
    from dabir.orgs.models import Agency

    if not user or not user.is_authenticated:
        return Agency.objects.none()
    return Agency.objects.all() if user.is_superuser else Agency.objects.filter(admins=user)


# ---------------------------------------------------------------- settlement (settlement)

NOT_SETTLEMENT = "صورت‌حساب تسویه دفاتر را فقط ناظر استان و مدیر همان دفتر می‌بینند."


def settlement_offices(user):
    """The offices whose settlement the user reads: None for every office (a superuser), a regulator's
    province, an office manager's own office; an operator or anyone else is refused."""
    provinces = regulated_provinces(user)
    if provinces is None:
        return None
    if provinces:
        return Office.objects.filter(province__in=provinces)
    staff = staff_of(user)
    if staff is not None and staff.role == Staff.Role.MANAGER:
        return Office.objects.filter(pk=staff.office_id)
    raise NotAllowed(NOT_SETTLEMENT, code="not_settlement_reader")


def can_read_settlement(user) -> bool:
    try:
        settlement_offices(user)
    except NotAllowed:
        return False
    return True


def can_close_month(user, province: str | None) -> bool:
    """A month of a province is closed by that province's regulator (a superuser: any province)."""
    provinces = regulated_provinces(user)
    return bool(province) and (provinces is None or province in provinces)
