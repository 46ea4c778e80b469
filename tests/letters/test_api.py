"""The correspondence API end to end over real HTTP: incoming → refer → inbox → read → done; drafts → number."""

import hashlib

import pytest

from dabir.core import audit
from dabir.letters.models import Referral

from .test_api_helpers import PDF, Api, assert_problem, register_incoming, upload

pytestmark = pytest.mark.django_db


def test_clerk_registers_incoming_with_pdf_and_refers_it(world):
    clerk = Api(world.clerk)
    r = register_incoming(
        clerk, world, files=[upload("نامه.pdf", PDF, "application/pdf")],
        refer_to=[{"position_id": world.manager_pos.id, "note": "بررسی شود"}], sender_date="۱۴۰۴/۱۲/۰۱",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["kind"] == "incoming" and body["status"] == "registered"
    assert body["number"].endswith("/و/1")
    assert body["sender_date"] == "2026-02-20"
    (att,) = body["attachments"]
    assert att["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert att["content_type"] == "application/pdf" and att["size"] == len(PDF)
    (ref,) = body["referrals"]
    assert ref["to_position"]["id"] == world.manager_pos.id
    assert ref["from_position"]["id"] == world.clerk_pos.id
    assert ref["status"] == "unread" and ref["deadline"]

    # The attachment downloads with its bytes, for those who may see the letter.
    d = clerk.get(att["url"])
    assert d.status_code == 200
    assert b"".join(d.streaming_content) == PDF
    assert d["X-Content-SHA256"] == att["sha256"]

    # Receiver's inbox lists it, then read → refer on → done.
    manager = Api(world.manager)
    inbox = manager.get("/api/inbox").json()
    assert inbox["position_id"] == world.manager_pos.id
    assert inbox["counts"]["unread"] == 1 and inbox["total"] == 1
    item = inbox["items"][0]
    assert item["letter"]["id"] == body["id"] and item["referral"]["note"] == "بررسی شود"

    read = manager.post(f"/api/referrals/{item['referral']['id']}/read")
    assert read.status_code == 200 and read.json()["status"] == "read"
    assert Referral.objects.get(pk=item["referral"]["id"]).read_at is not None
    assert manager.get("/api/inbox", {"unread": "true"}).json()["total"] == 0

    fwd = manager.post(f"/api/letters/{body['id']}/refer", {
        "targets": [{"position_id": world.expert_pos.id, "action": "reply", "note": "پاسخ تهیه شود",
                     "deadline": "1500/01/01"}],
    })
    assert fwd.status_code == 201, fwd.content
    (child,) = fwd.json()
    assert child["parent_id"] == item["referral"]["id"] and child["action"] == "reply"
    assert Referral.objects.get(pk=item["referral"]["id"]).status == "forwarded"

    expert = Api(world.expert)
    (exp_item,) = expert.get("/api/inbox").json()["items"]
    done = expert.post(f"/api/referrals/{exp_item['referral']['id']}/done", {"note": "پاسخ فرستاده شد"})
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert done.json()["result_note"] == "پاسخ فرستاده شد"

    # The referral tree in the detail, and the manager's sent list.
    detail = manager.get(f"/api/letters/{body['id']}").json()
    assert [(x["depth"], x["to_position"]["id"]) for x in detail["referrals"]] == [
        (0, world.manager_pos.id), (1, world.expert_pos.id)]
    sent = manager.get("/api/sent").json()
    assert sent["total"] == 1 and sent["items"][0]["referral"]["to_position"]["id"] == world.expert_pos.id
    assert audit.verify().ok


def test_draft_submit_approve_register_dispatch_gives_a_number(world):
    expert = Api(world.expert)
    r = expert.post("/api/letters/drafts", {
        "kind": "outgoing", "subject": "پاسخ استعلام", "body": "<p>متن</p><script>x</script>",
        "to": ["شرکت آب و فاضلاب"], "cc": [str(world.other_pos.id)], "signer_position_id": world.manager_pos.id,
    })
    assert r.status_code == 201, r.content
    letter = r.json()
    assert letter["status"] == "draft" and letter["number"] == ""
    assert "<script>" not in letter["body"]
    recipients = {(x["role"], x["name"] or x["position"]["id"]) for x in letter["recipients"]}
    assert recipients == {("to", "شرکت آب و فاضلاب"), ("cc", world.other_pos.id)}
    lid = letter["id"]

    edit = expert.put(f"/api/letters/{lid}/draft", {
        "subject": "پاسخ استعلام شماره ۱۲", "to": ["شرکت آب و فاضلاب"], "signer_position_id": world.manager_pos.id,
    })
    assert edit.status_code == 200 and edit.json()["subject"] == "پاسخ استعلام شماره ۱۲"

    sub = expert.post(f"/api/letters/{lid}/submit", {"note": "لطفاً امضا کنید"})
    assert sub.status_code == 200, sub.content
    assert sub.json()["action"] == "signature" and sub.json()["to_position"]["id"] == world.manager_pos.id

    manager = Api(world.manager)
    assert manager.get("/api/inbox", {"action": "signature"}).json()["total"] == 1
    ok = manager.post(f"/api/letters/{lid}/approve", {})
    assert ok.status_code == 200 and ok.json()["status"] == "approved"

    # Only the secretariat registers; the expert may not.
    assert_problem(expert.post(f"/api/letters/{lid}/register", {}), 403)
    clerk = Api(world.clerk)
    reg = clerk.post(f"/api/letters/{lid}/register", {})
    assert reg.status_code == 200, reg.content
    assert reg.json()["status"] == "registered" and reg.json()["number"].endswith("/ص/1")
    sent = clerk.post(f"/api/letters/{lid}/dispatch", {"channel": "post"})
    assert sent.status_code == 200 and sent.json()["status"] == "dispatched"
    assert_problem(clerk.post(f"/api/letters/{lid}/dispatch", {"channel": "post"}), 409)


def test_return_to_author_then_resubmit(world):
    expert, manager = Api(world.expert), Api(world.manager)
    lid = expert.post("/api/letters/drafts", {
        "kind": "internal", "subject": "گزارش ماهانه", "to": [world.other_pos.id],
        "signer_position_id": world.manager_pos.id}).json()["id"]
    expert.post(f"/api/letters/{lid}/submit", {})
    assert_problem(manager.post(f"/api/letters/{lid}/return", {}), 422)  # a note is required
    back = manager.post(f"/api/letters/{lid}/return", {"note": "جدول را کامل کنید"})
    assert back.status_code == 200 and back.json()["status"] == "draft"
    assert expert.get("/api/inbox").json()["items"][0]["referral"]["note"] == "جدول را کامل کنید"
    assert expert.post(f"/api/letters/{lid}/submit", {}).status_code == 200
    manager.post(f"/api/letters/{lid}/approve", {})
    reg = Api(world.clerk).post(f"/api/letters/{lid}/register", {})
    assert reg.json()["number"].endswith("/د/1")
    # Internal letters reach their recipients' inboxes on registration.
    assert Api(world.other).get("/api/inbox").json()["items"][0]["letter"]["id"] == lid


def test_withdraw_and_reassign_only_while_unread(world):
    clerk = Api(world.clerk)
    lid = register_incoming(clerk, world, refer_to=[{"position_id": world.manager_pos.id}]).json()["id"]
    manager = Api(world.manager)
    (ref,) = manager.get("/api/inbox").json()["items"]
    rid = ref["referral"]["id"]

    # Someone else may not withdraw it; the sender may reassign it while unread.
    assert_problem(manager.post(f"/api/referrals/{rid}/withdraw"), 403)
    new = clerk.post(f"/api/referrals/{rid}/reassign", {"to_position_id": world.expert_pos.id})
    assert new.status_code == 201, new.content
    assert new.json()["to_position"]["id"] == world.expert_pos.id
    assert Referral.objects.get(pk=rid).status == "reassigned"
    new_id = new.json()["id"]

    wd = clerk.post(f"/api/referrals/{new_id}/withdraw")
    assert wd.status_code == 200 and wd.json()["status"] == "withdrawn"

    # After the receiver reads, both are refused with 409.
    r2 = clerk.post(f"/api/letters/{lid}/refer", {"targets": [{"position_id": world.other_pos.id}]})
    assert r2.status_code == 201, r2.content
    rid2 = r2.json()[0]["id"]
    Api(world.other).post(f"/api/referrals/{rid2}/read")
    assert_problem(clerk.post(f"/api/referrals/{rid2}/withdraw"), 409)
    assert_problem(clerk.post(f"/api/referrals/{rid2}/reassign", {"to_position_id": world.expert_pos.id}), 409)


def test_close_void_archive_file_print_and_folders(world):
    clerk = Api(world.clerk)
    lid = register_incoming(clerk, world, refer_to=[{"position_id": world.manager_pos.id}]).json()["id"]
    manager = Api(world.manager)

    folder = manager.post("/api/folders", {"code": "۱۰۱", "title": "بودجه"})
    assert folder.status_code == 201, folder.content
    assert_problem(manager.post("/api/folders", {"code": "۱۰۱", "title": "تکراری"}), 409)
    assert [f["code"] for f in manager.get("/api/folders").json()] == ["۱۰۱"]
    filed = manager.post(f"/api/letters/{lid}/file", {"folder_id": folder.json()["id"]})
    assert filed.status_code == 201
    assert manager.get(f"/api/letters/{lid}").json()["folders"][0]["title"] == "بودجه"

    pr = manager.post(f"/api/letters/{lid}/prints", {"kind": "referral_sheet"})
    assert pr.status_code == 201 and pr.json()["kind"] == "referral_sheet"

    assert_problem(manager.post(f"/api/letters/{lid}/archive"), 409)  # an open referral remains
    closed = manager.post(f"/api/letters/{lid}/close", {"note": "اقدام شد"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    arch = manager.post(f"/api/letters/{lid}/archive")
    assert arch.status_code == 200 and arch.json()["status"] == "archived"

    other = register_incoming(clerk, world).json()
    assert_problem(manager.post(f"/api/letters/{other['id']}/void", {"reason": "اشتباه"}), 404)  # not visible
    assert_problem(clerk.post(f"/api/letters/{other['id']}/void", {}), 422)
    v = clerk.post(f"/api/letters/{other['id']}/void", {"reason": "ثبت تکراری"})
    assert v.status_code == 200 and v.json()["status"] == "void" and v.json()["number"] == other["number"]


def test_attachments_upload_to_incoming_and_draft(world):
    clerk = Api(world.clerk)
    lid = register_incoming(clerk, world).json()["id"]
    r = clerk.multipart(f"/api/letters/{lid}/attachments", {"scans": [upload("scan.pdf", PDF)]})
    assert r.status_code == 201, r.content
    assert r.json()[0]["is_scan"] is True
    assert_problem(clerk.multipart(f"/api/letters/{lid}/attachments", {}), 400)
    # The expert cannot see that letter at all.
    assert_problem(Api(world.expert).multipart(f"/api/letters/{lid}/attachments", {"files": [upload("a.pdf", PDF)]}),
                   404)


def test_letters_list_filters_and_pagination(world):
    clerk = Api(world.clerk)
    for i in range(3):
        register_incoming(clerk, world, subject=f"نامه {i}")
    page = clerk.get("/api/letters", {"limit": "۲", "offset": "0", "kind": "incoming"}).json()
    assert page["total"] == 3 and len(page["items"]) == 2 and page["limit"] == 2
    assert [x["subject"] for x in page["items"]] == ["نامه 2", "نامه 1"]
    assert clerk.get("/api/letters", {"offset": 2}).json()["items"][0]["subject"] == "نامه 0"
    assert clerk.get("/api/letters", {"status": "draft"}).json()["total"] == 0
    assert clerk.get("/api/letters", {"date_from": "1300/01/01", "date_to": "۱۵۰۰/۰۱/۰۱"}).json()["total"] == 3
    assert clerk.get("/api/letters", {"date_to": "1390/01/01"}).json()["total"] == 0
    assert_problem(clerk.get("/api/letters", {"kind": "secret-stuff"}), 400)
    assert_problem(clerk.get("/api/letters", {"limit": 100000}), 422)


def test_inbox_filters_and_followup(world):
    clerk = Api(world.clerk)
    register_incoming(clerk, world, urgency="urgent", refer_to=[{"position_id": world.manager_pos.id}])
    register_incoming(clerk, world, refer_to=[{"position_id": world.manager_pos.id, "action": "information"}])
    manager = Api(world.manager)
    assert manager.get("/api/inbox", {"urgency": "urgent"}).json()["total"] == 1
    assert manager.get("/api/inbox", {"action": "information"}).json()["total"] == 1
    assert manager.get("/api/inbox", {"kind": "internal"}).json()["total"] == 0
    assert manager.get("/api/inbox", {"overdue": "true"}).json()["total"] == 0
    assert manager.get("/api/inbox", {"state": "done"}).json()["total"] == 0
    assert manager.get("/api/inbox", {"date_from": "۱۴۰۰/۰۱/۰۱"}).json()["total"] == 2
    counts = manager.get("/api/inbox").json()["counts"]
    assert counts == {"open": 2, "unread": 2, "overdue": 0, "urgent": 1}
    assert_problem(manager.get("/api/inbox", {"state": "whatever"}), 400)

    # Make one overdue: it shows in follow-up per position and unit.
    Referral.objects.filter(to_position=world.manager_pos, urgency="urgent").update(deadline="2020-01-01")
    f = manager.get("/api/followup").json()
    assert f["total"] == 1
    assert f["by_position"] == [{"id": world.manager_pos.id, "name": "مدیرکل", "count": 1}]
    assert f["by_unit"][0]["id"] == world.unit.id
    assert len(f["items"]) == 1 and f["items"][0]["referral"]["overdue"] is True
    # Someone who cannot see the letter gets the counts but not the letter.
    other = Api(world.other).get("/api/followup").json()
    assert other["total"] == 1 and other["items"] == []


def test_positions_and_secretariats(world):
    from django.utils import timezone

    from dabir.orgs.models import Assignment

    until = timezone.now() + timezone.timedelta(days=3)
    Assignment.objects.create(user=world.expert, position=world.manager_pos, role="acting", ends_at=until)
    clerk = Api(world.clerk)
    rows = {p["id"]: p for p in clerk.get("/api/positions", {"agency_id": world.agency.id}).json()}
    mgr = rows[world.manager_pos.id]
    assert mgr["holder"] == "علی مدیری" and mgr["absence"]["acting_user"] == "مریم کارشناس"
    assert rows[world.expert_pos.id]["absence"] is None
    (sec,) = clerk.get("/api/secretariats").json()
    assert sec["id"] == world.secretariat.id and {s["code"] for s in sec["series"]} == {"و", "ص", "د"}
    assert Api(world.expert).get("/api/secretariats").json() == []

    # The acting holder sees the manager's inbox when naming that position.
    expert = Api(world.expert)
    me = expert.get("/api/me").json()
    assert {(s["position_id"], s["as_acting"]) for s in me["seats"]} == {
        (world.expert_pos.id, False), (world.manager_pos.id, True)}
    box = expert.get("/api/inbox", **{"X-Dabir-Position": str(world.manager_pos.id)})
    assert box.json()["position_id"] == world.manager_pos.id


def test_actions_without_a_body_work_like_curl_x_post(world):
    clerk = Api(world.clerk)
    lid = register_incoming(clerk, world, refer_to=[{"position_id": world.manager_pos.id}]).json()["id"]
    manager = Api(world.manager)
    rid = manager.get("/api/inbox").json()["items"][0]["referral"]["id"]
    assert manager.post(f"/api/referrals/{rid}/read", b"").json()["status"] == "read"
    assert manager.post(f"/api/letters/{lid}/prints", b"").status_code == 201
    assert manager.post(f"/api/referrals/{rid}/done", b"").json()["status"] == "done"
    assert manager.post(f"/api/letters/{lid}/archive", b"").json()["status"] == "archived"


def _queries(api, path, params=None):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert api.get(path, params).status_code == 200
    return len(ctx.captured_queries)


def test_lists_and_detail_do_not_grow_queries_with_rows(world):
    clerk, manager = Api(world.clerk), Api(world.manager)
    first = register_incoming(clerk, world, files=[upload("a.pdf", PDF)],
                              refer_to=[{"position_id": world.manager_pos.id}]).json()["id"]
    clerk.get("/api/me")  # stamp the token once, so later requests do not write
    manager.get("/api/me")
    one = {p: _queries(manager, p) for p in ("/api/inbox", "/api/letters", "/api/followup")}
    detail_one = _queries(clerk, f"/api/letters/{first}")
    sent_one = _queries(clerk, "/api/sent")
    for _ in range(4):
        register_incoming(clerk, world, refer_to=[{"position_id": world.manager_pos.id}])
    clerk.post(f"/api/letters/{first}/refer", {"targets": [{"position_id": world.expert_pos.id},
                                                           {"position_id": world.other_pos.id}]})
    clerk.multipart(f"/api/letters/{first}/attachments", {"files": [upload("b.pdf", PDF + b"\n")]})
    assert {p: _queries(manager, p) for p in one} == one
    assert _queries(clerk, f"/api/letters/{first}") == detail_one
    assert _queries(clerk, "/api/sent") == sent_one
