"""The counter offices' API over real HTTP with an operator's token: the visit and consent, the quote, a
submission with scans (multipart) or without (JSON), the Idempotency-Key, the card reader, the office's
submissions; bad input answered with Persian problem+json and nothing written; another office's token
gets 404 for this office's ids."""

import json

import pytest
from django.test import Client

from dabir.core.text import to_persian_digits
from dabir.counters.models import LicenceState, Submission, Visit
from dabir.desk.models import ServiceRequest
from dabir.notify.models import SmsMessage
from dabir.payments.models import Payment
from tests.factories import PDF_BYTES
from tests.letters.test_api_helpers import Api, assert_problem, upload

from .conftest import CITIZEN_MOBILE, CITIZEN_NC, consent_code, make_office, make_staff

pytestmark = pytest.mark.django_db

ANSWERS = {"parcel": "12/345", "area": "120", "use": "مسکونی"}


def visit_of(api, **overrides) -> dict:
    body = {"national_code": to_persian_digits(CITIZEN_NC), "mobile": CITIZEN_MOBILE, "name": "مریم کریمی",
            **overrides}
    r = api.post("/api/counters/visits", body)
    assert r.status_code == 201, r.content
    return r.json()


def verified(api) -> int:
    v = visit_of(api)
    code = consent_code(Visit.objects.get(pk=v["id"]))
    r = api.post(f"/api/counters/visits/{v['id']}/verify", {"code": to_persian_digits(code)})
    assert r.status_code == 200 and r.json()["verified"] is True
    return v["id"]


def multipart(api, visit_id, counter, key=None, **extra):
    data = {"visit": str(visit_id), "service": counter.service.code, "expected_total": "25000",
            "data": json.dumps(ANSWERS), "deed": upload("sanad.pdf", PDF_BYTES), **extra}
    headers = {"Idempotency-Key": key} if key else {}
    return api.multipart("/api/counters/submissions", data, **headers)


def nothing_filed():
    return not Submission.objects.exists() and not ServiceRequest.objects.exists()


