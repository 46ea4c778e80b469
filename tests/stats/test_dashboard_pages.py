"""The supervisors' dashboard over real HTTP: who may open it (anonymous, a clerk, an agency's manager, a
province's supervisor, a national one), what each sees (a province's supervisor never sees another
province's agency, on the page or in any export), periods good and bad, the exports as CSV and Excel with
numbers as numbers, sorting without scripts, and statements that do not grow with the letters."""

import csv
import datetime as dt
import io
import json
import math
import re

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dabir.core.jalali import TEHRAN
from dabir.letters import services
from dabir.letters.models import Letter
from dabir.orgs.models import Agency
from dabir.stats import aggregate, periods, selectors
from dabir.stats.models import Level, Supervisor
from dabir.stats.periods import BAD_PERIOD
from dabir.stats.policy import NOT_ALLOWED
from dabir.stats.templatetags.stats_format import format_figure, rank_change
from dabir.stats.views.dashboard import BAD_EXPORT
from tests.factories import make_user, make_world, register_incoming

pytestmark = pytest.mark.django_db

URL = "/stats/dashboard/"


class Scene:
    """Two Khuzestan agencies and one in Tehran, with letters by post and over the network, a print,
    and a supervisor of each level."""

    def __init__(self, world):
        self.kh1 = world
        self.kh2 = make_world("شهرداری اهواز")
        self.teh = make_world("استانداری تهران")
        Agency.objects.filter(pk=self.teh.agency.pk).update(province="تهران")
        self.teh.agency.refresh_from_db()
        for channel in ("network", "network", "post"):
            letter = register_incoming(self.kh1, channel=channel)
        services.record_print(user=self.kh1.clerk, letter=letter, copies=2, pages=3)
        for _ in range(2):
            register_incoming(self.kh2, channel="post")
        register_incoming(self.teh, channel="email")
        self.province = make_user("nazer.ostan")
        Supervisor.objects.create(user=self.province, level=Level.PROVINCE, province="خوزستان", office=self.kh1.agency)
        self.national = make_user("nazer.keshvar")
        Supervisor.objects.create(user=self.national, level=Level.NATIONAL, office=self.teh.agency)
        aggregate.refresh()

    @property
    def names(self):
        return {"kh1": self.kh1.agency.name, "kh2": self.kh2.agency.name, "teh": self.teh.agency.name}


@pytest.fixture
def scene(world):
    return Scene(world)


def _get(client, user, **params):
    client.force_login(user)
    return client.get(URL, params)


def _ranked_ids(response) -> list[int]:
    body = response.content.decode()
    table = body[body.index('id="ranking"'):body.index("</table>", body.index('id="ranking"'))]
    return [int(x) for x in re.findall(r'data-agency="(\d+)"', table)]


def _figure_ids(response) -> list[int]:
    body = response.content.decode()
    table = body[body.index('id="figures"'):body.index("</table>", body.index('id="figures"'))]
    return [int(x) for x in re.findall(r'data-agency="(\d+)"', table)]


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _xlsx(response):
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


# ---- who may open it ------------------------------------------------------------------------------

def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_clerk_is_refused_in_persian(client, scene):
    response = _get(client, scene.kh1.clerk)
    assert response.status_code == 403
    assert NOT_ALLOWED in response.content.decode()
    assert _get(client, scene.kh1.clerk, export="ranking", format="csv").status_code == 403


def test_an_agency_manager_goes_to_their_agency(client, scene):
    response = _get(client, scene.kh2.manager)
    assert response.status_code == 302
    assert response["Location"] == reverse("stats:agency", kwargs={"agency_id": scene.kh2.agency.id})


def test_an_inactive_supervisor_is_refused(client, scene):
    Supervisor.objects.filter(user=scene.province).update(active=False)
    assert _get(client, scene.province).status_code == 403


def test_the_navbar_shows_the_dashboard_to_supervisors_only(client, scene):
    page = _get(client, scene.province).content.decode()
    assert "داشبورد نظارت" in page and f'href="{URL}"' in page
    client.force_login(scene.kh1.manager)
    assert f'href="{URL}"' not in client.get("/").content.decode()


