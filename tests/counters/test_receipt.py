"""The receipt (رسید) of a counter submission as a PDF, on A5 and on an 80 mm thermal roll: read back with
pdftotext (Persian text, the Jalali date-time in Persian digits, the tracking code, the fees) and pypdf
(the page size); and the receipt page the operator prints from the browser."""

import re
import shutil
import subprocess

import pytest
from django.test import Client
from pypdf import PdfReader

from dabir.core.jalali import format_date
from dabir.counters import receipt, services
from dabir.counters.models import Submission

from .conftest import CITIZEN_NC
from .test_filing import ANSWERS, uploads, verified_visit

pytestmark = pytest.mark.django_db

MM = 72 / 25.4  # PDF points per millimetre
BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def paid_submission(counter, agency_fee=0) -> Submission:
    if agency_fee:
        counter.service.current_version.definition["fees"] = {"counter": agency_fee}
        counter.service.current_version.save()
    visit = verified_visit(counter)
    sub = services.submit_request(user=counter.operator, visit=visit, service=counter.service, data=ANSWERS,
                                  uploads=uploads())
    services.pay_by_card(user=counter.operator, submission=sub, reference="۴۴۵۵۶۶۷۷", card_mask="6219-86**-****-4321")
    sub.refresh_from_db()
    return sub


def pdf_text(data: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "receipt.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    return BIDI.sub("", out.stdout.decode("utf-8"))


def page_mm(data: bytes, tmp_path) -> tuple[int, float, float]:
    path = tmp_path / "size.pdf"
    path.write_bytes(data)
    reader = PdfReader(str(path))
    box = reader.pages[0].mediabox
    return len(reader.pages), float(box.width) / MM, float(box.height) / MM


@pytest.mark.parametrize("size", ["a5", "roll"])
def test_the_pdf_says_everything_in_persian(counter, tmp_path, size):
    sub = paid_submission(counter, agency_fee=150_000)
    text = pdf_text(receipt.render_pdf(sub, size), tmp_path)
    assert "رسید دفتر پیشخوان دولت" in text
    assert counter.office.name in text and "۲۱۰۰۱" in text  # office name and code
    assert format_date(sub.paid_at) in text  # the Jalali date, Persian digits: ۱۴۰۵/۰۹/۱۴
    assert re.search(r"[۰-۹]{2}:[۰-۹]{2}", text)  # and the time
    assert not re.search(r"20\d\d[-/]\d", text) and not re.search(r"[0-9]{4}/[0-9]{2}/", text)  # no Gregorian or Latin date
    code = sub.tracking_code
    assert f"{code[:3]}-{code[3:6]}-{code[6:]}" in text
    assert "۱۵۰٬۰۰۰" in text and "۲۵٬۰۰۰" in text and "۱۷۵٬۰۰۰" in text  # agency fee, counter fee, total
    assert "کارت‌خوان دفتر" in text.replace("کارتخوان", "کارت‌خوان") and "۴۴۵۵۶۶۷۷" in text
    assert "مریم کریمی" in text and CITIZEN_NC not in text and "۰۸۷" in text  # the national code masked
    assert counter.service.title in text and counter.world.agency.name in text
    assert f"/services/track/?code={code}" in text


def test_a5_is_a5_and_the_roll_is_80_mm_wide_and_one_strip(counter, tmp_path):
    sub = paid_submission(counter)
    pages, width, height = page_mm(receipt.render_pdf(sub, "a5"), tmp_path)
    assert pages == 1 and round(width) == 148 and round(height) == 210
    pages, width, height = page_mm(receipt.render_pdf(sub, "roll"), tmp_path)
    assert pages == 1 and round(width) == 80
    assert receipt.ROLL_MIN_MM <= height < 400  # as long as the receipt, not a fixed long page


def test_a_long_receipt_stays_on_one_strip(counter, tmp_path):
    sub = paid_submission(counter)
    _, _, short = page_mm(receipt.render_pdf(sub, "roll"), tmp_path)
    sub.office.address = "اهواز، " + "کوچه شهید فلانی، " * 40 + "پلاک ۱۲"
    pages, width, height = page_mm(receipt.render_pdf(sub, "roll"), tmp_path)
    assert pages == 1 and round(width) == 80 and height > short + 20


def test_the_masked_national_code():
    assert receipt.mask_national_code("0087654321") == "008*****21"
    assert receipt.mask_national_code("۰۰۸۷۶۵۴۳۲۱") == "008*****21"
    assert receipt.mask_national_code("123") == "***"


def test_the_pdf_over_http(counter, tmp_path):
    sub = paid_submission(counter)
    client = Client()
    client.force_login(counter.operator)
    for size, width in (("a5", 148), ("roll", 80), ("anything", 148)):
        response = client.get(f"/counters/desk/submissions/{sub.pk}/receipt.pdf", {"size": size})
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert "private" in response["Cache-Control"] and sub.tracking_code in response["Content-Disposition"]
        assert round(page_mm(response.content, tmp_path)[1]) == width


def test_the_receipt_page_prints_at_either_size(counter):
    sub = paid_submission(counter)
    client = Client()
    client.force_login(counter.operator)
    for size in ("a5", "roll"):
        page = client.get(f"/counters/desk/submissions/{sub.pk}/receipt/", {"size": size})
        body = page.content.decode()
        assert page.status_code == 200 and f"counters/receipt-{size}.css" in body and "data-print" in body
        assert format_date(sub.paid_at) in body and "۲۵٬۰۰۰" in body
        assert '<html lang="fa" dir="rtl">' in body and "<script>" not in body and "style=" not in body  # the CSP


def test_a_letter_filed_at_the_counter_has_its_receipt_too(counter, tmp_path):
    """The letters part sends its filings to the same submission page: the receipt names the letter and
    points to the counters' own tracking page."""
    from dabir.letters.services import Upload
    from tests.factories import PDF_BYTES

    letter = services.file_letter(user=counter.operator, visit=verified_visit(counter), agency=counter.world.agency,
                                  subject="درخواست مرمت راه روستا", scans=[Upload(name="n.pdf", content=PDF_BYTES)])
    sub = Submission.objects.get(counter_letter=letter)
    services.pay_by_card(user=counter.operator, submission=sub, reference="31415926")
    sub.refresh_from_db()
    text = pdf_text(receipt.render_pdf(sub, "roll"), tmp_path)
    assert "درخواست مرمت راه روستا" in text and counter.world.agency.name in text and "۱۵٬۰۰۰" in text
    assert f"/counters/track/?code={sub.tracking_code}" in text
    client = Client()
    client.force_login(counter.operator)
    page = client.get(f"/counters/desk/submissions/{sub.pk}/")
    assert page.status_code == 200 and "درخواست مرمت راه روستا" in page.content.decode()
