"""The citizen's public finder (/counters/find/, no sign-in) against the real database: only offices whose
licence is in force and that offer the service are listed (every office or the chosen ones), by city;
the fee shown is the schedule in force; bad input gets a Persian message and a 400, never a 500."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from dabir.core.jalali import today
from dabir.counters.models import CounterService, LicenceState

from .conftest import make_office
from .test_fees import another_service

pytestmark = pytest.mark.django_db

URL = "/counters/find/"


def codes(response) -> list[str]:
    return [o.code for o in response.context["offices"]]


@pytest.fixture
def town(counter):
    """The conftest's office in Ahvaz plus: another in Ahvaz with a map location, one in Dezful, a suspended
    one, one whose licence expired yesterday (not yet swept), one revoked."""
    make_office("21002", name="دفتر کیانپارس", latitude=Decimal("31.318700"), longitude=Decimal("48.670600"),
                phone="061-33334444", hours="شنبه تا پنجشنبه ۸ تا ۱۸")
    make_office("21003", name="دفتر دزفول", city="دزفول", area="rural")
    make_office("21004", name="دفتر معلق", state=LicenceState.SUSPENDED, state_reason="بازرسی")
    make_office("21005", name="دفتر منقضی", licence_expires_on=today() - dt.timedelta(days=1))
    make_office("21006", name="دفتر لغوشده", city="دزفول", state=LicenceState.REVOKED)
    return counter


def test_the_finder_needs_no_sign_in_and_fits_a_phone(client, town):
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="viewport"' in html and town.service.title in html
    assert reverse("counters:find") == URL
    # the city picker lists cities with an office in force only
    assert [c for _, c in page.context["cities"]] == ["اهواز", "دزفول"]


def test_suspended_expired_and_revoked_offices_are_left_out(client, town):
    page = client.get(URL, {"service": town.service.code})
    assert page.status_code == 200
    assert codes(page) == ["21001", "21002", "21003"]  # by city, then name
    html = page.content.decode()
    for hidden in ("دفتر معلق", "دفتر منقضی", "دفتر لغوشده"):
        assert hidden not in html
    assert "openstreetmap.org/?mlat=31.318700&amp;mlon=48.670600" in html
    assert "061-33334444" in html and "شنبه تا پنجشنبه ۸ تا ۱۸" in html and "روستایی" in html


def test_city_filter(client, town):
    page = client.get(URL, {"service": town.service.code, "city": "دزفول"})
    assert codes(page) == ["21003"]
    # spaces around the name (a hand-made link) still find the city
    page = client.get(URL, {"service": town.service.code, "city": "  اهواز "})
    assert codes(page) == ["21001", "21002"]


def test_fee_shown_is_the_schedule_in_force(client, town):
    town.service.current_version.definition["fees"] = {"counter": 100_000}
    town.service.current_version.save()
    page = client.get(URL, {"service": town.service.code})
    quote = page.context["quote"]
    assert (quote.agency_fee_rials, quote.counter_fee_rials, quote.total_rials) == (100_000, 25_000, 125_000)
    html = page.content.decode()
    assert "۱۲۵٬۰۰۰" in html and "۲۵٬۰۰۰" in html and "۱۰۰٬۰۰۰" in html


def test_a_service_offered_at_chosen_offices_only(client, town):
    declared = CounterService.objects.get(service=town.service)
    declared.all_offices = False
    declared.save()
    declared.offices.set([town.office, *type(town.office).objects.filter(code__in=["21003", "21004"])])
    page = client.get(URL, {"service": town.service.code})
    assert codes(page) == ["21001", "21003"]  # 21004 is chosen but suspended


def test_services_not_offered_are_not_listed_and_not_found(client, town):
    kept = another_service(town.world, code="kept-at-agency", title="خدمت نگه‌داشته", outsourceable=False)
    declared = another_service(town.world, code="outsourceable-only", title="خدمت قابل واگذاری")
    CounterService.objects.filter(service=declared).update(offered=False)
    page = client.get(URL)
    listed = [s.code for s in page.context["services"]]
    assert town.service.code in listed and kept.code not in listed and declared.code not in listed
    for code in (kept.code, declared.code):
        refused = client.get(URL, {"service": code})
        assert refused.status_code == 400 and refused.context["offices"] is None
        assert "در دفاتر پیشخوان ارائه نمی‌شود" in refused.content.decode()


@pytest.mark.parametrize("params, message", [
    ({"service": "no-such-service"}, "در دفاتر پیشخوان ارائه نمی‌شود"),
    ({"service": "x" * 500}, "در دفاتر پیشخوان ارائه نمی‌شود"),
    ({"service": "a\x00b"}, "در دفاتر پیشخوان ارائه نمی‌شود"),
    ({"service": "<script>"}, "در دفاتر پیشخوان ارائه نمی‌شود"),
    ({"city": "آتلانتیس"}, "دفتر پیشخوان فعالی نیست"),
])
def test_bad_input_gets_a_persian_message_not_a_500(client, town, params, message):
    page = client.get(URL, params)
    assert page.status_code == 400
    html = page.content.decode()
    assert message in html and "<script>" not in html


def test_an_inactive_service_disappears(client, town):
    town.service.active = False
    town.service.save()
    assert client.get(URL, {"service": town.service.code}).status_code == 400
