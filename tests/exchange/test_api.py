"""The exchange's JSON API (/api/exchange/): the arrivals queue, accept and return, the sender's
deliveries and retry, the message log with its raw bytes, the directory and inquiries; each
refusal a Persian problem+json, and what another agency may not see a 404."""

import datetime as dt

import pytest
from django.utils import timezone

from dabir.api import api
from dabir.core.text import to_persian_digits
from dabir.exchange import envelope
from dabir.exchange.models import Arrival, Delivery, Direction, InquiryType, Message, Transfer, TransferState
from dabir.letters import services as letters
from dabir.orgs.services import make_agency_admin
from tests.factories import make_registered, make_user, make_world
from tests.letters.test_api_helpers import Api, assert_problem

from .conftest import drain

pytestmark = pytest.mark.django_db

BASE = "/api/exchange"
IDENTITY_QUESTION = {
    "type": "object", "required": ["national_code", "birth_year"], "additionalProperties": False,
    "properties": {"national_code": {"type": "string", "pattern": "^[0-9]{10}$"}, "birth_year": {"type": "integer"}},
}
IDENTITY_ANSWER = {"type": "object", "required": ["match"], "properties": {"match": {"type": "boolean"}}}


def _send(pair, **kw):
    letter = make_registered(pair.a, kind="outgoing", to=[pair.b.agency.name], **kw)
    letters.dispatch(user=pair.a.clerk, letter=letter, channel="network")
    return letter


@pytest.fixture
def arrived(pair):
    letter = _send(pair, subject="درخواست همکاری در طرح آب‌رسانی")
    assert drain() == ["delivered"]
    return letter, Arrival.objects.get()


@pytest.fixture
def identity(pair):
    return InquiryType.objects.create(code="civil.identity", name="استعلام هویت", member=pair.mb,
                                      question_schema=IDENTITY_QUESTION, answer_schema=IDENTITY_ANSWER)


# ---------------------------------------------------------------- arrivals


def test_the_receiving_clerk_lists_opens_and_accepts_an_arrival(pair, arrived):
    letter, arrival = arrived
    clerk_b = Api(pair.b.clerk)
    page = clerk_b.get(f"{BASE}/arrivals", {"state": "pending"}).json()
    assert page["total"] == 1
    item = page["items"][0]
    assert (item["id"], item["sender_number"], item["subject"]) == (arrival.id, letter.number, letter.subject)
    assert item["sender"]["code"] == pair.ma.code and item["state"] == "pending" and item["letter"] is None
    assert clerk_b.get(f"{BASE}/arrivals", {"state": "accepted"}).json()["total"] == 0

    detail = clerk_b.get(f"{BASE}/arrivals/{to_persian_digits(arrival.id)}").json()  # Persian digits in the path
    assert detail["files"] and all(len(f["sha256"]) == 64 for f in detail["files"])
    assert detail["checks"] and all(c["ok"] for c in detail["checks"]), detail["checks"]

    deadline = (dt.date.today() + dt.timedelta(days=20)).isoformat()
    response = clerk_b.post(f"{BASE}/arrivals/{arrival.id}/accept", {
        "secretariat_id": to_persian_digits(pair.b.secretariat.id),
        "refer_to": [{"position_id": pair.b.manager_pos.id, "action": "action", "note": "بررسی شود",
                      "deadline": deadline}],
    })
    assert response.status_code == 201, response.content
    body = response.json()
    incoming = pair.b.secretariat.letters.get(pk=body["letter_id"])
    assert body["number"] == incoming.number and incoming.sender_number == letter.number
    assert incoming.referrals.get().deadline.isoformat() == deadline
    assert clerk_b.get(f"{BASE}/arrivals/{arrival.id}").json()["letter"] == {"id": incoming.id,
                                                                            "number": incoming.number}

    again = clerk_b.post(f"{BASE}/arrivals/{arrival.id}/accept", {
        "secretariat_id": pair.b.secretariat.id, "refer_to": [{"position_id": pair.b.manager_pos.id}]})
    assert assert_problem(again, 409)["type"].endswith("/decided")

    drain()  # the receipt «ثبت شد» goes back to the sender
    sent = Api(pair.a.clerk).get(f"{BASE}/deliveries", {"letter_id": letter.id}).json()["items"]
    assert [(d["state"], d["their_number"]) for d in sent] == [("registered", incoming.number)]
    assert sent[0]["their_date"] == timezone.localtime(incoming.registered_at).date().isoformat()


