"""Supervision reports on paper: the ranking PDF and one agency's report PDF on the supervising office's
letterhead, the leading secretariats page and the certificate of recognition (لوح تقدیر).

Figures come from real letters (registered, referred, printed through the letters' services) and
aggregate.refresh(); the PDFs are read back with pdftotext (Persian text, Jalali dates, Persian digits)
and pypdf (page size). Access: a province supervisor sees their province only, a national one every
agency, an agency's manager their own agency's report and nothing else.

Set DABIR_REPORT_SHOTS=<dir> to keep each PDF and a PNG of its first page there (to look at).
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from dabir.core.jalali import format_date, today
from dabir.core.models import AuditEntry
from dabir.core.text import to_persian_digits
from dabir.letters import services as letters
from dabir.orgs.models import Agency
from dabir.stats import aggregate, selectors
from dabir.stats.models import IndexWeights, Level, Supervisor
from dabir.stats.names import AuditAction
from dabir.stats.periods import current
from tests.factories import make_user, make_world, register_incoming

pytestmark = pytest.mark.django_db

BIDI = re.compile("[\u200c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
MM = 72 / 25.4
LOOSE = re.compile(r"[\s،:؛.()]+")


def pdf_text(data: bytes, tmp_path, name="report.pdf") -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / name
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    _keep(name, data)
    return BIDI.sub("", out.stdout.decode("utf-8"))


def flat(text: str) -> str:
    """Without zero-width marks and with one space between words (lines wrap anywhere)."""
    return Text(re.sub(r"\s+", " ", BIDI.sub("", text)))


class Text(str):
    """Extracted text, searched as pdftotext writes it: without half-spaces, the ligature «لا» read
    back as «ال», digits Persian (names are written with Persian digits in the PDFs)."""

    def __contains__(self, phrase) -> bool:
        # Spaces and punctuation beside a run of digits are not kept where they were: compare without.
        phrase = to_persian_digits(BIDI.sub("", phrase).replace("لا", "ال"))
        return str.__contains__(LOOSE.sub("", self), LOOSE.sub("", phrase))


def _keep(name: str, data: bytes) -> None:
    where = os.environ.get("DABIR_REPORT_SHOTS")
    if not where or shutil.which("pdftoppm") is None:
        return
    folder = Path(where)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(folder / name),
                    str(folder / name.removesuffix(".pdf"))], check=True)


def page_mm(data: bytes, tmp_path) -> tuple[int, float, float]:
    path = tmp_path / "size.pdf"
    path.write_bytes(data)
    reader = PdfReader(str(path))
    box = reader.pages[0].mediabox
    return len(reader.pages), float(box.width) / MM, float(box.height) / MM


def _letters(world, n: int, channel: str, *, manager_refers: bool = False):
    for i in range(n):
        letter = register_incoming(world, channel=channel, subject=f"نامه {i}")
        if manager_refers:
            letters.refer(user=world.clerk, seat=world.seat(world.clerk_pos), letter=letter,
                          targets=[letters.ReferralSpec(position_id=world.manager_pos.id, note="بررسی")])
            letters.refer(user=world.manager, seat=world.seat(world.manager_pos), letter=letter,
                          targets=[letters.ReferralSpec(position_id=world.expert_pos.id, note="اقدام")])


@pytest.fixture
def scene(db):
    """Three Khuzestan agencies and one in Tehran, with indexes 80, 60, 20 and 60 this month (default
    weights: incoming 20, managers 10, printing 10 and connection 10 measured):
    A — letters by the network, its manager refers in the system (1+1+1+0 → 80);
    B — letters by the network, its manager never uses the system (60);
    C — letters by post (20);  D (Tehran) — by the network (60).
    A province supervisor of Khuzestan, a national supervisor, and A's manager."""
    a = make_world("اداره کل الف")
    b = make_world("اداره کل ب")
    c = make_world("اداره کل ج")
    d = make_world("اداره کل تهران")
    Agency.objects.filter(pk=d.agency.pk).update(province="تهران")
    d.agency.refresh_from_db()
    _letters(a, 3, "network", manager_refers=True)
    _letters(b, 2, "network")
    _letters(c, 2, "post")
    _letters(d, 2, "network")
    aggregate.refresh()
    office = Agency.objects.create(name="استانداری خوزستان", code="KHZ-GOV", province="خوزستان")
    national_office = Agency.objects.create(name="دبیرخانه نظارت نهاد ریاست جمهوری", code="NAT-SUP", province="تهران")
    province_sup = make_user(first_name="سارا", last_name="ناظری")
    Supervisor.objects.create(user=province_sup, level=Level.PROVINCE, province="خوزستان", office=office)
    national_sup = make_user(first_name="حمید", last_name="کشوری")
    Supervisor.objects.create(user=national_sup, level=Level.NATIONAL, office=national_office)
    return {"a": a, "b": b, "c": c, "d": d, "office": office, "national_office": national_office,
            "province_sup": province_sup, "national_sup": national_sup, "period": current()}


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _get(user, name, *args, period=None, **params):
    query = {"period": period.key if hasattr(period, "key") else period} if period is not None else {}
    return client_for(user).get(reverse(f"stats:{name}", args=args), {**query, **params})


