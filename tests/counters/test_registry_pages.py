"""The registry and outsourcing pages through Django's test client: what each role sees, the forms, and
bad input answered on the form (status 400, a Persian message) with nothing written."""

import datetime as dt
import re

import pytest

from dabir.core.jalali import format_date, today
from dabir.core.models import AuditEntry
from dabir.counters.models import CounterService, Office, OfficeEvent, Regulator, Renewal, Staff
from dabir.orgs.services import make_agency_admin
from tests.factories import make_user

from .conftest import make_office, make_staff
from .test_registry import legal_id

pytestmark = pytest.mark.django_db


def body(answer) -> str:
    return answer.content.decode()


@pytest.fixture
def regulator(client, counter):
    client.force_login(counter.regulator)
    return client


def test_registry_lists_the_provinces_offices_with_filters_and_the_expiry_badge(regulator, counter):
    soon = make_office("21050", name="دفتر رو به انقضا", city="دزفول", area="rural",
                       licence_expires_on=today() + dt.timedelta(days=10))
    make_office("21051", name="دفتر تهران", province="تهران", city="تهران")
    page = body(regulator.get("/counters/registry/"))
    assert "دفتر پیشخوان آزمون" in page and "دفتر رو به انقضا" in page and "دفتر تهران" not in page
    assert format_date(soon.licence_expires_on) in page  # Jalali, Persian digits
    row = re.search(r'<tr data-code="21050".*?</tr>', page, re.S).group(0)
    assert "رو به انقضا: ۱۰ روز" in row
    assert "expiring-badge" not in re.search(r'<tr data-code="21001".*?</tr>', page, re.S).group(0)
    assert 'id="outsourcing-summary"' in page and counter.world.agency.name in page
    # filters: city, area, state, text, about to expire
    assert "دفتر پیشخوان آزمون" not in body(regulator.get("/counters/registry/?city=دزفول"))
    assert "دفتر رو به انقضا" not in body(regulator.get("/counters/registry/?area=urban"))
    assert "دفتر رو به انقضا" in body(regulator.get("/counters/registry/?q=انقضا"))
    assert "دفتر رو به انقضا" in body(regulator.get("/counters/registry/?q=۲۱۰۵۰"))
    expiring = body(regulator.get("/counters/registry/?expiring=on"))
    assert "دفتر رو به انقضا" in expiring and "دفتر پیشخوان آزمون" not in expiring
    assert "no-offices" in body(regulator.get("/counters/registry/?state=revoked"))
    assert regulator.get("/counters/registry/?state=nonsense&page=abc").status_code == 200


def test_registry_is_the_regulators_only(client, counter):
    for user in (counter.operator, counter.manager, make_user("plain")):
        client.force_login(user)
        answer = client.get("/counters/registry/")
        assert answer.status_code == 403 and "ناظر" in body(answer)
        assert client.get("/counters/registry/new/").status_code == 403


def test_nav_and_home_show_the_registry_to_the_regulator(regulator):
    home = body(regulator.get("/counters/"))
    assert 'href="/counters/registry/"' in home and 'id="card-registry"' in home


def test_create_an_office_through_the_form(regulator, counter):
    form = {"code": "۲۱۰۶۰", "name": "دفتر پیشخوان شادگان", "area": "rural", "city": "شادگان",
            "address": "شادگان، میدان امام", "licence_number": "KH-2106", "holder_kind": "legal",
            "holder_name": "شرکت پیشخوان شادگان", "holder_id": legal_id(),
            "licence_issued_on": format_date(today() - dt.timedelta(days=30)),
            "licence_expires_on": format_date(today() + dt.timedelta(days=700)), "licence_value_rials": "۳۰۰٬۰۰۰٬۰۰۰"}
    answer = regulator.post("/counters/registry/new/", form)
    assert answer.status_code == 302 and answer["Location"] == "/counters/registry/21060/"
    office = Office.objects.get(code="21060")
    assert office.province == "خوزستان" and office.licence_value_rials == 300_000_000
    page = body(regulator.get(answer["Location"]))
    assert "ثبت شد" in page and "دفتر پیشخوان شادگان" in page and 'id="history"' in page and "ثبت دفتر" in page


@pytest.mark.parametrize("change, message", [
    ({"holder_id": "1234567890"}, "کد ملی دارنده"),
    ({"licence_expires_on": "۱۴۰۰/۰۱/۰۱"}, "پس از تاریخ صدور"),
    ({"code": "21001"}, "پیش‌تر ثبت شده"),
    ({"latitude": "۱۰۰", "longitude": "۴۸"}, "میان"),
])
def test_bad_office_form_is_answered_on_the_form_and_nothing_is_written(regulator, counter, change, message):
    form = {"code": "21061", "name": "دفتر نو", "area": "urban", "city": "اهواز", "address": "اهواز",
            "licence_number": "KH-9", "holder_kind": "natural", "holder_name": "کسی", "holder_id": "1234567891",
            "licence_issued_on": format_date(today() - dt.timedelta(days=3)),
            "licence_expires_on": format_date(today() + dt.timedelta(days=300)), **change}
    before = Office.objects.count(), AuditEntry.objects.count()
    answer = regulator.post("/counters/registry/new/", form)
    assert answer.status_code == 400 and message in body(answer) and "is-invalid" in body(answer)
    assert (Office.objects.count(), AuditEntry.objects.count()) == before


