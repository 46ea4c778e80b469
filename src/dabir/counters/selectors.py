"""Reads of the counter offices, filtered through policy.py."""

import datetime as dt
from dataclasses import dataclass

from dabir.core.jalali import to_jalali, today
from dabir.core.text import to_latin_digits
from dabir.desk.definition import version_definition
from dabir.desk.models import Channel

from .models import Fee, FeeSchedule


@dataclass(frozen=True)
class Quote:
    """What the citizen pays at the counter for one filing: the agency's fee (the service definition's fee on
    the counter channel) and the office's own fee (the approved schedule in force), never a client's figure."""

    agency_fee_rials: int
    counter_fee_rials: int
    schedule: FeeSchedule | None

    @property
    def total_rials(self) -> int:
        return self.agency_fee_rials + self.counter_fee_rials


def schedule_in_force(on: dt.date | None = None) -> FeeSchedule | None:
    """The approved schedule of the latest Jalali year not after `on`'s year."""
    year = to_jalali(on or today()).year
    return FeeSchedule.objects.filter(state=FeeSchedule.State.APPROVED, year__lte=year).order_by("-year").first()


def quote(service, on: dt.date | None = None) -> Quote:
    """The fees of filing `service` at a counter on day `on` (today by default)."""
    schedule = schedule_in_force(on)
    counter_fee = 0
    if schedule is not None:
        fee = Fee.objects.filter(schedule=schedule, service=service).values_list("counter_fee_rials", flat=True).first()
        counter_fee = fee or 0
    agency_fee = 0
    if service.current_version_id:
        definition = version_definition(service.current_version)
        agency_fee = int(getattr(definition.fees, Channel.COUNTER, 0) or 0)
    return Quote(agency_fee_rials=agency_fee, counter_fee_rials=counter_fee, schedule=schedule)


def letter_quote(on: dt.date | None = None) -> Quote:
    """The fees of filing a citizen's letter: the office's letter fee only (agencies charge nothing)."""
    schedule = schedule_in_force(on)
    return Quote(agency_fee_rials=0, counter_fee_rials=schedule.letter_fee_rials if schedule else 0,
                 schedule=schedule)


# Complaints about offices (views/complaints.py): every read goes through policy.complaints_for, and a
# viewer who may not see the complainant (an office manager) gets the personal data masked.

def mask(value, keep: int = 2, *, head: int = 0) -> str:
    """A personal number shown masked: its first `head` and last `keep` digits only, the rest as «*» (a
    bullet would read as the Persian zero «۰» beside Persian digits)."""
    value = to_latin_digits(str(value or ""))
    if len(value) <= head + keep:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - keep) + value[-keep:]


def shown_complaints(user, complaints):
    """The complaints as `user` may see them: the complainant's national code, mobile and name masked for
    anyone but the regulator of the office's province (the objects are changed in memory, never saved)."""
    from . import policy

    complaints = list(complaints)
    for complaint in complaints:
        complaint.masked = not policy.sees_complainant(user, complaint)
        if complaint.masked:
            complaint.national_code, complaint.mobile = mask(complaint.national_code), mask(complaint.mobile)
            complaint.name = ""
    return complaints


def complaints_list(user, *, status: str = "", office_code: str = "", overdue: bool = False):
    """The complaints the user may see, newest first, filtered by status, office code and overdue
    (unanswered past the answer deadline)."""
    from . import policy
    from .models import OfficeComplaint

    found = policy.complaints_for(user).select_related("office", "staff__user")
    if status in OfficeComplaint.Status.values:
        found = found.filter(status=status)
    if office_code:
        found = found.filter(office__code=office_code)
    if overdue:
        found = found.filter(status=OfficeComplaint.Status.SUBMITTED, answer_due__lt=today())
    return found.order_by("-created_at", "-id")


def complaint_for(user, complaint_id):
    """One complaint the user may see (masked as shown_complaints), or NotFound."""
    from dabir.core.errors import NotFound

    from . import policy

    complaint = (policy.complaints_for(user).select_related("office", "staff__user", "submission", "answered_by")
                 .filter(pk=complaint_id).first())
    if complaint is None:
        raise NotFound("این شکایت پیدا نشد یا دیدن آن در اختیار شما نیست.")
    return shown_complaints(user, [complaint])[0]


def public_complaint(tracking_code: str, national_code: str):
    """A complaint by its tracking code and the complainant's national code (both already checked), or None."""
    from .models import OfficeComplaint

    return (OfficeComplaint.objects.select_related("office")
            .filter(tracking_code=tracking_code, national_code=national_code).first())


