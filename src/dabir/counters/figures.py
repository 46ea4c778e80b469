"""An office's figures for a Jalali month (reads only): the manager's page and the regulator's overview.

Each figure is one aggregate query grouped by office, for one office or a whole province alike (no query
per office). What each counts, for the month M (Tehran time):
- requests, letters  the office's submissions created in M, by kind (cancelled ones left out);
- fees collected     the paid submissions whose settlement month is M (Submission.month — the same figure as
                     the month's statement): the agency part and the office's own part;
- handling time      the office's desk requests finished in M: the average of finished_at − submitted_at;
- rating             the desk ratings given in M to the office's requests: their number and average score;
- complaints         OfficeComplaint rows filed in M about the office, and how many of them were upheld.
"""

import datetime as dt
from dataclasses import dataclass, field

import jdatetime
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, Sum

from dabir.core.errors import DomainError
from dabir.core.jalali import MONTHS, TEHRAN, to_jalali, today
from dabir.core.text import to_latin_digits, to_persian_digits
from dabir.desk.models import Rating, ServiceRequest

from .models import OfficeComplaint, Submission


def this_month() -> int:
    j = to_jalali(today())
    return j.year * 100 + j.month


def parse_month(value) -> int:
    """A Jalali month as YYYYMM from 140509, ۱۴۰۵۰۹, 1405/09 or 1405-9; DomainError otherwise."""
    text = to_latin_digits(str(value or "")).strip().replace("/", "-")
    if "-" in text:
        year, _, month = text.partition("-")
    else:
        year, month = text[:4], text[4:]
    if not (year.isascii() and year.isdigit() and month.isascii() and month.isdigit()) or len(year) != 4:
        raise DomainError("ماه را به شکل ۱۴۰۵/۰۹ برگزینید.", field="month")
    year, month = int(year), int(month)
    if not 1 <= month <= 12 or not 1390 <= year <= 1500:
        raise DomainError("این ماه در تقویم نیست.", field="month")
    return year * 100 + month


def month_label(month: int) -> str:
    year, m = divmod(month, 100)
    return f"{MONTHS[m - 1]} {to_persian_digits(year)}"


def recent_months(count: int = 12) -> list[int]:
    """This month and the `count` − 1 before it, newest first."""
    year, month = divmod(this_month(), 100)
    out = []
    for _ in range(count):
        out.append(year * 100 + month)
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out


def month_bounds(month: int) -> tuple[dt.datetime, dt.datetime]:
    """The month's first moment and the next month's, in Tehran time."""
    year, m = divmod(month, 100)
    first = jdatetime.date(year, m, 1).togregorian()
    after = jdatetime.date(year + 1, 1, 1).togregorian() if m == 12 else jdatetime.date(year, m + 1, 1).togregorian()
    return (dt.datetime.combine(first, dt.time.min, tzinfo=TEHRAN),
            dt.datetime.combine(after, dt.time.min, tzinfo=TEHRAN))


@dataclass
class Figures:
    office: object
    requests: int = 0
    letters: int = 0
    agency_rials: int = 0
    office_rials: int = 0
    finished: int = 0
    handling: dt.timedelta | None = None
    ratings: int = 0
    rating: float | None = None
    complaints: int = 0
    upheld: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def collected_rials(self) -> int:
        return self.agency_rials + self.office_rials


def _by_office(rows, key: str) -> dict:
    return {row.pop(key): row for row in rows}


def figures(offices, month: int) -> list[Figures]:
    """The figures of every office in `offices` (a queryset) for the Jalali month (YYYYMM): five queries."""
    start, end = month_bounds(month)
    offices = list(offices)
    ids = [o.pk for o in offices]
    filed = _by_office(
        Submission.objects.filter(office_id__in=ids, created_at__gte=start, created_at__lt=end)
        .exclude(state=Submission.State.CANCELLED).values("office_id")
        .annotate(requests=Count("pk", filter=Q(kind=Submission.Kind.REQUEST)),
                  letters=Count("pk", filter=Q(kind=Submission.Kind.LETTER))).order_by(), "office_id")
    paid = _by_office(
        Submission.objects.filter(office_id__in=ids, state=Submission.State.PAID, month=month).values("office_id")
        .annotate(agency=Sum("agency_fee_rials"), own=Sum("counter_fee_rials")).order_by(), "office_id")
    took = ExpressionWrapper(F("finished_at") - F("submitted_at"), output_field=DurationField())
    handled = _by_office(
        ServiceRequest.objects.filter(counter__office_id__in=ids, finished_at__gte=start, finished_at__lt=end)
        .values("counter__office_id").annotate(n=Count("pk"), avg=Avg(took)).order_by(), "counter__office_id")
    rated = _by_office(
        Rating.objects.filter(request__counter__office_id__in=ids, at__gte=start, at__lt=end)
        .values("request__counter__office_id").annotate(n=Count("pk"), avg=Avg("score")).order_by(),
        "request__counter__office_id")
    complained = _by_office(
        OfficeComplaint.objects.filter(office_id__in=ids, created_at__gte=start, created_at__lt=end)
        .values("office_id").annotate(n=Count("pk"), upheld=Count("pk", filter=Q(verdict=OfficeComplaint.Verdict.UPHELD)))
        .order_by(), "office_id")
    out = []
    for office in offices:
        f = Figures(office=office)
        if row := filed.get(office.pk):
            f.requests, f.letters = row["requests"], row["letters"]
        if row := paid.get(office.pk):
            f.agency_rials, f.office_rials = int(row["agency"] or 0), int(row["own"] or 0)
        if row := handled.get(office.pk):
            f.finished, f.handling = row["n"], _duration(row["avg"])
        if row := rated.get(office.pk):
            f.ratings, f.rating = row["n"], round(float(row["avg"]), 2) if row["avg"] is not None else None
        if row := complained.get(office.pk):
            f.complaints, f.upheld = row["n"], row["upheld"]
        out.append(f)
    return out


def _duration(value) -> dt.timedelta | None:
    """Avg over a duration: a timedelta on PostgreSQL, microseconds on SQLite (as Django hands them)."""
    if value is None or isinstance(value, dt.timedelta):
        return value
    return dt.timedelta(microseconds=float(value))


def office_figures(office, month: int) -> Figures:
    from .models import Office

    return figures(Office.objects.filter(pk=office.pk), month)[0]


SORTS = {
    "code": lambda f: f.office.code, "name": lambda f: f.office.name, "city": lambda f: f.office.city,
    "requests": lambda f: f.requests, "letters": lambda f: f.letters, "agency": lambda f: f.agency_rials,
    "own": lambda f: f.office_rials, "collected": lambda f: f.collected_rials, "handling": lambda f: f.handling,
    "rating": lambda f: f.rating, "complaints": lambda f: f.complaints, "upheld": lambda f: f.upheld,
}


def sort_figures(rows: list[Figures], sort: str) -> tuple[list[Figures], str]:
    """Rows sorted by a column of SORTS («-» first for descending); empty values last either way. An unknown
    column sorts by office code."""
    descending = sort.startswith("-")
    column = sort.lstrip("-")
    if column not in SORTS:
        column, descending = "code", False
    key = SORTS[column]
    present = [r for r in rows if key(r) is not None]
    missing = [r for r in rows if key(r) is None]
    present.sort(key=lambda r: r.office.code)
    present.sort(key=key, reverse=descending)  # stable: ties stay by office code
    return present + missing, ("-" if descending else "") + column
