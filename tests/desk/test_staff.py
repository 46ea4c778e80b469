"""Staff side over real HTTP: the desk panel on a request's letter page, its actions, the lists."""

import datetime as dt

import pytest
from django.test import Client

from dabir.core.jalali import today
from dabir.desk import codes, services
from dabir.desk.models import RequestStatus, ServiceRequest
from dabir.letters.models import Referral
from tests.factories import make_registered

from .test_services import make_citizen, setup_desk, submit

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def flow(world):
    service = setup_desk(world)
    citizen = make_citizen()
    return world, service, citizen, submit(service, citizen)


def test_panel_shows_on_request_letter_only_for_stage_holder(flow):
    world, service, citizen, req = flow
    page = login(world.expert).get(f"/letters/{req.letter_id}/").content.decode()
    assert "میز خدمت" in page and "ثبت تصمیم" in page and "درخواست مدارک" in page and "سند مالکیت" in page
    clerk_page = login(world.clerk).get(f"/letters/{req.letter_id}/").content.decode()
    assert "ثبت تصمیم" not in clerk_page  # the secretariat sees the letter, not the stage's actions
    ordinary = make_registered(world)
    assert "desk-staff-panel" not in login(world.other).get(f"/letters/{ordinary.id}/").content.decode()


def test_decide_and_ask_documents_from_panel(flow):
    world, service, citizen, req = flow
    c = login(world.expert)
    r = c.post(f"/desk-staff/{req.id}/decide/", {"position_id": world.expert_pos.id, "outcome": "no"}, follow=True)
    assert "علت رد" in r.content.decode()  # Persian message, nothing changed
    assert ServiceRequest.objects.get(pk=req.pk).status == RequestStatus.SUBMITTED
    r = c.post(f"/desk-staff/{req.id}/documents/ask/", {"position_id": world.expert_pos.id, "codes": ["map"]},
               follow=True)
    assert r.status_code == 200 and ServiceRequest.objects.get(pk=req.pk).status == RequestStatus.AWAITING_DOCUMENTS
    doc = req.documents.get()
    got = c.get(f"/desk-staff/{req.id}/documents/{doc.id}/")
    assert got.status_code == 200 and b"".join(got.streaming_content).startswith(b"%PDF")
    assert login(world.other).get(f"/desk-staff/{req.id}/documents/{doc.id}/").status_code == 404
    assert login(world.other).post(f"/desk-staff/{req.id}/decide/", {"outcome": "ok"}).status_code == 404


def test_full_flow_through_pages_and_sign_result(flow):
    world, service, citizen, req = flow
    login(world.expert).post(f"/desk-staff/{req.id}/decide/", {"position_id": world.expert_pos.id, "outcome": "ok",
                                                                "note": "داخلی"})
    login(world.other).post(f"/desk-staff/{req.id}/decide/", {"position_id": world.other_pos.id, "outcome": "yes"})
    req.refresh_from_db()
    assert req.status == RequestStatus.APPROVED
    manager = login(world.manager)
    page = manager.get(f"/letters/{req.result_letter_id}/").content.decode()
    assert "امضا و صدور نتیجه" in page
    r = manager.post(f"/desk-staff/{req.id}/sign/", {"position_id": world.manager_pos.id,
                                                     "letter_id": req.result_letter_id})
    assert r.status_code == 302 and r["Location"].endswith(f"/letters/{req.result_letter_id}/")
    req.refresh_from_db()
    assert req.status == RequestStatus.COMPLETED


def test_staff_lists_and_followup(flow):
    world, service, citizen, req = flow
    mine = login(world.expert).get("/desk-staff/").content.decode()
    assert service.title in mine
    assert service.title not in login(world.other).get("/desk-staff/").content.decode()
    past = today() - dt.timedelta(days=2)
    ServiceRequest.objects.filter(pk=req.pk).update(stage_due=past)
    Referral.objects.filter(letter=req.letter).update(deadline=past)
    late = login(world.manager).get("/desk-staff/late/")
    assert late.status_code == 200 and service.title in late.content.decode()
    assert login(world.expert).get("/desk-staff/late/").status_code == 403
    # the letters follow-up counts the overdue stage referral for the manager, who is not in its chain,
    # without naming it; the secretariat, who may open the letter, finds it listed
    followup = login(world.manager).get("/followup/")
    assert followup.status_code == 200 and followup.context["total"] == 1
    assert codes.display(req.tracking_code) not in followup.content.decode()
    assert codes.display(req.tracking_code) in login(world.clerk).get("/followup/").content.decode()
    assert login(world.other).get("/desk-staff/late/").status_code == 403


def test_complaint_answered_from_panel(flow):
    world, service, citizen, req = flow
    complaint = services.file_complaint(user=citizen, national_code=citizen.national_code, mobile=citizen.mobile,
                                        about="agency", agency=world.agency, text="صف طولانی")
    c = login(world.manager)
    assert "ثبت پاسخ" in c.get(f"/letters/{complaint.letter_id}/").content.decode()
    r = c.post(f"/desk-staff/complaints/{complaint.id}/answer/", {"position_id": world.manager_pos.id, "answer": ""},
               follow=True)
    assert "پاسخ را وارد کنید" in r.content.decode()
    c.post(f"/desk-staff/complaints/{complaint.id}/answer/", {"position_id": world.manager_pos.id,
                                                              "answer": "رسیدگی شد"})
    complaint.refresh_from_db()
    assert complaint.answer == "رسیدگی شد"
