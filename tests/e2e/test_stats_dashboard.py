"""The supervisors' dashboard in a real browser (chromium), at desktop width and on a phone:

a province's supervisor signs in and lands on the dashboard → the charts are drawn (Chart.js, right to
left) → the period is changed from the picker → the ranking is sorted by a click on a header (no page
load: dashboard.js) → the Excel file is downloaded and opened with openpyxl, in the order shown → the
name box filters the rows as it is typed. No Content-Security-Policy violation, no script error.
Screenshots under test-artifacts/e2e/ (and /tmp/dabir-notes/shots/dash/ when that folder exists).
"""

import datetime as dt
import re
import shutil
from pathlib import Path

import openpyxl
import pytest

from dabir.core.jalali import TEHRAN
from dabir.letters.models import Letter
from dabir.stats import aggregate, periods
from tests.browser import PHONE, assert_phone_layout
from tests.factories import make_world, register_incoming
from tests.stats.test_dashboard_pages import Scene

from .test_secretariat_flow import persian_page, text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_lingering_connections")]

SHOTS = Path("/tmp/dabir-notes/shots/dash")
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline"));
});
"""


def _shot(desk, page, step: str) -> None:
    path = desk.shot(page, step)
    if SHOTS.parent.exists():
        SHOTS.mkdir(exist_ok=True)
        shutil.copy(path, SHOTS / path.name)


def _order(page, table: str = "ranking") -> list[str]:
    return page.eval_on_selector_all(f"#{table} tbody tr", "rows => rows.map(r => r.dataset.name)")


def _no_csp_violations(page) -> None:
    assert page.evaluate("window.__csp || []") == []


def _charts_drawn(page) -> None:
    for canvas in ("chart-index", "chart-paper", "chart-pages"):
        page.wait_for_function(f"!!(window.Chart && Chart.getChart(document.getElementById('{canvas}')))")
        box = page.locator(f"#{canvas}").bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100, canvas
    # the chart is drawn right to left, in Vazirmatn, with Persian digits
    options = page.evaluate("""() => { const c = Chart.getChart(document.getElementById('chart-index'));
        return {rtl: c.options.plugins.legend.rtl, reverse: c.options.scales.x.reverse,
                font: Chart.defaults.font.family, tick: c.scales.y.ticks.map(t => t.label).join(' ')}; }""")
    assert options["rtl"] and options["reverse"] and "Vazirmatn" in options["font"]
    assert "۱۰۰" in options["tick"] and not re.search(r"[0-9]", options["tick"])


@pytest.fixture
def scene(db):
    scene = Scene(make_world("استانداری خوزستان"))
    # a third agency of the province, paperless, so sorting has something to turn over
    third = make_world("اداره کل امور مالیاتی")
    for _ in range(3):
        register_incoming(third, channel="network")
    # last month holds one letter of the municipality, so the period picker changes what is shown
    old = Letter.objects.filter(agency=scene.kh2.agency).first()
    Letter.objects.filter(pk=old.pk).update(
        registered_at=dt.datetime.combine(periods.current().previous().start, dt.time(10), TEHRAN))
    aggregate.rebuild()
    scene.third = third
    return scene


def test_a_supervisor_reads_sorts_and_downloads(desk, scene, tmp_path):
    page = desk.sign_in(scene.province)
    page.context.add_init_script(WATCH)
    page.wait_for_url(re.compile(r"/stats/dashboard/"))
    page.reload()
    persian_page(page)
    this = periods.current()
    assert text(page.locator("#period-label")) == this.label
    assert len(_order(page)) == 3 and scene.teh.agency.name not in page.content()
    _charts_drawn(page)
    _shot(desk, page, "1-desktop")

    # the period: last month, from the picker (it submits itself)
    before = this.previous()
    page.locator("#period").select_option(before.key)
    page.wait_for_url(re.compile(rf"period={before.key}"))
    assert text(page.locator("#period-label")) == before.label
    assert text(page.locator("#card-letters")) == "۱"
    page.locator("#period").select_option(this.key)
    page.wait_for_url(re.compile(rf"period={this.key}"))
    assert text(page.locator("#card-letters")) == "۷"

    # sorting: a click on «رتبه» turns the ranking over without loading the page
    shown = _order(page)
    page.evaluate("window.__samePage = true")
    page.locator("#ranking thead a[data-key=rank]").click()
    assert _order(page) == shown[::-1]
    assert page.locator("#ranking thead th[aria-sort]").get_attribute("aria-sort") == "descending"
    # by name, smallest first
    page.locator("#ranking thead a[data-key=agency]").click()
    by_name = _order(page)
    assert by_name != shown[::-1]
    assert by_name == page.evaluate("names => names.slice().sort((a, b) => a.localeCompare(b, 'fa'))", by_name)
    assert page.evaluate("window.__samePage") is True  # sorted in place, no page load
    assert "sort=agency" in page.url and "dir=asc" in page.url
    _shot(desk, page, "2-sorted")

    # the Excel file, in the order shown
    with page.expect_download() as info:
        page.locator("#export-ranking-xlsx").click()
    download = info.value
    assert download.suggested_filename == f"ranking-{this.key}.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    workbook = openpyxl.load_workbook(saved)
    rows = [[c.value for c in row] for row in workbook.active.iter_rows()]
    assert rows[0][3] == "دستگاه"
    assert [r[3] for r in rows[1:]] == by_name
    index = {r[3]: r[5] for r in rows[1:]}
    assert index[scene.third.agency.name] > index[scene.kh2.agency.name]
    assert all(isinstance(v, (int, float)) for v in index.values())

    # the name box filters rows as it is typed (Arabic ي finds Persian ی)
    page.locator("#dash-q").press_sequentially("شهرداري")
    visible = page.eval_on_selector_all("#ranking tbody tr:not([hidden])", "rows => rows.map(r => r.dataset.name)")
    assert visible == [scene.kh2.agency.name]
    assert page.locator("#figures tbody tr:not([hidden])").count() == 1
    _shot(desk, page, "3-filtered")
    page.locator("#dash-q").fill("")
    page.locator("#dash-q").dispatch_event("input")
    assert page.locator("#ranking tbody tr:not([hidden])").count() == 3
    _no_csp_violations(page)


def test_the_dashboard_on_a_phone(desk, scene):
    phone = desk.sign_in(scene.province, viewport=PHONE)
    phone.context.add_init_script(WATCH)
    phone.goto(desk.url("/stats/dashboard/"))
    persian_page(phone)
    assert_phone_layout(phone, "the dashboard")
    _charts_drawn(phone)
    for canvas in ("chart-index", "chart-paper", "chart-pages"):
        assert phone.locator(f"#{canvas}").bounding_box()["width"] <= PHONE["width"]
    # the picker wraps: each field on its own line, the whole width
    boxes = [phone.locator(sel).bounding_box() for sel in ("#period", "#dash-q")]
    assert boxes[1]["y"] > boxes[0]["y"] + boxes[0]["height"] - 1
    # the wide figures table scrolls inside its own box, not the page
    assert phone.evaluate("document.querySelector('#figures').closest('.table-responsive').scrollWidth") > PHONE["width"]
    _shot(desk, phone, "1-phone")
    phone.locator("#ranking thead a[data-key=agency]").click()
    assert phone.locator("#ranking thead th[aria-sort]").get_attribute("aria-sort") == "ascending"
    with phone.expect_download() as info:
        phone.locator("#export-figures-csv").click()
    assert info.value.suggested_filename == f"figures-{periods.current().key}.csv"
    _no_csp_violations(phone)