def test_another_agency_and_a_non_clerk_get_404_for_an_arrival(pair, arrived):
    _, arrival = arrived
    for user in (pair.a.clerk, pair.b.other):
        client = Api(user)
        assert client.get(f"{BASE}/arrivals").json()["total"] == 0
        assert_problem(client.get(f"{BASE}/arrivals/{arrival.id}"), 404)
        assert_problem(client.post(f"{BASE}/arrivals/{arrival.id}/accept", {
            "secretariat_id": pair.b.secretariat.id, "refer_to": [{"position_id": pair.b.manager_pos.id}]}), 404)
        assert_problem(client.post(f"{BASE}/arrivals/{arrival.id}/return", {"reason": "unreadable"}), 404)
    assert_problem(Api(pair.b.clerk).get(f"{BASE}/arrivals/999999"), 404)
    arrival.refresh_from_db()
    assert arrival.state == "pending"


def test_accepting_refuses_bad_inputs_in_persian(pair, arrived):
    _, arrival = arrived
    clerk_b = Api(pair.b.clerk)
    url = f"{BASE}/arrivals/{arrival.id}/accept"
    manager = [{"position_id": pair.b.manager_pos.id}]
    no_referral = assert_problem(clerk_b.post(url, {"secretariat_id": pair.b.secretariat.id, "refer_to": []}), 400)
    assert no_referral["errors"][0]["field"] == "refer_to"
    missing = assert_problem(clerk_b.post(url, {"secretariat_id": pair.b.secretariat.id}), 422)
    assert missing["errors"][0]["field"] == "refer_to"
    wrong = assert_problem(clerk_b.post(url, {"secretariat_id": pair.a.secretariat.id, "refer_to": manager}), 400)
    assert wrong["errors"][0]["field"] == "secretariat"
    unknown = assert_problem(clerk_b.post(url, {"secretariat_id": 987654, "refer_to": manager}), 400)
    assert unknown["errors"][0]["field"] == "secretariat_id"
    series = assert_problem(clerk_b.post(url, {"secretariat_id": pair.b.secretariat.id, "series_id": 987654,
                                               "refer_to": manager}), 400)
    assert series["errors"][0]["field"] == "series_id"
    assert_problem(clerk_b.post(url, {"secretariat_id": "abc", "refer_to": manager}), 422)
    assert_problem(clerk_b.post(url, b"{not json"), 400)
    arrival.refresh_from_db()
    assert arrival.state == "pending" and arrival.letter is None


def test_returning_an_arrival_tells_the_sender_the_reason(pair, arrived):
    letter, arrival = arrived
    clerk_b = Api(pair.b.clerk)
    url = f"{BASE}/arrivals/{arrival.id}/return"
    assert_problem(clerk_b.post(url, {"reason": "because"}), 422)
    assert assert_problem(clerk_b.post(url, {"reason": "other"}), 400)["errors"][0]["field"] == "note"
    response = clerk_b.post(url, {"reason": "wrong_addressee", "note": "به شهرداری منطقه ۲ بفرستید"})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "returned" and "گیرنده اشتباه" in response.json()["reason"]
    assert_problem(clerk_b.post(url, {"reason": "unreadable"}), 409)
    drain()
    sent = Api(pair.a.clerk).get(f"{BASE}/deliveries", {"state": "returned"}).json()["items"]
    assert [(d["letter"]["id"], d["state"]) for d in sent] == [(letter.id, "returned")]
    assert "منطقه ۲" in sent[0]["reason"]


# ---------------------------------------------------------------- deliveries


