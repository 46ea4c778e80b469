"""An office's figures for a Jalali month, computed by hand over a small known data set around Mehr 1405
(edges of the month included), one aggregate query per figure for any number of offices; who sees them:
the office's manager its own office only, the regulator the offices of their province only."""

import datetime as dt
import itertools

import pytest
from django.urls import reverse

from dabir.core.errors import DomainError
from dabir.core.jalali import TEHRAN
from dabir.counters import figures as F
from dabir.counters.models import Office, OfficeComplaint, Regulator, Submission
from dabir.desk.models import Rating, RequestStatus, ServiceRequest
from tests.factories import make_user

from .conftest import CITIZEN_MOBILE, CITIZEN_NC, make_office, make_staff

pytestmark = pytest.mark.django_db

MONTH = 140507  # Mehr 1405: 2026-09-23 … 2026-10-22
FIRST = dt.datetime(2026, 9, 23, 0, 0, tzinfo=TEHRAN)
NEXT = dt.datetime(2026, 10, 23, 0, 0, tzinfo=TEHRAN)
_codes = itertools.count(1000)


def at(days: float, hours: float = 0) -> dt.datetime:
    return FIRST + dt.timedelta(days=days, hours=hours)


def request_row(counter, submitted, finished=None) -> ServiceRequest:
    return ServiceRequest.objects.create(
        tracking_code=f"T{next(_codes)}", service=counter.service, version=counter.service.current_version,
        national_code=CITIZEN_NC, mobile=CITIZEN_MOBILE, channel="counter", status=RequestStatus.APPROVED
        if finished else RequestStatus.IN_PROGRESS, submitted_at=submitted, finished_at=finished)


def submission(counter, office, created, *, kind=Submission.Kind.REQUEST, state=Submission.State.AWAITING_PAYMENT,
               agency=0, own=0, month=None, request=None) -> Submission:
    return Submission.objects.create(
        office=office, operator=counter.operator, agency=counter.world.agency, kind=kind,
        service=counter.service if kind == Submission.Kind.REQUEST else None, request=request,
        tracking_code=f"S{next(_codes)}", national_code=CITIZEN_NC, agency_fee_rials=agency, counter_fee_rials=own,
        total_rials=agency + own, state=state, month=month, created_at=created)


def complaint(office, created, verdict="") -> OfficeComplaint:
    return OfficeComplaint.objects.create(
        tracking_code=f"C{next(_codes)}", office=office, national_code=CITIZEN_NC, mobile=CITIZEN_MOBILE,
        text="برخورد نامناسب", verdict=verdict,
        status=OfficeComplaint.Status.ANSWERED if verdict else OfficeComplaint.Status.SUBMITTED, created_at=created)


@pytest.fixture
def data(counter):
    """Office A (the conftest's), B (same province), C (another province), and the month's activity."""
    a = counter.office
    b = make_office("21002", name="دفتر دوم")
    c = make_office("71001", name="دفتر شیراز", province="فارس", city="شیراز")
    paid = Submission.State.PAID
    # A, requests: three filed in the month (one at its very first minute), one cancelled, one moments before
    r1 = request_row(counter, at(0), at(2))                      # 48 hours, finished in the month
    r2 = request_row(counter, at(10), at(10, 4))                 # 4 hours, finished in the month
    r3 = request_row(counter, at(-5), at(29, 23.9))              # filed before, finished in the month's last hour: 34.9 days
    r4 = request_row(counter, at(20), NEXT + dt.timedelta(hours=1))  # finished next month: not counted
    request_row(counter, at(25))                                 # unfinished
    submission(counter, a, at(0), request=r1, state=paid, agency=100_000, own=25_000, month=MONTH)
    submission(counter, a, at(10), request=r2, state=paid, agency=0, own=25_000, month=MONTH + 1)  # settles next month
    submission(counter, a, at(-5), request=r3, state=paid, agency=50_000, own=20_000, month=MONTH - 1)
    submission(counter, a, at(20), request=r4)                   # awaiting payment
    submission(counter, a, at(12), state=Submission.State.CANCELLED)
    submission(counter, a, at(0, -0.01))                         # moments before the month: not counted
    # A, letters: one filed and paid in the month, one filed on the next month's first minute
    submission(counter, a, at(3), kind=Submission.Kind.LETTER, state=paid, own=15_000, month=MONTH)
    submission(counter, a, NEXT, kind=Submission.Kind.LETTER)
    # A, ratings: 5 and 2 in the month, 1 given the next month
    Rating.objects.create(request=r1, score=5, at=at(3))
    Rating.objects.create(request=r2, score=2, at=at(11))
    Rating.objects.create(request=r3, score=1, at=NEXT + dt.timedelta(days=1))
    # A, complaints: three in the month (one upheld), one upheld the month before
    complaint(a, at(1), OfficeComplaint.Verdict.UPHELD)
    complaint(a, at(2), OfficeComplaint.Verdict.REJECTED)
    complaint(a, at(29, 23))
    complaint(a, at(-1), OfficeComplaint.Verdict.UPHELD)
    # B: one request and one upheld complaint; C: a request (another province)
    submission(counter, b, at(5), state=paid, own=30_000, month=MONTH)
    complaint(b, at(6), OfficeComplaint.Verdict.UPHELD)
    submission(counter, c, at(5))
    return counter, a, b, c


