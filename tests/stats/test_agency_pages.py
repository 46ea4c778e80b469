"""An agency's page through the test client: who may open it (anonymous, a clerk, the agency's manager,
another agency's manager, supervisors of another province and of the country), what a manager sees
(its rank and the count, never the other agencies), where it loses points with links to the letters,
the trend, the per-user printing, the downloads read back, and bad input answered in Persian."""

import csv
import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from dabir.letters import services as letters
from dabir.stats import aggregate
from dabir.stats.models import Level, Supervisor
from dabir.stats.periods import current
from dabir.stats.policy import NOT_ALLOWED
from tests.factories import make_user, make_world, register_incoming

pytestmark = pytest.mark.django_db


class Land:
    def __init__(self):
        self.a = make_world("اداره کل راه")
        self.b = make_world("اداره کل آب")
        a = self.a
        register_incoming(a, subject="درخواست یکم", channel="post")
        register_incoming(a, subject="درخواست دوم", channel="fax")
        first = register_incoming(a, subject="درخواست سوم", channel="email")
        letters.record_print(user=a.clerk, letter=first, copies=3)
        register_incoming(self.b, subject="درخواست آب", channel="email")
        self.tehran = make_user()
        Supervisor.objects.create(user=self.tehran, level=Level.PROVINCE, province="تهران", office=self.b.agency)
        self.khuzestan = make_user()
        Supervisor.objects.create(user=self.khuzestan, level=Level.PROVINCE, province="خوزستان", office=self.b.agency)
        self.national = make_user()
        Supervisor.objects.create(user=self.national, level=Level.NATIONAL, office=self.b.agency)
        aggregate.refresh()


@pytest.fixture
def land(db):
    return Land()


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(land, **query):
    from django.utils.http import urlencode

    return reverse("stats:agency", args=[land.a.agency.id]) + ("?" + urlencode(query) if query else "")


def test_who_may_open_an_agencys_page(land):
    anonymous = Client().get(page(land))
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    for user in (land.a.clerk, land.a.expert, land.b.manager, land.tehran):
        response = client_for(user).get(page(land))
        assert response.status_code == 403, user
        assert NOT_ALLOWED in response.content.decode()
    for user in (land.a.manager, land.khuzestan, land.national):
        assert client_for(user).get(page(land)).status_code == 200, user


def test_a_manager_sees_the_rank_and_count_but_not_the_other_agencies(land):
    html = client_for(land.a.manager).get(page(land)).content.decode()
    assert "رتبه ۲ از ۲ در استان خوزستان" in html
    assert land.b.agency.name not in html
    assert 'id="agency-neighbours"' not in html
    assert "آمار دستگاه من" in html  # the navbar link to the manager's own agency


def test_a_supervisor_sees_the_neighbouring_ranks(land):
    html = client_for(land.khuzestan).get(page(land)).content.decode()
    assert "رتبه ۲ از ۲ در استان خوزستان" in html
    assert land.b.agency.name in html and 'id="agency-neighbours"' in html
    assert "وزن‌های شاخص" in html and "آمار دستگاه من" not in html
    national = client_for(land.national).get(page(land)).content.decode()
    assert "رتبه ۲ از ۲ در کشور" in national


def test_figures_losses_trend_and_printers(land):
    html = client_for(land.a.manager).get(page(land)).content.decode()
    period = current()
    # Two of three incoming letters came on paper: the first place points are lost, linked to them.
    assert "۶۶٫۷٪ نامه‌های وارده هنوز کاغذی" in html
    paper_link = (reverse("stats:drilldown", args=[land.a.agency.id])
                  + f"?period={period.key}&amp;figure=in_electronic_share&amp;part=paper")
    assert paper_link in html
    assert "دستگاه به شبکه تبادل" in html and "مدیران در این دوره" in html
    # Counts made of letters link to them; the share itself is shown with ٪.
    assert f"?period={period.key}&amp;figure=letters_in" in html and "۳۳٫۳٪" in html
    assert period.label in html  # the trend's row of this month
    assert str(land.a.clerk) in html  # the per-user print table


def test_exports_read_back(land):
    client = client_for(land.a.manager)
    key = current().key
    response = client.get(page(land, export="figures", format="csv"))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert f"figures-{key}.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_label = {r[1]: r[2] for r in rows[1:]}
    assert rows[0] == ["گروه", "شاخص", "مقدار", "یکا"]
    assert by_label["نامه‌های وارده"] == "3" and by_label["سهم وارده الکترونیکی"] == "33.3"
    response = client.get(page(land, export="printers", format="xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "کاربر" and values[1][0] == str(land.a.clerk)
    assert values[1][2] == 1 and values[1][3] >= 3 and values[1][4] == 3  # prints, pages × copies, copies
    csv_rows = list(csv.reader(io.StringIO(client.get(page(land, export="printers", format="csv"))
                                           .content.decode("utf-8-sig"))))
    assert csv_rows[1][1] == land.a.clerk.username
    figures_xlsx = openpyxl.load_workbook(io.BytesIO(client.get(page(land, export="figures", format="xlsx")).content))
    assert figures_xlsx.active.sheet_view.rightToLeft


def test_bad_period_and_export_are_persian_400s(land):
    client = client_for(land.a.manager)
    for query in ({"period": "1405-13"}, {"period": "abc"}, {"export": "secrets", "format": "csv"},
                  {"export": "figures", "format": "pdf"}):
        response = client.get(page(land, **query))
        assert response.status_code == 400, query
        assert "دوره" in response.content.decode() or "خروجی" in response.content.decode()
    ok = client.get(page(land, period="۱۴۰۵"))
    assert ok.status_code == 200 and "سال ۱۴۰۵" in ok.content.decode()


def test_an_unknown_agency_is_404(land):
    assert client_for(land.national).get(reverse("stats:agency", args=[999999])).status_code == 404


def test_the_page_reads_the_figure_tables_not_the_letters(land):
    """The statements of the page do not grow with the letters, prints or printing users behind it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(land.a.manager)

    def statements():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(page(land)).status_code == 200
        return len(ctx.captured_queries)

    before = statements()
    for i in range(10):
        letter = register_incoming(land.a, subject=f"نامه افزوده {i}", channel="email" if i % 2 else "post")
        land.a.secretariat.clerks.add(land.a.expert)
        letters.record_print(user=land.a.expert if i % 2 else land.a.clerk, letter=letter, copies=2)
    aggregate.refresh()
    assert statements() == before
