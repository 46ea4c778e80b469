"""What a citizen types reaches every generated document in Persian: a request submitted through the
real form pages with a Jalali date and numbers (typed in Persian digits) shows Jalali dates and Persian
digits in the request letter, the signed result PDF and every SMS; codes are shown one way everywhere."""

import re
import subprocess

import pytest

from dabir.core.text import to_persian_digits
from dabir.desk import codes
from dabir.desk.models import Category, DeskProfile, ServiceRequest
from dabir.desk.services import publish_service
from dabir.notify.models import SmsMessage
from dabir.signing import codes as verification_codes
from dabir.signing import services as signing
from tests.factories import make_world

from .pages_fixtures import citizen_client, make_citizen, permit_definition

pytestmark = pytest.mark.django_db

ISOLATED = re.compile("\u2066([^\u2069]*)\u2069")
BODY = ("با سلام؛\nبا حفاری {applicant_name} در {street} از تاریخ {from_date} به طول {length} متر و عرض {width} متر "
        "موافقت می‌شود.\nکد رهگیری {tracking_code} — تاریخ صدور {date}")


@pytest.fixture
def dig():
    world = make_world("شهرداری آزمون")
    # Persian names in X.509 must end with a Persian letter; the builder's agency name ends with a digit.
    world.agency.name = f"{world.agency.name} اهواز"
    world.agency.save(update_fields=["name"])
    Category.objects.get_or_create(slug="urban", defaults={"name": "شهرسازی و عمران"})
    DeskProfile.objects.create(agency=world.agency, secretariat=world.secretariat, complaints_position=world.manager_pos)
    definition = permit_definition(
        world, code="dig-permit", title="مجوز حفاری معابر",
        form=[{"name": "street", "label": "نشانی معبر", "type": "text"},
              {"name": "from_date", "label": "از تاریخ", "type": "jalali_date"},
              {"name": "length", "label": "طول حفاری (متر)", "type": "number", "min": 1, "max": 500},
              {"name": "width", "label": "عرض حفاری (متر)", "type": "number", "min": 0.1, "max": 10}],
        documents=[],
        result={"title": "مجوز حفاری", "signer_position": world.manager_pos.code, "body": BODY},
    )
    service = publish_service(user=None, definition=definition).service
    signing.create_authority(agency=world.agency, name="مرجع گواهی شهرداری")
    signing.issue_certificate(position=world.manager_pos)
    citizen = make_citizen(first_name="سارا", last_name="شهروند")
    return world, service, citizen


def submit_through_pages(service, citizen) -> ServiceRequest:
    client = citizen_client(citizen)
    page = client.get(f"/services/{service.code}/apply/").content.decode()
    key = re.search(r'name="submission_key" value="([0-9a-f]{32})"', page).group(1)
    typed = {"submission_key": key, "applicant_name": "سارا شهروند", "mobile": "۰۹۱۶۱۲۳۴۵۶۷",
             "f-street": "خیابان ۱۲ فروردین", "f-from_date": "۱۴۰۵/۰۹/۲۰", "f-length": "۱۲۰", "f-width": "۲٫۵"}
    response = client.post(f"/services/{service.code}/apply/", typed)
    assert response.status_code == 302, response.content.decode()[:2000]
    review = client.get(response["Location"]).content.decode()
    assert "۱۴۰۵/۰۹/۲۰" in review and "۱۲۰" in review
    assert client.post(response["Location"]).status_code == 302
    return ServiceRequest.objects.get(service=service)


def latin_digits_outside_codes(text: str) -> list[str]:
    return re.findall(r"[0-9]+", ISOLATED.sub("", text))


