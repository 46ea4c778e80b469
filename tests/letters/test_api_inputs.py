"""Bad and forgiving input at the API's edge: Persian problem+json with per-field errors, never a 500."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dabir.letters.models import Letter, Referral

from .test_api_helpers import PDF, PNG, Api, assert_problem, register_incoming, upload

pytestmark = pytest.mark.django_db


def _fields(body):
    return {e["field"]: e["message"] for e in body.get("errors", [])}


def test_missing_subject_is_a_persian_422_naming_the_field(world):
    clerk = Api(world.clerk)
    body = assert_problem(clerk.post("/api/letters/incoming", {"sender_name": "شهرداری"}), 422)
    assert _fields(body)["subject"] == "این فیلد لازم است."
    body = assert_problem(register_incoming(clerk, world, subject="   "), 400)
    assert _fields(body) == {"subject": "موضوع را وارد کنید."}
    body = assert_problem(Api(world.expert).post("/api/letters/drafts", {"kind": "internal",
                                                                        "to": [world.other_pos.id]}), 422)
    assert "subject" in _fields(body)
    assert Letter.objects.count() == 0


def test_unknown_position_refused_and_nothing_numbered(world):
    clerk = Api(world.clerk)
    body = assert_problem(register_incoming(clerk, world, refer_to=[{"position_id": 987654}]), 400)
    assert "to_position" in _fields(body)
    assert Letter.objects.count() == 0
    ok = register_incoming(clerk, world).json()
    assert ok["number"].endswith("/و/1")  # the failed attempt took no number
    body = assert_problem(clerk.post(f"/api/letters/{ok['id']}/refer", {"targets": [{"position_id": 987654}]}), 400)
    assert "to_position" in _fields(body)
    assert_problem(clerk.post(f"/api/referrals/{9999}/reassign", {"to_position_id": 1}), 404)


def test_deadline_in_the_past_is_refused(world):
    body = assert_problem(register_incoming(Api(world.clerk), world, refer_to=[
        {"position_id": world.manager_pos.id, "deadline": "1399/01/01"}]), 400)
    assert _fields(body) == {"deadline": "مهلت نمی‌تواند در گذشته باشد."}


def test_persian_and_arabic_digits_in_ids_and_dates_are_accepted(world):
    fa = str(world.manager_pos.id).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    ar = str(world.expert_pos.id).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    clerk = Api(world.clerk)
    r = register_incoming(clerk, world, sender_date="۱۴۰۴/۱۲/۰۱", received_at="۱۴۰۴/۱۲/۰۲ ۰۹:۳۰",
                          secretariat_id=str(world.secretariat.id).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")),
                          refer_to=[{"position_id": fa, "deadline": "۱۵۰۰/۰۱/۱۵"},
                                    {"position_id": ar, "deadline": "2099-01-01", "action": "information"}])
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["sender_date"] == "2026-02-20"
    assert body["received_at"] == "2026-02-21T06:00:00Z"  # 09:30 Tehran
    assert {x["to_position"]["id"] for x in body["referrals"]} == {world.manager_pos.id, world.expert_pos.id}
    assert {x["deadline"] for x in body["referrals"]} == {"2121-04-04", "2099-01-01"}
    # Ids in paths, in Persian digits too.
    lid_fa = str(body["id"]).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert clerk.get(f"/api/letters/{lid_fa}").json()["id"] == body["id"]
    assert_problem(clerk.get("/api/letters/abc"), 422)


@pytest.mark.parametrize(("value", "message"), [
    ("۱۴۰۵/۱۳/۴۰", "این تاریخ در تقویم وجود ندارد."),
    ("فردا", "تاریخ نامعتبر است؛ آن را به شکل ۱۴۰۵/۰۱/۱۵ وارد کنید."),
    ("1405/02", "تاریخ نامعتبر است؛ آن را به شکل ۱۴۰۵/۰۱/۱۵ وارد کنید."),
    (12345, "تاریخ باید به شکل ۱۴۰۵/۰۱/۱۵ یا 2026-04-04 باشد."),
])
def test_malformed_jalali_date_gives_persian_field_error(world, value, message):
    body = assert_problem(register_incoming(Api(world.clerk), world, refer_to=[
        {"position_id": world.manager_pos.id, "deadline": value}]), 422)
    assert _fields(body) == {"refer_to.0.deadline": message}
    body = assert_problem(Api(world.clerk).get("/api/letters", {"date_from": value}), 422)
    assert list(_fields(body)) == ["date_from"]  # a query string is always text


def test_sender_date_in_the_future_is_refused(world):
    body = assert_problem(register_incoming(Api(world.clerk), world, sender_date="۱۵۰۰/۰۱/۰۱"), 400)
    assert "sender_date" in _fields(body)


def test_disguised_and_oversized_attachments_are_refused(world, settings):
    clerk = Api(world.clerk)
    body = assert_problem(register_incoming(clerk, world, files=[upload("invoice.pdf", PNG)]), 400)
    assert "attachments" in _fields(body)
    body = assert_problem(register_incoming(clerk, world, files=[upload("run.pdf", b"MZ\x90\x00" + b"\x00" * 200)]),
                          400)
    assert "attachments" in _fields(body)
    settings.DABIR_MAX_ATTACHMENT_BYTES = 32
    body = assert_problem(register_incoming(clerk, world, files=[upload("big.pdf", PDF)]), 400)
    assert "حجم پرونده" in _fields(body)["attachments"]
    assert Letter.objects.count() == 0


def test_malformed_json_bodies_are_persian_4xx(world):
    clerk = Api(world.clerk)
    lid = register_incoming(clerk, world, refer_to=[{"position_id": world.manager_pos.id}]).json()["id"]
    for path in ("/api/letters/drafts", f"/api/letters/{lid}/refer", "/api/folders", "/api/tokens",
                 "/api/letters/incoming"):
        for raw in ('{"subject": ', "not json at all", "\x00\xff", "[1, 2]", '"text"', "null", ""):
            r = clerk.post(path, raw)
            assert 400 <= r.status_code < 500, (path, raw, r.status_code, r.content[:300])
            assert_problem(r, r.status_code)
    body = assert_problem(clerk.multipart("/api/letters/incoming", {"data": "{broken"}), 400)
    assert body["detail"] == "بدنه درخواست JSON معتبر نیست."
    assert_problem(clerk.multipart("/api/letters/incoming", {"files": [upload("a.pdf", PDF)]}), 400)


def test_type_errors_name_each_field(world):
    body = assert_problem(Api(world.expert).post("/api/letters/drafts", {
        "subject": "x" * 501, "to": {"a": 1}, "signer_position_id": "یک", "links": [{"letter_id": None}]}), 422)
    fields = _fields(body)
    assert fields["subject"] == "این متن بیش از ۵۰۰ نویسه است."
    assert fields["to"] == "باید فهرست (آرایه JSON) باشد."
    assert fields["signer_position_id"] == "باید یک عدد باشد."
    assert "links.0.letter_id" in fields


# ---------------------------------------------------------------- fuzz: junk to every write endpoint

KEYS = ["subject", "sender_name", "channel", "targets", "position_id", "deadline", "note", "folder_id", "to", "cc",
        "kind", "to_position_id", "reason", "code", "title", "signer_position_id", "refer_to", "sender_date",
        "received_at", "urgency", "classification", "links", "parent_id", "secretariat_id", "series_id", "action",
        "name", "body", "keywords"]
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=30),
    st.sampled_from(["۱۴۰۵/۰۱/۱۵", "1405/13/40", "۱۲", "٣", "2026-02-30", "0", "-1", "99999999999999999999",
                     "action", "reply", "internal", "outgoing", "post", "urgent", "secret", "\u200c", "<script>",
                     "a\x00b", 2**63, -(2**63)]),
)
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=5)),
    max_leaves=12)
payloads = st.one_of(
    json_values.map(json.dumps),
    st.dictionaries(st.sampled_from(KEYS), json_values, max_size=8).map(json.dumps),
    st.binary(max_size=64).map(lambda b: b.decode("latin-1")),
)

WRITE_PATHS = [
    "/api/tokens", "/api/folders", "/api/letters/incoming", "/api/letters/drafts",
    *[f"/api/letters/{{lid}}/{a}" for a in ("submit", "approve", "return", "register", "dispatch", "refer", "close",
                                             "void", "archive", "file", "prints")],
    "put:/api/letters/{did}/draft",
    *[f"/api/referrals/{{rid}}/{a}" for a in ("read", "done", "withdraw", "reassign")],
]


@pytest.mark.parametrize("target", WRITE_PATHS)
def test_junk_payloads_never_make_a_500(world, target):
    clerk, manager = Api(world.clerk), Api(world.manager)
    lid = register_incoming(clerk, world, refer_to=[{"position_id": world.manager_pos.id}]).json()["id"]
    did = Api(world.expert).post("/api/letters/drafts", {"kind": "internal", "subject": "پیش‌نویس",
                                                        "to": [world.other_pos.id]}).json()["id"]
    rid = Referral.objects.filter(letter_id=lid).values_list("id", flat=True).first()
    method, _, path = target.rpartition(":")
    path = path.format(lid=lid, did=did, rid=rid)
    who = Api(world.expert) if "draft" in path else (manager if "referrals" in path else clerk)

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(raw=payloads)
    def check(raw):
        r = who.send(method or "post", path, raw)
        assert r.status_code < 500, (path, raw, r.content[:400])
        if r.status_code >= 400:
            assert r["Content-Type"].startswith("application/problem+json"), (path, raw, r.content[:300])

    check()


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.dictionaries(st.sampled_from(["data", "files", "scans", "position_id"]),
                            st.text(max_size=40) | st.sampled_from(["{}", '{"subject": 1}', "[]", "null"]),
                            max_size=4))
def test_junk_multipart_never_makes_a_500(world, data):
    clerk = Api(world.clerk)
    for path in ("/api/letters/incoming", "/api/letters/1/attachments"):
        r = clerk.multipart(path, data)
        assert r.status_code < 500, (path, data, r.content[:400])


def test_nul_characters_and_huge_ids_are_refused_not_crashed(world):
    clerk = Api(world.clerk)
    body = assert_problem(register_incoming(clerk, world, subject="بودجه\x00"), 422)
    assert _fields(body) == {"subject": "متن نویسه نامعتبر (NUL) دارد."}
    assert_problem(Api(world.expert).post("/api/letters/drafts", {"subject": "x", "to": ["a\x00"]}), 422)
    assert_problem(clerk.get("/api/letters/search", {"q": "a\x00b"}), 422)
    assert_problem(clerk.post("/api/folders", {"code": "\x00", "title": "x"}), 422)
    huge = str(2**70)
    assert_problem(clerk.get(f"/api/letters/{huge}"), 422)
    assert_problem(clerk.post(f"/api/referrals/{huge}/read"), 422)
    assert_problem(clerk.post("/api/letters/1/file", {"folder_id": 2**70}), 422)
    assert_problem(clerk.get("/api/inbox", **{"X-Dabir-Position": huge}), 403)