def test_figures_by_hand(data):
    counter, a, b, c = data
    rows = {f.office.code: f for f in F.figures(Office.objects.all(), MONTH)}
    fa = rows[a.code]
    assert (fa.requests, fa.letters) == (3, 1)
    assert (fa.agency_rials, fa.office_rials, fa.collected_rials) == (100_000, 40_000, 140_000)
    assert fa.finished == 3
    expected = (dt.timedelta(hours=48) + dt.timedelta(hours=4) + dt.timedelta(days=34, hours=23.9)) / 3
    assert abs(fa.handling - expected) < dt.timedelta(seconds=1)
    assert (fa.ratings, fa.rating) == (2, 3.5)
    assert (fa.complaints, fa.upheld) == (3, 1)
    fb = rows[b.code]
    assert (fb.requests, fb.letters, fb.agency_rials, fb.office_rials, fb.complaints, fb.upheld) == (1, 0, 0, 30_000, 1, 1)
    assert fb.handling is None and fb.rating is None and fb.finished == 0
    fc = rows[c.code]
    assert (fc.requests, fc.complaints) == (1, 0)
    # the month before: A's two requests filed then, the payment settled then, the complaint upheld then
    before = F.office_figures(a, MONTH - 1)
    assert (before.requests, before.agency_rials, before.office_rials, before.complaints, before.upheld) == (
        2, 50_000, 20_000, 1, 1)


def test_one_query_per_figure_whatever_the_number_of_offices(data, django_assert_num_queries):
    counter, a, b, c = data
    with django_assert_num_queries(6):  # the offices, then one per figure
        F.figures(Office.objects.filter(pk=a.pk), MONTH)
    with django_assert_num_queries(6):
        F.figures(Office.objects.all(), MONTH)


@pytest.mark.parametrize("text, month", [("140507", 140507), ("۱۴۰۵/۰۷", 140507), ("1405-7", 140507),
                                         ("١٤٠٥١٢", 140512)])
def test_month_parsing(text, month):
    assert F.parse_month(text) == month


@pytest.mark.parametrize("text", ["", "1405", "140513", "abcd-ef", "1405/00", "99999/1", "1405/-1"])
def test_bad_months_are_refused_in_persian(text):
    with pytest.raises(DomainError) as refused:
        F.parse_month(text)
    assert "ماه" in refused.value.message


def test_month_bounds_and_labels():
    assert F.month_bounds(MONTH) == (FIRST, NEXT)
    assert F.month_bounds(140412)[1] == dt.datetime(2026, 3, 21, tzinfo=TEHRAN)  # 1 Farvardin 1405
    assert F.month_label(MONTH) == "مهر ۱۴۰۵"
    assert len(F.recent_months()) == 12 and F.recent_months()[0] == F.this_month()


# ---------------------------------------------------------------- pages and access