def test_office_page_edit_and_state_change(regulator, counter):
    url = "/counters/registry/21001/"
    page = body(regulator.get(url))
    assert 'id="state-form"' in page and 'id="staff-form"' in page and "office.operator" in page
    edit = body(regulator.get(url + "edit/"))
    assert 'value="دفتر پیشخوان آزمون"' in edit and "holder_id" not in edit
    answer = regulator.post(url + "edit/", {"code": "21001", "name": "دفتر پیشخوان آزادی", "area": "urban",
                                            "city": "اهواز", "address": "اهواز، آزادی", "hours": counter.office.hours,
                                            "licence_number": "L-21001",
                                            "licence_issued_on": format_date(counter.office.licence_issued_on),
                                            "licence_value_rials": "500000000"})
    assert answer.status_code == 302
    assert set(OfficeEvent.objects.get(kind="edited").changes) == {"name", "address"}
    # suspend without a reason: refused on the form
    answer = regulator.post(url + "state/", {"state": "suspended", "reason": ""})
    assert answer.status_code == 400 and "علت را وارد کنید" in body(answer)
    assert Office.objects.get(pk=counter.office.pk).state == "active"
    answer = regulator.post(url + "state/", {"state": "suspended", "reason": "بازرسی"})
    assert answer.status_code == 302
    page = body(regulator.get(url))
    assert 'id="office-blocked"' in page and "بازرسی" in page and "تغییر وضعیت پروانه" in page


def test_renewal_shows_the_fee_then_confirms(regulator, counter):
    url = "/counters/registry/21001/renew/"
    new_expiry = format_date(counter.office.licence_expires_on + dt.timedelta(days=365))
    answer = regulator.post(url, {"new_expiry": new_expiry, "licence_value_rials": "۶۰۰٬۰۰۰٬۰۰۰"})
    page = body(answer)
    assert answer.status_code == 200 and 'id="renew-quote"' in page and "۶۰٬۰۰۰٬۰۰۰" in page
    assert not Renewal.objects.exists()  # shown, not written
    confirm = re.search(r'name="confirm" value="(\d+)"', page).group(1)
    answer = regulator.post(url, {"new_expiry": new_expiry, "licence_value_rials": "۶۰۰٬۰۰۰٬۰۰۰", "confirm": confirm,
                                  "payment_reference": "55"})
    assert answer.status_code == 302
    renewal = Renewal.objects.get()
    assert renewal.fee_rials == 60_000_000 and renewal.payment_reference == "55"
    office_page = body(regulator.get("/counters/registry/21001/"))
    assert "۶۰٬۰۰۰٬۰۰۰" in office_page and "۱۰٪" in office_page and "E+" not in office_page


def test_renewal_confirmed_for_another_fee_is_shown_again_not_written(regulator, counter):
    url = "/counters/registry/21001/renew/"
    new_expiry = format_date(counter.office.licence_expires_on + dt.timedelta(days=365))
    # the page showed 50,000,000 for the stored value; the value was changed before confirming
    answer = regulator.post(url, {"new_expiry": new_expiry, "licence_value_rials": "700000000",
                                  "confirm": "50000000"})
    assert answer.status_code == 200 and "۷۰٬۰۰۰٬۰۰۰" in body(answer) and not Renewal.objects.exists()


def test_bad_renewal_is_answered_on_the_form(regulator, counter):
    answer = regulator.post("/counters/registry/21001/renew/", {"new_expiry": format_date(today())})
    assert answer.status_code == 400 and "پس از انقضای کنونی" in body(answer)
    answer = regulator.post("/counters/registry/21001/renew/", {"new_expiry": "۱۴۹۹/۱۲/۲۹", "licence_value_rials": "-1"})
    assert answer.status_code == 400 and "منفی" in body(answer)
    assert not Renewal.objects.exists()


def test_holder_change_page(regulator, counter):
    url = "/counters/registry/21001/holder/"
    assert "شناسه ملی" in body(regulator.get(url))
    answer = regulator.post(url, {"holder_kind": "legal", "holder_name": "شرکت", "holder_id": "12345", "reason": "الزام"})
    assert answer.status_code == 400 and "۱۱ رقم" in body(answer)
    answer = regulator.post(url, {"holder_kind": "legal", "holder_name": "شرکت پیشخوان", "holder_id": legal_id(),
                                  "reason": "الزام قانونی"})
    assert answer.status_code == 302 and Office.objects.get(pk=counter.office.pk).holder_kind == "legal"


