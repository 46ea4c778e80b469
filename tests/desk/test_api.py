"""The desk API over real HTTP: public catalogue and tracking, citizens' requests and complaints,
staff decisions; bad input answered with Persian problem+json, never a 500."""

import json

import pytest
from django.core.cache import cache
from django.test import Client

from dabir.desk import codes
from dabir.desk.models import RequestStatus, ServiceRequest
from tests.factories import PDF_BYTES, PNG_BYTES
from tests.letters.test_api_helpers import Api, assert_problem, upload

from .test_services import ANSWERS, definition, make_citizen, setup_desk, submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def desk(world):
    return world, setup_desk(world), make_citizen()


def test_catalogue_profile_schema_and_export_are_public(desk):
    world, service, citizen = desk
    c = Client()
    rows = c.get("/api/desk/catalogue", {"q": "پروانه ساخت"}).json()
    assert [r["code"] for r in rows] == [service.code]
    assert c.get("/api/desk/catalogue", {"q": "گذرنامه"}).json() == []
    assert len(c.get("/api/desk/catalogue", {"agency": world.agency.code, "category": "building"}).json()) == 1
    profile = c.get(f"/api/desk/services/{service.code}").json()
    assert profile["profile"]["description"] and profile["stages"][0]["title"] == "بررسی کارشناسی"
    assert "position" not in profile["stages"][0]
    schema = c.get("/api/desk/definition-schema.json").json()
    assert "stages" in schema["properties"]
    exported = c.get(f"/api/desk/services/{service.code}/definition")
    assert exported.json()["code"] == service.code
    yaml_text = c.get(f"/api/desk/services/{service.code}/definition", {"format": "yaml"}).content.decode()
    assert "stages:" in yaml_text and "پروانه" in yaml_text
    assert_problem(c.get("/api/desk/services/nope"), 404)


def test_import_definition_json_and_yaml_by_agency_admin(desk):
    import yaml

    world, service, citizen = desk
    d = definition(world, code="copy-1", title="رونوشت شناسنامه")
    assert_problem(Api(world.expert).post("/api/desk/definitions", d), 403)
    world.agency.admins.add(world.manager)
    admin = Api(world.manager)
    r = admin.post("/api/desk/definitions", d)
    assert r.status_code == 201 and r.json() == {"code": "copy-1", "version": 1}
    r = admin.client.post("/api/desk/definitions", yaml.safe_dump(d, allow_unicode=True),
                          content_type="application/yaml", headers=admin.headers)
    assert r.status_code == 201 and r.json()["version"] == 2
    body = assert_problem(admin.client.post("/api/desk/definitions", "stages: [unclosed", content_type="application/yaml",
                                            headers=admin.headers), 400)
    assert body["errors"][0]["field"] == "definition"
    bad = dict(d, stages=[])
    assert "stages" in assert_problem(admin.post("/api/desk/definitions", bad), 400)["detail"]
    assert_problem(admin.post("/api/desk/definitions", "{not json"), 400)


def test_citizen_submits_multipart_and_follows_request(desk):
    world, service, citizen = desk
    api = Api(citizen)
    data = {**ANSWERS, "mobile": citizen.mobile, "submission_key": "k-1",
            "deed": upload("sanad.pdf", PDF_BYTES), "map": upload("map.png", PNG_BYTES)}
    r = api.multipart(f"/api/desk/services/{service.code}/requests", data)
    assert r.status_code == 201, r.content
    code = r.json()["tracking_code"]
    assert r.json()["status"] == "submitted" and r.json()["letter_number"]
    again = api.multipart(f"/api/desk/services/{service.code}/requests",
                          {**data, "deed": upload("sanad.pdf", PDF_BYTES), "map": upload("map.png", PNG_BYTES)})
    assert again.status_code == 200 and again.json()["tracking_code"] == code
    assert ServiceRequest.objects.count() == 1
    mine = api.get("/api/desk/requests").json()
    assert [m["tracking_code"] for m in mine] == [code]
    detail = api.get(f"/api/desk/requests/{code}").json()
    assert {d["code"] for d in detail["documents"]} == {"deed", "map"}
    assert [e["kind"] for e in detail["timeline"]] == ["submitted", "stage"]
    # another citizen sees nothing of it
    other = Api(make_citizen(seed=22233344, mobile="09350001122"))
    assert other.get("/api/desk/requests").json() == []
    assert_problem(other.get(f"/api/desk/requests/{code}"), 404)
    # staff tokens are not citizens
    assert_problem(Api(world.expert).get("/api/desk/requests"), 403)


