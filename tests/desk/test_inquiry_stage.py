"""A service's inquiry stage: reaching it asks another agency through the exchange, the answer comes
back to the request, a match moves the request on by itself, anything else waits for staff."""

import pytest
from django.test import Client

from dabir.accounts.models import User
from dabir.core.audit import verify
from dabir.core.errors import Conflict, DomainError
from dabir.demo import exchange as demo_exchange
from dabir.desk import services
from dabir.desk.definition import parse_definition
from dabir.desk.models import RequestEvent, RequestStatus
from dabir.exchange import responders
from dabir.exchange import services as exchange
from dabir.exchange.models import Direction, Inquiry, InquiryType, Message, TransferState
from dabir.letters import services as letters
from dabir.letters.models import Referral, ReferralStatus
from dabir.letters.services import ReferralSpec
from dabir.notify.models import SmsMessage

from ..exchange.conftest import Pair, drain
from .test_services import definition, setup_desk

pytestmark = pytest.mark.django_db

# A person in the demo civil registry: national code, name, and birth date (Jalali on the form).
PERSON = {"national_code": "1744770433", "first_name": "جواد", "last_name": "حزباوی", "birth_date": "1361/02/24"}
IDENTITY_FORM = [
    {"name": "first_name", "label": "نام", "type": "text"},
    {"name": "last_name", "label": "نام خانوادگی", "type": "text"},
    {"name": "birth_date", "label": "تاریخ تولد", "type": "jalali_date"},
]
QUESTION = {"national_code": "national_code", "first_name": "first_name", "last_name": "last_name",
            "birth_date": "birth_date"}


def identity_stage(world, next_stage="decide") -> dict:
    return {"code": "identity", "title": "استعلام هویت", "position": world.expert_pos.code, "deadline_days": 1,
            "inquiry": {"type": demo_exchange.IDENTITY, "question": QUESTION},
            "outcomes": [{"code": "match", "label": "هویت تأیید شد", "next": next_stage},
                         {"code": "mismatch", "label": "مغایرت هویتی؛ رد", "next": "reject"}]}


def decide_stage(world) -> dict:
    return {"code": "decide", "title": "تصمیم نهایی", "position": world.other_pos.code, "deadline_days": 2,
            "outcomes": [{"code": "yes", "label": "موافقت", "next": "approve"},
                         {"code": "no", "label": "رد", "next": "reject"}]}


def default_stages(world) -> list[dict]:
    return [identity_stage(world), decide_stage(world)]


class Desk:
    """Agency A offers a service with an identity stage; agency B is the civil registry."""

    def __init__(self, stages=None, with_type=True):
        self.pair = pair = Pair()
        self.a, self.b = pair.a, pair.b
        if with_type:
            self.type = exchange.save_inquiry_type(user=None, inquiry_type=InquiryType(
                code=demo_exchange.IDENTITY, name="استعلام هویت", member=pair.mb,
                question_schema=demo_exchange.IDENTITY_QUESTION, answer_schema=demo_exchange.IDENTITY_ANSWER,
                responder=demo_exchange.RESPONDER))
        base = definition(self.a)
        self.service = setup_desk(self.a, form=[*base["form"], *IDENTITY_FORM],
                                  stages=(stages or default_stages)(self.a))

    def submit(self, applicant=None, **answers):
        person = {**PERSON, **answers}
        data = {"parcel": "12/3", "area": 120, "use": "مسکونی", **{k: v for k, v in person.items() if k != "national_code"}}
        return services.submit_request(
            service=self.service, channel="online", national_code=person["national_code"], mobile="09161234567",
            data=data, applicant_name=f"{person['first_name']} {person['last_name']}",
            uploads={"deed": [_deed()]}, applicant=applicant,
        )


def _deed():
    from dabir.letters.services import Upload

    from ..factories import PDF_BYTES

    return Upload(name="deed.pdf", content=PDF_BYTES)


def _open_at(req, position):
    return Referral.objects.filter(letter=req.letter, to_position=position,
                                   status__in=[ReferralStatus.UNREAD, ReferralStatus.READ])


def test_reaching_the_stage_sends_the_inquiry_in_the_same_transaction():
    desk = Desk()
    req = desk.submit()
    inquiry = Inquiry.objects.get(direction=Direction.OUT)
    assert inquiry.requester == f"desk.request:{req.pk}"
    assert inquiry.asker == desk.pair.ma and inquiry.answerer == desk.pair.mb
    # The Jalali birth date on the form is asked as an ISO date.
    assert inquiry.question == {"national_code": "1744770433", "first_name": "جواد", "last_name": "حزباوی",
                                "birth_date": "1982-05-14"}
    assert inquiry.state == Inquiry.State.WAITING and inquiry.transfer.state == TransferState.QUEUED
    req.refresh_from_db()
    assert req.stage_code == "identity" and _open_at(req, desk.a.expert_pos).exists()
    staff = req.events.filter(kind=RequestEvent.Kind.NOTE, public=False).get()
    assert str(inquiry.uid) in staff.note
    assert "استعلام شد" in req.events.get(kind=RequestEvent.Kind.NOTE, public=True).note


