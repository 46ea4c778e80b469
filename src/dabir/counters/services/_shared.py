"""What several counter services share: settlement months and the citizen's SMS."""

import datetime as dt

from django.utils import timezone

from dabir.core.jalali import persian, to_jalali

from ..models import SettlementClose


def jalali_month(day: dt.date) -> int:
    """A day's Jalali month as YYYYMM (what settlement groups by)."""
    j = to_jalali(day)
    return j.year * 100 + j.month


def next_month(month: int) -> int:
    year, m = divmod(month, 100)
    return (year + 1) * 100 + 1 if m == 12 else year * 100 + m + 1


def open_month(province: str, day: dt.date) -> int:
    """The month a payment made on `day` settles in: that day's month, or the first month after it the
    regulator has not closed (a payment confirmed after its month was closed goes to the next open one)."""
    month = jalali_month(day)
    closed = set(SettlementClose.objects.filter(province=province, month__gte=month).values_list("month", flat=True))
    while month in closed:
        month = next_month(month)
    return month


def local_day(at: dt.datetime | None = None) -> dt.date:
    return timezone.localtime(at or timezone.now()).date()


def sms(*, mobile: str, text: str, kind: str, related: str) -> None:
    from dabir.notify.services import queue_sms

    queue_sms(mobile=mobile, text=persian(text), kind=kind, related=related)