def test_the_sender_follows_deliveries_and_sends_a_failed_one_again(pair):
    letter = _send(pair)
    clerk_a = Api(pair.a.clerk)
    queued = clerk_a.get(f"{BASE}/deliveries").json()
    assert queued["total"] == 1 and queued["items"][0]["state"] == "queued"
    assert queued["items"][0]["recipient"] == {"code": pair.mb.code, "name": pair.mb.name}
    delivery = Delivery.objects.get(letter=letter)
    Transfer.objects.filter(pk=delivery.transfer_id).update(state=TransferState.FAILED, attempts=7,
                                                            last_error="connect timeout")
    failed = clerk_a.get(f"{BASE}/deliveries", {"state": "failed"}).json()["items"]
    assert [(d["attempts"], d["last_error"], d["can_retry"]) for d in failed] == [(7, "connect timeout", True)]
    assert clerk_a.get(f"{BASE}/deliveries", {"state": "delivered"}).json()["total"] == 0
    assert_problem(clerk_a.get(f"{BASE}/deliveries", {"state": "lost"}), 422)

    assert_problem(Api(pair.b.clerk).post(f"{BASE}/deliveries/{delivery.id}/retry"), 404)
    assert_problem(Api(pair.a.other).post(f"{BASE}/deliveries/{delivery.id}/retry"), 404)
    again = clerk_a.post(f"{BASE}/deliveries/{delivery.id}/retry")
    assert again.status_code == 200, again.content
    assert again.json()["state"] == "queued"
    assert_problem(clerk_a.post(f"{BASE}/deliveries/{delivery.id}/retry"), 409)  # not failed any more
    assert drain() == ["delivered"]
    assert clerk_a.get(f"{BASE}/deliveries").json()["items"][0]["state"] == "delivered"
    assert Api(pair.b.clerk).get(f"{BASE}/deliveries").json()["total"] == 0


# ---------------------------------------------------------------- the message log


def test_the_message_log_with_raw_bytes_for_those_who_may_see_the_letter(pair, arrived, identity):
    letter, _ = arrived
    admin = make_user(first_name="نگار", last_name="مدیرسامانه")  # an admin outside the letter's chain
    make_agency_admin(actor=None, user=admin, agency=pair.a.agency)
    make_agency_admin(actor=None, user=pair.a.clerk, agency=pair.a.agency)  # the clerk sees the letter too
    log = Api(admin).get(f"{BASE}/messages").json()
    assert log["total"] == Message.objects.count() >= 2
    letters_out = Api(admin).get(f"{BASE}/messages", {"direction": "out", "kind": "letter",
                                                      "member": pair.mb.code.upper()}).json()["items"]
    sent = Message.objects.get(direction=Direction.OUT, kind="letter")
    assert [m["id"] for m in letters_out] == [sent.id]
    assert_problem(Api(admin).get(f"{BASE}/messages", {"kind": "postcard"}), 422)

    detail = Api(admin).get(f"{BASE}/messages/{sent.id}").json()
    assert detail["message_id"] == str(sent.message_id) and detail["transfer_state"] == "delivered"
    assert detail["raw_url"] is None  # the letter's bytes are not the admin's to read
    assert_problem(Api(admin).get(f"{BASE}/messages/{sent.id}/raw"), 403)

    clerk = Api(pair.a.clerk)
    raw_url = clerk.get(f"{BASE}/messages/{sent.id}").json()["raw_url"]
    raw = clerk.get(raw_url)
    assert raw.status_code == 200 and raw["Content-Type"] == "application/vnd.dabir.exchange+xml"
    assert raw.content == bytes(sent.raw) and raw["X-Content-SHA256"] == sent.sha256

    # an inquiry's bytes carry no letter: any admin of the log reads them
    Api(pair.a.clerk).post(f"{BASE}/inquiries", {"type": "civil.identity",
                                                  "question": {"national_code": "0012345678", "birth_year": 1360}})
    drain()
    asked = Message.objects.get(direction=Direction.OUT, kind="inquiry")
    assert Api(admin).get(f"{BASE}/messages/{asked.id}/raw").content == bytes(asked.raw)

    third = make_world("اداره دیگر")  # an admin of an agency with no part in these messages
    make_agency_admin(actor=None, user=third.clerk, agency=third.agency)
    assert Api(third.clerk).get(f"{BASE}/messages").json()["total"] == 0
    assert_problem(Api(third.clerk).get(f"{BASE}/messages/{sent.id}"), 404)
    assert_problem(Api(third.clerk).get(f"{BASE}/messages/{sent.id}/raw"), 404)
    # why: the bytes carry the letter itself
    assert envelope.open_message(raw.content).root.findtext(envelope.q("Subject")) == letter.subject


