"""Two Dabir servers, each with its own database, as real processes exchanging over HTTP.

Letters go both ways with both receipts, returns carry their reason, replies link to the original,
CC recipients get copies, inquiries are answered across; tampered and revoked-key messages are
refused and logged; the audit chain holds on both sides. A second pair takes the directory path:
A is the directory authority and B syncs the signed directory with A's pinned fingerprint.
"""

import httpx
import pytest

from .servers import SECOND_B, Pair, wait_for

CONTENT_TYPE = "application/vnd.dabir.exchange+xml"


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    with Pair(tmp_path_factory.mktemp("pair")) as pair:
        yield pair


@pytest.fixture(scope="module")
def directory_servers(tmp_path_factory):
    with Pair(tmp_path_factory.mktemp("directory"), directory=True) as pair:
        yield pair


def _arrival(server, code: str, sender_number: str) -> dict:
    def found():
        return [a for a in server.agent("arrivals", code=code) if a["sender_number"] == sender_number]

    return wait_for(found, timeout=60, what=f"{sender_number} to arrive at {server.name}")[0]


def _delivery(server, letter: int, state: str, member: str | None = None) -> dict:
    def found():
        return [d for d in server.agent("deliveries", letter=letter)
                if d["state"] == state and (member is None or d["member"] == member)]

    return wait_for(found, timeout=60, what=f"letter {letter} {state} at {server.name}")[0]


def _exchange_one(sender, receiver, to: str) -> tuple[dict, dict]:
    sent = sender.agent("send", code=sender.code, to=[to])
    arrival = _arrival(receiver, to, sent["number"])
    assert _delivery(sender, sent["id"], "delivered")["receipt"] is True
    accepted = receiver.agent("accept", code=to, ids=[arrival["id"]])[str(arrival["id"])]
    delivery = _delivery(sender, sent["id"], "registered")
    assert delivery["their_number"] == accepted["number"] and delivery["outcome_receipt"] is True
    return sent, accepted


def test_letters_go_both_ways_with_a_delivery_and_a_registration_receipt(servers):
    a, b = servers.a, servers.b
    sent, accepted = _exchange_one(a, b, b.code)
    assert accepted["number"].split("/")[1] == "و"  # B's own incoming series, not A's number
    _exchange_one(b, a, a.code)
    # the same message at both ends: what A sent is what B logged, and B's receipts are in A's log
    a_out = {m["message_id"] for m in a.agent("messages", direction="out", kind="letter")}
    b_in = {m["message_id"] for m in b.agent("messages", direction="in", kind="letter")}
    assert a_out <= b_in
    b_receipts = {m["message_id"] for m in b.agent("messages", direction="out", kind="receipt")}
    a_receipts = {m["message_id"] for m in a.agent("messages", direction="in", kind="receipt")}
    assert len(a_receipts & b_receipts) >= 2  # the delivery receipt and the registration receipt


def test_a_returned_letter_comes_back_with_its_reason(servers):
    a, b = servers.a, servers.b
    sent = a.agent("send", code=a.code, to=[b.code], subject="نامه‌ای به نشانی نادرست")
    arrival = _arrival(b, b.code, sent["number"])
    b.agent("return_back", code=b.code, arrival=arrival["id"], reason="other", note="این نامه برای دستگاه دیگری است")
    delivery = _delivery(a, sent["id"], "returned")
    assert "این نامه برای دستگاه دیگری است" in delivery["reason"] and delivery["outcome_receipt"]
    assert [x["state"] for x in b.agent("arrivals", code=b.code) if x["id"] == arrival["id"]] == ["returned"]


def test_a_reply_written_at_b_arrives_at_a_linked_to_the_original(servers):
    a, b = servers.a, servers.b
    original, accepted = _exchange_one(a, b, b.code)
    reply = b.agent("send", code=b.code, to=[a.code], subject="پاسخ نامه", reply_to=accepted["letter"])
    back = _arrival(a, a.code, reply["number"])
    registered = a.agent("accept", code=a.code, ids=[back["id"]])[str(back["id"])]
    assert {"target": original["id"], "kind": "replies"} in a.agent("links", letter=registered["letter"])
    assert {"letter": registered["letter"], "kind": "replies"} in a.agent("replies_to", letter=original["id"])


def test_a_cc_recipient_on_the_other_server_gets_a_copy(servers):
    a, b = servers.a, servers.b
    sent = a.agent("send", code=a.code, to=[b.code], cc=[SECOND_B], subject="نامه با رونوشت")
    main, copy = _arrival(b, b.code, sent["number"]), _arrival(b, SECOND_B, sent["number"])
    assert (main["is_copy"], copy["is_copy"]) == (False, True)
    states = {d["member"]: d for d in
              wait_for(lambda: [d for d in a.agent("deliveries", letter=sent["id"]) if d["state"] == "delivered"]
                       if len(a.agent("deliveries", letter=sent["id"])) == 2 else [], timeout=60, what="both delivered")}
    assert states[SECOND_B]["is_copy"] is True
    b.agent("accept", code=SECOND_B, ids=[copy["id"]])
    assert _delivery(a, sent["id"], "registered", member=SECOND_B)["is_copy"] is True