# ---- what each sees ---------------------------------------------------------------------------------

def test_a_province_supervisor_sees_only_the_province(client, scene):
    response = _get(client, scene.province)
    assert response.status_code == 200
    page = response.content.decode()
    assert scene.kh1.agency.name in page and scene.kh2.agency.name in page
    assert scene.teh.agency.name not in page
    assert set(_ranked_ids(response)) == {scene.kh1.agency.id, scene.kh2.agency.id}
    assert set(_figure_ids(response)) == {scene.kh1.agency.id, scene.kh2.agency.id}
    assert "استان خوزستان" in page
    # the province box is the national supervisor's only: a province's supervisor cannot widen the scope
    assert 'name="province"' not in page
    assert set(_ranked_ids(_get(client, scene.province, province="تهران"))) == {scene.kh1.agency.id, scene.kh2.agency.id}
    # the cards add up the province's letters only (3 + 2 incoming; 2 of 5 electronic)
    totals = response.context["totals"]
    assert (totals["letters_in"], totals["in_electronic_share"], totals["print_pages"]) == (5, 40.0, 6)
    assert 'id="card-letters">۵<' in page
    for table in ("ranking", "figures", "trend"):
        for fmt in ("csv", "xlsx"):
            exported = _get(client, scene.province, export=table, format=fmt)
            assert exported.status_code == 200
            text = exported.content.decode("utf-8-sig") if fmt == "csv" else \
                "\n".join(str(c.value) for row in _xlsx(exported).iter_rows() for c in row)
            assert scene.teh.agency.name not in text and scene.kh1.agency.name in text, (table, fmt)


def test_a_national_supervisor_sees_every_agency_and_narrows_by_province_and_name(client, scene):
    response = _get(client, scene.national)
    assert set(_ranked_ids(response)) == {scene.kh1.agency.id, scene.kh2.agency.id, scene.teh.agency.id}
    assert "همه دستگاه‌های کشور" in response.content.decode()
    assert response.context["totals"]["letters_in"] == 6
    assert _ranked_ids(_get(client, scene.national, province="تهران")) == [scene.teh.agency.id]
    # the name box compares in the project's normal form: Arabic ي and ك find Persian ی and ک
    assert _ranked_ids(_get(client, scene.national, q="شهرداري اهواز")) == [scene.kh2.agency.id]
    empty = _get(client, scene.national, q="هیچ‌دستگاهی")
    assert empty.status_code == 200 and "دستگاهی با این جست‌وجو پیدا نشد" in empty.content.decode()


def test_the_ranking_shows_rank_change_index_and_components(client, scene):
    response = _get(client, scene.national)
    rows = selectors.ranking(Agency.objects.filter(pk__in=[scene.kh1.agency.pk, scene.kh2.agency.pk, scene.teh.agency.pk]),
                             periods.current())
    assert _ranked_ids(response) == [r.agency.id for r in rows]
    assert rows[0].agency == scene.teh.agency  # all its letters came by e-mail
    page = response.content.decode()
    table = page[page.index('id="ranking"'):]
    # Tehran's row: rank ۱, every incoming letter electronic, not connected to the exchange
    teh_row = table[table.index(f'data-agency="{scene.teh.agency.id}"'):]
    teh_row = teh_row[:teh_row.index("</tr>")]
    assert '<td data-k="rank" data-v="1">۱</td>' in teh_row
    assert ">۱۰۰٪<" in teh_row and ">خیر<" in teh_row
    assert f'href="/stats/agency/{scene.teh.agency.id}/?period={periods.current().key}"' in teh_row
    kh1 = next(r for r in rows if r.agency == scene.kh1.agency)
    assert kh1.figures["in_electronic_share"] == 66.7 and kh1.figures["pages_per_letter"] == 2.0


# ---- periods ------------------------------------------------------------------------------------------

def _move_to(letter: Letter, day: dt.date) -> None:
    Letter.objects.filter(pk=letter.pk).update(registered_at=dt.datetime.combine(day, dt.time(10), TEHRAN))


