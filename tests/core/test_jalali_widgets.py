"""The Jalali date inputs: this year's example in the placeholder, the picker's data attributes (with
the day bounds worked out when the page is drawn), typed dates in Persian, Arabic or Latin digits,
Persian refusals outside the bounds, and the picker on the pages' and the admin's date fields."""

import datetime as dt
import re

import pytest
from django import forms
from django.template import Context, Template

from dabir.core import jalali
from dabir.core.jalali_forms import (
    JalaliDateField,
    JalaliDateTimeField,
    example_date,
    picker_attrs,
    resolve_bound,
)
from dabir.core.models import Holiday
from dabir.core.text import to_persian_digits


def attrs_of(html: str, name: str) -> dict:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
    return dict(re.findall(r'([\w-]+)="([^"]*)"', tag)) | {k: "" for k in re.findall(r"\s([\w-]+)(?=[\s>])", tag)}


def jalali_year(day: dt.date) -> int:
    return jalali.to_jalali(day).year


@pytest.fixture
def on_day(monkeypatch):
    """Move «today» (Tehran) to a chosen day for the code under test."""
    def move(day: dt.date):
        monkeypatch.setattr(jalali, "today", lambda: day)
        return day
    return move


class Booking(forms.Form):
    day = JalaliDateField(label="روز", min_date="today", max_date="today+30")
    at = JalaliDateTimeField(label="زمان", required=False)
    any_day = JalaliDateField(label="هر روز", required=False)


def test_placeholder_example_is_in_the_current_jalali_year_not_a_fixed_one(on_day):
    for day in (dt.date(2026, 12, 5), dt.date(2031, 4, 10)):
        on_day(day)
        year = to_persian_digits(jalali_year(day))
        assert example_date() == f"{year}/۰۱/۱۵"
        html = str(Booking()["day"])
        assert f'placeholder="مثلاً {year}/۰۱/۱۵"' in html
        assert f'placeholder="مثلاً {year}/۰۱/۱۵ ۰۸:۳۰"' in str(Booking()["at"])


def test_widgets_carry_the_pickers_data_attributes(on_day):
    on_day(dt.date(2026, 12, 5))  # 1405/09/14
    form = Booking()
    day = attrs_of(str(form["day"]), "day")
    assert "data-jdp" in day and "data-jdp-only-date" in day
    assert day["data-jdp-min-date"] == "1405/09/14" and day["data-jdp-max-date"] == "1405/10/14"
    assert day["dir"] == "ltr" and day["inputmode"] == "numeric" and day["autocomplete"] == "off"
    at = attrs_of(str(form["at"]), "at")
    assert "data-jdp" in at and "data-jdp-only-date" not in at  # the picker offers the time too
    free = attrs_of(str(form["any_day"]), "any_day")
    assert "data-jdp" in free and "data-jdp-min-date" not in free and "data-jdp-max-date" not in free


def test_bounds_follow_the_day_the_page_is_drawn_not_the_day_the_form_was_defined(on_day):
    on_day(dt.date(2026, 12, 5))
    form = Booking()
    first = attrs_of(str(form["day"]), "day")["data-jdp-min-date"]
    on_day(dt.date(2026, 12, 6))
    second = attrs_of(str(Booking()["day"]), "day")["data-jdp-min-date"]
    assert (first, second) == ("1405/09/14", "1405/09/15")


