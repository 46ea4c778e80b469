"""Supervision periods: a Jalali month, quarter (three months from Farvardin) or year, as days.

A period's key is what URLs and forms carry: `1405-09` (Azar 1405), `1405-Q3` (the third quarter),
`1405` (the year). Persian digits and slashes are accepted.
"""

import datetime as dt
from dataclasses import dataclass

import jdatetime

from dabir.core.errors import DomainError
from dabir.core.jalali import MONTHS, to_jalali, today
from dabir.core.text import to_latin_digits, to_persian_digits

QUARTERS = ["بهار", "تابستان", "پاییز", "زمستان"]
BAD_PERIOD = "دوره را به شکل ۱۴۰۵-۰۹ (ماه)، ۱۴۰۵-Q3 (فصل) یا ۱۴۰۵ (سال) بنویسید."


def month_start(year: int, month: int) -> dt.date:
    return jdatetime.date(year, month, 1).togregorian()


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


@dataclass(frozen=True)
class Period:
    kind: str  # month | quarter | year
    year: int
    n: int = 0  # month 1–12 or quarter 1–4; 0 for a year

    @property
    def months(self) -> list[tuple[int, int]]:
        if self.kind == "month":
            return [(self.year, self.n)]
        if self.kind == "quarter":
            return [(self.year, m) for m in range(3 * self.n - 2, 3 * self.n + 1)]
        return [(self.year, m) for m in range(1, 13)]

    @property
    def start(self) -> dt.date:
        return month_start(*self.months[0])

    @property
    def end(self) -> dt.date:
        """The period's last day (inclusive)."""
        return month_start(*_next_month(*self.months[-1])) - dt.timedelta(days=1)

    @property
    def key(self) -> str:
        if self.kind == "month":
            return f"{self.year}-{self.n:02d}"
        if self.kind == "quarter":
            return f"{self.year}-Q{self.n}"
        return str(self.year)

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{MONTHS[self.n - 1]} {to_persian_digits(self.year)}"
        if self.kind == "quarter":
            return f"{QUARTERS[self.n - 1]} {to_persian_digits(self.year)}"
        return f"سال {to_persian_digits(self.year)}"

    @property
    def month_keys(self) -> list[int]:
        return [y * 100 + m for y, m in self.months]

    def previous(self) -> "Period":
        if self.kind == "year":
            return Period("year", self.year - 1)
        last = 12 if self.kind == "month" else 4
        return Period(self.kind, self.year - 1, last) if self.n == 1 else Period(self.kind, self.year, self.n - 1)

    def elapsed_end(self) -> dt.date:
        """The last day already lived (today for the running period)."""
        return min(self.end, today())


def current(kind: str = "month", on: dt.date | None = None) -> Period:
    j = to_jalali(on or today())
    if kind == "year":
        return Period("year", j.year)
    if kind == "quarter":
        return Period("quarter", j.year, (j.month - 1) // 3 + 1)
    return Period("month", j.year, j.month)


def parse(value, default: Period | None = None) -> Period:
    """A Period from its key; DomainError (Persian) for anything else. Empty gives `default` or this month."""
    text = to_latin_digits(str(value or "")).strip().upper().replace("/", "-").replace(" ", "")
    if not text:
        return default or current()
    year_text, _, rest = text.partition("-")
    if not (year_text.isascii() and year_text.isdigit() and len(year_text) == 4):
        raise DomainError(BAD_PERIOD, field="period")
    year = int(year_text)
    if not 1390 <= year <= 1500:
        raise DomainError("این سال در بازه سنجش نیست.", field="period")
    if not rest:
        return Period("year", year)
    if rest.startswith("Q") and rest[1:].isdigit() and 1 <= int(rest[1:]) <= 4:
        return Period("quarter", year, int(rest[1:]))
    if rest.isascii() and rest.isdigit() and 1 <= int(rest) <= 12:
        return Period("month", year, int(rest))
    raise DomainError(BAD_PERIOD, field="period")


def recent_months(count: int = 12, on: dt.date | None = None) -> list[Period]:
    """This month and the `count` − 1 before it, oldest first (the trend charts' axis)."""
    p = current("month", on)
    out = [p]
    for _ in range(count - 1):
        p = p.previous()
        out.append(p)
    return out[::-1]


def choices(on: dt.date | None = None, years: int = 2) -> list[Period]:
    """The periods a supervisor picks from: months, quarters and years of this and the last year(s)."""
    this = to_jalali(on or today())
    out: list[Period] = []
    for year in range(this.year, this.year - years, -1):
        last_month = this.month if year == this.year else 12
        out.append(Period("year", year))
        out += [Period("quarter", year, q) for q in range((last_month - 1) // 3 + 1, 0, -1)]
        out += [Period("month", year, m) for m in range(last_month, 0, -1)]
    return out