def test_a_matching_answer_comes_back_and_moves_the_request_on():
    desk = Desk()
    req = desk.submit()
    drain()
    answered = Inquiry.objects.get(direction=Direction.IN)
    assert answered.automatic and answered.answer["match"] is True and answered.answer["alive"] is True
    inquiry = Inquiry.objects.get(direction=Direction.OUT)
    assert inquiry.state == Inquiry.State.ANSWERED and inquiry.answer == answered.answer
    req.refresh_from_db()
    assert (req.status, req.stage_code) == (RequestStatus.IN_PROGRESS, "decide")
    # The letter moved as the system, from the identity stage's referral to the next stage's position.
    assert not _open_at(req, desk.a.expert_pos).exists()
    moved = _open_at(req, desk.a.other_pos).get()
    assert moved.parent.status == ReferralStatus.FORWARDED and moved.from_user.username.startswith("desk.")
    # Staff see the answer; the applicant sees the new stage in plain words, and an SMS.
    assert "تطبیق دارد" in req.events.get(kind=RequestEvent.Kind.NOTE, public=False, note__startswith="پاسخ").note
    assert req.events.filter(kind=RequestEvent.Kind.STAGE, stage_code="decide", public=True).exists()
    assert SmsMessage.objects.filter(related=f"desk.request:{req.pk}", text__contains="تصمیم نهایی").exists()
    # The next stage's holder decides as usual.
    services.decide_stage(user=desk.a.other, position_id=desk.a.other_pos.id, request=req, outcome="no",
                          public_note="مدارک ناقص است")
    req.refresh_from_db()
    assert req.status == RequestStatus.REJECTED
    assert verify().ok


def test_a_mismatch_leaves_the_request_marked_for_staff():
    desk = Desk()
    req = desk.submit(birth_date="1361/02/25")
    drain()
    req.refresh_from_db()
    assert (req.status, req.stage_code) == (RequestStatus.SUBMITTED, "identity")
    assert _open_at(req, desk.a.expert_pos).exists()
    staff = req.events.get(kind=RequestEvent.Kind.NOTE, public=False, note__startswith="پاسخ")
    assert "تطبیق ندارد" in staff.note and "نیاز به بررسی کارشناس" in staff.note
    assert "همخوان نبود" in req.events.filter(kind=RequestEvent.Kind.NOTE, public=True).last().note
    # The stage's expert decides by hand, with the stage's own outcomes.
    services.decide_stage(user=desk.a.expert, position_id=desk.a.expert_pos.id, request=req, outcome="mismatch",
                          public_note="تاریخ تولد با شناسنامه همخوان نیست.")
    req.refresh_from_db()
    assert req.status == RequestStatus.REJECTED


def test_the_applicant_and_the_staff_see_the_answer_in_their_own_words():
    desk = Desk()
    citizen = User.objects.create_user(username=f"c{PERSON['national_code']}", is_citizen=True,
                                       national_code=PERSON["national_code"], mobile="09161234567")
    req = desk.submit(birth_date="1361/02/25", applicant=citizen)
    drain()
    mine = Client()
    mine.force_login(citizen)
    page = mine.get(f"/services/my/{req.tracking_code}/")
    assert page.status_code == 200
    shown = page.content.decode()
    assert "همخوان نبود" in shown and "استعلام شد" in shown
    assert "تطبیق ندارد" not in shown and "نیاز به بررسی کارشناس" not in shown  # the staff note stays inside
    staff = Client()
    staff.force_login(desk.a.expert)
    letter_page = staff.get(f"/letters/{req.letter_id}/")
    assert letter_page.status_code == 200 and "نیاز به بررسی کارشناس" in letter_page.content.decode()


def test_an_answer_after_staff_decided_by_hand_is_only_recorded():
    desk = Desk()
    req = desk.submit()
    # The expert does not wait for the registry: they check the papers and move it on themselves.
    services.decide_stage(user=desk.a.expert, position_id=desk.a.expert_pos.id, request=req, outcome="match")
    referrals = Referral.objects.filter(letter=req.letter_id).count()
    drain()
    req.refresh_from_db()
    assert req.stage_code == "decide" and Referral.objects.filter(letter=req.letter_id).count() == referrals
    note = req.events.get(kind=RequestEvent.Kind.NOTE, public=False, note__startswith="پاسخ").note
    assert "فقط ثبت شد" in note


