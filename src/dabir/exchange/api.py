"""The exchange over JSON, mounted at /api/exchange/ (docs/api.md «Exchange»): the arrivals queue with
accept and return, the sender's deliveries with retry, the message log, the directory and inquiries.

Thin handlers: every row is fetched through exchange.policy (what the user may not see is the same
404 as what does not exist) and every write is one call to exchange.services.
"""

from django.db.models import Q
from django.http import HttpResponse
from django.urls import reverse
from ninja import Query, Router
from ninja.responses import Status

from dabir.core.errors import DomainError, NotAllowed, NotFound
from dabir.core.schemas import LatinInt
from dabir.letters import policy as letters_policy
from dabir.letters.services import ReferralSpec
from dabir.orgs.models import NumberSeries, Secretariat
from dabir.orgs.selectors import acting_seat

from . import policy, selectors, services
from .models import Arrival, Delivery, Inquiry, InquiryType, Member, Message
from .schemas import (
    AcceptIn,
    AcceptOut,
    AnswerIn,
    ArrivalDetailOut,
    ArrivalOut,
    ArrivalPage,
    ArrivalQuery,
    AskIn,
    DeliveryOut,
    DeliveryPage,
    DeliveryQuery,
    DirectoryMemberOut,
    InquiryOut,
    InquiryPage,
    InquiryQuery,
    InquiryTypeOut,
    MessageDetailOut,
    MessagePage,
    MessageQuery,
    ReturnIn,
)
from .services import outbox

router = Router(tags=["exchange"])

RAW_TYPE = "application/vnd.dabir.exchange+xml"

# ---------------------------------------------------------------- rendering


def _member(m: Member) -> dict:
    return {"code": m.code, "name": m.name}


def _page(qs, query, render) -> dict:
    rows = list(qs[query.offset: query.offset + query.limit])
    return {"total": qs.count(), "limit": query.limit, "offset": query.offset, "items": render(rows)}


def _arrival(a: Arrival) -> dict:
    return {
        "id": a.id, "state": a.state, "state_label": a.get_state_display(), "sender": _member(a.sender),
        "sender_number": a.sender_number, "sender_date": a.sender_date, "subject": a.subject,
        "classification": a.classification, "urgency": a.urgency, "is_copy": a.is_copy,
        "received_at": a.received_at, "message_id": a.message.message_id,
        "letter": {"id": a.letter.id, "number": a.letter.number} if a.letter_id else None,
        "reason": a.reason, "decided_at": a.decided_at,
    }


def _delivery(d: Delivery) -> dict:
    t = d.transfer
    return {
        "id": d.id, "letter": {"id": d.letter.id, "number": d.letter.number}, "subject": d.letter.subject,
        "recipient": _member(d.member), "is_copy": d.is_copy, "state": d.state, "state_label": d.get_state_display(),
        "message_id": t.uid, "attempts": t.attempts, "last_error": t.last_error, "queued_at": t.created_at,
        "sent_at": t.sent_at, "delivered_at": t.delivered_at, "their_number": d.their_number,
        "their_date": d.their_date, "reason": d.reason, "outcome_at": d.outcome_at,
        "can_retry": d.state == "failed",  # sent_by already holds only the clerks who may send it again
    }


def _message(m: Message) -> dict:
    return {
        "id": m.id, "message_id": m.message_id, "direction": m.direction, "kind": m.kind, "sender": m.sender,
        "receiver": m.receiver, "refers_to": m.refers_to, "sha256": m.sha256, "size": m.size,
        "created_at": m.created_at,
    }


def _inquiry(user, i: Inquiry, visible_letters: set[int], clerk_agency_ids: set[int]) -> dict:
    return {
        "id": i.id, "uid": i.uid, "direction": i.direction, "type": i.type.code, "type_name": i.type.name,
        "asker": _member(i.asker), "answerer": _member(i.answerer), "state": i.state,
        "state_label": i.get_state_display(), "question": i.question, "answer": i.answer, "automatic": i.automatic,
        "deadline": i.deadline, "created_at": i.created_at, "answered_at": i.answered_at,
        # the letter that asked, only to those who may see it (a clerk of the agency may not)
        "letter": ({"id": i.letter.id, "number": i.letter.number} if i.letter_id in visible_letters else None),
        "can_answer": policy.can_answer(user, i, clerk_agency_ids),
    }