def test_switching_the_period(client, scene):
    this = periods.current()
    before = this.previous()
    old = Letter.objects.filter(agency=scene.kh2.agency).first()
    _move_to(old, before.start)
    aggregate.rebuild()
    now = _get(client, scene.province, period=this.key)
    assert now.context["totals"]["letters_in"] == 4 and now.context["period"] == this
    then = _get(client, scene.province, period=before.key)
    assert then.status_code == 200 and then.context["totals"]["letters_in"] == 1
    assert before.label in then.content.decode()
    assert f'<option value="{before.key}" selected>' in then.content.decode()
    # Persian digits are read as well
    from dabir.core.text import to_persian_digits
    assert _get(client, scene.province, period=to_persian_digits(before.key)).context["period"] == before
    year = _get(client, scene.province, period=str(this.year))
    expected = 5 if before.year == this.year else 4
    assert year.status_code == 200 and year.context["totals"]["letters_in"] == expected
    quarter = periods.current("quarter")
    assert _get(client, scene.province, period=quarter.key).context["period"] == quarter
    # an older period than the picker lists is kept in it
    page = _get(client, scene.province, period="1398-05").content.decode()
    assert '<option value="1398-05" selected>' in page


@pytest.mark.parametrize("bad", ["1405-13", "abc", "1300", "14055", "1405-Q5", "1405-00", "۱۴۰۵/۱۳"])
def test_a_bad_period_is_a_persian_400(client, scene, bad):
    response = _get(client, scene.province, period=bad)
    assert response.status_code == 400
    page = response.content.decode()
    assert "دوره را به شکل" in page or "این سال در بازه سنجش نیست" in page
    assert 'id="period-error"' in page
    # the page is still whole, showing this month
    assert response.context["period"] == periods.current()
    exported = _get(client, scene.province, period=bad, export="ranking", format="csv")
    assert exported.status_code == 400 and "text/html" in exported["Content-Type"]


def test_the_bad_period_message_is_the_periods_own():
    assert "۱۴۰۵-۰۹" in BAD_PERIOD


# ---- exports -----------------------------------------------------------------------------------------

def test_ranking_exports_as_csv_and_excel(client, scene):
    period = periods.current()
    rows = selectors.ranking(Agency.objects.filter(province="خوزستان"), period)
    response = _get(client, scene.province, export="ranking", format="csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == f'attachment; filename="ranking-{period.key}.csv"'
    table = _csv(response)
    assert table[0][:6] == ["رتبه", "رتبه دوره قبل", "تغییر رتبه", "دستگاه", "استان", "شاخص کم‌کاغذ"]
    assert [r[3] for r in table[1:]] == [r.agency.name for r in rows]
    assert [float(r[5]) for r in table[1:]] == [r.index for r in rows]
    assert table[1][0] == "1" and table[1][4] == "خوزستان"

    response = _get(client, scene.province, export="ranking", format="xlsx")
    assert response["Content-Disposition"] == f'attachment; filename="ranking-{period.key}.xlsx"'
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ws = _xlsx(response)
    assert ws.sheet_view.rightToLeft
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0][3] == "دستگاه"
    assert [v[3] for v in values[1:]] == [r.agency.name for r in rows]
    assert [v[5] for v in values[1:]] == [r.index for r in rows]
    assert all(isinstance(v[0], int) and isinstance(v[5], (int, float)) for v in values[1:])  # numbers, not text
    incoming = values[0].index("وارده الکترونیکی")
    kh1 = next(v for v in values[1:] if v[3] == scene.kh1.agency.name)
    assert kh1[incoming] == 66.7