@pytest.mark.parametrize("typed", ["۱۴۰۵/۰۹/۲۰", "1405/09/20", "١٤٠٥/٠٩/٢٠", "1405-9-20", " ۱۴۰۵.۰۹.۲۰ "])
def test_typing_still_works_in_any_digits(on_day, typed):
    on_day(dt.date(2026, 12, 5))
    form = Booking({"day": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["day"] == dt.date(2026, 12, 11)


@pytest.mark.parametrize("typed, message", [
    ("۱۴۰۵/۰۹/۱۳", "این تاریخ نمی‌تواند پیش از امروز باشد."),
    ("۱۴۰۵/۱۰/۱۵", "این تاریخ نمی‌تواند پس از ۱۴۰۵/۱۰/۱۴ باشد."),
    ("۱۴۰۵/۱۳/۰۱", "تاریخ"),
    ("فردا", "تاریخ"),
])
def test_days_outside_the_bounds_and_bad_dates_are_refused_in_persian(on_day, typed, message):
    on_day(dt.date(2026, 12, 5))
    form = Booking({"day": typed})
    assert not form.is_valid()
    error = form.errors["day"][0]
    assert message in error and re.search("[آ-ی]", error)
    assert f'value="{typed}"' in str(form["day"])  # what was typed is shown back


def test_resolve_bound_spellings(on_day):
    on_day(dt.date(2026, 12, 5))
    assert resolve_bound("today") == dt.date(2026, 12, 5)
    assert resolve_bound("today+7") == dt.date(2026, 12, 12)
    assert resolve_bound("TODAY - 30") == dt.date(2026, 11, 5)
    assert resolve_bound("۱۴۰۵/۰۱/۰۱") == resolve_bound("1405/01/01") == dt.date(2026, 3, 21)
    assert resolve_bound(None) is None and resolve_bound("") is None
    for bad in ("yesterday", "today+", "1405/13/01", "today*2"):
        with pytest.raises(ValueError):
            resolve_bound(bad)


def test_picker_attrs_spell_days_in_latin_digits_for_the_picker(on_day):
    on_day(dt.date(2026, 3, 21))
    assert picker_attrs(min_date="today", max_date="today+9") == {
        "data-jdp": "", "data-jdp-only-date": "", "data-jdp-min-date": "1405/01/01", "data-jdp-max-date": "1405/01/10",
    }


def test_datepicker_tag_for_hand_written_inputs(on_day):
    on_day(dt.date(2026, 12, 5))
    html = Template('{% load datepicker %}<input name="since" {% datepicker_attrs max_date="today" %}>'
                    '<p>{% jalali_example %}</p><p>{% date_bounds_text "today+1" "today+90" %}</p>').render(Context())
    since = attrs_of(html, "since")
    assert "data-jdp" in since and since["data-jdp-max-date"] == "1405/09/14"
    assert since["placeholder"] == "مثلاً ۱۴۰۵/۰۱/۱۵"
    later = jalali.format_date(dt.date(2026, 12, 5) + dt.timedelta(days=90))
    assert "<p>۱۴۰۵/۰۱/۱۵</p>" in html and f"<p>از ۱۴۰۵/۰۹/۱۵ تا {later}</p>" in html


@pytest.mark.django_db
def test_letters_date_fields_get_the_picker_through_their_widget(on_day):
    from dabir.letters.forms import FirstReferralForm, SearchForm

    on_day(dt.date(2026, 12, 5))
    deadline = attrs_of(str(FirstReferralForm()["refer_deadline"]), "refer_deadline")
    assert "data-jdp" in deadline and deadline["data-jdp-min-date"] == "1405/09/14"  # no deadline in the past
    assert deadline["class"] == "form-control jalali-date" and deadline["placeholder"] == "مثلاً ۱۴۰۵/۰۱/۱۵"
    since = attrs_of(str(SearchForm()["date_from"]), "date_from")
    assert "data-jdp" in since and "data-jdp-min-date" not in since


@pytest.mark.django_db
def test_staff_pages_load_the_picker_and_its_fields_carry_it(client, world):
    client.force_login(world.clerk)
    page = client.get("/search/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "vendor/jalalidatepicker/jalalidatepicker.min.js" in html and "dabir/datepicker.js" in html
    assert "vendor/jalalidatepicker/jalalidatepicker.min.css" in html
    assert re.search(r'<input[^>]*name="date_from"[^>]*data-jdp', html)
    assert "<script>" not in html  # strict CSP: the picker starts from a static file


@pytest.mark.django_db
def test_admin_date_fields_take_jalali_and_carry_the_picker(admin_client):
    page = admin_client.get("/admin/core/holiday/add/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "dabir/datepicker.js" in html and "vendor/jalalidatepicker/jalalidatepicker.min.js" in html
    date = attrs_of(html, "date")
    assert "data-jdp" in date and "data-jdp-only-date" in date
    assert date["placeholder"].startswith("مثلاً " + to_persian_digits(jalali_year(jalali.today())))
    saved = admin_client.post("/admin/core/holiday/add/", {"date": "۱۴۰۵/۰۱/۱۲", "title": "روز جمهوری اسلامی"})
    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert Holiday.objects.get(title="روز جمهوری اسلامی").date == dt.date(2026, 4, 1)
    bad = admin_client.post("/admin/core/holiday/add/", {"date": "۱۴۰۵/۱۳/۴۰", "title": "نادرست"})
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()
    assert not Holiday.objects.filter(title="نادرست").exists()
