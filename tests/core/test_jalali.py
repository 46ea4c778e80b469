"""Typed Jalali dates, formatting, and the Jalali year in Tehran time."""

import datetime as dt
import re

import jdatetime
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dabir.core.errors import DomainError
from dabir.core.jalali import TEHRAN, format_date, format_datetime, format_long, jalali_year, parse_date

PERSIAN_LETTERS = re.compile("[\u0600-\u06ff]")


@pytest.mark.parametrize(
    "typed",
    [
        "۱۴۰۵/۰۱/۱۵",
        "1405/01/15",
        "1405-1-15",
        "1405.1.15",
        "١٤٠٥/٠١/١٥",
        " ۱۴۰۵ / ۱ / ۱۵ ",
        "2026-04-04",  # ISO Gregorian, told apart by its year
    ],
)
def test_parse_date_accepts_the_usual_spellings(typed):
    assert parse_date(typed) == dt.date(2026, 4, 4)


def test_parse_date_knows_the_first_of_farvardin():
    assert parse_date("1405/01/01") == jdatetime.date(1405, 1, 1).togregorian() == dt.date(2026, 3, 21)
    assert parse_date("1404/12/29") == dt.date(2026, 3, 20)


def test_leap_years_follow_jdatetime():
    # The cycle puts Esfand 30 in 1403 and 1408, not in 1404-1407.
    assert [y for y in range(1400, 1410) if jdatetime.date(y, 1, 1).isleap()] == [1403, 1408]
    assert parse_date("1403/12/30") == dt.date(2025, 3, 20)
    assert parse_date("1408/12/30") == jdatetime.date(1408, 12, 30).togregorian()


@pytest.mark.parametrize(
    "typed",
    [
        "1405/13/01",  # no thirteenth month
        "1405/00/10",
        "1405/01/00",
        "1405/01/32",
        "1405/07/31",  # the second half of the year has 30-day months
        "1405/12/31",  # Esfand never has 31 days
        "1405/12/30",  # nor 30 days in a common year
        "1404/12/30",
        "2026-02-30",  # nor does February, in the Gregorian form
        "2026-13-01",
    ],
)
def test_parse_date_rejects_days_not_in_the_calendar(typed):
    with pytest.raises(DomainError) as caught:
        parse_date(typed, field="sent_on")
    assert PERSIAN_LETTERS.search(caught.value.message)
    assert caught.value.field == "sent_on"
    assert caught.value.status == 400


@pytest.mark.parametrize(
    "typed",
    ["abc", "", "   ", "1405/01", "1405/01/15/3", "14050115", "۱۴۰۵-۰۱", "1405/x/15", "99999/01/01", "15/01/1405"],
)
def test_parse_date_rejects_what_is_not_a_date(typed):
    with pytest.raises(DomainError) as caught:
        parse_date(typed)
    assert PERSIAN_LETTERS.search(caught.value.message)
    assert "۱۴۰۵/۰۱/۱۵" in caught.value.message  # it shows the expected form
    assert caught.value.field == "date"


def test_parse_date_rejects_none():
    with pytest.raises(DomainError):
        parse_date(None)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_format_then_parse_round_trips(day):
    assert parse_date(format_date(day)) == day
    assert parse_date(format_date(day, persian=False)) == day


def test_formatting():
    day = dt.date(2026, 4, 4)
    assert format_date(day) == "۱۴۰۵/۰۱/۱۵"
    assert format_date(day, persian=False) == "1405/01/15"
    assert format_long(day) == "۱۵ فروردین ۱۴۰۵"
    assert format_date(None) == ""
    moment = dt.datetime(2026, 4, 4, 6, 0, tzinfo=dt.UTC)  # 09:30 in Tehran
    assert format_datetime(moment, persian=False) == "1405/01/15 09:30"
    assert format_date(dt.datetime(2026, 4, 4, 21, 0, tzinfo=dt.UTC), persian=False) == "1405/01/16"


def _nowruz_utc(year: int) -> dt.datetime:
    """Midnight of 1 Farvardin `year` in Tehran, as a UTC moment, from jdatetime's calendar."""
    first = jdatetime.date(year, 1, 1).togregorian()
    return dt.datetime.combine(first, dt.time.min, tzinfo=TEHRAN).astimezone(dt.UTC)


def test_jalali_year_switches_at_farvardin_midnight_in_tehran():
    boundary = _nowruz_utc(1405)
    # Iran keeps +03:30 all year since 2022: 1 Farvardin 1405 begins at 20:30 UTC on 20 March.
    assert boundary == dt.datetime(2026, 3, 20, 20, 30, tzinfo=dt.UTC)
    assert jalali_year(boundary - dt.timedelta(seconds=1)) == 1404
    assert jalali_year(boundary) == 1405
    assert jalali_year(dt.datetime(2026, 3, 20, 20, 29, 59, tzinfo=dt.UTC)) == 1404
    assert jalali_year(dt.datetime(2026, 3, 20, 20, 30, 0, tzinfo=dt.UTC)) == 1405


@pytest.mark.parametrize("year", [1403, 1404, 1406, 1408])
def test_jalali_year_switches_in_other_years(year):
    boundary = _nowruz_utc(year)
    assert jalali_year(boundary - dt.timedelta(microseconds=1)) == year - 1
    assert jalali_year(boundary) == year
    assert jalali_year(boundary.astimezone(TEHRAN)) == year


@given(
    st.one_of(
        st.text(max_size=30),
        st.from_regex(r"\s*\d{4}\s*[/\-.]\s*\d{1,2}\s*[/\-.]\s*\d{1,2}\s*", fullmatch=True),
    )
)
def test_parse_date_answers_any_text_with_a_date_or_a_domain_error(typed):
    try:
        result = parse_date(typed)
    except DomainError as error:
        assert PERSIAN_LETTERS.search(error.message)
    else:
        assert isinstance(result, dt.date)
