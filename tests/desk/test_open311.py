"""Open311 GeoReport v2 over real HTTP (Django's test client), the way existing clients talk:
form-encoded POSTs with attribute[...] keys, the api_key as a parameter, .json and .xml suffixes."""

import base64
import hashlib
import io
import json
import re
import xml.etree.ElementTree as ET

import httpx
import pytest
from django.core.cache import cache
from django.core.management import call_command

from dabir.accounts.models import User
from dabir.accounts.services import issue_api_token, revoke_api_token
from dabir.core.validators import national_code_check_digit
from dabir.counters.models import CounterService, Staff
from dabir.desk import codes, services
from dabir.desk.models import Channel, DeskProfile, RequestStatus, Service, ServiceRequest
from dabir.letters.models import Kind
from dabir.notify.models import SmsMessage
from tests.counters.conftest import make_office
from tests.factories import PDF_BYTES, PNG_BYTES, make_user

pytestmark = pytest.mark.django_db
BASE = "/open311/v2/"


def national_code(seed: int) -> str:
    nine = f"{seed:09d}"[-9:]
    return nine + str(national_code_check_digit(nine))


APPLICANT = national_code(123456789)


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def report_definition(world, **overrides) -> dict:
    """A municipal-report service an Open311 client can use as is: no required files."""
    d = {
        "code": f"report-{world.agency.code}".lower(),
        "title": "گزارش خرابی معابر",
        "agency": world.agency.code,
        "category": "شکایات شهری",
        "keywords": ["آسفالت", "چاله"],
        "profile": {"description": "ثبت گزارش خرابی آسفالت و چاله در معابر", "channels": ["online", "counter"],
                    "duration_days": 5},
        "form": [
            {"name": "topic", "label": "موضوع", "type": "choice", "choices": ["چاله", "آب‌گرفتگی"]},
            {"name": "street", "label": "نشانی", "type": "text", "max_length": 200},
            {"name": "description", "label": "شرح", "type": "textarea", "required": False},
            {"name": "width", "label": "پهنای خرابی (متر)", "type": "number", "min": 0, "max": 100,
             "required": False},
            {"name": "seen_on", "label": "تاریخ مشاهده", "type": "jalali_date", "required": False},
            {"name": "photo", "label": "عکس", "type": "file", "required": False, "file_types": ["jpg", "png"]},
        ],
        "stages": [
            {"code": "check", "title": "بررسی گزارش", "position": world.expert_pos.code, "deadline_days": 2,
             "outcomes": [{"code": "ok", "label": "ارجاع", "next": "fix"},
                          {"code": "no", "label": "رد", "next": "reject"}]},
            {"code": "fix", "title": "رسیدگی", "position": world.other_pos.code, "deadline_days": 3,
             "outcomes": [{"code": "done", "label": "رسیدگی شد", "next": "approve"}]},
        ],
        "result": {"title": "پاسخ گزارش", "signer_position": world.manager_pos.code,
                   "body": "گزارش {tracking_code} درباره {topic} رسیدگی شد."},
    }
    d.update(overrides)
    return d


def permit_definition(world) -> dict:
    d = report_definition(world, code=f"permit-{world.agency.code}".lower(), title="مجوز حفاری",
                          category="شهرسازی")
    d["form"] = [{"name": "street", "label": "مسیر حفاری", "type": "text"}]
    d["documents"] = [{"code": "route_map", "label": "نقشه مسیر", "file_types": ["pdf"]}]
    d["fees"] = {"online": 0, "counter": 0}
    return d


@pytest.fixture
def desk(world):
    DeskProfile.objects.create(agency=world.agency, secretariat=world.secretariat,
                               complaints_position=world.manager_pos)
    report = services.publish_service(user=None, definition=report_definition(world)).service
    permit = services.publish_service(user=None, definition=permit_definition(world)).service
    operator = make_user(first_name="مهدی", last_name="پیشخوان")
    _token, operator_key = issue_api_token(user=operator, name="دفتر پیشخوان ۱۲۳")
    # A counter operator is a staff account of a licensed office that offers the services (dabir.counters).
    office = make_office("21123")
    Staff.objects.create(office=office, user=operator)
    for service in (report, permit):
        CounterService.objects.create(service=service, offered=True)
    citizen = User.objects.create_user(
        username=f"c{APPLICANT}", is_citizen=True, national_code=APPLICANT, mobile="09121234567",
        first_name="سارا", last_name="شهروند")
    _token, citizen_key = issue_api_token(user=citizen, name="برنامه همراه")
    return {"report": report, "permit": permit, "operator": operator, "operator_key": operator_key,
            "citizen": citizen, "citizen_key": citizen_key, "office": office}