def test_regulator_of_another_province_gets_not_found(client, counter):
    tehran = make_user("tehran.reg")
    Regulator.objects.create(user=tehran, province="تهران")
    client.force_login(tehran)
    assert client.get("/counters/registry/21001/").status_code == 404
    assert client.post("/counters/registry/21001/state/", {"state": "revoked", "reason": "x"}).status_code == 404
    assert Office.objects.get(pk=counter.office.pk).state == "active"


def test_manager_manages_operators_on_their_office_page(client, counter):
    client.force_login(counter.manager)
    url = "/counters/registry/21001/"
    page = body(client.get(url))
    assert 'id="state-form"' not in page and "ویرایش مشخصات" not in page
    assert '<option value="manager"' not in page  # a manager adds operators only
    home = body(client.get("/counters/"))
    assert 'id="card-office"' in home
    make_user("fresh.operator")
    answer = client.post(url + "staff/", {"username": "fresh.operator", "role": "operator"})
    assert answer.status_code == 302 and Staff.objects.get(user__username="fresh.operator").office == counter.office
    answer = client.post(url + "staff/", {"username": "no.such.user", "role": "operator"})
    assert answer.status_code == 400 and "حسابی با این نام کاربری نیست" in body(answer)
    answer = client.post(url + "staff/", {"username": "fresh.operator", "role": "manager"})
    assert answer.status_code == 400
    staff = Staff.objects.get(user__username="fresh.operator")
    answer = client.post(f"{url}staff/{staff.pk}/end/")
    assert answer.status_code == 302 and not Staff.objects.get(pk=staff.pk).active
    mine = Staff.objects.get(user=counter.manager)
    answer = client.post(f"{url}staff/{mine.pk}/end/", follow=True)
    assert "مدیر را ناظر تعیین می‌کند" in body(answer) and Staff.objects.get(pk=mine.pk).active
    # the manager edits nothing else, and sees no other office
    assert client.get(url + "edit/").status_code == 403
    other = make_office("21070")
    make_staff(other, "other.manager", Staff.Role.MANAGER)
    assert client.get("/counters/registry/21070/").status_code == 404


def test_an_operator_sees_no_registry_page(client, counter):
    client.force_login(counter.operator)
    assert client.get("/counters/registry/21001/").status_code == 404
    make_user("sneaky")
    assert client.post("/counters/registry/21001/staff/", {"username": "sneaky", "role": "operator"}).status_code == 404
    assert not Staff.objects.filter(user__username="sneaky").exists()


# ---------------------------------------------------------------- outsourcing


@pytest.fixture
def boss(client, counter):
    user = make_user("agency.boss")
    make_agency_admin(actor=None, user=user, agency=counter.world.agency)
    client.force_login(user)
    return client


def test_outsourcing_page_lists_the_agencys_services_with_switches(boss, counter):
    page = body(boss.get("/counters/outsourcing/"))
    assert counter.service.title in page and f'data-service="{counter.service.code}"' in page
    assert 'form="form-' in page  # the row's switches belong to the row's form
    home = body(boss.get("/counters/"))
    assert 'id="card-outsourcing"' in home and 'href="/counters/outsourcing/"' in home


def test_row_switches_and_the_chosen_offices(boss, counter):
    prefix = f"s{counter.service.pk}"
    url = f"/counters/outsourcing/{counter.service.code}/"
    answer = boss.post(url, {"prefix": prefix, f"{prefix}-outsourceable": "on"})
    assert answer.status_code == 302
    row = CounterService.objects.get(service=counter.service)
    assert (row.outsourceable, row.offered) == (True, False)
    # not every office, none chosen: refused on the office page
    answer = boss.post(url, {"outsourceable": "on", "offered": "on"})
    assert answer.status_code == 400 and "دست‌کم یک دفتر" in body(answer)
    assert not CounterService.objects.get(service=counter.service).offered
    chosen = make_office("21080", name="دفتر گزیده")
    page = body(boss.get(url))
    assert "دفتر گزیده" in page
    answer = boss.post(url, {"outsourceable": "on", "offered": "on", "offices": [str(chosen.pk)]})
    assert answer.status_code == 302
    row = CounterService.objects.get(service=counter.service)
    assert row.offered and not row.all_offices and list(row.offices.all()) == [chosen]
    # offered but not outsourceable, from the list's row: a message, nothing changed
    answer = boss.post(url, {"prefix": prefix, f"{prefix}-offered": "on", f"{prefix}-all_offices": "on"}, follow=True)
    assert "قابل واگذاری" in body(answer)
    assert CounterService.objects.get(service=counter.service).outsourceable


def test_outsourcing_is_the_agency_admins_only(client, counter):
    client.force_login(counter.operator)
    assert client.get("/counters/outsourcing/").status_code == 403
    from tests.factories import make_world

    stranger = make_user("stranger.boss")
    make_agency_admin(actor=None, user=stranger, agency=make_world("دیگری").agency)
    client.force_login(stranger)
    assert client.get(f"/counters/outsourcing/{counter.service.code}/").status_code == 404
    answer = client.post(f"/counters/outsourcing/{counter.service.code}/", {"outsourceable": ""})
    assert answer.status_code == 404 and CounterService.objects.get(service=counter.service).offered
