"""API input types shared by every app: forgiving the way Iranian users type.

Ids, numbers and dates may carry Persian or Arabic digits, and a date field takes a Jalali date
(۱۴۰۵/۰۱/۱۵) as well as ISO 8601; every input schema derives from `In`, which refuses NUL.
Output is strict: ISO 8601 dates and Latin digits.
"""

import datetime as dt
from typing import Annotated, Any

from ninja import Schema
from pydantic import BeforeValidator, Field, WithJsonSchema, field_validator

from dabir.core.errors import DomainError
from dabir.core.jalali import TEHRAN, parse_date
from dabir.core.text import to_latin_digits

# ---------------------------------------------------------------- forgiving input types


def _latin_number(value: Any) -> Any:
    if isinstance(value, str):
        text = to_latin_digits(value).strip()
        if not text.lstrip("-").isdigit():
            raise ValueError("باید یک عدد باشد.")
        return text
    return value


def _latin_date(value: Any) -> Any:
    if value is None or isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return parse_date(value)
        except DomainError as exc:
            raise ValueError(exc.message) from None
    raise ValueError("تاریخ باید به شکل ۱۴۰۵/۰۱/۱۵ یا 2026-04-04 باشد.")


def _latin_datetime(value: Any) -> Any:
    """ISO 8601 date-time, or a Jalali date with an optional time (۱۴۰۵/۰۱/۱۵ ۱۰:۳۰), in Tehran time."""
    if value is None or isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str):
        raise ValueError("زمان باید به شکل ISO 8601 یا ۱۴۰۵/۰۱/۱۵ ۱۰:۳۰ باشد.")
    text = to_latin_digits(value).strip()
    if not text:
        return None
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=TEHRAN)
    except ValueError:
        pass
    date_part, _, time_part = text.partition(" ")
    try:
        day = parse_date(date_part)
    except DomainError as exc:
        raise ValueError(exc.message) from None
    hour = minute = 0
    if time_part.strip():
        try:
            hour, minute = (int(p) for p in time_part.strip().split(":")[:2])
            moment = dt.time(hour, minute)
        except ValueError:
            raise ValueError("ساعت نامعتبر است؛ آن را به شکل ۱۰:۳۰ وارد کنید.") from None
    else:
        moment = dt.time(0, 0)
    return dt.datetime.combine(day, moment, tzinfo=TEHRAN)


# Ids and counts: non-negative and within a database bigint, so no lookup can overflow.
LatinInt = Annotated[int, BeforeValidator(_latin_number), Field(ge=0, le=2**62)]
# What the document promises: ISO or Jalali, in any digits; an empty value is the same as none.
_DIGIT = "[0-9\u06f0-\u06f9\u0660-\u0669]"
DATE_PATTERN = f"^\\s*({_DIGIT}{{4}}[-/]{_DIGIT}{{1,2}}[-/]{_DIGIT}{{1,2}})?\\s*$"
JDate = Annotated[
    dt.date | None,
    BeforeValidator(_latin_date),
    WithJsonSchema({
        "anyOf": [{"type": "string", "pattern": DATE_PATTERN}, {"type": "null"}],
        "description": "تاریخ شمسی (۱۴۰۵/۰۱/۱۵) یا میلادی ISO (2026-04-04)؛ مقدار خالی یعنی بدون این شرط.",
    }),
]
JDateTime = Annotated[dt.datetime | None, BeforeValidator(_latin_datetime)]

Text = Annotated[str, Field(max_length=20000)]
ShortText = Annotated[str, Field(max_length=4000)]


def _no_nul(value: Any) -> Any:
    """NUL cannot be stored in a PostgreSQL text column: refuse it at the edge, on every database."""
    items = value if isinstance(value, list) else [value]
    if any(isinstance(v, str) and "\x00" in v for v in items):
        raise ValueError("متن نویسه نامعتبر (NUL) دارد.")
    return value


class In(Schema):
    """Base of every input schema."""

    @field_validator("*", mode="before")
    @classmethod
    def refuse_nul(cls, value):
        return _no_nul(value)


# ---------------------------------------------------------------- paging


class Page(Schema):
    total: int
    limit: int
    offset: int


# Every list of the API pages within these bounds (docs/api.md); beyond them is a Persian 422.
MAX_LIMIT = 200
MAX_OFFSET = 100_000


class PageQuery(In):
    limit: LatinInt = Field(50, ge=1, le=MAX_LIMIT, description=f"تعداد در هر صفحه، ۱ تا {MAX_LIMIT}")
    offset: LatinInt = Field(0, ge=0, le=MAX_OFFSET, description=f"چند مورد از آغاز رد شود، ۰ تا {MAX_OFFSET}")
