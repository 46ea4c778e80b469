"""Citizen forms list every error at once at the top, each linked to its field, and refuse dates the
service definition does not allow (not_before / not_after), in Persian, losing nothing typed or
uploaded; the complaint and sign-in forms share the same summary."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dabir.core import jalali
from dabir.core.errors import DomainError
from dabir.core.jalali_forms import picker_day
from dabir.desk import services
from dabir.desk.answers import validate_answers
from dabir.desk.definition import parse_definition
from dabir.desk.models import Category, Complaint, DeskProfile, ServiceRequest
from tests.factories import PDF_BYTES, PNG_BYTES, make_world

from .pages_fixtures import answers, citizen_client, form_data, make_citizen, permit_definition

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 5)  # 1405/09/14


def html(response) -> str:
    return response.content.decode()


def text(response) -> str:
    words = re.sub(r"<[^>]+>", " ", html(response))
    words = re.sub("[\u200e\u200f\u2066-\u2069]", "", words)
    return re.sub(r"\s+", " ", words)


def summary_links(page: str) -> list[tuple[str, str]]:
    box = re.search(r'<div class="alert alert-danger error-summary"[^>]*id="error-summary">(.*?)</div>', page, re.S)
    assert box, "no error summary on the page"
    return [(href, re.sub(r"<[^>]+>|\s+", " ", label).strip())
            for href, label in re.findall(r'<a class="link-danger" href="#([^"]+)">(.*?)</a>', box.group(1), re.S)]


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(jalali, "today", lambda: TODAY)


def dated_definition(world):
    d = permit_definition(world)
    form = [f for f in d["form"] if f["name"] != "deed_date"]
    form.insert(4, {"name": "deed_date", "label": "تاریخ سند", "type": "jalali_date", "not_after": "today"})
    form.insert(5, {"name": "start_date", "label": "تاریخ شروع کار", "type": "jalali_date",
                    "not_before": "today+1", "not_after": "today+90"})
    d["form"] = form
    return d


@pytest.fixture
def desk():
    world = make_world("شهرداری آزمون")
    Category.objects.get_or_create(slug="urban", defaults={"name": "شهرسازی و عمران"})
    DeskProfile.objects.create(agency=world.agency, secretariat=world.secretariat,
                               complaints_position=world.manager_pos)
    version = services.publish_service(user=None, definition=dated_definition(world))
    return version.service


@pytest.fixture
def citizen():
    return make_citizen(first_name="سارا", last_name="شهروند")


@pytest.fixture
def client_c(citizen):
    return citizen_client(citizen)


def good(**overrides):
    return answers(**{"f-start_date": "۱۴۰۵/۰۹/۲۰", **overrides})


def open_form(client, service) -> tuple[str, str]:
    response = client.get(f"/services/{service.code}/apply/")
    assert response.status_code == 200
    page = html(response)
    return re.search(r'name="submission_key" value="([0-9a-f]{32})"', page).group(1), page


def post(client, service, key, data, files=None):
    return client.post(f"/services/{service.code}/apply/", {"submission_key": key, **data, **(files or {})})


def test_the_date_input_carries_the_pickers_bounds_and_the_help_says_them(desk, client_c):
    _, page = open_form(client_c, desk)
    start = re.search(r'<input[^>]*id="f-start_date"[^>]*>', page).group(0)
    assert "data-jdp" in start and "data-jdp-only-date" in start
    assert 'data-jdp-min-date="1405/09/15"' in start
    assert f'data-jdp-max-date="{picker_day(TODAY + dt.timedelta(days=90))}"' in start
    assert 'placeholder="مثلاً ۱۴۰۵/۰۱/۱۵"' in start
    deed = re.search(r'<input[^>]*id="f-deed_date"[^>]*>', page).group(0)
    assert 'data-jdp-max-date="1405/09/14"' in deed and "data-jdp-min-date" not in deed
    later = jalali.format_date(TODAY + dt.timedelta(days=90))
    assert f"از ۱۴۰۵/۰۹/۱۵ تا {later}" in re.sub(r"\s+", " ", page)
    assert "(تا امروز)" in re.sub(r"\s+", " ", page)
    assert "dabir/datepicker.js" in page and "jalalidatepicker.min.js" in page


def test_every_error_is_listed_at_once_each_linked_to_its_field_and_nothing_is_lost(desk, client_c):
    key, _ = open_form(client_c, desk)
    bad = good(**{
        "applicant_name": "", "mobile": "12345", "f-parcel_number": "", "f-postal_code": "۱۲۳",
        "f-deed_date": "۱۴۰۵/۱۰/۰۱", "f-start_date": "۱۴۰۵/۰۹/۱۰", "f-floors": "۴۵", "f-usage": "",
    })
    photo = SimpleUploadedFile("front.png", PNG_BYTES, content_type="image/png")
    permit = SimpleUploadedFile("my-permit.pdf", PDF_BYTES, content_type="application/pdf")
    response = post(client_c, desk, key, bad, files={"f-site_photo": photo, "d-old_permit": permit})
    assert response.status_code == 400
    page = html(response)
    links = dict(summary_links(page))
    assert set(links) == {"id-applicant_name", "id-mobile", "f-parcel_number", "f-postal_code", "f-deed_date",
                          "f-start_date", "f-floors", "f-usage"}
    for target in links:  # each link leads to a field on the page
        assert re.search(rf'id="{target}"', page), target
    assert "نمی‌تواند پس از امروز باشد" in links["f-deed_date"] and "تاریخ سند" in links["f-deed_date"]
    assert "نمی‌تواند پیش از ۱۴۰۵/۰۹/۱۵ باشد" in links["f-start_date"]
    assert "تعداد طبقات" in links["f-floors"]
    assert 'tabindex="-1" id="error-summary"' in page  # desk.js moves the focus to it
    # What was typed and uploaded is all still there.
    for typed in ("۱۴۰۵/۱۰/۰۱", "۱۴۰۵/۰۹/۱۰", "۴۵", "12345"):
        assert f'value="{typed}"' in page, typed
    assert "my-permit.pdf" in page and "front.png" in page
    assert ServiceRequest.objects.count() == 0
    # Fixing them all goes on to the check page with the files kept.
    fixed = post(client_c, desk, key, good(**{"applicant_name": "سارا شهروند"}))
    assert fixed.status_code == 302, text(fixed)
    client_c.post(fixed["Location"])
    req = ServiceRequest.objects.get()
    assert req.data["start_date"] == "2026-12-11" and req.data["deed_date"] == "2023-08-08"
    assert sorted(d.name for d in req.documents.all()) == ["front.png", "my-permit.pdf"]


@pytest.mark.parametrize("typed, ok", [
    ("۱۴۰۵/۰۹/۱۴", False),    # today: the rule is today+1
    ("1405/09/15", True),     # the first day allowed, Latin digits
    ("١٤٠٥/٠٩/١٥", True),     # Arabic digits
    ("۱۴۰۵/۱۲/۲۹", False),    # past today+90
    ("۱۳۹۹/۰۱/۰۱", False),
])
def test_a_date_the_definition_does_not_allow_is_refused_on_the_server(desk, client_c, typed, ok):
    key, _ = open_form(client_c, desk)
    response = post(client_c, desk, key, good(**{"f-start_date": typed}),
                    files={"d-old_permit": SimpleUploadedFile("p.pdf", PDF_BYTES, content_type="application/pdf")})
    if ok:
        assert response.status_code == 302, text(response)
        return
    assert response.status_code == 400
    links = dict(summary_links(html(response)))
    assert list(links) == ["f-start_date"]
    assert re.search("«تاریخ شروع کار»: این تاریخ نمی‌تواند (پیش|پس) از ", links["f-start_date"])


def test_validate_answers_reports_all_errors_and_the_first_for_the_api(desk):
    definition = parse_definition(dated_definition(_world_of(desk)))
    data = form_data(good(**{"f-parcel_number": "", "f-start_date": "۱۴۰۰/۰۱/۰۱", "f-floors": "x"}))
    with pytest.raises(DomainError) as caught:
        validate_answers(definition, data, {})
    exc = caught.value
    assert list(exc.errors) == ["parcel_number", "start_date", "floors", "old_permit"]  # in the form's order
    assert exc.field == "parcel_number" and exc.message == exc.errors["parcel_number"]


def _world_of(service):
    from types import SimpleNamespace

    from dabir.orgs.models import Position

    positions = {p.code: p for p in Position.objects.filter(unit__agency=service.agency)}
    version = service.current_version
    stages = version.definition["stages"]
    return SimpleNamespace(agency=service.agency, expert_pos=positions[stages[0]["position"]],
                           manager_pos=positions[version.definition["result"]["signer_position"]])


def test_the_api_still_answers_one_problem_for_a_refused_date(desk, citizen):
    data = form_data(good(**{"f-start_date": "۱۴۰۵/۰۱/۰۱"}))
    with pytest.raises(DomainError) as caught:
        services.submit_request(service=desk, channel="online", national_code=citizen.national_code,
                                mobile=citizen.mobile, data=data, uploads={}, applicant=citizen,
                                applicant_name="سارا شهروند")
    assert caught.value.field == "start_date" and "نمی‌تواند پیش از" in caught.value.message
    assert ServiceRequest.objects.count() == 0


@pytest.mark.parametrize("field, message", [
    ({"name": "d", "label": "روز", "type": "text", "not_before": "today"}, "not_before and not_after"),
    ({"name": "d", "label": "روز", "type": "jalali_date", "not_before": "yesterday"}, "today+N"),
    ({"name": "d", "label": "روز", "type": "jalali_date", "not_after": "1405/13/01"}, "today+N"),
])
def test_the_definition_schema_checks_date_rules(desk, field, message):
    d = dated_definition(_world_of(desk))
    d["form"] = [field]
    with pytest.raises(DomainError) as caught:
        parse_definition(d)
    assert message in caught.value.message and "تعریف خدمت نامعتبر است" in caught.value.message


def test_the_published_schema_declares_the_date_rules():
    from dabir.desk.definition import Definition

    field = Definition.model_json_schema()["$defs"]["FormField"]["properties"]
    assert "not_before" in field and "not_after" in field


def test_complaint_form_lists_all_errors_with_links(desk, client_c):
    response = client_c.post("/services/complaints/new/", {"text": "کوتاه"})
    assert response.status_code == 400
    page = html(response)
    links = summary_links(page)
    targets = [t for t, _ in links]
    assert "id_about" in targets and "id_text" in targets
    for target in targets:
        assert re.search(rf'id="{target}"', page), target
    assert any("شرح شکایت" in label for _, label in links)
    assert "کوتاه" in page and Complaint.objects.count() == 0


def test_citizen_sign_in_lists_both_bad_numbers_with_links(client):
    response = client.post("/citizen/login/", {"action": "request", "national_code": "123", "mobile": "0912"})
    assert response.status_code == 400
    page = html(response)
    targets = [t for t, _ in summary_links(page)]
    assert targets == ["id_national_code", "id_mobile"]
    assert 'id="id_national_code"' in page and 'id="id_mobile"' in page
    assert 'value="123"' in page and 'value="0912"' in page
    assert "dabir/otp.js" in page  # it moves the focus to the summary
    assert "Every error" not in page and "{#" not in page  # the partial's own comment stays out