# ---------------------------------------------------------------- the directory


def test_the_directory_is_for_staff(pair, identity):
    staff = Api(pair.a.other)
    members = {m["code"]: m for m in staff.get(f"{BASE}/directory/members").json()}
    assert set(members) == {pair.ma.code, pair.mb.code}
    b = members[pair.mb.code]
    assert b["fingerprint"] == pair.mb.fingerprint and b["revoked"] is False and b["local"] is True
    assert b["inquiry_types"] == ["civil.identity"] and b["not_after"]
    types = staff.get(f"{BASE}/directory/inquiry-types").json()
    assert [(t["code"], t["member"]["code"]) for t in types] == [("civil.identity", pair.mb.code)]
    assert types[0]["question_schema"] == IDENTITY_QUESTION and types[0]["answer_schema"] == IDENTITY_ANSWER

    citizen = make_user(is_citizen=True)
    assert_problem(Api(citizen).get(f"{BASE}/directory/members"), 403)
    assert_problem(Api(citizen).get(f"{BASE}/directory/inquiry-types"), 403)
    from django.test import Client

    assert_problem(Client().get(f"{BASE}/directory/members"), 401)


# ---------------------------------------------------------------- inquiries


def test_an_inquiry_is_asked_answered_by_hand_and_comes_back(pair, identity):
    clerk_a, clerk_b = Api(pair.a.clerk), Api(pair.b.clerk)
    question = {"national_code": "0012345678", "birth_year": 1360}
    created = clerk_a.post(f"{BASE}/inquiries", {"type": "civil.identity", "question": question})
    assert created.status_code == 201, created.content
    asked = created.json()
    assert (asked["direction"], asked["state"], asked["question"]) == ("out", "waiting", question)
    assert asked["asker"]["code"] == pair.ma.code and asked["can_answer"] is False
    drain()

    incoming = clerk_b.get(f"{BASE}/inquiries", {"direction": "in", "state": "waiting"}).json()["items"]
    assert len(incoming) == 1 and incoming[0]["can_answer"] is True and incoming[0]["uid"] == asked["uid"]
    url = f"{BASE}/inquiries/{incoming[0]['id']}/answer"
    bad = assert_problem(clerk_b.post(url, {"answer": {"match": "yes"}}), 400)
    assert bad["errors"][0]["field"] == "answer"
    assert_problem(clerk_a.post(url, {"answer": {"match": True}}), 404)  # the asking agency cannot see it
    answered = clerk_b.post(url, {"answer": {"match": True}})
    assert answered.status_code == 200, answered.content
    assert answered.json()["state"] == "answered" and answered.json()["can_answer"] is False
    assert_problem(clerk_b.post(url, {"answer": {"match": False}}), 409)
    drain()

    back = clerk_a.get(f"{BASE}/inquiries/{asked['id']}").json()
    assert (back["state"], back["answer"]) == ("answered", {"match": True})
    assert_problem(Api(make_world("دستگاه سوم").clerk).get(f"{BASE}/inquiries/{asked['id']}"), 404)


def test_asking_refuses_bad_inputs_in_persian(pair, identity):
    clerk_a = Api(pair.a.clerk)
    good = {"national_code": "0012345678", "birth_year": 1360}
    unknown = assert_problem(clerk_a.post(f"{BASE}/inquiries", {"type": "no.such", "question": good}), 400)
    assert unknown["errors"][0]["field"] == "type"
    wrong = assert_problem(clerk_a.post(f"{BASE}/inquiries", {"type": "civil.identity",
                                                             "question": {"national_code": "12"}}), 400)
    assert wrong["errors"][0]["field"] == "question"
    assert_problem(clerk_a.post(f"{BASE}/inquiries", {"type": "civil.identity", "question": [1, 2]}), 422)
    own = assert_problem(Api(pair.b.clerk).post(f"{BASE}/inquiries", {"type": "civil.identity", "question": good}),
                         400)  # an agency does not ask itself
    assert own["errors"][0]["field"] == "type"
    hidden = make_registered(pair.b, subject="نامه دستگاه دیگر")
    letter = assert_problem(clerk_a.post(f"{BASE}/inquiries", {"type": "civil.identity", "question": good,
                                                               "letter_id": hidden.id}), 400)
    assert letter["errors"][0]["field"] == "letter_id"
    assert_problem(Api(make_user(is_citizen=True)).post(f"{BASE}/inquiries",
                                                        {"type": "civil.identity", "question": good}), 403)
    assert not pair.a.agency.exchange_member.transfers.exists() and Transfer.objects.count() == 0