def post_report(client, desk, key=None, **extra):
    data = {
        "api_key": desk["operator_key"] if key is None else key,
        "service_code": desk["report"].code,
        "attribute[topic]": "چاله",
        "attribute[street]": "اهواز، کیانپارس، خیابان ۱۴",
        "attribute[national_code]": APPLICANT,
        "attribute[mobile]": "09121234567",
        "first_name": "سارا", "last_name": "شهروند",
        "description": "چاله بزرگ وسط خیابان",
        "lat": "31.3183", "long": "48.6706",
    }
    data.update(extra)
    return client.post(BASE + "requests.json", data)  # form-encoded, as Open311 clients send it


def error_of(response) -> str:
    body = response.json()
    assert isinstance(body, list) and body[0]["code"] == response.status_code
    return body[0]["description"]


# ---------------------------------------------------------------- services


def test_service_list_in_json_and_xml(client, desk):
    response = client.get(BASE + "services.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "گزارش خرابی معابر".encode() in response.content  # Persian as text, not \u escapes
    rows = {row["service_code"]: row for row in response.json()}
    row = rows[desk["report"].code]
    assert row == {
        "service_code": desk["report"].code, "service_name": "گزارش خرابی معابر",
        "description": "ثبت گزارش خرابی آسفالت و چاله در معابر", "metadata": True, "type": "realtime",
        "keywords": "آسفالت,چاله", "group": "شکایات شهری",
    }
    xml = client.get(BASE + "services.xml")
    assert xml["Content-Type"].startswith("text/xml")
    root = ET.fromstring(xml.content)
    assert root.tag == "services"
    codes_in_xml = {s.findtext("service_code") for s in root.findall("service")}
    assert codes_in_xml == set(rows)
    assert root.find("service").findtext("metadata") == "true"


def test_inactive_services_are_not_listed(client, desk):
    desk["permit"].active = False
    desk["permit"].save()
    listed = {row["service_code"] for row in client.get(BASE + "services.json").json()}
    assert listed == {desk["report"].code}
    response = client.get(BASE + f"services/{desk['permit'].code}.json")
    assert response.status_code == 404


def test_service_definition_attributes(client, desk):
    response = client.get(BASE + f"services/{desk['report'].code}.json")
    assert response.status_code == 200
    body = response.json()
    assert body["service_code"] == desk["report"].code
    attrs = {a["code"]: a for a in body["attributes"]}
    assert [a["order"] for a in body["attributes"]] == list(range(1, len(body["attributes"]) + 1))
    assert attrs["national_code"]["required"] and attrs["national_code"]["variable"]
    assert attrs["mobile"]["datatype"] == "string"
    assert attrs["topic"]["datatype"] == "singlevaluelist"
    assert attrs["topic"]["values"] == [{"key": "چاله", "name": "چاله"}, {"key": "آب‌گرفتگی", "name": "آب‌گرفتگی"}]
    assert attrs["topic"]["description"] == "موضوع"
    assert attrs["street"]["datatype"] == "string" and attrs["street"]["required"] is True
    assert attrs["description"]["datatype"] == "text" and attrs["description"]["required"] is False
    assert attrs["width"]["datatype"] == "number"
    assert attrs["seen_on"]["datatype"] == "datetime"
    assert "values" not in attrs["street"]
    # A file is an attribute a plain client fills with a string (a data URL), required as the service demands.
    assert attrs["photo"]["variable"] is True and attrs["photo"]["required"] is False
    assert attrs["photo"]["datatype"] == "string" and "data:" in attrs["photo"]["datatype_description"]
    permit = client.get(BASE + f"services/{desk['permit'].code}.json").json()
    route_map = next(a for a in permit["attributes"] if a["code"] == "route_map")
    assert route_map["description"] == "نقشه مسیر"
    assert route_map["required"] is True and route_map["variable"] is True and route_map["datatype"] == "string"
    assert route_map["datatype_description"].endswith("مثال: data:application/pdf;base64,<محتوای پرونده>")
    # Every example shown is one the server accepts: the number's is within its range.
    assert attrs["width"]["datatype_description"].endswith("مثال: 0")

    xml = ET.fromstring(client.get(BASE + f"services/{desk['report'].code}.xml").content)
    assert xml.tag == "service_definition"
    topic = next(a for a in xml.find("attributes").findall("attribute") if a.findtext("code") == "topic")
    assert [v.findtext("key") for v in topic.find("values").findall("value")] == ["چاله", "آب‌گرفتگی"]


def test_unknown_service_code(client, desk):
    response = client.get(BASE + "services/no-such-service.json")
    assert response.status_code == 404
    assert "no-such-service" in error_of(response)
    response = post_report(client, desk, service_code="no-such-service")
    assert response.status_code == 404
    assert ServiceRequest.objects.count() == 0
    xml = client.get(BASE + "services/no-such-service.xml")
    assert xml.status_code == 404
    root = ET.fromstring(xml.content)
    assert root.tag == "errors" and root.find("error").findtext("code") == "404"


def test_unsupported_format_and_method(client, desk):
    response = client.get(BASE + "services.csv")
    assert response.status_code == 404
    assert "json" in error_of(response)
    response = client.delete(BASE + "requests.json")
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"
    assert error_of(response)


# ---------------------------------------------------------------- submitting


def test_operator_submits_form_encoded(client, desk, world):
    response = post_report(client, desk, **{"attribute[seen_on]": "2026-05-05T21:30:00Z"})
    assert response.status_code == 201, response.content
    [row] = response.json()
    code = row["service_request_id"]
    assert codes.clean_tracking_code(code) == code
    assert row["account_id"] is None
    assert "کد رهگیری" in row["service_notice"]
    req = ServiceRequest.objects.get(tracking_code=code)
    assert req.channel == Channel.COUNTER and req.applicant is None
    assert req.national_code == APPLICANT and req.mobile == "09121234567"
    assert req.applicant_name == "سارا شهروند"
    assert req.data["street"] == "اهواز، کیانپارس، خیابان ۱۴"
    assert req.data["description"] == "چاله بزرگ وسط خیابان"  # the plain Open311 description
    assert req.data["seen_on"] == "2026-05-06"  # 21:30 UTC is the next day in Tehran
    assert req.letter.kind == Kind.INCOMING and req.letter.number
    assert req.status == RequestStatus.SUBMITTED
    assert SmsMessage.objects.filter(mobile="09121234567", related=f"desk.request:{req.pk}").exists()
    assert req.events.get(kind="submitted").actor == desk["operator"]


def test_identity_as_plain_parameters_and_phone(client, desk):
    response = post_report(client, desk, **{"attribute[national_code]": "", "attribute[mobile]": "",
                                            "national_code": "۱۲۳۴۵۶۷۸۹" + APPLICANT[-1],
                                            "phone": "+98 912 765 4321"})
    assert response.status_code == 201, response.content
    req = ServiceRequest.objects.get(tracking_code=response.json()[0]["service_request_id"])
    assert req.national_code == APPLICANT and req.mobile == "09127654321"


def test_citizen_token_submits_for_the_citizen(client, desk):
    response = post_report(client, desk, key=desk["citizen_key"], first_name="", last_name="",
                           **{"attribute[national_code]": "", "attribute[mobile]": ""})
    assert response.status_code == 201, response.content
    req = ServiceRequest.objects.get(tracking_code=response.json()[0]["service_request_id"])
    assert req.channel == Channel.ONLINE and req.applicant == desk["citizen"]
    assert req.applicant_name == "سارا شهروند"


def test_missing_required_attribute_is_400_with_its_label(client, desk):
    response = post_report(client, desk, **{"attribute[street]": ""})
    assert response.status_code == 400
    assert "«نشانی»" in error_of(response)
    response = post_report(client, desk, **{"attribute[topic]": "زلزله"})
    assert response.status_code == 400
    assert "«موضوع»" in error_of(response)
    response = post_report(client, desk, **{"attribute[width]": "صد"})
    assert response.status_code == 400
    assert "عدد" in error_of(response)
    response = post_report(client, desk, **{"attribute[national_code]": "1234567890"})
    assert response.status_code == 400
    assert "کد ملی" in error_of(response)
    response = post_report(client, desk, **{"attribute[mobile]": ""})
    assert response.status_code == 400
    assert "تلفن همراه" in error_of(response)
    response = post_report(client, desk, service_code="")
    assert response.status_code == 400
    assert "service_code" in error_of(response)
    assert ServiceRequest.objects.count() == 0
    assert SmsMessage.objects.count() == 0


def _data_url(content: bytes, media: str = "application/pdf") -> str:
    return f"data:{media};base64," + base64.b64encode(content).decode()


def test_required_document_sent_as_a_data_url_attribute(client, desk):
    data = {"api_key": desk["operator_key"], "service_code": desk["permit"].code,
            "attribute[street]": "خیابان نادری", "national_code": APPLICANT, "mobile": "09121234567"}
    response = client.post(BASE + "requests.json", data)
    assert response.status_code == 400
    assert "«نقشه مسیر»" in error_of(response)
    for wrong, says in [("https://example.org/map.pdf", "نشانی اینترنتی"), ("نقشه", "data URL"),
                        ("data:application/pdf;base64,@@not base64@@", "base64"),
                        (_data_url(b"MZ\x90\x00 not a pdf"), "")]:
        response = client.post(BASE + "requests.json", {**data, "attribute[route_map]": wrong})
        assert response.status_code == 400, wrong
        assert says in error_of(response)
    assert ServiceRequest.objects.count() == 0

    response = client.post(BASE + "requests.json", {**data, "attribute[route_map]": _data_url(PDF_BYTES)})
    assert response.status_code == 201, response.content
    req = ServiceRequest.objects.get(tracking_code=response.json()[0]["service_request_id"])
    [doc] = req.documents.all()
    assert doc.code == "route_map" and doc.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()


def test_a_body_too_large_is_an_open311_error(client, desk, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = post_report(client, desk, **{"attribute[photo]": _data_url(b"x" * 2000, "image/png")})
    assert response.status_code == 413
    assert "multipart" in error_of(response)
    assert ServiceRequest.objects.count() == 0


def test_required_document_missing_then_sent_as_multipart(client, desk):
    data = {"api_key": desk["operator_key"], "service_code": desk["permit"].code,
            "attribute[street]": "خیابان نادری", "national_code": APPLICANT, "mobile": "09121234567"}
    response = client.post(BASE + "requests.json", data)
    assert response.status_code == 400
    assert "نقشه مسیر" in error_of(response)
    from django.core.files.uploadedfile import SimpleUploadedFile

    data["document[route_map]"] = SimpleUploadedFile("map.pdf", PDF_BYTES, content_type="application/pdf")
    response = client.post(BASE + "requests.json", data)  # multipart
    assert response.status_code == 201, response.content
    req = ServiceRequest.objects.get(tracking_code=response.json()[0]["service_request_id"])
    assert [d.code for d in req.documents.all()] == ["route_map"]


def test_wrong_or_missing_api_key_is_403(client, desk):
    response = post_report(client, desk, key="dbr_not-a-real-key")
    assert response.status_code == 403
    assert "api_key" in error_of(response)
    response = post_report(client, desk, key="")
    assert response.status_code == 403
    token = desk["operator"].api_tokens.get()
    revoke_api_token(token=token, actor=desk["operator"])
    assert post_report(client, desk).status_code == 403
    assert client.get(BASE + "requests.json", {"api_key": "dbr_wrong"}).status_code == 403
    assert client.get(BASE + "requests.json").status_code == 200  # reading needs no key
    assert ServiceRequest.objects.count() == 0


def test_idempotency_key_makes_one_request(client, desk):
    first = post_report(client, desk, idempotency_key="client-42")
    second = post_report(client, desk, idempotency_key="client-42")
    assert first.status_code == second.status_code == 201
    assert first.json()[0]["service_request_id"] == second.json()[0]["service_request_id"]
    assert ServiceRequest.objects.count() == 1


# ---------------------------------------------------------------- reading requests


def test_request_lookup_by_owner_and_by_national_code(client, desk):
    code = post_report(client, desk).json()[0]["service_request_id"]
    response = client.get(BASE + f"requests/{code}.json", {"api_key": desk["operator_key"]})
    assert response.status_code == 200
    [row] = response.json()
    assert row["service_request_id"] == code
    assert row["status"] == "open"
    assert row["service_code"] == desk["report"].code and row["service_name"] == "گزارش خرابی معابر"
    assert row["agency_responsible"] == desk["report"].agency.name
    assert "بررسی گزارش" in row["status_notes"]
    assert row["requested_datetime"].endswith("+03:30")
    assert row["expected_datetime"] and row["updated_datetime"]
    assert row["address"] == "" and row["description"] == "چاله بزرگ وسط خیابان"
    assert row["applicant_name"] == "سارا شهروند" and row["national_code"] == APPLICANT
    # Without a key anyone reads its public form; a national code given must be the applicant's.
    public = client.get(BASE + f"requests/{code}.json").json()[0]
    assert public["service_request_id"] == code and public["status"] == "open"
    assert client.get(BASE + f"requests/{code}.json", {"national_code": APPLICANT}).json() == [public]
    assert client.get(BASE + f"requests/{code}.json", {"national_code": national_code(55)}).status_code == 404
    # The citizen's own token sees it in full (made for their national code at a counter office).
    mine = client.get(BASE + f"requests/{code}.json", {"api_key": desk["citizen_key"]}).json()[0]
    assert mine["description"] == "چاله بزرگ وسط خیابان" and mine["mobile"] == "09121234567"
    # Another operator's key reads only the public form.
    _t, other_key = issue_api_token(user=make_user(), name="دفتر دیگر")
    assert client.get(BASE + f"requests/{code}.json", {"api_key": other_key}).json() == [public]
    # XML as well.
    root = ET.fromstring(client.get(BASE + f"requests/{code}.xml", {"api_key": desk["operator_key"]}).content)
    assert root.tag == "service_requests" and root.find("request").findtext("service_request_id") == code


def test_mistyped_tracking_code_is_refused_before_lookup(client, desk):
    code = post_report(client, desk).json()[0]["service_request_id"]
    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    response = client.get(BASE + f"requests/{wrong}.json")
    assert response.status_code == 404
    assert error_of(response) == codes.WRONG_CODE


def _unused_code() -> str:
    for n in range(10**9, 10**9 + 100):
        nine = str(n)[:9]
        for digit in range(10):
            if codes.is_valid(nine + str(digit)) and not ServiceRequest.objects.filter(
                    tracking_code=nine + str(digit)).exists():
                return nine + str(digit)
    raise AssertionError("no free code")


@pytest.mark.parametrize("key", [None, "operator_key"])
def test_any_id_that_names_no_request_is_a_404_error_list(client, desk, key):
    post_report(client, desk)
    params = {"api_key": desk[key]} if key else {}
    free = _unused_code()
    paths = [
        f"requests/{free}.json", f"tokens/{free}.json",  # well formed, unknown
        "requests/123.json", "requests/abc.json", "tokens/abc.json", "requests/%D9%A1%D9%A2.json",
        "requests/" + "9" * 70 + ".json", "requests/1.2.json", "tokens/a.b.json", "requests/12/34.json",
        "services/no-such-service.json", "services/a.b.json", "services/" + "x" * 70 + ".json",
        "services/%2E%2E.json", "nothing-here.json", "requests/.json",
    ]
    for path in paths:
        response = client.get(BASE + path, params)
        assert response.status_code == 404, (path, response.content)
        assert response["Content-Type"].startswith("application/json"), path
        assert error_of(response), path
    xml = client.get(BASE + "requests/abc.xml", params)
    assert xml.status_code == 404
    root = ET.fromstring(xml.content)
    assert root.tag == "errors" and root.find("error").findtext("code") == "404"
    # A list filtered by ids that name nothing is an empty list, as for any unknown id.
    response = client.get(BASE + "requests.json", {**params, "service_request_id": f"123,abc,{free}"})
    assert response.status_code == 200 and response.json() == []


def test_lookups_are_rate_limited(client, desk, settings):
    settings.DABIR_DESK_TRACK_RATE = (3, 300)
    code = post_report(client, desk).json()[0]["service_request_id"]
    for _ in range(3):
        assert client.get(BASE + f"requests/{code}.json", {"national_code": APPLICANT}).status_code == 200
    response = client.get(BASE + f"requests/{code}.json", {"national_code": APPLICANT})
    assert response.status_code == 429
    assert error_of(response)


def test_token_resource(client, desk):
    code = post_report(client, desk).json()[0]["service_request_id"]
    response = client.get(BASE + f"tokens/{code}.json", {"api_key": desk["operator_key"]})
    assert response.status_code == 200
    assert response.json() == [{"service_request_id": code, "token": code}]


def test_request_list_filters_and_visibility(client, desk, world):
    first = post_report(client, desk).json()[0]["service_request_id"]
    second = post_report(client, desk, **{"attribute[topic]": "آب‌گرفتگی"}).json()[0]["service_request_id"]
    req = ServiceRequest.objects.get(tracking_code=second)
    services.decide_stage(user=world.expert, position_id=world.expert_pos.id, request=req, outcome="no",
                          public_note="این معبر در محدوده شهرداری نیست")
    key = desk["operator_key"]

    def ids(**params):
        response = client.get(BASE + "requests.json", {"api_key": key, **params})
        assert response.status_code == 200, response.content
        return [row["service_request_id"] for row in response.json()]

    assert set(ids()) == {first, second}
    assert ids(status="open") == [first]
    assert ids(status="closed") == [second]
    assert set(ids(status="open,closed")) == {first, second}
    assert ids(service_request_id=second) == [second]
    assert set(ids(service_request_id=f"{first},{second}", status="open")) == {first, second}  # ids win
    assert set(ids(service_code=desk["report"].code)) == {first, second}
    assert ids(service_code=desk["permit"].code) == []
    assert ids(start_date="2000-01-01T00:00:00Z", end_date="2000-02-01T00:00:00Z") == []
    assert set(ids(start_date="2000-01-01T00:00:00+03:30")) == {first, second}
    closed = client.get(BASE + f"requests/{second}.json", {"api_key": key}).json()[0]
    assert closed["status"] == "closed" and "این معبر در محدوده شهرداری نیست" in closed["status_notes"]
    assert closed["expected_datetime"] is None
    # Bad filters are 400s in Persian.
    for params in ({"status": "pending"}, {"start_date": "دیروز"},
                   {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}):
        response = client.get(BASE + "requests.json", {"api_key": key, **params})
        assert response.status_code == 400, params
        assert error_of(response)
    # Staff see the requests referred to their positions; a stranger's token sees none.
    _t, expert_key = issue_api_token(user=world.expert, name="کارشناس")
    staff = client.get(BASE + "requests.json", {"api_key": expert_key}).json()
    assert {r["service_request_id"] for r in staff} == {first, second}
    _t, other_citizen_key = issue_api_token(user=User.objects.create_user(
        username="c" + national_code(77), is_citizen=True, national_code=national_code(77), mobile="09130000000"),
        name="دیگری")
    assert client.get(BASE + "requests.json", {"api_key": other_citizen_key}).json() == []
    stranger = client.get(BASE + f"requests/{first}.json", {"api_key": other_citizen_key}).json()[0]
    assert stranger["description"] == "" and "national_code" not in stranger


PERSONAL = ("applicant_name", "national_code", "mobile")


def test_public_reads_need_no_key_and_leave_out_personal_data(client, desk, world):
    first = post_report(client, desk).json()[0]["service_request_id"]
    second = post_report(client, desk, **{"attribute[topic]": "آب‌گرفتگی"}).json()[0]["service_request_id"]
    req = ServiceRequest.objects.get(tracking_code=second)
    services.decide_stage(user=world.expert, position_id=world.expert_pos.id, request=req, outcome="no",
                          public_note="نشانی آقای شهروند در پلاک ۱۲ است")
    rows = client.get(BASE + "requests.json").json()
    assert {r["service_request_id"] for r in rows} == {first, second}
    assert client.get(BASE + "requests.json", {"status": "closed"}).json()[0]["service_request_id"] == second
    one = client.get(BASE + f"requests/{second}.json").json()
    for row in rows + one:
        assert not set(PERSONAL) & set(row), row
        assert row["description"] == "" and row["address"] == "" and row["media_url"] == ""
        assert "پلاک" not in row["status_notes"]  # the reason written to the applicant
        assert row["service_code"] == desk["report"].code and row["agency_responsible"]
    text = client.get(BASE + "requests.xml").content.decode()
    for personal in (APPLICANT, "09121234567", "سارا", "چاله بزرگ", "اهواز", "پلاک"):
        assert personal not in text
        assert personal not in json.dumps(rows, ensure_ascii=False)
    # The operator who filed them reads them in full.
    full = client.get(BASE + "requests.json", {"api_key": desk["operator_key"]}).json()
    assert {r["national_code"] for r in full} == {APPLICANT}
    assert any("پلاک" in r["status_notes"] for r in full)


def test_an_open311_client_session(client, desk, world):
    """Discovery → services → definition → POST with every attribute → follow the request to its end."""
    discovery = client.get(BASE + "discovery.json").json()
    assert discovery["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    services_list = client.get(BASE + "services.json").json()
    chosen = next(s for s in services_list if s["metadata"] and s["group"] == "شکایات شهری")
    definition = client.get(BASE + f"services/{chosen['service_code']}.json").json()
    # Fill every variable attribute as a generic client would: the first value of lists, sample text.
    samples = {"national_code": APPLICANT, "mobile": "09121234567", "number": "3", "datetime": "2026-05-05T10:00:00+03:30"}
    data = {"api_key": desk["operator_key"], "service_code": chosen["service_code"], "email": "a@example.org"}
    for attr in definition["attributes"]:
        if not attr["variable"] or (not attr["required"] and "data:" in attr["datatype_description"]):
            continue  # an optional file
        if attr["datatype"] == "singlevaluelist":
            value = attr["values"][0]["key"]
        else:
            value = samples.get(attr["code"]) or samples.get(attr["datatype"], "متن نمونه")
        data[f"attribute[{attr['code']}]"] = value
    posted = client.post(BASE + "requests.json", data)
    assert posted.status_code == 201, posted.content
    code = posted.json()[0]["service_request_id"]
    req = ServiceRequest.objects.get(tracking_code=code)
    services.decide_stage(user=world.expert, position_id=world.expert_pos.id, request=req, outcome="ok")
    row = client.get(BASE + f"requests/{code}.json", {"api_key": desk["operator_key"]}).json()[0]
    assert row["status"] == "open" and "رسیدگی" in row["status_notes"]
    req.refresh_from_db()
    services.decide_stage(user=world.other, position_id=world.other_pos.id, request=req, outcome="done")
    req.refresh_from_db()
    services.sign_result(user=world.manager, position_id=world.manager_pos.id, request=req)
    row = client.get(BASE + f"requests/{code}.json", {"api_key": desk["operator_key"]}).json()[0]
    assert row["status"] == "closed"
    assert row["status_notes"].startswith("نتیجه آماده است")


def test_operator_channel(client, desk, world):
    # A service not offered on the channel says so in Persian; an unknown channel is refused.
    response = post_report(client, desk, channel="phone")
    assert response.status_code == 400
    assert "تلفنی" in error_of(response)
    response = post_report(client, desk, channel="online")
    assert response.status_code == 400
    assert "channel" in error_of(response)
    # A call centre submits on the phone channel once the service is offered there (a new version).
    d = report_definition(world)
    d["profile"]["channels"] = ["online", "counter", "phone"]
    services.publish_service(user=None, definition=d)
    response = post_report(client, desk, channel="phone")
    assert response.status_code == 201, response.content
    req = ServiceRequest.objects.get(tracking_code=response.json()[0]["service_request_id"])
    assert req.channel == Channel.PHONE and req.version.number == 2


# ---------------------------------------------------------------- a client that knows only GeoReport v2


class GeoReportClient:
    """An Open311 GeoReport v2 client written from the specification, over real HTTP.

    It knows the resources (services, service definitions, requests, tokens), the attribute fields
    (code, datatype, required, values, datatype_description) and the error list, nothing of Dabir.
    What it sends for an attribute is what a person would type after reading the definition: the
    first value of a list, or the example the datatype_description gives (docs/open311.md: each ends
    with «مثال: …»); for a file example (a data URL) the person attaches a file of that media type.
    """

    EXAMPLE = re.compile(r"مثال: (\S.*)$")

    def __init__(self, base_url: str, api_key: str, files: dict[str, bytes]):
        self.http = httpx.Client(base_url=base_url, timeout=60)
        self.api_key = api_key
        self.files = files

    def read(self, path: str, **params):
        response = self.http.get(path, params=params)
        assert response.status_code == 200, (path, response.status_code, response.text)
        return response.json()

    def answer(self, attr: dict):
        if attr["datatype"] in ("singlevaluelist", "multivaluelist"):
            first = attr["values"][0]["key"]
            return first if attr["datatype"] == "singlevaluelist" else [first]
        found = self.EXAMPLE.search(attr.get("datatype_description") or "")
        example = found.group(1).strip() if found else ""
        if example.startswith("data:"):
            media = example[5:].split(";", 1)[0]
            return f"data:{media};base64," + base64.b64encode(self.files[media]).decode()
        if example:
            return example
        return {"number": "1", "datetime": "2026-05-05T10:00:00+03:30"}.get(attr["datatype"], "متن نمونه")

    def submit(self, service_code: str) -> httpx.Response:
        definition = self.read(f"services/{service_code}.json")
        form = {"api_key": self.api_key, "service_code": service_code}
        for attr in sorted(definition["attributes"], key=lambda a: a["order"]):
            if attr["variable"] and attr["required"]:
                value = self.answer(attr)
                form[f"attribute[{attr['code']}]" + ("[]" if isinstance(value, list) else "")] = value
        return self.http.post("requests.json", data=form)


def _jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("no_lingering_connections")
def test_a_generic_client_submits_to_every_demo_service_and_tracks_it(live_server, settings):
    settings.DABIR_DESK_TRACK_RATE = (100, 300)  # this one client tracks every service from one address
    call_command("demo", "--letters", "26", stdout=io.StringIO())
    citizen = User.objects.create_user(username="c" + national_code(424242), is_citizen=True,
                                       national_code=national_code(424242), mobile="09351112233",
                                       first_name="نیلوفر", last_name="آزمون")
    _token, key = issue_api_token(user=citizen, name="برنامه همراه")
    client = GeoReportClient(live_server.url + BASE, key,
                             {"application/pdf": PDF_BYTES, "image/png": PNG_BYTES, "image/jpeg": _jpeg()})

    listed = client.read("services.json")
    published = Service.objects.filter(active=True, current_version__isnull=False)
    assert {s["service_code"] for s in listed} == set(published.values_list("code", flat=True))
    assert len(listed) >= 10
    demanded = 0
    for service in listed:
        definition = client.read(f"services/{service['service_code']}.json")
        demanded += sum(1 for a in definition["attributes"] if a["required"] and "data:" in a["datatype_description"])
        response = client.submit(service["service_code"])
        assert response.status_code == 201, (service["service_code"], response.text)
        [row] = response.json()
        request_id = row.get("service_request_id") or client.read(f"tokens/{row['token']}.json")[0][
            "service_request_id"]
        assert row["service_notice"]
        # Tracked without a key: public fields only; with the key, in full.
        [public] = client.read(f"requests/{request_id}.json")
        assert public["service_code"] == service["service_code"] and public["status"] == "open"
        assert "national_code" not in public and citizen.national_code not in json.dumps(public)
        [mine] = client.read(f"requests/{request_id}.json", api_key=key)
        assert mine["national_code"] == citizen.national_code and mine["requested_datetime"]
        req = ServiceRequest.objects.get(tracking_code=request_id)
        definition_docs = {d["code"] for d in req.version.definition.get("documents", []) if d.get("required", True)}
        assert definition_docs <= {d.code for d in req.documents.all()}, service["service_code"]
    assert demanded >= 10  # the demo's services demand documents, and each was sent as an attribute
    mine = client.read("requests.json", api_key=key)
    assert len(mine) == len(listed)
    assert {r["service_request_id"] for r in mine} <= {r["service_request_id"] for r in client.read("requests.json")}


def test_an_operator_of_a_suspended_office_is_refused_on_open311_too(client, desk):
    # The counter gate (dabir.counters.policy) stands on every path of a counter submission.
    desk["office"].state = "suspended"
    desk["office"].state_reason = "بازرسی"
    desk["office"].save()
    before = ServiceRequest.objects.count()
    response = post_report(client, desk)
    assert response.status_code == 403
    assert "تعلیق" in error_of(response)
    assert ServiceRequest.objects.count() == before
