"""Working days on the Iranian calendar: Saturday–Wednesday (Thursday configurable), minus holidays."""

import datetime as dt

from .models import Holiday, is_weekend


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (start itself not counted).

    Holidays are read a window at a time, so a long closure only costs another query.
    """
    current, remaining = start, days
    while remaining > 0:
        window_end = current + dt.timedelta(days=remaining * 2 + 14)
        holidays = set(
            Holiday.objects.filter(date__gt=current, date__lte=window_end).values_list("date", flat=True)
        )
        while remaining > 0 and current < window_end:
            current += dt.timedelta(days=1)
            if not is_weekend(current) and current not in holidays:
                remaining -= 1
    return current


def is_working_day(day: dt.date) -> bool:
    return not is_weekend(day) and not Holiday.objects.filter(date=day).exists()