def test_figures_export_has_every_figure_as_numbers(client, scene):
    from dabir.stats import figures as F

    response = _get(client, scene.province, export="figures", format="xlsx")
    ws = _xlsx(response)
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0] == ["دستگاه", "استان"] + [f.label for f in F.FIGURES]
    by_name = {v[0]: dict(zip(["agency", "province"] + [f.key for f in F.FIGURES], v, strict=True)) for v in values[1:]}
    assert set(by_name) == {scene.kh1.agency.name, scene.kh2.agency.name}
    kh1, kh2 = by_name[scene.kh1.agency.name], by_name[scene.kh2.agency.name]
    assert (kh1["letters_in"], kh1["in_electronic_share"], kh1["print_pages"], kh1["print_copies"]) == (3, 66.7, 6, 2)
    assert (kh2["letters_in"], kh2["in_electronic_share"], kh2["print_pages"]) == (2, 0, 0)
    assert kh1["connected"] == "خیر" and kh1["read_median_hours"] is None
    table = _csv(_get(client, scene.province, export="figures", format="csv", fsort="letters_in", fdir="desc"))
    assert [r[0] for r in table[1:]] == [scene.kh1.agency.name, scene.kh2.agency.name]
    assert table[1][2:5] == ["3", "0", "0"]


def test_trend_export_has_a_row_per_agency_and_month(client, scene):
    period = periods.current()
    response = _get(client, scene.province, export="trend", format="xlsx")
    assert response["Content-Disposition"] == f'attachment; filename="trend-{period.key}.xlsx"'
    values = [[c.value for c in row] for row in _xlsx(response).iter_rows()]
    assert values[0][:4] == ["ماه", "نام ماه", "دستگاه", "شاخص کم‌کاغذ"]
    months = [m for m in periods.Period("year", period.year).month_keys if m <= period.month_keys[-1]]
    assert len(values) - 1 == 2 * len(months)
    last = [v for v in values[1:] if v[0] == f"{period.year}-{period.n:02d}"]
    assert {v[2] for v in last} == {scene.kh1.agency.name, scene.kh2.agency.name}
    kh1 = next(v for v in last if v[2] == scene.kh1.agency.name)
    assert kh1[values[0].index("نامه‌های وارده")] == 3 and isinstance(kh1[3], float)
    assert _csv(_get(client, scene.province, export="trend", format="csv"))[0][2] == "دستگاه"


@pytest.mark.parametrize("params", [{"export": "letters", "format": "csv"}, {"export": "ranking", "format": "pdf"},
                                    {"export": "ranking"}, {"export": "", "format": "xlsx"}])
def test_a_bad_export_is_a_persian_400(client, scene, params):
    response = _get(client, scene.province, **params)
    assert response.status_code == 400
    assert BAD_EXPORT in response.content.decode()


# ---- sorting -------------------------------------------------------------------------------------------

def test_tables_sort_by_their_links(client, scene):
    default = _get(client, scene.national)
    ranked = _ranked_ids(default)
    assert default.context["rank_headers"][0]["aria"] == "ascending"
    by_rank_desc = _ranked_ids(_get(client, scene.national, sort="rank", dir="desc"))
    assert by_rank_desc == ranked[::-1]
    names = sorted([scene.kh1.agency, scene.kh2.agency, scene.teh.agency], key=lambda a: a.name)
    by_name = _get(client, scene.national, sort="agency", dir="desc")
    assert _ranked_ids(by_name) == [a.id for a in reversed(names)]
    page = by_name.content.decode()
    assert 'aria-sort="descending"' in page
    # the header link of the sorted column turns it the other way, and keeps the period
    header = next(h for h in by_name.context["rank_headers"] if h["key"] == "agency")
    assert "dir=asc" in header["url"] and f"period={periods.current().key}" in header["url"]
    by_letters = _get(client, scene.national, fsort="letters_in", fdir="desc")
    assert _figure_ids(by_letters) == [scene.kh1.agency.id, scene.kh2.agency.id, scene.teh.agency.id]
    assert _ranked_ids(by_letters) == ranked  # the other table keeps its order
    by_share = _get(client, scene.national, sort="incoming", dir="asc")
    assert _ranked_ids(by_share) == [scene.kh2.agency.id, scene.kh1.agency.id, scene.teh.agency.id]
    # an unknown column or direction falls back quietly
    for params in ({"sort": "nope"}, {"sort": "index", "dir": "sideways"}, {"fsort": "<script>"}):
        response = _get(client, scene.national, **params)
        assert response.status_code == 200 and "<script>" not in response.content.decode().split("stats-data")[0][-200:]
    # empty values go last whichever way: the read times are empty everywhere, so the order is kept
    assert len(_ranked_ids(_get(client, scene.national, fsort="read_median_hours", fdir="asc"))) == 3