def complaint_cities() -> list[tuple[str, str]]:
    """Every (province, city) with an office, for the public complaint form's picker."""
    from .models import Office

    return list(Office.objects.order_by("province", "city").values_list("province", "city").distinct())


def offices_in_city(city: str):
    """The offices of a city, active or not (a complaint about a closed office still counts)."""
    from .models import Office

    return Office.objects.filter(city=city).order_by("name", "code") if city else Office.objects.none()


# ---------------------------------------------------------------- letters filed at the counter (letters)


def letter_secretariat(agency):
    """Where a counter letter for `agency` goes: its desk's secretariat, else its first secretariat (None: none)."""
    from dabir.desk.models import DeskProfile
    from dabir.orgs.models import Secretariat

    profile = DeskProfile.objects.select_related("secretariat").filter(agency=agency).first()
    if profile is not None:
        return profile.secretariat
    return Secretariat.objects.filter(agency=agency).order_by("id").first()


def letter_agencies():
    """The agencies a citizen's letter can be sent to at the counter: those with a secretariat."""
    from dabir.orgs.models import Agency

    return Agency.objects.filter(secretariats__isnull=False).distinct().order_by("name")


def office_letters(user):
    """The letters filed at the user's own office (none for anyone else), newest first."""
    from . import policy
    from .models import CounterLetter

    staff = policy.staff_of(user)
    if staff is None:
        return CounterLetter.objects.none()
    return CounterLetter.objects.filter(office_id=staff.office_id).select_related("agency", "answer", "letter")


def counter_letter_queue(user, state: str = ""):
    """The counter letters sent to the user's secretariats (all states, or one)."""
    from . import policy
    from .models import CounterLetter

    rows = CounterLetter.objects.filter(secretariat_id__in=policy.clerk_secretariat_ids(user)).select_related(
        "office", "agency", "secretariat", "letter")
    return rows.filter(state=state) if state else rows


def pending_counter_letters(user) -> int:
    """How many counter letters wait for the user's secretariats to register or return them."""
    from .models import CounterLetter

    if not user or not user.is_authenticated:
        return 0
    return counter_letter_queue(user, CounterLetter.State.SENT).count()


def public_counter_letter(tracking_code: str, national_code: str):
    """A counter letter by its tracking code and the citizen's national code (both must match), or None."""
    from .models import CounterLetter

    return CounterLetter.objects.select_related("office", "agency", "letter", "answer").filter(
        tracking_code=tracking_code, national_code=national_code).first()


# ---------------------------------------------------------------- the operator's desk (desk)


def offered_services(office, q: str = ""):
    """The services offered at `office` (declared by their agency for every office or for this one), matched
    word by word on the desk catalogue's normalised search text."""
    from django.db.models import Q

    from dabir.desk import selectors as desk_selectors

    from .models import CounterService

    declared = CounterService.objects.filter(offered=True).filter(Q(all_offices=True) | Q(offices=office))
    return desk_selectors.catalogue(q=q).filter(pk__in=declared.values("service_id"))


def offered_service(office, code):
    """An active service by its code, offered at `office`; NotFound or the Persian «not outsourced» refusal."""
    from dabir.core.errors import NotFound
    from dabir.desk.models import Service

    from . import policy

    service = Service.objects.select_related("agency", "current_version").filter(
        code=str(code or "").strip()[:32], active=True, current_version__isnull=False).first()
    if service is None:
        raise NotFound("خدمتی با این کد پیدا نشد.", field="service")
    policy.check_offered(service, office)
    return service


def visit_for(user, visit_id):
    """A visit of the user's own office, or NotFound (another office's visit is not there)."""
    from dabir.core.errors import NotFound

    from . import policy
    from .models import Visit

    staff = policy.staff_of(user)
    found = Visit.objects.filter(pk=visit_id, office_id=staff.office_id).first() if staff is not None else None
    if found is None:
        raise NotFound("این مراجعه در دفتر شما پیدا نشد.", field="visit")
    return found


def submission_for(user, submission_id):
    """One submission the user may see (policy.submissions_for), or NotFound: another office's is not there."""
    from dabir.core.errors import NotFound

    from . import policy

    found = policy.submissions_for(user).select_related(
        "office", "operator", "agency", "service", "visit", "payment", "request").filter(pk=submission_id).first()
    if found is None:
        raise NotFound("این ثبت در دفتر شما پیدا نشد.")
    return found


def submission_by_key(user, key: str):
    """The submission the user's office filed with this one-time key (the API's Idempotency-Key), or None."""
    from . import policy

    return policy.submissions_for(user).select_related(
        "office", "agency", "service", "payment").filter(key=key).first() if key else None


