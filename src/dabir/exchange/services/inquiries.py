"""Inquiries (استعلام): asked here and sent to the answering agency, answered by hand or by a
registered responder, the signed answer brought back to what asked (a letter or a desk request)."""

import datetime as dt
import json

import jsonschema
from django.db import transaction
from django.utils import timezone

from dabir.core.errors import Conflict, DomainError, NotAllowed

from .. import envelope, policy, responders
from ..models import Direction, Inquiry, InquiryType, Kind, Member
from ..names import AuditAction
from ._shared import local_member, record
from .outbox import new_transfer


def check_schema(document, schema: dict, what: str) -> None:
    try:
        jsonschema.validate(document, schema)
    except jsonschema.ValidationError as exc:
        path = "/".join(str(p) for p in exc.absolute_path)
        raise envelope.Refused(f"{what} استعلام با شِمای آن نمی‌خواند{f' ({path})' if path else ''}: {exc.message[:200]}",
                               code="inquiry_schema") from exc
    except jsonschema.SchemaError as exc:
        raise DomainError("شِمای این نوع استعلام درست نیست.", code="inquiry_schema") from exc


@transaction.atomic
def ask(*, user=None, agency, inquiry_type: InquiryType, question: dict, letter=None, requester: str = "") -> Inquiry:
    """Send an inquiry from an agency of this server; the answer comes back to it by itself."""
    asker = local_member(agency)
    if not inquiry_type.member.active:
        raise DomainError("دستگاه پاسخ‌دهنده این استعلام در شبکه فعال نیست.", field="type")
    if not isinstance(question, dict):
        raise DomainError("پرسش استعلام باید یک شیء JSON باشد.", field="question")
    try:
        check_schema(question, inquiry_type.question_schema, "پرسش")
    except envelope.Refused as exc:
        raise DomainError(exc.message, field="question", code=exc.code) from exc
    inquiry = Inquiry.objects.create(
        direction=Direction.OUT, type=inquiry_type, asker=asker, answerer=inquiry_type.member, question=question,
        deadline=timezone.now() + dt.timedelta(hours=inquiry_type.deadline_hours), letter=letter,
        requester=requester[:64], asked_by=user if user is not None and user.is_authenticated else None,
    )
    inquiry.transfer = new_transfer(kind=Kind.INQUIRY, sender=asker, member=inquiry_type.member,
                                    content={"inquiry": inquiry.pk})
    inquiry.save(update_fields=["transfer"])
    record(AuditAction.EXCHANGE_ASK, inquiry, user, {"type": inquiry_type.code, "to": inquiry_type.member.code,
                                                     "requester": requester})
    return inquiry


def inquiry_payload(transfer) -> bytes:
    inquiry = Inquiry.objects.select_related("type").get(pk=transfer.content["inquiry"])
    return envelope.inquiry_payload(
        message_id=transfer.uid, sender=(transfer.sender.code, transfer.sender.name),
        receiver=(transfer.member.code, transfer.member.name), inquiry_id=inquiry.uid, type_code=inquiry.type.code,
        deadline=inquiry.deadline, question=json.dumps(inquiry.question, ensure_ascii=False),
    )


def answer_payload(transfer) -> bytes:
    inquiry = Inquiry.objects.select_related("question_message").get(pk=transfer.content["inquiry"])
    return envelope.answer_payload(
        message_id=transfer.uid, sender=(transfer.sender.code, transfer.sender.name),
        receiver=(transfer.member.code, transfer.member.name), refers_to=inquiry.question_message.message_id,
        refers_sha256=inquiry.question_message.sha256, inquiry_id=inquiry.uid,
        answer=json.dumps(inquiry.answer, ensure_ascii=False),
    )


def take_inquiry(*, message, inquiry_type: InquiryType, asker: Member, answerer: Member, uid, question: dict,
                 deadline: dt.datetime) -> Inquiry:
    """An inquiry arrived (inside the receiving transaction): kept, and answered at once when a
    responder is registered for its type."""
    inquiry = Inquiry.objects.create(
        uid=uid, direction=Direction.IN, type=inquiry_type, asker=asker, answerer=answerer, question=question,
        deadline=deadline, question_message=message,
    )
    answer = responders.responder(inquiry_type.responder)
    if answer is not None:
        _answer(inquiry, answer(question), user=None, automatic=True)
    return inquiry