def test_an_inquiry_from_a_is_answered_by_hand_at_b_and_the_answer_comes_back(servers):
    a, b = servers.a, servers.b
    asked = a.agent("ask", code=a.code, type_code="interop.manual", question={"national_code": "0012345678"})
    there = wait_for(lambda: [i for i in b.agent("inquiries", direction="in") if i["uid"] == asked["uid"]],
                     timeout=60, what="the inquiry at B")[0]
    assert there["state"] == "waiting"
    b.agent("answer", code=b.code, uid=asked["uid"], answer={"match": True})
    answered = wait_for(lambda: [i for i in a.agent("inquiries", direction="out")
                                 if i["uid"] == asked["uid"] and i["state"] == "answered"],
                        timeout=60, what="the answer at A")[0]
    assert answered["answer"] == {"match": True} and answered["automatic"] is False


def test_an_inquiry_from_a_is_answered_automatically_by_b_s_registered_responder(servers):
    a, b = servers.a, servers.b
    question = {"national_code": "2287361545", "first_name": "نرگس", "last_name": "عامری", "birth_date": "1989-09-03"}
    asked = a.agent("ask", code=a.code, type_code="interop.auto", question=question)
    answered = wait_for(lambda: [i for i in a.agent("inquiries", direction="out")
                                 if i["uid"] == asked["uid"] and i["state"] == "answered"],
                        timeout=60, what="the automatic answer at A")[0]
    assert answered["answer"]["match"] is True and answered["answer"]["alive"] is True
    there = [i for i in b.agent("inquiries", direction="in") if i["uid"] == asked["uid"]]
    assert there[0]["automatic"] is True and there[0]["state"] == "answered"


def _refusals(server) -> list[dict]:
    return server.agent("refusals")


def test_a_flipped_byte_in_an_envelope_in_flight_is_refused_with_a_code_and_logged(servers):
    a, b = servers.a, servers.b
    _exchange_one(a, b, b.code)
    logged = a.agent("messages", direction="out", kind="letter")[-1]
    raw = bytearray(bytes.fromhex(a.agent("raw_message", pk=logged["id"])["hex"]))
    at = raw.index(b"<Payload>") + 300
    raw[at] = ord("A") if raw[at] != ord("A") else ord("B")
    before = len(_refusals(b))
    response = httpx.post(b.url + "/exchange/v1/messages", content=bytes(raw), headers={"Content-Type": CONTENT_TYPE})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    code = response.json()["type"].rsplit("/", 1)[1]
    assert code == "signature"
    refusals = _refusals(b)
    assert len(refusals) == before + 1 and refusals[-1]["code"] == code
    # the untouched bytes are still answered (idempotently) with the same receipt
    again = httpx.post(b.url + "/exchange/v1/messages", content=bytes.fromhex(
        a.agent("raw_message", pk=logged["id"])["hex"]), headers={"Content-Type": CONTENT_TYPE})
    assert again.status_code == 200


def test_audit_chains_verify_on_both_servers(servers):
    for server in (servers.a, servers.b):
        assert server.dabir("audit", "verify").startswith("OK")


# ---------------------------------------------------------------- the directory path


def test_b_learns_a_from_the_signed_directory_and_letters_flow_both_ways(directory_servers):
    a, b = directory_servers.a, directory_servers.b
    # B never imported A's members by hand: the sync in the harness applied A's signed directory
    assert "serial=" in b.dabir("exchange", "sync")
    _exchange_one(a, b, b.code)
    _exchange_one(b, a, a.code)


def test_a_directory_signed_by_another_key_is_refused(directory_servers):
    b = directory_servers.b
    b.env["DABIR_EXCHANGE_DIRECTORY_FINGERPRINT"], saved = "00" * 32, b.env["DABIR_EXCHANGE_DIRECTORY_FINGERPRINT"]
    try:
        done = b.run("exchange", "sync")
        assert done.returncode != 0 and "directory_signer" not in done.stdout
        assert "گواهی مرجع فهرست" in done.stderr  # the Persian reason
    finally:
        b.env["DABIR_EXCHANGE_DIRECTORY_FINGERPRINT"] = saved


def test_a_message_signed_by_a_revoked_certificate_is_refused_once_the_directory_says_so(directory_servers):
    a, b = directory_servers.a, directory_servers.b
    a.agent("revoke", code=a.code)  # A's admin revokes its key; the directory publishes it revoked
    b.dabir("exchange", "sync")
    raw = bytes.fromhex(a.agent("sign_with_revoked", code=a.code, receiver=b.code)["hex"])
    before = len(_refusals(b))
    response = httpx.post(b.url + "/exchange/v1/messages", content=raw, headers={"Content-Type": CONTENT_TYPE})
    assert response.status_code == 400
    assert response.json()["type"].rsplit("/", 1)[1] == "revoked_certificate"
    refusals = _refusals(b)
    assert len(refusals) == before + 1 and refusals[-1]["code"] == "revoked_certificate"
    assert not [i for i in b.agent("inquiries", direction="in")]  # nothing was taken


def test_audit_chains_verify_on_both_directory_servers(directory_servers):
    for server in (directory_servers.a, directory_servers.b):
        assert server.dabir("audit", "verify").startswith("OK")