def day_submissions(user, day: dt.date | None = None, office=None):
    """The submissions the user may see made on a Tehran day (today by default), newest first."""
    from dabir.core.jalali import TEHRAN

    from . import policy

    start = dt.datetime.combine(day or today(), dt.time.min, tzinfo=TEHRAN)
    rows = policy.submissions_for(user).filter(created_at__gte=start, created_at__lt=start + dt.timedelta(days=1))
    if office is not None:
        rows = rows.filter(office=office)
    return rows.select_related("office", "service", "agency", "operator").order_by("-created_at", "-id")


# ---------------------------------------------------------------- fee schedules and the public finder (fees)


def previous_schedule(schedule: FeeSchedule) -> FeeSchedule | None:
    """The approved schedule a draft is compared with: the latest approved year before it."""
    return (FeeSchedule.objects.filter(state=FeeSchedule.State.APPROVED, year__lt=schedule.year)
            .order_by("-year").first())


def agency_fee(service) -> int:
    """The agency's own fee for filing `service` at a counter (its definition's counter channel)."""
    if not service.current_version_id:
        return 0
    return int(getattr(version_definition(service.current_version).fees, Channel.COUNTER, 0) or 0)


@dataclass(frozen=True)
class FeeRow:
    """One line of a schedule's table: the agency's fee, the counter's (None: not in the schedule), and the
    fee in the previous approved schedule (None: none there)."""

    service: object
    agency_fee_rials: int
    counter_fee_rials: int | None
    previous_rials: int | None

    @property
    def total_rials(self) -> int:
        return self.agency_fee_rials + (self.counter_fee_rials or 0)

    @property
    def change_percent(self):
        """The change from the previous fee in %, one decimal (None when there is nothing to compare)."""
        from decimal import ROUND_HALF_UP, Decimal

        if self.counter_fee_rials is None or not self.previous_rials:
            return None
        change = (Decimal(self.counter_fee_rials) - self.previous_rials) * 100 / self.previous_rials
        return change.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def schedule_rows(schedule: FeeSchedule, *, candidates: bool = False) -> list[FeeRow]:
    """The schedule's services, by agency and title; with `candidates` every outsourceable active service
    is listed too (the draft's edit table). Three queries whatever the number of services."""
    from dabir.desk.models import Service

    fees = dict(Fee.objects.filter(schedule=schedule).values_list("service_id", "counter_fee_rials"))
    before = previous_schedule(schedule)
    previous = dict(Fee.objects.filter(schedule=before).values_list("service_id", "counter_fee_rials")) \
        if before is not None else {}
    wanted = Service.objects.filter(pk__in=list(fees))
    if candidates:
        wanted = Service.objects.filter(pk__in=list(fees)) | Service.objects.filter(
            active=True, counter__outsourceable=True)
    services = wanted.select_related("agency", "current_version").order_by("agency__name", "title", "pk").distinct()
    return [FeeRow(service=s, agency_fee_rials=agency_fee(s), counter_fee_rials=fees.get(s.pk),
                   previous_rials=previous.get(s.pk)) for s in services]


def schedules_overview():
    """Every schedule, newest year first, with the number of services priced in it."""
    from django.db.models import Count

    return FeeSchedule.objects.select_related("approved_by", "based_on").annotate(services=Count("fees")) \
        .order_by("-year")


def finder_services():
    """The services a citizen can have filed at a counter: offered by their agency, active and published."""
    from dabir.desk.models import Service

    return (Service.objects.filter(active=True, current_version__isnull=False, counter__offered=True)
            .select_related("agency", "current_version").order_by("agency__name", "title"))


def active_offices(on: dt.date | None = None):
    """The offices whose licence is in force on `on` (today): active and not past their expiry date
    (the same rule as policy.is_active, as a query)."""
    from .models import LicenceState, Office

    return Office.objects.filter(state=LicenceState.ACTIVE, licence_expires_on__gte=on or today())


def finder_cities() -> list[tuple[str, str]]:
    """(province, city) of every city with an office in force, for the public finder's picker."""
    return list(active_offices().order_by("province", "city").values_list("province", "city").distinct())


def offices_offering(service, city: str = ""):
    """The offices in force that offer `service` (every office or those chosen), in a city if given."""
    from django.db.models import Q

    from .models import CounterService

    declared = CounterService.objects.filter(service=service, offered=True, service__active=True).first()
    if declared is None:
        return active_offices().none()
    found = active_offices()
    if not declared.all_offices:
        found = found.filter(Q(pk__in=declared.offices.values("pk")))
    if city:
        found = found.filter(city=city)
    return found.order_by("city", "name", "code")