def test_the_system_forward_refuses_a_closed_referral():
    desk = Desk()
    req = desk.submit()
    referral = _open_at(req, desk.a.expert_pos).get()
    services.decide_stage(user=desk.a.expert, position_id=desk.a.expert_pos.id, request=req, outcome="match")
    with pytest.raises(Conflict):
        letters.forward_by_system(by=desk.a.clerk, letter=req.letter, referral=referral,
                                  targets=[ReferralSpec(desk.a.manager_pos.id)])


def test_the_listener_is_idempotent():
    desk = Desk()
    req = desk.submit()
    drain()
    inquiry = Inquiry.objects.get(direction=Direction.OUT)
    events, referrals = req.events.count(), Referral.objects.filter(letter=req.letter_id).count()
    services.inquiry_answered(inquiry)  # the same answer told twice
    # and the same signed answer received again: the same receipt, nothing recorded twice
    answer = Message.objects.get(direction=Direction.OUT, kind="answer")
    exchange.receive(bytes(answer.raw))
    req.refresh_from_db()
    assert req.events.count() == events and Referral.objects.filter(letter=req.letter_id).count() == referrals
    assert req.stage_code == "decide"
    assert responders.listener(inquiry.requester) is services.inquiry_answered


def test_an_inquiry_stage_reached_by_a_decision_asks_then():
    def stages(world):
        first = {"code": "review", "title": "بررسی", "position": world.manager_pos.code, "deadline_days": 2,
                 "outcomes": [{"code": "ok", "label": "کامل", "next": "identity"}]}
        return [first, identity_stage(world), decide_stage(world)]

    desk = Desk(stages=stages)
    req = desk.submit()
    assert not Inquiry.objects.filter(requester=f"desk.request:{req.pk}").exists()
    services.decide_stage(user=desk.a.manager, position_id=desk.a.manager_pos.id, request=req, outcome="ok")
    assert Inquiry.objects.filter(requester=f"desk.request:{req.pk}").exists()
    drain()
    req.refresh_from_db()
    assert req.stage_code == "decide"


def test_an_inquiry_that_cannot_be_asked_leaves_the_stage_to_staff():
    desk = Desk(with_type=False)
    req = desk.submit()
    req.refresh_from_db()
    assert req.stage_code == "identity" and req.letter_id is not None and not Inquiry.objects.exists()
    note = req.events.get(kind=RequestEvent.Kind.NOTE, public=False).note
    assert "فرستاده نشد" in note and "civil.identity" in note


def test_definitions_with_a_broken_inquiry_stage_are_refused_in_persian():
    class W:  # positions by code only
        class expert_pos:  # noqa: N801
            code = "P1"

        class other_pos:  # noqa: N801
            code = "P2"

        class manager_pos:  # noqa: N801
            code = "P3"

        class agency:  # noqa: N801
            code = "AG"

    ok = definition(W, form=[*definition(W)["form"], *IDENTITY_FORM], stages=[identity_stage(W), decide_stage(W)])
    parse_definition(ok)
    terminal = {**ok, "stages": [identity_stage(W, next_stage="approve"), decide_stage(W)]}
    unknown = {**ok, "form": definition(W)["form"]}  # the question's fields are not on the form
    missing = {**ok, "stages": [{**identity_stage(W), "inquiry": {"type": "civil.identity", "question": QUESTION,
                                                                  "on_match": "nothing"}}, decide_stage(W)]}
    for broken in (terminal, unknown, missing):
        with pytest.raises(DomainError, match="تعریف خدمت نامعتبر است"):
            parse_definition(broken)


def test_the_demo_civil_registry_answers_by_its_registry():
    answer = demo_exchange.answer_identity
    good = {"national_code": "1744770433", "first_name": "جواد", "last_name": "حزباوی", "birth_date": "1982-05-14"}
    assert answer(good) == {"match": True, "alive": True, "message": "مشخصات با پایگاه اطلاعات هویتی همخوان است."}
    # Arabic yeh and kaf typed by a clerk still match (the names are compared normalised).
    assert answer({**good, "last_name": "حزباوي"})["match"] is True
    assert answer({**good, "birth_date": "1982-05-15"})["match"] is False
    bad_digit = answer({**good, "national_code": "1744770434"})
    assert bad_digit["match"] is False and "رقم کنترل" in bad_digit["message"]
    assert "یافت نشد" in answer({**good, "national_code": "0012345679"})["message"]
    dead = answer({"national_code": "1744331091", "first_name": "غلامرضا", "last_name": "نیسی",
                   "birth_date": "1953-07-27"})
    assert dead["match"] is True and dead["alive"] is False
