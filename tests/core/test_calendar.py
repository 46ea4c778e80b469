"""Working days: Saturday to Wednesday, Thursday when configured, never Friday or a Holiday row."""

import datetime as dt

import pytest

from dabir.core.calendar import add_working_days, is_working_day
from dabir.core.models import Holiday

# A plain week of Farvardin 1405, past the Nowruz days: Saturday 11 April 2026 to Friday 17 April.
SAT, SUN, MON, TUE, WED, THU, FRI = (dt.date(2026, 4, 11) + dt.timedelta(days=i) for i in range(7))
NEXT_SAT, NEXT_SUN = SAT + dt.timedelta(days=7), SUN + dt.timedelta(days=7)


def test_the_week_starts_on_saturday():
    assert SAT.weekday() == 5 and FRI.weekday() == 4


@pytest.mark.django_db
class TestAddWorkingDays:
    def test_counts_saturday_to_wednesday(self):
        assert add_working_days(SAT, 1) == SUN
        assert add_working_days(SAT, 4) == WED
        assert add_working_days(SAT, 0) == SAT

    def test_skips_thursday_and_friday(self, settings):
        settings.DABIR_THURSDAY_IS_WORKDAY = False
        assert add_working_days(WED, 1) == NEXT_SAT
        assert add_working_days(TUE, 2) == NEXT_SAT
        assert add_working_days(SAT, 5) == NEXT_SAT
        assert add_working_days(SAT, 10) == SAT + dt.timedelta(days=14)

    def test_start_day_is_not_counted_even_when_off(self, settings):
        settings.DABIR_THURSDAY_IS_WORKDAY = False
        assert add_working_days(THU, 1) == NEXT_SAT
        assert add_working_days(FRI, 1) == NEXT_SAT

    def test_thursday_counts_when_configured(self, settings):
        settings.DABIR_THURSDAY_IS_WORKDAY = True
        assert add_working_days(WED, 1) == THU
        assert add_working_days(THU, 1) == NEXT_SAT  # Friday is still off
        assert add_working_days(SAT, 6) == NEXT_SAT

    def test_skips_holidays(self, settings):
        settings.DABIR_THURSDAY_IS_WORKDAY = False
        Holiday.objects.create(date=NEXT_SAT, title="تعطیل آزمایشی")
        Holiday.objects.create(date=MON, title="تعطیل آزمایشی دوم")
        assert add_working_days(WED, 1) == NEXT_SUN
        assert add_working_days(SUN, 1) == TUE
        assert add_working_days(SAT, 4) == NEXT_SUN

    def test_a_holiday_on_a_weekend_costs_nothing_extra(self, settings):
        settings.DABIR_THURSDAY_IS_WORKDAY = False
        Holiday.objects.create(date=FRI, title="جمعه تعطیل")
        assert add_working_days(WED, 1) == NEXT_SAT

    def test_nowruz_holidays(self, settings):
        settings.DABIR_THURSDAY_IS_WORKDAY = False
        # 1 to 4 Farvardin 1405 are 21-24 March 2026 (Saturday to Tuesday).
        for day in range(21, 25):
            Holiday.objects.create(date=dt.date(2026, 3, day), title="نوروز")
        assert add_working_days(dt.date(2026, 3, 18), 1) == dt.date(2026, 3, 25)  # Wednesday to Wednesday

    def test_a_closure_longer_than_a_month(self, settings):
        settings.DABIR_THURSDAY_IS_WORKDAY = False
        closure = [SAT + dt.timedelta(days=i) for i in range(1, 50)]
        Holiday.objects.bulk_create([Holiday(date=d, title="تعطیلی") for d in closure])
        result = add_working_days(SAT, 1)
        assert result > closure[-1]
        assert is_working_day(result)


@pytest.mark.django_db
def test_is_working_day(settings):
    settings.DABIR_THURSDAY_IS_WORKDAY = False
    Holiday.objects.create(date=MON, title="تعطیل")
    assert [is_working_day(d) for d in (SAT, SUN, MON, TUE, WED, THU, FRI)] == [
        True, True, False, True, True, False, False,
    ]
    settings.DABIR_THURSDAY_IS_WORKDAY = True
    assert is_working_day(THU)
    assert not is_working_day(FRI)