def test_submit_bad_input_keeps_field_and_is_persian(desk):
    world, service, citizen = desk
    api = Api(citizen)
    url = f"/api/desk/services/{service.code}/requests"
    body = assert_problem(api.multipart(url, {**ANSWERS, "area": "۵", "deed": upload("s.pdf", PDF_BYTES)}), 400)
    assert body["errors"][0]["field"] == "area"
    body = assert_problem(api.multipart(url, {**ANSWERS}), 400)
    assert body["errors"][0]["field"] == "deed"
    body = assert_problem(api.multipart(url, {**ANSWERS, "deed": upload("s.pdf", b"MZ" + b"\0" * 90)}), 400)
    assert body["errors"][0]["field"] == "deed"
    body = assert_problem(api.multipart(url, {**ANSWERS, "mobile": "12", "deed": upload("s.pdf", PDF_BYTES)}), 400)
    assert body["errors"][0]["field"] == "mobile"
    body = assert_problem(api.multipart(url, {"data": "{oops", "deed": upload("s.pdf", PDF_BYTES)}), 400)
    assert body["errors"][0]["field"] == "data"
    assert_problem(api.post(url, "[1, 2]"), 422)  # a JSON body must be an object, as everywhere in the API
    r = api.post(url, {"data": {**ANSWERS}})
    assert_problem(r, 400)  # JSON has no files: the deed is missing
    assert_problem(Client().post(url, {}), 401)
    assert not ServiceRequest.objects.exists()


def test_public_tracking_rate_limited_and_code_checked(desk, settings):
    world, service, citizen = desk
    req = submit(service, citizen)
    c = Client()

    def track(code, nc):
        return c.post("/api/desk/track", json.dumps({"tracking_code": code, "national_code": nc}),
                      content_type="application/json")

    ok = track(codes.display(req.tracking_code), citizen.national_code)
    assert ok.status_code == 200 and ok.json()["status"] == "submitted" and ok.json()["timeline"]
    assert "national_code" not in ok.json() and "mobile" not in json.dumps(ok.json())
    assert_problem(track(req.tracking_code, "0012345679"), 404)
    wrong = req.tracking_code[:-1] + str((int(req.tracking_code[-1]) + 1) % 10)
    body = assert_problem(track(wrong, citizen.national_code), 400)
    assert body["errors"][0]["field"] == "tracking_code"
    settings.DABIR_DESK_TRACK_RATE = (3, 300)
    cache.clear()
    for _ in range(3):
        track(req.tracking_code, citizen.national_code)
    limited = track(req.tracking_code, citizen.national_code)
    assert_problem(limited, 429)
    assert limited["Retry-After"] == "300"