def test_an_inquiry_about_a_letter_names_it_only_to_those_who_see_it(pair, identity):
    own = make_registered(pair.a, subject="نامه درباره هویت")
    response = Api(pair.a.clerk).post(f"{BASE}/inquiries", {
        "type": "civil.identity", "question": {"national_code": "0012345678", "birth_year": 1360},
        "letter_id": to_persian_digits(own.id)})
    assert response.status_code == 201, response.content
    assert response.json()["letter"] == {"id": own.id, "number": own.number}


# ---------------------------------------------------------------- the document


def test_the_openapi_document_lists_the_exchange_operations():
    paths = api.get_openapi_schema()["paths"]
    wanted = {
        ("/api/exchange/arrivals", "get"), ("/api/exchange/arrivals/{arrival_id}", "get"),
        ("/api/exchange/arrivals/{arrival_id}/accept", "post"), ("/api/exchange/arrivals/{arrival_id}/return", "post"),
        ("/api/exchange/deliveries", "get"), ("/api/exchange/deliveries/{delivery_id}/retry", "post"),
        ("/api/exchange/messages", "get"), ("/api/exchange/messages/{log_id}", "get"),
        ("/api/exchange/messages/{log_id}/raw", "get"), ("/api/exchange/directory/members", "get"),
        ("/api/exchange/directory/inquiry-types", "get"), ("/api/exchange/inquiries", "get"),
        ("/api/exchange/inquiries", "post"), ("/api/exchange/inquiries/{inquiry_id}", "get"),
        ("/api/exchange/inquiries/{inquiry_id}/answer", "post"),
    }
    listed = {(p, m) for p, methods in paths.items() if p.startswith("/api/exchange/") for m in methods}
    assert listed == wanted
    raw = paths["/api/exchange/messages/{log_id}/raw"]["get"]["responses"][200]["content"]
    assert "application/vnd.dabir.exchange+xml" in raw
    accept = paths["/api/exchange/arrivals/{arrival_id}/accept"]["post"]["responses"]
    assert {201, 404, 409, 422} <= set(accept)


def test_a_confidential_letter_sent_across_shows_to_no_outsider(pair):
    secret = _send(pair, subject="برآورد محرمانه سد کرانه", classification="confidential")
    drain()
    arrival = Arrival.objects.get()
    outsiders = [pair.a.other, pair.b.other, make_user(first_name="مدیر", last_name="بی‌نامه")]
    make_agency_admin(actor=None, user=outsiders[2], agency=pair.b.agency)  # sees the log, not the letter
    make_agency_admin(actor=None, user=pair.a.other, agency=pair.a.agency)
    ids = {m.id for m in Message.objects.all()}
    delivery = Delivery.objects.get(letter=secret)
    for user in outsiders:
        client = Api(user)
        urls = [f"{BASE}/arrivals", f"{BASE}/arrivals/{arrival.id}", f"{BASE}/deliveries", f"{BASE}/messages",
                f"{BASE}/inquiries", *[f"{BASE}/messages/{i}" for i in ids], *[f"{BASE}/messages/{i}/raw" for i in ids]]
        for url in urls:
            response = client.get(url)
            assert response.status_code in (200, 403, 404), (url, response.status_code)
            assert "کرانه".encode() not in response.content, url
            assert secret.number.encode() not in response.content, url
        assert client.post(f"{BASE}/deliveries/{delivery.id}/retry").status_code == 404
        for message in Message.objects.filter(kind__in=["letter", "receipt"]):  # the bytes carry the letter
            assert client.get(f"{BASE}/messages/{message.id}/raw").status_code in (403, 404)
    # the log entries themselves are the admins' to see, without the letter
    assert Api(outsiders[2]).get(f"{BASE}/messages").json()["total"] == len(ids)
