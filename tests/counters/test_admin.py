"""The counter offices in the admin: Persian pages, a regulator sees their province only, writes go through
the services (audit and history), an approved fee schedule and its fees cannot be changed or deleted."""

import datetime as dt

import pytest
from django.contrib import admin

from dabir.core.jalali import format_date, today
from dabir.core.models import AuditEntry
from dabir.counters.models import CounterService, Fee, FeeSchedule, Office, OfficeEvent, Regulator, Staff
from dabir.counters.names import AuditAction
from dabir.orgs.services import make_agency_admin
from tests.core.test_admin_persian import assert_persian_page
from tests.factories import make_user

from .conftest import make_office

pytestmark = pytest.mark.django_db

MODELS = ["regulator", "office", "officeevent", "renewal", "staff", "counterservice", "feeschedule", "fee", "visit",
          "submission", "counterletter", "settlementclose", "officecomplaint"]


def staff_login(client, user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client.force_login(user)
    return client


def test_every_counters_model_is_registered():
    from django.apps import apps

    registered = {m._meta.model_name for m in admin.site._registry if m._meta.app_label == "counters"}
    assert set(MODELS) <= registered
    app_models = {m._meta.model_name for m in apps.get_app_config("counters").get_models()}
    assert app_models - registered <= {"letterscan"}  # shown inline on its counter letter


def test_superuser_pages_are_persian(client, counter):
    make_office("21090", province="تهران", city="تهران")
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    for name in MODELS:
        for url in (f"/admin/counters/{name}/", f"/admin/counters/{name}/add/"):
            answer = client.get(url)
            assert answer.status_code in (200, 403), url
            if answer.status_code == 200:
                assert_persian_page(answer.content.decode(), url)
    page = client.get(f"/admin/counters/office/{counter.office.pk}/change/").content.decode()
    assert_persian_page(page, "office change")
    assert "تهران" in client.get("/admin/counters/office/").content.decode()


def test_regulator_sees_their_province_only(client, counter):
    tehran = make_office("21091", name="دفتر تهرانی", province="تهران", city="تهران")
    staff_login(client, counter.regulator)
    listing = client.get("/admin/counters/office/").content.decode()
    assert "دفتر پیشخوان آزمون" in listing and "دفتر تهرانی" not in listing
    assert client.get(f"/admin/counters/office/{tehran.pk}/change/").status_code == 302  # not theirs: away
    assert "office.operator" in client.get("/admin/counters/staff/").content.decode()
    assert client.get("/admin/counters/regulator/").status_code == 403  # superusers set regulators


def test_office_added_in_the_admin_goes_through_the_service(client, counter):
    staff_login(client, counter.regulator)
    form = {"code": "21092", "name": "دفتر ادمین", "area": "urban", "province": "خوزستان", "city": "اهواز",
            "address": "اهواز", "postal_code": "", "phone": "", "latitude": "", "longitude": "", "hours": "",
            "licence_number": "KH-ADM", "holder_kind": "natural", "holder_name": "کسی", "holder_id": "1234567891",
            "licence_issued_on": format_date(today() - dt.timedelta(days=5)),
            "licence_expires_on": format_date(today() + dt.timedelta(days=360)), "licence_value_rials": "100000000",
            **_empty_inlines()}
    answer = client.post("/admin/counters/office/add/", form)
    assert answer.status_code == 302, answer.content.decode()[:3000]
    office = Office.objects.get(code="21092")
    assert office.events.get().kind == OfficeEvent.Kind.CREATED
    assert AuditEntry.objects.filter(action=AuditAction.OFFICE_CREATE, object_id=str(office.pk)).exists()
    # a bad national code: the service's message on the form, nothing written
    answer = client.post("/admin/counters/office/add/", {**form, "code": "21093", "licence_number": "KH-X",
                                                           "holder_id": "1234567890"})
    assert answer.status_code == 200 and "کد ملی دارنده" in answer.content.decode()
    assert not Office.objects.filter(code="21093").exists()
    # another province: refused
    answer = client.post("/admin/counters/office/add/", {**form, "code": "21094", "licence_number": "KH-Y",
                                                           "province": "تهران"})
    assert answer.status_code == 200 and not Office.objects.filter(code="21094").exists()


def _empty_inlines() -> dict:
    data = {}
    for prefix in ("staff", "renewals", "events"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MIN_NUM_FORMS": "0",
                     f"{prefix}-MAX_NUM_FORMS": "1000"})
    return data


def test_office_edited_in_the_admin_keeps_history(client, counter):
    staff_login(client, counter.regulator)
    o = counter.office
    form = {"code": o.code, "name": "نام تازه از ادمین", "area": o.area, "province": o.province, "city": o.city,
            "address": o.address, "postal_code": "", "phone": "", "latitude": "", "longitude": "", "hours": o.hours,
            "licence_number": o.licence_number, "licence_issued_on": format_date(o.licence_issued_on),
            "licence_value_rials": str(o.licence_value_rials), **_empty_inlines()}
    answer = client.post(f"/admin/counters/office/{o.pk}/change/", form)
    assert answer.status_code == 302, answer.content.decode()[:3000]
    event = OfficeEvent.objects.get(office=o, kind="edited")
    assert event.changes == {"name": ["دفتر پیشخوان آزمون", "نام تازه از ادمین"]}


