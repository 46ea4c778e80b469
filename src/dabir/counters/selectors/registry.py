"""The registry of offices and the agencies' outsourcing."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q

from dabir.core.errors import NotAllowed, NotFound
from dabir.core.jalali import today
from dabir.core.text import to_latin_digits
from dabir.desk.models import Service
from dabir.orgs.models import Agency

from .. import policy
from ..models import Area, LicenceState, Office

EXPIRY_WARNING_DAYS = 30  # the registry's «about to expire» badge


def registry_offices(user, *, city: str = "", area: str = "", state: str = "", q: str = "", expiring: bool = False):
    """The offices of the regulator's provinces, filtered: city, area, licence state, text (name or code),
    and licences about to expire (active, within EXPIRY_WARNING_DAYS). Each row carries `days_left`."""
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
    on = on or today()
    return office.state == LicenceState.ACTIVE and office.licence_expires_on <= on + dt.timedelta(
        days=EXPIRY_WARNING_DAYS)


def registry_cities(user) -> list[str]:
    """The cities of the regulator's offices, for the registry's filter."""
    provinces = policy.regulated_provinces(user)
    rows = Office.objects.all() if provinces is None else Office.objects.filter(province__in=provinces or [])
    return list(rows.order_by("city").values_list("city", flat=True).distinct())


def registry_office(user, code):
    """One office by its code for its registry page (its regulator or its own manager), or NotFound."""
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
    agencies = policy.declarable_agencies(user)
    if agency is not None:
        agencies = agencies.filter(pk=getattr(agency, "pk", agency))
    return (Service.objects.filter(agency__in=agencies).select_related("agency", "counter")
            .order_by("agency__name", "title"))