def _audits(action):
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


# ---- the indexes the scene is built for ------------------------------------------------------


def test_the_scene_ranks_as_designed(scene):
    rows = {r.agency.pk: r for r in selectors.ranking(Agency.objects.filter(province="خوزستان"), scene["period"])}
    a, b, c = (rows[scene[k].agency.pk] for k in "abc")
    assert (a.index, b.index, c.index) == (80.0, 60.0, 20.0)
    assert (a.rank, b.rank, c.rank) == (1, 2, 3)
    top, _ = selectors.leaders(Agency.objects.filter(province="خوزستان"), scene["period"])
    assert [r.agency.pk for r in top] == [scene["a"].agency.pk, scene["b"].agency.pk]  # C is third but under 60


def test_the_supervising_office(scene):
    a = scene["a"].agency
    assert selectors.supervising_office(scene["province_sup"]) == scene["office"]
    assert selectors.supervising_office(scene["national_sup"], a) == scene["national_office"]
    assert selectors.supervising_office(scene["a"].manager, a) == scene["office"]  # the province's supervisor
    assert selectors.supervising_office(scene["d"].manager, scene["d"].agency) is None  # none in Tehran
    Supervisor.objects.filter(province="خوزستان").update(active=False)
    assert selectors.supervising_office(scene["a"].manager, a) is None


# ---- the ranking PDF -------------------------------------------------------------------------


def test_ranking_pdf_of_a_province_supervisor(scene, tmp_path):
    period = scene["period"]
    response = _get(scene["province_sup"], "ranking_pdf", period=period)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f"ranking-{period.key}.pdf" in response["Content-Disposition"]
    pages, width, height = page_mm(response.content, tmp_path)
    assert round(width) == 297 and round(height) == 210  # A4 landscape
    text = flat(pdf_text(response.content, tmp_path, "ranking.pdf"))
    assert "استانداری خوزستان" in text and "جمهوری اسلامی ایران" in text  # the letterhead
    assert f"رتبه‌بندی دستگاه‌ها در شاخص سازمان کم‌کاغذ — {period.label}" in text
    for key in "abc":
        assert scene[key].agency.name in text
    assert scene["d"].agency.name not in text  # another province's agency
    assert "۸۰" in text and "۶۰" in text and "۲۰" in text  # the indexes, Persian digits
    assert format_date(today()) in text and not re.search(r"[0-9]{4}/[0-9]{2}/", text)  # Jalali, Persian digits
    assert "سارا ناظری" in text  # who issued it
    assert "وزن‌ها" in text and "روش محاسبه" in text and "Σ" in text  # the weights and the formula
    (entry,) = _audits(AuditAction.REPORT_EXPORT)
    assert entry.actor == scene["province_sup"]
    assert entry.data == {"report": "ranking", "period": period.key, "agencies": 4}  # A, B, C and the office


def test_ranking_pdf_of_the_national_supervisor_has_every_province(scene, tmp_path):
    response = _get(scene["national_sup"], "ranking_pdf", period=scene["period"])
    text = flat(pdf_text(response.content, tmp_path))
    assert response.status_code == 200
    for key in "abcd":
        assert scene[key].agency.name in text
    assert "دبیرخانه نظارت نهاد ریاست جمهوری" in text and "تهران" in text


def test_the_ranking_shows_a_province_s_own_weights(scene, tmp_path):
    IndexWeights.objects.create(province="خوزستان", incoming=40, managers=5)
    text = flat(pdf_text(_get(scene["province_sup"], "ranking_pdf", period=scene["period"]).content, tmp_path))
    assert "وارده الکترونیکی ۴۰" in text and "کاربری مدیران ۵" in text


def test_ranking_pdf_is_for_supervisors_only(scene):
    for user in (scene["a"].manager, scene["a"].clerk):
        response = _get(user, "ranking_pdf", period=scene["period"])
        assert response.status_code == 403
        assert "دفتر نظارت" in response.content.decode()
    assert not _audits(AuditAction.REPORT_EXPORT)
    response = Client().get(reverse("stats:ranking_pdf"))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("bad", ["1405-13", "abc", "14051", "1405-Q5", "2026-01"])
