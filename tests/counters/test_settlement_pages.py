"""Settlement pages through Django's test client: the regulator's statement (monthly and daily), its
reconciliation, exports downloaded and read back, closing a month with its confirmation, an office
manager's own statement, and refusals and bad input answered in Persian with nothing written."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from dabir.core.jalali import format_date
from dabir.counters import services
from dabir.counters import settlement as S
from dabir.counters.models import SettlementClose
from dabir.counters.services._shared import local_day
from dabir.payments import services as payments
from tests.factories import make_user

from .test_settlement import a_day_of, build_land, file, known_set, on_day, previous_month

pytestmark = pytest.mark.django_db

URL = "/counters/settlement/"


@pytest.fixture
def land(counter):
    land = build_land(counter)
    known_set(land)
    return land


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


def test_urls_are_named():
    assert reverse("counters:settlement") == URL
    assert reverse("counters:settlement_reconcile") == URL + "reconcile/"
    assert reverse("counters:settlement_close") == URL + "close/"
    assert reverse("counters:settlement_export", args=["xlsx"]) == URL + "export.xlsx"


def test_regulator_sees_the_months_statement_per_office_and_agency(land):
    c = land.counter
    r = client_for(c.regulator).get(URL)
    assert r.status_code == 200
    page = text(r)
    assert S.month_label(S.current_month()) in page
    assert 'id="total-all">۱۹۰٬۰۰۰<' in page and 'id="total-agency">۸۰٬۰۰۰<' in page
    assert 'id="total-office">۱۱۰٬۰۰۰<' in page and 'id="total-count">۵<' in page
    assert "دفتر پیشخوان آزمون" in page and "دفتر پیشخوان دوم" in page and "دفتر پیشخوان تهران" not in page
    assert c.world.agency.name in page and land.agency2.name in page
    assert "با پرداخت‌ها می‌خواند" in page
    assert 'id="nav-settlement"' in page  # the «پیشخوان» menu links it
    assert 'id="close-later"' in page and 'id="close-month"' not in page  # this month has not ended
    home = text(client_for(c.regulator).get("/counters/"))
    assert 'id="card-settlement"' in home


def test_daily_statement_and_filters(land):
    c = land.counter
    client = client_for(c.regulator)
    r = client.get(URL, {"period": "day", "day": format_date(local_day())})
    assert r.status_code == 200 and 'id="total-all">۱۹۰٬۰۰۰<' in text(r) and "روز " in text(r)
    r = client.get(URL, {"office": land.office2.pk, "agency": land.agency2.pk})
    assert r.status_code == 200 and 'id="total-all">۷۰٬۰۰۰<' in text(r)
    r = client.get(URL, {"month": previous_month()})
    assert r.status_code == 200 and 'id="no-lines"' in text(r) and 'id="close-month"' in text(r)


@pytest.mark.parametrize("params, message", [
    ({"month": "abc"}, "۱۴۰۵/۰۴"),
    ({"month": "140513"}, "چنین ماهی"),
    ({"period": "day"}, "روز را وارد کنید"),
    ({"period": "day", "day": "۱۴۰۵/۱۳/۴۰"}, "تاریخ"),
    ({"office": "999999"}, "گزینه"),
])
def test_bad_filters_get_a_persian_message_not_a_500(land, params, message):
    r = client_for(land.counter.regulator).get(URL, params)
    assert r.status_code == 400 and message in text(r)


def test_office_manager_sees_only_the_own_office(land):
    c = land.counter
    client = client_for(c.manager)
    page = text(client.get(URL))
    assert "دفتر پیشخوان آزمون" in page and "دفتر پیشخوان دوم" not in page
    assert 'id="total-all">۱۲۰٬۰۰۰<' in page and 'id="close-month"' not in page
    assert 'id="nav-settlement-office"' in page
    assert client.get(URL, {"office": land.office2.pk}).status_code == 400  # not among the choices
    r = client.get(reverse("counters:settlement_export", args=["csv"]), {"office": land.office2.pk})
    assert r.status_code == 400
    assert client.get(URL + "close/", {"month": previous_month(), "province": "خوزستان"}).status_code == 403
    assert client.post(URL + "close/", {"month": previous_month(), "province": "خوزستان"}).status_code == 403
    assert not SettlementClose.objects.exists()


def test_operators_and_strangers_are_refused(land):
    for user in (land.counter.operator, make_user("stranger")):
        client = client_for(user)
        for url in (URL, URL + "reconcile/", URL + "export.csv", URL + "export.xlsx"):
            r = client.get(url)
            assert r.status_code == 403 and "فقط ناظر استان و مدیر همان دفتر" in text(r), url
    r = Client().get(URL)
    assert r.status_code == 302 and "login" in r["Location"]


def test_csv_and_excel_downloads_read_back(land):
    from openpyxl import load_workbook

    client = client_for(land.counter.regulator)
    r = client.get(URL + "export.csv")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    assert "attachment" in r["Content-Disposition"] and ".csv" in r["Content-Disposition"]
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][0] == "کد دفتر" and rows[-1][0] == "جمع کل" and rows[-1][-1] == "190000"
    r = client.get(URL + "export.xlsx", {"office": land.office2.pk})
    assert r.status_code == 200 and "spreadsheetml" in r["Content-Type"]
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws.sheet_view.rightToLeft
    assert [row for row in ws.iter_rows(values_only=True)][-1][4:] == (1, 40_000, 30_000, 70_000)
    assert client.get(URL + "export.pdf").status_code == 404
    assert client.get(URL + "export.csv", {"month": "zz"}).status_code == 400
    # The manager's download is the own office's only.
    r = client_for(land.counter.manager).get(URL + "export.csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert {row[0] for row in rows[1:-1]} == {"21001"} and rows[-1][-1] == "120000"


def test_reconcile_page_lists_mismatches(land):
    from django.db import transaction

    c = land.counter
    client = client_for(c.regulator)
    page = text(client.get(URL + "reconcile/"))
    assert 'id="reconcile-ok"' in page and "۱۹۰٬۰۰۰" in page
    sub = file(c.operator, c.service)
    with transaction.atomic():
        payments.record_card_payment(purpose=services.PAYMENT_PURPOSE, object_id=str(sub.pk), amount_rials=25_000,
                                     reference="77778888")
    page = text(client.get(URL + "reconcile/"))
    assert 'id="reconcile-bad"' in page and "پرداخت اضافه" in page
    assert "ناهمخوانی با پرداخت‌ها" in text(client.get(URL))
    assert client.get(URL + "reconcile/", {"month": "bad"}).status_code == 400


def test_closing_a_month_with_confirmation(land):
    c = land.counter
    month = previous_month()
    with on_day(a_day_of(month)):
        file(c.operator, c.service)
    client = client_for(c.regulator)
    confirm = client.get(URL + "close/", {"month": month, "province": "خوزستان"})
    assert confirm.status_code == 200 and 'id="close-confirm"' in text(confirm) and "۲۵٬۰۰۰" in text(confirm)
    assert not SettlementClose.objects.exists()  # a GET closes nothing
    r = client.post(URL + "close/", {"month": month, "province": "خوزستان"})
    assert r.status_code == 302 and f"month={month}" in r["Location"]
    close = SettlementClose.objects.get()
    page = text(client.get(r["Location"]))
    assert "بسته شد" in page and close.digest in page and 'id="close-holds"' in page
    assert "جمع‌ها با چکیده می‌خوانند" in page and 'id="closed-months"' in page
    assert c.regulator.get_full_name() in page
    again = client.post(URL + "close/", {"month": month, "province": "خوزستان"})
    assert again.status_code == 400 and "پیش‌تر بسته شده" in text(again)
    # The office manager sees the close of the province's month too.
    assert close.digest in text(client_for(c.manager).get(URL, {"month": month}))
    assert SettlementClose.objects.count() == 1


def test_closing_refused_in_persian_and_nothing_written(land):
    c = land.counter
    client = client_for(c.regulator)
    r = client.post(URL + "close/", {"month": S.current_month(), "province": "خوزستان"})
    assert r.status_code == 400 and "هنوز به پایان نرسیده" in text(r)
    r = client.get(URL + "close/", {"month": S.current_month(), "province": "خوزستان"})
    assert r.status_code == 200 and 'id="close-not-ended"' in text(r) and 'id="close-confirm"' not in text(r)
    assert client.post(URL + "close/", {"month": "۱۴۰۵/۱۳", "province": "خوزستان"}).status_code == 400
    assert client.post(URL + "close/", {"month": previous_month(), "province": "تهران"}).status_code == 403
    assert client.post(URL + "close/", {"month": previous_month()}).status_code == 403
    assert client_for(land.far_regulator).post(URL + "close/", {"month": previous_month(),
                                                                 "province": "خوزستان"}).status_code == 403
    assert not SettlementClose.objects.exists()