def test_the_whole_flow_over_the_api(counter):
    api = Api(counter.operator)
    v = visit_of(api)
    assert v["national_code"] == CITIZEN_NC and v["verified"] is False and v["office"] == counter.office.code
    assert SmsMessage.objects.filter(related=f"counters.visit:{v['id']}").exists()
    quote = api.get("/api/counters/quote", {"service": counter.service.code})
    assert quote.status_code == 200
    assert quote.json() | {"title": ""} == {"service": counter.service.code, "title": "", "agency": counter.world.agency.code,
                                            "agency_fee_rials": 0, "counter_fee_rials": 25_000, "total_rials": 25_000,
                                            "schedule_year": counter.schedule.year}
    # before the consent: refused, nothing written
    body = assert_problem(multipart(api, v["id"], counter), 400)
    assert body["errors"][0]["field"] == "code" and nothing_filed()
    code = consent_code(Visit.objects.get(pk=v["id"]))
    assert api.post(f"/api/counters/visits/{v['id']}/verify", {"code": code}).json()["verified"] is True

    r = multipart(api, v["id"], counter, key="till-7:2026-04-01:0001")
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["state"] == "awaiting_payment" and out["total_rials"] == 25_000 and out["office"] == counter.office.code
    assert len(out["tracking_code"]) == 10 and out["national_code"] == CITIZEN_NC[:3] + "*****" + CITIZEN_NC[-2:] and out["receipt_url"] is None
    assert out["tracking_url"].endswith(f"/services/track/?code={out['tracking_code']}")
    assert ServiceRequest.objects.get().documents.count() == 1

    # the same request again with the same key (a lost answer retried): the first one, nothing new
    again = multipart(api, v["id"], counter, key="till-7:2026-04-01:0001")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true" and again.json()["id"] == out["id"]
    assert Submission.objects.count() == 1 and ServiceRequest.objects.count() == 1
    # the same key for another request: 409
    other = multipart(api, v["id"], counter, key="till-7:2026-04-01:0001", service="other-service")
    assert_problem(other, 409)
    assert_problem(multipart(api, v["id"], counter, key="bad key with spaces"), 400)

    paid = api.post(f"/api/counters/submissions/{out['id']}/card-payment",
                    {"reference": "۱۲۳۴۵۶۷۸", "card_mask": "6037-99**-****-1234"})
    assert paid.status_code == 200, paid.content
    assert paid.json()["state"] == "paid" and paid.json()["method"] == "card"
    assert paid.json()["payment_reference"] == "12345678" and paid.json()["receipt_url"].endswith("receipt.pdf")
    assert_problem(api.post(f"/api/counters/submissions/{out['id']}/card-payment", {"reference": "87654321"}), 409)
    assert Payment.objects.count() == 1

    got = api.get(f"/api/counters/submissions/{out['id']}")
    assert got.status_code == 200 and got.json()["state"] == "paid"
    day = api.get("/api/counters/submissions")
    assert day.status_code == 200 and [s["id"] for s in day.json()["items"]] == [out["id"]]
    assert day.json()["total"] == 1
    assert api.get("/api/counters/submissions", {"day": "1390/01/01"}).json()["items"] == []
    pdf = api.get(paid.json()["receipt_url"], {"size": "roll"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    assert_problem(api.get(paid.json()["receipt_url"], {"size": "a4"}), 422)


def test_json_submission_without_files_and_the_wrong_total(counter):
    counter.service.current_version.definition["documents"] = []
    counter.service.current_version.save()
    api = Api(counter.operator)
    visit_id = verified(api)
    body = {"visit": visit_id, "service": counter.service.code, "data": ANSWERS}
    for total, message in ((1000, "۲۵٬۰۰۰"), (-1, "منفی"), ("abc", "عدد")):
        refused = assert_problem(api.post("/api/counters/submissions", {**body, "expected_total": total}), 400)
        assert refused["errors"][0]["field"] == "expected_total" and message in refused["detail"].replace(",", "٬")
    assert nothing_filed()
    r = api.post("/api/counters/submissions", {**body, "expected_total": "۲۵۰۰۰"})
    assert r.status_code == 201, r.content


@pytest.mark.parametrize("body, field", [
    ({"national_code": "0087654322", "mobile": CITIZEN_MOBILE}, "national_code"),
    ({"national_code": "12", "mobile": CITIZEN_MOBILE}, "national_code"),
    ({"national_code": CITIZEN_NC, "mobile": "12345"}, "mobile"),
    ({"national_code": CITIZEN_NC}, "mobile"),
])
def test_bad_visits_write_nothing(counter, body, field):
    r = Api(counter.operator).post("/api/counters/visits", body)
    problem = assert_problem(r, 400 if len(body) == 2 else 422)
    assert problem["errors"][0]["field"] == field
    assert not Visit.objects.exists() and not SmsMessage.objects.exists()


def test_wrong_codes_and_resend(counter):
    api = Api(counter.operator)
    v = visit_of(api)
    consent_code(Visit.objects.get(pk=v["id"]), "123456")
    wrong = assert_problem(api.post(f"/api/counters/visits/{v['id']}/verify", {"code": "654321"}), 400)
    assert "۴ بار دیگر" in wrong["detail"] and wrong["errors"][0]["field"] == "code"
    assert_problem(api.post(f"/api/counters/visits/{v['id']}/verify", {"code": "12"}), 400)
    soon = api.post(f"/api/counters/visits/{v['id']}/resend")
    assert_problem(soon, 429)
    assert int(soon["Retry-After"]) > 0
    assert Visit.objects.get().verified_at is None


def test_bad_submissions_write_nothing(counter):
    api = Api(counter.operator)
    visit_id = verified(api)
    assert assert_problem(multipart(api, visit_id, counter, visit=""), 400)["errors"][0]["field"] == "visit"
    assert_problem(multipart(api, 999999, counter), 404)
    assert assert_problem(multipart(api, visit_id, counter, service=""), 400)["errors"][0]["field"] == "service"
    assert_problem(multipart(api, visit_id, counter, service="nope"), 404)
    missing = api.multipart("/api/counters/submissions", {"visit": str(visit_id), "service": counter.service.code,
                                                          "data": json.dumps(ANSWERS)})
    assert assert_problem(missing, 400)["errors"][0]["field"] == "deed"
    bad_answer = multipart(api, visit_id, counter, data=json.dumps({**ANSWERS, "area": "5"}))
    assert assert_problem(bad_answer, 400)["errors"][0]["field"] == "area"
    assert_problem(api.post("/api/counters/submissions", "[1]"), 422)
    assert_problem(api.post("/api/counters/submissions", "{oops"), 400)
    assert_problem(Client().post("/api/counters/submissions", {}), 401)
    assert_problem(api.get("/api/counters/quote"), 422)
    assert nothing_filed()


def test_a_service_not_outsourced_here(counter):
    from dabir.counters.models import CounterService

    CounterService.objects.filter(service=counter.service).update(offered=False)
    api = Api(counter.operator)
    visit_id = verified(api)
    assert "واگذار نشده" in assert_problem(api.get("/api/counters/quote", {"service": counter.service.code}), 400)["detail"]
    assert "واگذار نشده" in assert_problem(multipart(api, visit_id, counter), 400)["detail"]
    assert nothing_filed()


@pytest.mark.parametrize("state", [LicenceState.SUSPENDED, LicenceState.EXPIRED])
def test_an_inactive_office_is_refused_with_the_reason(counter, state):
    api = Api(counter.operator)
    visit_id = verified(api)
    counter.office.state = state
    counter.office.save()
    for r in (multipart(api, visit_id, counter), api.post("/api/counters/visits", {"national_code": CITIZEN_NC,
                                                                                   "mobile": CITIZEN_MOBILE}),
              api.get("/api/counters/quote", {"service": counter.service.code})):
        assert counter.office.name in assert_problem(r, 403)["detail"]
    assert nothing_filed() and Visit.objects.count() == 1


def test_another_offices_token_gets_404(counter):
    api = Api(counter.operator)
    visit_id = verified(api)
    sub_id = multipart(api, visit_id, counter, key="k-1").json()["id"]
    other = Api(make_staff(make_office("21009", name="دفتر نهم"), "ninth.operator"))
    assert_problem(other.get(f"/api/counters/submissions/{sub_id}"), 404)
    assert_problem(other.post(f"/api/counters/submissions/{sub_id}/card-payment", {"reference": "12345678"}), 404)
    assert_problem(other.post(f"/api/counters/visits/{visit_id}/verify", {"code": "123456"}), 404)
    assert_problem(other.post(f"/api/counters/visits/{visit_id}/resend"), 404)
    assert_problem(multipart(other, visit_id, counter), 404)
    assert assert_problem(multipart(other, 0, counter, key="k-1"), 404)
    assert other.get("/api/counters/submissions").json()["items"] == []
    assert Submission.objects.get().state == Submission.State.AWAITING_PAYMENT and not Payment.objects.exists()
    # not counter staff at all
    assert Api(counter.world.expert).get("/api/counters/submissions").json()["items"] == []
    assert_problem(Api(counter.world.expert).post("/api/counters/visits", {"national_code": CITIZEN_NC,
                                                                           "mobile": CITIZEN_MOBILE}), 403)