def _answer(inquiry: Inquiry, answer: dict, *, user, automatic: bool) -> None:
    try:
        check_schema(answer, inquiry.type.answer_schema, "پاسخ")
    except envelope.Refused as exc:
        raise DomainError(exc.message, field="answer", code=exc.code) from exc
    inquiry.answer, inquiry.state, inquiry.answered_at = answer, Inquiry.State.ANSWERED, timezone.now()
    inquiry.answered_by, inquiry.automatic = user, automatic
    inquiry.transfer = new_transfer(kind=Kind.ANSWER, sender=inquiry.answerer, member=inquiry.asker,
                                    content={"inquiry": inquiry.pk, "refers_to": str(inquiry.question_message.message_id)})
    inquiry.save(update_fields=["answer", "state", "answered_at", "answered_by", "automatic", "transfer"])
    record(AuditAction.EXCHANGE_ANSWER, inquiry, user, {"automatic": automatic, "type": inquiry.type.code})


@transaction.atomic
def answer_inquiry(*, user, inquiry: Inquiry, answer: dict) -> Inquiry:
    """A clerk of the answering agency answers an inquiry by hand."""
    policy.check_answer(user, inquiry)
    # Only the inquiry row is locked (PostgreSQL refuses FOR UPDATE on the outer join to a null message).
    inquiry = Inquiry.objects.select_for_update(of=("self",)).select_related(
        "type", "question_message", "answerer", "asker").get(pk=inquiry.pk)
    if inquiry.state != Inquiry.State.WAITING:
        raise Conflict("به این استعلام پیش‌تر پاسخ داده شده است.", code="answered")
    if not isinstance(answer, dict):
        raise DomainError("پاسخ استعلام باید یک شیء JSON باشد.", field="answer")
    _answer(inquiry, answer, user=user, automatic=False)
    return inquiry


def take_answer(*, inquiry: Inquiry, answer: dict, message) -> None:
    """The answer to an inquiry asked here arrived (inside the receiving transaction)."""
    if inquiry.state == Inquiry.State.ANSWERED:
        return
    inquiry.answer, inquiry.state, inquiry.answered_at = answer, Inquiry.State.ANSWERED, timezone.now()
    inquiry.answer_message = message
    inquiry.save(update_fields=["answer", "state", "answered_at", "answer_message"])
    record(AuditAction.EXCHANGE_ANSWERED, inquiry, None, {"type": inquiry.type.code, "requester": inquiry.requester})
    on_answer = responders.listener(inquiry.requester)
    if on_answer is not None:
        on_answer(inquiry)


def expire_inquiries(now: dt.datetime | None = None) -> int:
    """Mark inquiries asked here whose deadline passed unanswered as «مهلت گذشت» (a late answer is
    still taken when it comes). Returns how many were marked."""
    now = now or timezone.now()
    done = 0
    due = Inquiry.objects.filter(direction=Direction.OUT, state=Inquiry.State.WAITING, deadline__lt=now)
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            inquiry = Inquiry.objects.select_for_update(of=("self",)).select_related("type").get(pk=pk)
            if inquiry.state != Inquiry.State.WAITING:  # answered meanwhile
                continue
            inquiry.state = Inquiry.State.EXPIRED
            inquiry.save(update_fields=["state"])
            record(AuditAction.EXCHANGE_EXPIRE, inquiry, None, {"type": inquiry.type.code,
                                                                "deadline": inquiry.deadline.isoformat()})
            done += 1
    return done


def _check_json_schema(schema, field: str) -> dict:
    if not isinstance(schema, dict) or schema.get("type", "object") != "object":
        raise DomainError("شِما باید یک شیء JSON با type برابر object باشد.", field=field)
    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise DomainError(f"شِما درست نیست: {exc.message[:200]}", field=field) from exc
    return schema


@transaction.atomic
def save_inquiry_type(*, user, inquiry_type: InquiryType) -> InquiryType:
    """A superuser defines or edits an inquiry type (its schemas are checked first)."""
    if user is not None and not user.is_superuser:
        raise NotAllowed("تعریف انواع استعلام با مدیر کل سامانه است.")
    _check_json_schema(inquiry_type.question_schema, "question_schema")
    _check_json_schema(inquiry_type.answer_schema, "answer_schema")
    if inquiry_type.responder and responders.responder(inquiry_type.responder) is None:
        raise DomainError("پاسخ‌گوی خودکاری با این نام روی این سرور ثبت نشده است.", field="responder")
    created = inquiry_type.pk is None
    inquiry_type.save()
    record(AuditAction.EXCHANGE_SAVE_INQUIRY_TYPE, inquiry_type, user, {"code": inquiry_type.code,
                                                                        "created": created})
    return inquiry_type