def test_a_bad_period_is_a_persian_400(scene, bad):
    a = scene["a"].agency.pk
    for user, name, args in ((scene["province_sup"], "ranking_pdf", ()), (scene["a"].manager, "agency_pdf", (a,)),
                             (scene["province_sup"], "certificate", (a,))):
        response = _get(user, name, *args, period=bad)
        assert response.status_code == 400, (name, bad)
        assert "text/html" in response["Content-Type"]
        assert "دوره" in response.content.decode() or "سال" in response.content.decode()
    assert not AuditEntry.objects.filter(action__in=[AuditAction.REPORT_EXPORT, AuditAction.CERTIFICATE_ISSUE]).exists()


def test_persian_digits_in_the_period_are_accepted(scene):
    key = scene["period"].key.replace("-", "/")
    response = _get(scene["province_sup"], "ranking_pdf", period=to_persian_digits(key))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


# ---- one agency's report ---------------------------------------------------------------------


def test_a_manager_gets_their_own_agency_s_report(scene, tmp_path):
    a, period = scene["a"], scene["period"]
    response = _get(a.manager, "agency_pdf", a.agency.pk, period=period)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    pages, width, height = page_mm(response.content, tmp_path)
    assert round(width) == 210 and round(height) == 297  # A4 portrait
    text = flat(pdf_text(response.content, tmp_path, "agency.pdf"))
    assert a.agency.name in text and period.label in text
    assert "استانداری خوزستان" in text  # the province supervisor's letterhead, for a manager too
    assert "۸۰" in text and "رتبه ۱ از ۳ در استان خوزستان" in text  # among A, B, C (the office has no letters: no index)
    for group in ("نامه‌ها", "کاغذ و چاپ", "ارجاع‌ها", "میز خدمت"):
        assert group in text
    assert "نامه‌های وارده" in text and "سهم وارده الکترونیکی" in text and "۱۰۰٪" in text
    assert "جایی که امتیاز از دست می‌رود" in text and "اتصال به شبکه تبادل" in text
    assert "روند ماه‌به‌ماه" in text
    assert scene["b"].agency.name not in text and scene["c"].agency.name not in text  # no other agency's figures
    assert format_date(today()) in text and "علی مدیری" in text
    (entry,) = _audits(AuditAction.REPORT_EXPORT)
    assert entry.actor == a.manager and entry.object_id == str(a.agency.pk)
    assert entry.data == {"report": "agency", "period": period.key, "index": 80.0, "rank": 1}


def test_a_manager_is_refused_another_agency_s_report(scene):
    response = _get(scene["a"].manager, "agency_pdf", scene["b"].agency.pk, period=scene["period"])
    assert response.status_code == 403 and "مجاز نیست" in response.content.decode()
    response = _get(scene["a"].clerk, "agency_pdf", scene["a"].agency.pk, period=scene["period"])
    assert response.status_code == 403  # a clerk is no manager
    response = _get(scene["a"].manager, "agency_pdf", 999999, period=scene["period"])
    assert response.status_code == 404 and "پیدا نشد" in response.content.decode()
    assert not _audits(AuditAction.REPORT_EXPORT)


def test_a_province_supervisor_gets_reports_of_their_province_only(scene, tmp_path):
    sup = scene["province_sup"]
    response = _get(sup, "agency_pdf", scene["c"].agency.pk, period=scene["period"])
    assert response.status_code == 200
    text = flat(pdf_text(response.content, tmp_path))
    assert scene["c"].agency.name in text and "رتبه ۳ از ۳ در استان خوزستان" in text  # the office, without letters, is unranked
    assert _get(sup, "agency_pdf", scene["d"].agency.pk, period=scene["period"]).status_code == 403


def test_a_report_without_a_supervising_office_carries_a_plain_heading(scene, tmp_path):
    d = scene["d"]
    response = _get(d.manager, "agency_pdf", d.agency.pk, period=scene["period"])
    text = flat(pdf_text(response.content, tmp_path))
    assert "دبیرخانه نظارت استان تهران" in text and d.agency.name in text


def test_a_period_without_letters_still_reports(scene, tmp_path):
    period = scene["period"].previous()
    response = _get(scene["a"].manager, "agency_pdf", scene["a"].agency.pk, period=period)
    assert response.status_code == 200
    assert period.label in flat(pdf_text(response.content, tmp_path))


# ---- leading secretariats and the certificate --------------------------------------------------


def test_the_leaders_page(scene):
    response = _get(scene["province_sup"], "leaders", period=scene["period"])
    assert response.status_code == 200
    html = response.content.decode()
    table = html.split('id="leaders"')[1].split("</table>")[0]
    assert scene["a"].agency.name in table and scene["b"].agency.name in table
    assert scene["c"].agency.name not in table and scene["d"].agency.name not in html
    assert scene["c"].agency.name in html.split('id="short"')[1]  # third, under the bar
    a = scene["a"].agency.pk
    assert f"{reverse('stats:certificate', args=[a])}?period={scene['period'].key}" in html
    assert "۶۰" in html and "دبیرخانه‌های برتر" in html


