"""Fee schedules and the public finder of offices."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q

from dabir.core.jalali import today
from dabir.desk.definition import version_definition
from dabir.desk.models import Channel, Service

from ..models import CounterService, Fee, FeeSchedule, LicenceState, Office


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
    return FeeSchedule.objects.select_related("approved_by", "based_on").annotate(services=Count("fees")) \
        .order_by("-year")


def finder_services():
    """The services a citizen can have filed at a counter: offered by their agency, active and published."""
    return (Service.objects.filter(active=True, current_version__isnull=False, counter__offered=True)
            .select_related("agency", "current_version").order_by("agency__name", "title"))


def active_offices(on: dt.date | None = None):
    """The offices whose licence is in force on `on` (today): active and not past their expiry date
    (the same rule as policy.is_active, as a query)."""
    return Office.objects.filter(state=LicenceState.ACTIVE, licence_expires_on__gte=on or today())


def finder_cities() -> list[tuple[str, str]]:
    """(province, city) of every city with an office in force, for the public finder's picker."""
    return list(active_offices().order_by("province", "city").values_list("province", "city").distinct())


def offices_offering(service, city: str = ""):
    """The offices in force that offer `service` (every office or those chosen), in a city if given."""
    declared = CounterService.objects.filter(service=service, offered=True, service__active=True).first()
    if declared is None:
        return active_offices().none()
    found = active_offices()
    if not declared.all_offices:
        found = found.filter(Q(pk__in=declared.offices.values("pk")))
    if city:
        found = found.filter(city=city)
    return found.order_by("city", "name", "code")