def pdftotext(data: bytes, tmp_path, *options) -> str:
    path = tmp_path / "result.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", *options, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_request_letter_result_pdf_and_sms_write_jalali_dates_and_persian_digits(dig, tmp_path):
    world, service, citizen = dig
    from dabir.desk import services

    req = submit_through_pages(service, citizen)
    assert req.data["from_date"] == "2026-12-11" and req.data["length"] == 120  # stored as the API speaks

    # The request letter, as registered in the secretariat.
    letter = req.letter
    assert "۱۴۰۵/۰۹/۲۰" in letter.body and "<td>۱۲۰</td>" in letter.body and "<td>۲٫۵</td>" in letter.body
    assert "2026" not in letter.body and "120" not in letter.body
    assert latin_digits_outside_codes(letter.body) == [] and latin_digits_outside_codes(letter.subject) == []
    assert f"\u2066{codes.display(req.tracking_code)}\u2069" in letter.subject

    # The staff's letter page shows the answers the same way.
    staff = citizen_client(world.expert)
    page = staff.get(f"/letters/{letter.id}/").content.decode()
    assert "۱۴۰۵/۰۹/۲۰" in page and "2026-12-11" not in page

    services.decide_stage(user=world.expert, position_id=world.expert_pos.id, request=req, outcome="ok")
    req.refresh_from_db()
    services.sign_result(user=world.manager, position_id=world.manager_pos.id, request=req)
    req.refresh_from_db()
    assert req.status == "completed"
    result = req.result_letter
    assert "از تاریخ ۱۴۰۵/۰۹/۲۰ به طول ۱۲۰ متر و عرض ۲٫۵ متر" in result.body
    assert "خیابان ۱۲ فروردین" in result.body
    assert latin_digits_outside_codes(result.body) == [] and latin_digits_outside_codes(result.subject) == []

    # The signed, numbered permit as the citizen downloads it.
    response = citizen_client(citizen).get(f"/services/my/{req.tracking_code}/result.pdf")
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content
    words = pdftotext(data, tmp_path, "-bbox")
    assert ">۱۴۰۵/۰۹/۲۰</word>" in words and ">۱۲۰</word>" in words and ">۲٫۵</word>" in words
    text = pdftotext(data, tmp_path)
    assert "2026" not in text and "120" not in text
    version = signing.current_version(result)
    # Latin digits only in the codes (tracking and verification) and the verification address.
    allowed = text
    for shown in (codes.display(req.tracking_code), verification_codes.display(version.code), version.code):
        allowed = allowed.replace(shown, "")
    allowed = re.sub(r"https?://\S+", "", allowed)
    assert re.findall(r"[0-9]+", allowed) == []
    # The body greets already: the letter does not greet a second time.
    # (pdftotext writes the lam-alef ligature back as «ال».)
    assert len(re.findall(r"با\s*س(?:لا|ال)م", text)) == 1 and "احترام" not in text

    # Every SMS the citizen got: Persian digits, the code in its one form.
    texts = list(SmsMessage.objects.filter(related=f"desk.request:{req.pk}").values_list("text", flat=True))
    assert len(texts) >= 2
    for sms in texts:
        assert latin_digits_outside_codes(sms) == [], sms
        assert ISOLATED.findall(sms) == [codes.display(req.tracking_code)], sms


def test_tracking_code_is_shown_one_way_on_every_page(dig):
    world, service, citizen = dig
    req = submit_through_pages(service, citizen)
    grouped = codes.display(req.tracking_code)
    shown = f'<bdi dir="ltr" class="code">{grouped}</bdi>'
    client = citizen_client(citizen)
    pages = {
        "confirmation": client.get(f"/services/my/{req.tracking_code}/done/"),
        "request": client.get(f"/services/my/{req.tracking_code}/"),
        "my requests": client.get("/services/my/"),
        # Typing stays forgiving: Persian digits, no separators.
        "track": client.post("/services/track/", {"tracking_code": to_persian_digits(req.tracking_code),
                                                  "national_code": to_persian_digits(citizen.national_code)}),
        "letter (staff)": citizen_client(world.expert).get(f"/letters/{req.letter_id}/"),
        # the request letter's subject carries the code: the inbox shows it as a code too
        "inbox (staff)": citizen_client(world.expert).get("/inbox/"),
    }
    for name, response in pages.items():
        page = response.content.decode()
        assert response.status_code == 200, name
        assert shown in page, name
        assert to_persian_digits(grouped) not in page, name
        if name != "letter (staff)":  # there the letter's «شماره فرستنده» is the code as stored
            assert to_persian_digits(req.tracking_code) not in page, name