def _inquiries(user, rows) -> list[dict]:
    seen = letters_policy.visible_ids(user, [i.letter_id for i in rows])
    agencies = set(policy.clerk_agencies(user).values_list("pk", flat=True))
    return [_inquiry(user, i, seen, agencies) for i in rows]


# ---------------------------------------------------------------- fetching what the user may see


def _arrivals(user):
    return policy.arrivals_of(user).select_related("sender", "letter", "message").defer("message__raw")


def _visible_arrival(user, arrival_id: LatinInt) -> Arrival:
    arrival = _arrivals(user).filter(pk=arrival_id).first()
    if arrival is None:
        raise NotFound("نامه رسیده پیدا نشد یا اجازه دیدن آن را ندارید.")
    return arrival


def _sent(user):
    return policy.sent_by(user).select_related("letter", "member", "transfer")


def _visible_delivery(user, delivery_id: LatinInt) -> Delivery:
    delivery = _sent(user).filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound("ارسال پیدا نشد یا اجازه دیدن آن را ندارید.")
    return delivery


def _visible_message(user, log_id: LatinInt) -> Message:
    message = policy.messages_of(user).defer("raw").filter(pk=log_id).first()
    if message is None:
        raise NotFound("پیام پیدا نشد یا اجازه دیدن آن را ندارید.")
    return message


def _visible_inquiry(user, inquiry_id: LatinInt) -> Inquiry:
    inquiry = (policy.inquiries_of(user).select_related("type", "asker", "answerer", "letter")
               .filter(pk=inquiry_id).first())
    if inquiry is None:
        raise NotFound("استعلام پیدا نشد یا اجازه دیدن آن را ندارید.")
    return inquiry


def _staff(user) -> None:
    if not policy.can_see_directory(user):
        raise NotAllowed("فهرست شبکه تبادل برای کارکنان دستگاه‌هاست.")


# ---------------------------------------------------------------- arrivals (the receiving secretariat)


@router.get("/arrivals", response=ArrivalPage, summary="نامه‌های الکترونیکی رسیده به دبیرخانه‌های من")
def arrivals(request, filters: Query[ArrivalQuery]):
    qs = selectors.arrivals_queue(request.user, filters.state or "").defer("message__raw").select_related("message")
    return _page(qs, filters, lambda rows: [_arrival(a) for a in rows])


@router.get("/arrivals/{arrival_id}", response=ArrivalDetailOut,
            summary="نامه رسیده، با پرونده‌ها و بررسی دوباره امضاها")
def arrival_detail(request, arrival_id: LatinInt):
    arrival = _visible_arrival(request.user, arrival_id)
    found = selectors.verification(Arrival.objects.select_related("sender", "message").get(pk=arrival.pk))
    files = [found["document"], *found["attachments"]] if found["document"] else []
    return {
        **_arrival(arrival),
        "files": [{"name": f.name, "size": len(f.content), "sha256": f.sha256} for f in files],
        "checks": [{"ok": ok, "message": text} for ok, text in found["checks"]],
        "pdf_checks": [{"ok": ok, "message": text} for ok, text in found["pdf_checks"]],
    }


@router.post("/arrivals/{arrival_id}/accept", response={201: AcceptOut},
             summary="پذیرش و ثبت نامه رسیده به‌عنوان وارده، با نخستین ارجاع")