# ---- the charts' data ----------------------------------------------------------------------------------

def _chart_data(response) -> dict:
    body = response.content.decode()
    match = re.search(r'<script id="stats-data" type="application/json">(.*?)</script>', body, re.S)
    return json.loads(match.group(1))


def test_chart_data_one_line_per_agency_and_bars(client, scene):
    data = _chart_data(_get(client, scene.province))
    period = periods.current()
    from dabir.core.jalali import MONTHS
    assert data["index"]["labels"][-1].startswith(MONTHS[period.n - 1])
    assert {d["label"] for d in data["index"]["datasets"]} == {scene.kh1.agency.name, scene.kh2.agency.name}
    # months without letters have no point (the formula would give the connection alone)
    for dataset in data["index"]["datasets"]:
        assert dataset["data"][-1] is not None and all(v is None for v in dataset["data"][:-1])
    at = data["paper"]["labels"].index(scene.kh1.agency.name)
    assert (data["paper"]["electronic"][at], data["paper"]["paper"][at]) == (2, 1)
    assert data["pages"]["data"][data["pages"]["labels"].index(scene.kh1.agency.name)] == 2.0


def test_more_than_eight_agencies_chart_the_average_and_the_ends(client, scene):
    from dabir.stats.models import AgencyMonth
    from dabir.stats.periods import current

    for i in range(7):
        agency = Agency.objects.create(name=f"اداره کل آزمون {i}", code=f"DASH{i}", province="خوزستان")
        # Letters of the month as the roll-up holds them: an agency without letters has no index to chart.
        AgencyMonth.objects.create(agency=agency, month=current().month_keys[0], letters_in=10, in_network=i + 1,
                                   in_post=9 - i)
    data = _chart_data(_get(client, scene.national))
    labels = [d["label"] for d in data["index"]["datasets"]]
    assert labels[0] == "میانگین دستگاه‌ها" and len(labels) == 7
    assert data["index"]["datasets"][0]["average"] is True


# ---- statements ---------------------------------------------------------------------------------------

def test_statements_do_not_grow_with_the_letters(client, scene):
    client.force_login(scene.national)
    client.get(URL)  # warm-up: the session, content types

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    with_few = count()
    for i in range(27):
        register_incoming(scene.kh1 if i % 2 else scene.kh2, channel="network" if i % 3 else "post")
    aggregate.refresh()
    assert Letter.objects.count() == 33
    assert count() == with_few
    assert with_few < 60


# ---- the figure filter --------------------------------------------------------------------------------

def test_figures_are_written_by_unit():
    assert format_figure(1234567, "letters_in") == "۱٬۲۳۴٬۵۶۷"
    assert format_figure(40.5, "in_electronic_share") == "۴۰٫۵٪"
    assert format_figure(100.0, "in_electronic_share") == "۱۰۰٪"
    assert format_figure(24.0, "read_median_hours") == "≤ ۲۴ ساعت"
    assert format_figure(0.25, "read_p90_hours") == "≤ ۰٫۲۵ ساعت"
    assert format_figure(math.inf, "act_p90_hours") == "بیش از ۳۰ روز"
    assert format_figure(None, "act_p90_hours") == "—"
    assert format_figure(True, "connected") == "بله" and format_figure(False, "connected") == "خیر"
    assert format_figure(1.25, "pages_per_letter") == "۱٫۲۵"
    assert format_figure(4.5, "satisfaction") == "۴٫۵"
    assert (rank_change(None), rank_change(2), rank_change(-1), rank_change(0)) == ("جدید", "▲ ۲", "▼ ۱", "=")