def test_staff_ended_in_the_admin_goes_through_the_service(client, counter):
    staff_login(client, counter.regulator)
    staff = Staff.objects.get(user=counter.operator)
    answer = client.post(f"/admin/counters/staff/{staff.pk}/change/", {"role": "operator"})
    assert answer.status_code == 302, answer.content.decode()[:3000]
    assert not Staff.objects.get(pk=staff.pk).active
    assert AuditEntry.objects.filter(action=AuditAction.STAFF_END).count() == 1


def test_approved_schedule_and_its_fees_are_read_only(client, counter):
    staff_login(client, counter.regulator)
    schedule = counter.schedule
    fee = Fee.objects.get(schedule=schedule)
    page = client.get(f"/admin/counters/feeschedule/{schedule.pk}/change/")
    assert page.status_code == 200 and 'name="letter_fee_rials"' not in page.content.decode()  # view only
    answer = client.post(f"/admin/counters/feeschedule/{schedule.pk}/change/", {"letter_fee_rials": "1"})
    assert answer.status_code == 403
    assert client.post(f"/admin/counters/feeschedule/{schedule.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"/admin/counters/fee/{fee.pk}/change/", {"counter_fee_rials": "1"}).status_code == 403
    assert client.post(f"/admin/counters/fee/{fee.pk}/delete/", {"post": "yes"}).status_code == 403
    assert FeeSchedule.objects.get(pk=schedule.pk).letter_fee_rials == 15_000
    assert Fee.objects.get(pk=fee.pk).counter_fee_rials == 25_000


def test_a_draft_is_made_and_edited_through_the_fee_services(client, counter):
    staff_login(client, counter.regulator)
    year = schedule_year = counter.schedule.year + 1
    answer = client.post("/admin/counters/feeschedule/add/", {
        "year": str(year), "based_on": str(counter.schedule.pk), "inflation_percent": "20", "letter_fee_rials": "",
        "note": "", "fees-TOTAL_FORMS": "0", "fees-INITIAL_FORMS": "0", "fees-MIN_NUM_FORMS": "0",
        "fees-MAX_NUM_FORMS": "1000"})
    assert answer.status_code == 302, answer.content.decode()[:3000]
    draft = FeeSchedule.objects.get(year=schedule_year)
    fee = Fee.objects.get(schedule=draft)
    assert draft.state == "draft" and fee.counter_fee_rials == 30_000
    assert AuditEntry.objects.filter(action=AuditAction.SCHEDULE_DRAFT).exists()
    answer = client.post(f"/admin/counters/feeschedule/{draft.pk}/change/", {
        "letter_fee_rials": "20000", "note": "بازبینی",
        "fees-TOTAL_FORMS": "1", "fees-INITIAL_FORMS": "1", "fees-MIN_NUM_FORMS": "0", "fees-MAX_NUM_FORMS": "1000",
        "fees-0-id": str(fee.pk), "fees-0-schedule": str(draft.pk), "fees-0-service": str(counter.service.pk),
        "fees-0-counter_fee_rials": "32000"})
    assert answer.status_code == 302, answer.content.decode()[:3000]
    assert Fee.objects.get(pk=fee.pk).counter_fee_rials == 32_000
    assert FeeSchedule.objects.get(pk=draft.pk).letter_fee_rials == 20_000
    answer = client.post("/admin/counters/feeschedule/", {"action": "approve", "_selected_action": [str(draft.pk)]})
    assert answer.status_code == 302 and FeeSchedule.objects.get(pk=draft.pk).state == "approved"


def test_agency_admin_declares_outsourcing_in_the_admin(client, counter):
    boss = make_user("admin.boss")
    make_agency_admin(actor=None, user=boss, agency=counter.world.agency)
    staff_login(client, boss)
    row = CounterService.objects.get(service=counter.service)
    assert counter.service.title in client.get("/admin/counters/counterservice/").content.decode()
    assert client.get("/admin/counters/office/").status_code == 403
    answer = client.post(f"/admin/counters/counterservice/{row.pk}/change/", {"outsourceable": "on"})
    assert answer.status_code == 302, answer.content.decode()[:3000]
    row.refresh_from_db()
    assert row.outsourceable and not row.offered
    assert AuditEntry.objects.filter(action=AuditAction.SERVICE_DECLARE).count() == 1
    answer = client.post(f"/admin/counters/counterservice/{row.pk}/change/", {"offered": "on", "all_offices": "on"})
    assert answer.status_code == 200 and "قابل واگذاری" in answer.content.decode()
    row.refresh_from_db()
    assert row.outsourceable and not row.offered


def test_regulators_are_set_by_superusers(client, counter):
    client.force_login(make_user("root2", is_staff=True, is_superuser=True))
    someone = make_user("new.regulator")
    answer = client.post("/admin/counters/regulator/add/", {"user": str(someone.pk), "province": "فارس",
                                                            "title": "اداره کل ارتباطات"})
    assert answer.status_code == 302 and Regulator.objects.get(user=someone).province == "فارس"