def accept(request, arrival_id: LatinInt, payload: AcceptIn):
    arrival = _visible_arrival(request.user, arrival_id)
    secretariat = Secretariat.objects.filter(pk=payload.secretariat_id).first()
    if secretariat is None:
        raise DomainError("دبیرخانه پیدا نشد.", field="secretariat_id")
    series = None
    if payload.series_id is not None:
        series = NumberSeries.objects.select_related("secretariat").filter(pk=payload.series_id).first()
        if series is None:
            raise DomainError("سری شماره پیدا نشد.", field="series_id")
    letter = services.accept_arrival(
        user=request.user, arrival=arrival, secretariat=secretariat, series=series,
        seat=acting_seat(request, payload.position_id, required=False),
        refer_to=[ReferralSpec(t.position_id, t.action, t.note, t.deadline) for t in payload.refer_to],
    )
    return Status(201, {"arrival_id": arrival.id, "letter_id": letter.id, "number": letter.number,
                        "registered_at": letter.registered_at})


@router.post("/arrivals/{arrival_id}/return", response=ArrivalOut, summary="برگشت نامه رسیده به فرستنده، با علت")
def return_arrival(request, arrival_id: LatinInt, payload: ReturnIn):
    arrival = _visible_arrival(request.user, arrival_id)
    services.return_arrival(user=request.user, arrival=arrival, reason=payload.reason, note=payload.note)
    return _arrival(_visible_arrival(request.user, arrival_id))


# ---------------------------------------------------------------- deliveries (the sending secretariat)


@router.get("/deliveries", response=DeliveryPage, summary="ارسال‌های الکترونیکی نامه‌های دبیرخانه‌های من")
def deliveries(request, filters: Query[DeliveryQuery]):
    qs = selectors.sent_items(request.user, filters.state or "")
    if filters.letter_id is not None:
        qs = qs.filter(letter_id=filters.letter_id)
    return _page(qs, filters, lambda rows: [_delivery(d) for d in rows])


@router.post("/deliveries/{delivery_id}/retry", response=DeliveryOut, summary="ارسال دوباره یک ارسال ناموفق")
def retry(request, delivery_id: LatinInt):
    delivery = _visible_delivery(request.user, delivery_id)
    outbox.retry(user=request.user, transfer=delivery.transfer)
    return _delivery(_visible_delivery(request.user, delivery_id))


# ---------------------------------------------------------------- the message log (agency admins)


@router.get("/messages", response=MessagePage, summary="دفتر پیام‌های تبادل دستگاه‌های من")
def messages(request, filters: Query[MessageQuery]):
    qs = policy.messages_of(request.user).defer("raw").order_by("-created_at", "-id")
    if filters.direction:
        qs = qs.filter(direction=filters.direction)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.member:
        code = filters.member.strip().lower()
        qs = qs.filter(Q(sender=code) | Q(receiver=code))
    return _page(qs, filters, lambda rows: [_message(m) for m in rows])


@router.get("/messages/{log_id}", response=MessageDetailOut, summary="یک پیام دفتر تبادل (بی محتوا)")
def message_detail(request, log_id: LatinInt):
    message = _visible_message(request.user, log_id)
    transfer = getattr(message, "transfer", None) if message.direction == "out" else None
    readable = policy.can_read_raw(request.user, message)
    return {
        **_message(message),
        "raw_url": reverse("api:exchange_message_raw", kwargs={"log_id": message.id}) if readable else None,
        "transfer_state": transfer.state if transfer else None,
        "attempts": transfer.attempts if transfer else None,
        "last_error": transfer.last_error if transfer else None,
    }


_RAW_DOC = {"responses": {200: {
    "description": "بایت‌های امضاشده پیام، همان‌گونه که فرستاده یا دریافت شد",
    "content": {RAW_TYPE: {"schema": {"type": "string", "format": "binary"}}},
}}}


@router.get("/messages/{log_id}/raw", url_name="exchange_message_raw", openapi_extra=_RAW_DOC,
            summary="بایت‌های امضاشده یک پیام (XML)")
