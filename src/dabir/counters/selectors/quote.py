"""The fee in force: what a citizen pays at a counter for a filing (the agency's fee and the office's)."""

import datetime as dt
from dataclasses import dataclass

from dabir.core.jalali import to_jalali, today
from dabir.desk.definition import version_definition
from dabir.desk.models import Channel

from ..models import Fee, FeeSchedule


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