def test_manager_sees_own_office_only(client, data):
    counter, a, b, c = data
    client.force_login(counter.manager)
    page = client.get(reverse("counters:figures", args=[a.code]), {"month": "۱۴۰۵/۰۷"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "مهر ۱۴۰۵" in html and "۱۴۰٬۰۰۰" in html and "۳٫۵" in html
    assert page.context["f"].requests == 3
    assert client.get(reverse("counters:figures", args=[b.code])).status_code == 404
    assert client.get(reverse("counters:figures", args=[c.code])).status_code == 404
    assert client.get(reverse("counters:figures_overview")).status_code == 403


def test_operators_see_no_figures(client, data):
    counter, a, b, c = data
    client.force_login(counter.operator)
    refused = client.get(reverse("counters:figures", args=[a.code]))
    assert refused.status_code == 403 and "مدیر همان دفتر" in refused.content.decode()
    other = make_staff(b, "b.operator")
    client.force_login(other)
    assert client.get(reverse("counters:figures", args=[a.code])).status_code == 404  # another office's: not there
    b_manager = make_staff(b, "b.manager", role="manager")
    client.force_login(b_manager)
    assert client.get(reverse("counters:figures", args=[a.code])).status_code == 404
    assert client.get(reverse("counters:figures", args=[b.code])).status_code == 200


def test_regulator_sees_their_province_only(client, data):
    counter, a, b, c = data
    client.force_login(counter.regulator)
    assert client.get(reverse("counters:figures", args=[a.code])).status_code == 200
    assert client.get(reverse("counters:figures", args=[b.code])).status_code == 200
    assert client.get(reverse("counters:figures", args=[c.code])).status_code == 404
    overview = client.get(reverse("counters:figures_overview"), {"month": MONTH})
    assert [f.office.code for f in overview.context["rows"]] == [a.code, b.code]
    totals = overview.context["totals"]
    assert (totals.requests, totals.office_rials, totals.complaints, totals.upheld) == (4, 70_000, 4, 2)
    fars = make_user("fars.regulator")
    Regulator.objects.create(user=fars, province="فارس")
    client.force_login(fars)
    assert client.get(reverse("counters:figures", args=[a.code])).status_code == 404
    overview = client.get(reverse("counters:figures_overview"), {"month": MONTH})
    assert [f.office.code for f in overview.context["rows"]] == [c.code]


def test_overview_sorts_by_a_column(client, data):
    counter, a, b, c = data
    client.force_login(counter.regulator)
    url = reverse("counters:figures_overview")
    for sort, order in [("-requests", [a.code, b.code]), ("requests", [b.code, a.code]),
                        ("-own", [a.code, b.code]), ("own", [b.code, a.code]), ("-upheld", [a.code, b.code]),
                        ("rating", [a.code, b.code]), ("-rating", [a.code, b.code]),  # B has none: last both ways
                        ("nonsense", [a.code, b.code]), ("name", [b.code, a.code])]:
        page = client.get(url, {"month": MONTH, "sort": sort})
        assert page.status_code == 200 and [f.office.code for f in page.context["rows"]] == order, sort
    page = client.get(url, {"month": MONTH, "sort": "-requests"})
    assert 'aria-sort="descending"' in page.content.decode()


def test_bad_month_on_the_page_is_a_persian_message(client, data):
    counter, a, b, c = data
    client.force_login(counter.regulator)
    for url in (reverse("counters:figures", args=[a.code]), reverse("counters:figures_overview")):
        page = client.get(url, {"month": "۱۴۰۵/۱۳"})
        assert page.status_code == 400 and "این ماه در تقویم نیست" in page.content.decode()
    assert client.get(reverse("counters:figures", args=["no-such-office"])).status_code == 404


def test_sign_in_needed(client, data):
    counter, a, b, c = data
    assert client.get(reverse("counters:figures", args=[a.code])).status_code == 302
    assert client.get(reverse("counters:figures_overview")).status_code == 302


def test_menu_and_home_cards_by_role(client, data):
    counter, a, b, c = data
    client.force_login(counter.regulator)
    home = client.get(reverse("counters:home")).content.decode()
    assert 'id="card-fees"' in home and 'id="card-figures"' in home and 'id="nav-figures"' in home
    client.force_login(counter.manager)
    home = client.get(reverse("counters:home")).content.decode()
    assert reverse("counters:figures", args=[a.code]) in home and 'id="card-fees-in-force"' in home
    assert 'id="card-figures"' not in home
    client.force_login(counter.operator)
    home = client.get(reverse("counters:home")).content.decode()
    assert 'id="card-fees-in-force"' in home and "card-figures" not in home and "nav-figures" not in home