def test_the_leaders_page_with_a_bad_period_or_none(scene):
    response = _get(scene["province_sup"], "leaders", period="1405-99")
    assert response.status_code == 400 and 'id="period-error"' in response.content.decode()
    response = _get(scene["province_sup"], "leaders", period="1399")
    assert response.status_code == 200 and 'id="no-leaders"' in response.content.decode()


def test_the_leaders_page_is_for_supervisors_only(scene):
    assert _get(scene["a"].manager, "leaders").status_code == 403
    assert Client().get(reverse("stats:leaders")).status_code == 302


def test_the_certificate_of_a_leader(scene, tmp_path):
    a, period = scene["a"], scene["period"]
    response = _get(scene["province_sup"], "certificate", a.agency.pk, period=period)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    pages, width, height = page_mm(response.content, tmp_path)
    assert pages == 1 and round(width) == 297 and round(height) == 210  # one A4 landscape page
    text = flat(pdf_text(response.content, tmp_path, "certificate.pdf"))
    assert "لوح تقدیر" in text and "استانداری خوزستان" in text
    assert f"بدین‌وسیله از تلاش‌های ارزشمند دبیرخانه {a.agency.name}" in text
    assert period.label in text and "امتیاز ۸۰" in text and "رتبه ۱ استان خوزستان" in text
    assert "سارا ناظری" in text
    (entry,) = _audits(AuditAction.CERTIFICATE_ISSUE)
    assert entry.actor == scene["province_sup"] and entry.object_id == str(a.agency.pk)
    assert entry.data["rank"] == 1 and entry.data["index"] == 80.0 and entry.data["period"] == period.key
    assert entry.data["office"] == scene["office"].pk


def test_the_national_supervisor_ranks_across_the_country(scene, tmp_path):
    response = _get(scene["national_sup"], "certificate", scene["b"].agency.pk, period=scene["period"])
    text = flat(pdf_text(response.content, tmp_path))
    assert "رتبه ۲ کشور" in text and "دبیرخانه نظارت نهاد ریاست جمهوری" in text  # B and D tie at 60, second


def test_no_certificate_for_a_non_leader(scene):
    sup, period = scene["province_sup"], scene["period"]
    response = _get(sup, "certificate", scene["c"].agency.pk, period=period)  # third, but an index of 20
    assert response.status_code == 400
    body = response.content.decode()
    assert "جزو دبیرخانه‌های برتر نیست" in body and "۶۰" in body
    assert _get(sup, "certificate", scene["a"].agency.pk, period=period.previous()).status_code == 400  # no data
    assert _get(sup, "certificate", scene["d"].agency.pk, period=period).status_code == 403  # another province
    assert _get(scene["a"].manager, "certificate", scene["a"].agency.pk, period=period).status_code == 403
    assert _get(sup, "certificate", 999999, period=period).status_code == 404
    assert not _audits(AuditAction.CERTIFICATE_ISSUE)


def test_each_issue_is_audited_and_numbered(scene, tmp_path):
    sup, a = scene["province_sup"], scene["a"].agency
    first = _get(sup, "certificate", a.pk, period=scene["period"])
    second = _get(sup, "certificate", a.pk, period=scene["period"])
    entries = _audits(AuditAction.CERTIFICATE_ISSUE)
    assert len(entries) == 2
    assert to_persian_digits(entries[1].id) in flat(pdf_text(second.content, tmp_path))
    assert first.content != second.content


def test_the_menu_links_the_reports(scene):
    html = client_for(scene["province_sup"]).get(reverse("stats:leaders")).content.decode()
    assert reverse("stats:leaders") in html and reverse("stats:ranking_pdf") in html
    manager = scene["a"].manager
    page = client_for(manager).get("/").content.decode()
    assert reverse("stats:agency_pdf", args=[scene["a"].agency.pk]) in page
    assert reverse("stats:leaders") not in page


def test_a_superuser_without_an_office_gets_a_plain_national_heading(scene, tmp_path):
    root = make_user(first_name="مدیر", last_name="سامانه", is_superuser=True, is_staff=True)
    response = _get(root, "ranking_pdf", period=scene["period"])
    assert response.status_code == 200
    text = flat(pdf_text(response.content, tmp_path))
    assert "دبیرخانه نظارت کشوری" in text and scene["d"].agency.name in text
    (entry,) = _audits(AuditAction.REPORT_EXPORT)
    assert entry.object_id == str(root.pk)