def message_raw(request, log_id: LatinInt):
    message = _visible_message(request.user, log_id)
    if not policy.can_read_raw(request.user, message):
        raise NotAllowed("این پیام نامه‌ای را می‌برد که اجازه دیدن آن را ندارید.")
    raw = bytes(Message.objects.values_list("raw", flat=True).get(pk=message.pk))
    response = HttpResponse(raw, content_type=RAW_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{message.message_id}.xml"'
    response["X-Content-SHA256"] = message.sha256
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------- the directory (any member of staff)


@router.get("/directory/members", response=list[DirectoryMemberOut], summary="اعضای شبکه تبادل")
def directory_members(request):
    _staff(request.user)
    answers: dict[int, set[str]] = {}
    for member_id, code in InquiryType.objects.values_list("member_id", "code"):
        answers.setdefault(member_id, set()).add(code)
    return [
        {"code": m.code, "name": m.name, "server_url": m.server_url, "local": m.is_local,
         "fingerprint": m.fingerprint, "not_after": m.not_after, "revoked": m.revoked_at is not None,
         "inquiry_types": sorted(set(m.inquiry_types or []) | answers.get(m.id, set()))}
        for m in Member.objects.filter(active=True).order_by("name", "code")
    ]


@router.get("/directory/inquiry-types", response=list[InquiryTypeOut], summary="انواع استعلام با شِمای پرسش و پاسخ")
def inquiry_types(request):
    _staff(request.user)
    return [
        {"code": t.code, "name": t.name, "member": _member(t.member), "description": t.description,
         "deadline_hours": t.deadline_hours, "automatic": bool(t.responder),
         "question_schema": t.question_schema, "answer_schema": t.answer_schema}
        for t in InquiryType.objects.filter(member__active=True).select_related("member").order_by("code")
    ]


# ---------------------------------------------------------------- inquiries


@router.get("/inquiries", response=InquiryPage, summary="استعلام‌های من و دبیرخانه‌های من")
def inquiries(request, filters: Query[InquiryQuery]):
    qs = policy.inquiries_of(request.user).select_related("type", "asker", "answerer", "letter")
    if filters.direction:
        qs = qs.filter(direction=filters.direction)
    if filters.state:
        qs = qs.filter(state=filters.state)
    return _page(qs.order_by("-created_at", "-id"), filters, lambda rows: _inquiries(request.user, rows))


@router.post("/inquiries", response={201: InquiryOut}, summary="فرستادن استعلام از طرف دستگاه سمت من")
def ask(request, payload: AskIn):
    seat = acting_seat(request, payload.position_id)
    agency = seat.position.unit.agency
    inquiry_type = policy.askable_types(agency).filter(code=payload.type.strip()).first()
    if inquiry_type is None:
        raise DomainError("این نوع استعلام در فهرست نیست یا برای دستگاه شما در دسترس نیست.", field="type")
    letter = None
    if payload.letter_id is not None:
        letter = letters_policy.visible_letters(request.user).filter(pk=payload.letter_id).first()
        if letter is None:
            raise DomainError("نامه پیدا نشد یا اجازه دیدن آن را ندارید.", field="letter_id")
    inquiry = services.ask(user=request.user, agency=agency, inquiry_type=inquiry_type, question=payload.question,
                           letter=letter)
    return Status(201, _inquiries(request.user, [_visible_inquiry(request.user, inquiry.id)])[0])


@router.get("/inquiries/{inquiry_id}", response=InquiryOut, summary="یک استعلام با پرسش و پاسخ")
def inquiry_detail(request, inquiry_id: LatinInt):
    return _inquiries(request.user, [_visible_inquiry(request.user, inquiry_id)])[0]


@router.post("/inquiries/{inquiry_id}/answer", response=InquiryOut, summary="پاسخ دستی به استعلام رسیده")
def answer(request, inquiry_id: LatinInt, payload: AnswerIn):
    inquiry = _visible_inquiry(request.user, inquiry_id)
    services.answer_inquiry(user=request.user, inquiry=inquiry, answer=payload.answer)
    return _inquiries(request.user, [_visible_inquiry(request.user, inquiry_id)])[0]