def test_documents_cancel_rating_and_result_over_api(desk):
    world, service, citizen = desk
    req = submit(service, citizen)
    api = Api(citizen)
    staff = Api(world.expert)
    listed = staff.get("/api/desk/staff/requests").json()
    assert [r["tracking_code"] for r in listed] == [req.tracking_code] and listed[0]["national_code"]
    assert Api(world.other).get("/api/desk/staff/requests").json() == []
    assert_problem(Api(world.other).get(f"/api/desk/staff/requests/{req.tracking_code}"), 404)
    r = staff.post(f"/api/desk/staff/requests/{req.tracking_code}/request-documents",
                   {"codes": ["map"], "note": "نقشه لازم است"})
    assert r.status_code == 200 and r.json()["status"] == "awaiting_documents"
    assert api.get(f"/api/desk/requests/{req.tracking_code}").json()["requested_documents"] == ["map"]
    body = assert_problem(api.multipart(f"/api/desk/requests/{req.tracking_code}/documents",
                                        {"map": upload("m.png", PDF_BYTES)}), 400)
    assert body["errors"][0]["field"] == "map"
    r = api.multipart(f"/api/desk/requests/{req.tracking_code}/documents", {"map": upload("m.png", PNG_BYTES)})
    assert r.status_code == 200 and r.json()["status"] == "in_progress"
    r = staff.post(f"/api/desk/staff/requests/{req.tracking_code}/decide", {"outcome": "ok", "note": "داخلی"})
    assert r.status_code == 200 and r.json()["stage"] == "تصمیم نهایی"
    assert_problem(staff.post(f"/api/desk/staff/requests/{req.tracking_code}/decide", {"outcome": "ok"}), 403)
    other = Api(world.other)
    assert_problem(other.post(f"/api/desk/staff/requests/{req.tracking_code}/decide", {"outcome": "zzz"}), 400)
    r = other.post(f"/api/desk/staff/requests/{req.tracking_code}/decide", {"outcome": "yes"})
    assert r.json()["status"] == "approved"
    assert_problem(api.get(f"/api/desk/requests/{req.tracking_code}/result.pdf"), 404)
    r = Api(world.manager).post(f"/api/desk/staff/requests/{req.tracking_code}/sign-result", {})
    assert r.status_code == 200 and r.json()["status"] == "completed"
    detail = api.get(f"/api/desk/requests/{req.tracking_code}").json()
    assert detail["result_code"] and "داخلی" not in json.dumps(detail, ensure_ascii=False)
    pdf = api.get(f"/api/desk/requests/{req.tracking_code}/result.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert Client().get(f"/verify/{pdf['X-Dabir-Verify-Code']}").status_code == 200
    body = assert_problem(api.post(f"/api/desk/requests/{req.tracking_code}/rating", {"score": 7}), 400)
    assert body["errors"][0]["field"] == "score"
    assert api.post(f"/api/desk/requests/{req.tracking_code}/rating", {"score": "۵"}).status_code == 201
    assert_problem(api.post(f"/api/desk/requests/{req.tracking_code}/rating", {"score": 5}), 409)
    assert_problem(api.post(f"/api/desk/requests/{req.tracking_code}/cancel", {}), 409)
    second = submit(service, citizen)
    r = api.post(f"/api/desk/requests/{second.tracking_code}/cancel", {"reason": "منصرف شدم"})
    assert r.json()["status"] == RequestStatus.CANCELLED


def test_complaints_over_api(desk):
    world, service, citizen = desk
    req = submit(service, citizen)
    api = Api(citizen)
    r = api.post("/api/desk/complaints", {"about": "request", "agency": world.agency.code, "text": "دیر شد",
                                          "tracking_code": req.tracking_code})
    assert r.status_code == 201 and r.json()["tracking_code"].startswith("9")
    code = r.json()["tracking_code"]
    assert [c["tracking_code"] for c in api.get("/api/desk/complaints").json()] == [code]
    assert api.get(f"/api/desk/complaints/{code}").json()["answer_due"]
    body = assert_problem(api.post("/api/desk/complaints", {"about": "employee", "agency": world.agency.code,
                                                            "text": "x"}), 400)
    assert body["errors"][0]["field"] == "employee_name"
    assert_problem(api.post("/api/desk/complaints", {"about": "agency", "agency": "NOPE", "text": "x"}), 400)
    assert_problem(api.post("/api/desk/complaints", {"about": "agency"}), 422)
    tracked = Client().post("/api/desk/track", json.dumps({"tracking_code": code,
                                                           "national_code": citizen.national_code}),
                            content_type="application/json")
    assert tracked.json()["kind"] == "complaint"


def test_late_list_for_managers_only(desk):
    import datetime as dt

    from dabir.core.jalali import today

    world, service, citizen = desk
    req = submit(service, citizen)
    ServiceRequest.objects.filter(pk=req.pk).update(stage_due=today() - dt.timedelta(days=2))
    rows = Api(world.manager).get("/api/desk/staff/late").json()
    assert [r["tracking_code"] for r in rows] == [req.tracking_code] and rows[0]["late"]
    assert_problem(Api(world.expert).get("/api/desk/staff/late"), 403)