# ---------------------------------------------------------------- the registry and outsourcing (registry)

EXPIRY_WARNING_DAYS = 30  # the registry's «about to expire» badge


def registry_offices(user, *, city: str = "", area: str = "", state: str = "", q: str = "", expiring: bool = False):
    """The offices of the regulator's provinces, filtered: city, area, licence state, text (name or code),
    and licences about to expire (active, within EXPIRY_WARNING_DAYS). Each row carries `days_left`."""
    from django.db.models import Q

    from dabir.core.errors import NotAllowed
    from dabir.core.text import to_latin_digits

    from . import policy
    from .models import Area, LicenceState, Office

    provinces = policy.regulated_provinces(user)
    if provinces == []:
        raise NotAllowed(policy.NOT_REGULATOR)
    rows = Office.objects.all() if provinces is None else Office.objects.filter(province__in=provinces)
    if city:
        rows = rows.filter(city=city)
    if area in Area.values:
        rows = rows.filter(area=area)
    if state in LicenceState.values:
        rows = rows.filter(state=state)
    text = (q or "").strip().replace("ي", "ی").replace("ك", "ک")
    if text:
        rows = rows.filter(Q(name__icontains=text) | Q(code__icontains=to_latin_digits(text))
                           | Q(licence_number__icontains=to_latin_digits(text)))
    if expiring:
        rows = rows.filter(state=LicenceState.ACTIVE,
                           licence_expires_on__lte=today() + dt.timedelta(days=EXPIRY_WARNING_DAYS))
    return rows.order_by("province", "city", "code")


def about_to_expire(office, on: dt.date | None = None) -> bool:
    """An active licence whose date is within EXPIRY_WARNING_DAYS (the registry's badge)."""
    from .models import LicenceState

    on = on or today()
    return office.state == LicenceState.ACTIVE and office.licence_expires_on <= on + dt.timedelta(
        days=EXPIRY_WARNING_DAYS)


def registry_cities(user) -> list[str]:
    """The cities of the regulator's offices, for the registry's filter."""
    from . import policy
    from .models import Office

    provinces = policy.regulated_provinces(user)
    rows = Office.objects.all() if provinces is None else Office.objects.filter(province__in=provinces or [])
    return list(rows.order_by("city").values_list("city", flat=True).distinct())


def registry_office(user, code):
    """One office by its code for its registry page (its regulator or its own manager), or NotFound."""
    from dabir.core.errors import NotFound
    from dabir.core.text import to_latin_digits

    from . import policy
    from .models import Office

    office = Office.objects.filter(code=to_latin_digits(str(code or "")).strip()[:16]).first()
    if office is None or not policy.can_see_registry_office(user, office):
        raise NotFound("این دفتر پیدا نشد یا در حوزه شما نیست.")
    return office


@dataclass(frozen=True)
class AgencyOutsourcing:
    agency: object
    services: int
    outsourceable: int
    offered: int

    @property
    def withheld(self) -> int:
        """Outsourceable services the agency has not offered at counters (seed 002's complaint)."""
        return self.outsourceable - self.offered


def outsourcing_summary(user) -> list[AgencyOutsourcing]:
    """Per agency: its active services, how many it declared outsourceable, how many it offers at counters.
    A regulator sees every agency with services; an agency admin their own agencies; others nothing."""
    from django.db.models import Count, Q

    from dabir.orgs.models import Agency

    from . import policy

    if policy.is_regulator(user):
        agencies = Agency.objects.all()
    else:
        agencies = policy.declarable_agencies(user)
    active = Q(services__active=True)
    rows = agencies.annotate(
        n_services=Count("services", filter=active, distinct=True),
        n_outsourceable=Count("services", filter=active & Q(services__counter__outsourceable=True), distinct=True),
        n_offered=Count("services", filter=active & Q(services__counter__offered=True), distinct=True),
    ).filter(n_services__gt=0).order_by("name")
    return [AgencyOutsourcing(agency=a, services=a.n_services, outsourceable=a.n_outsourceable, offered=a.n_offered)
            for a in rows]


def declarable_services(user, agency=None):
    """The services whose outsourcing the user declares, with their declaration (`counter`, or none yet)."""
    from dabir.desk.models import Service

    from . import policy

    agencies = policy.declarable_agencies(user)
    if agency is not None:
        agencies = agencies.filter(pk=getattr(agency, "pk", agency))
    return (Service.objects.filter(agency__in=agencies).select_related("agency", "counter")
            .order_by("agency__name", "title"))
