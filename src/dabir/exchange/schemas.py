"""API schemas of the exchange: the arrivals queue, deliveries, the message log, the directory, inquiries.

Inputs derive from dabir.core.schemas.In (Persian and Arabic digits accepted, NUL refused); filters
with a fixed set of values are enumerations, so the document says them and anything else is a 422.
"""

import datetime as dt
import uuid
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from dabir.core.schemas import In, LatinInt, Page, PageQuery, ShortText
from dabir.letters.schemas import ActingIn, ReferralTarget

ArrivalState = Literal["pending", "accepted", "returned"]
SentState = Literal["queued", "sent", "delivered", "registered", "returned", "failed"]
MessageKind = Literal["letter", "receipt", "inquiry", "answer"]
Direction = Literal["in", "out"]
InquiryState = Literal["waiting", "answered", "failed", "expired"]
ReturnReason = Literal["wrong_addressee", "unreadable", "not_ours", "other"]


# ---------------------------------------------------------------- shared pieces


class MemberRef(Schema):
    code: str
    name: str


class LetterRef(Schema):
    id: int
    number: str


class Check(Schema):
    ok: bool
    message: str


# ---------------------------------------------------------------- arrivals


class ArrivalQuery(PageQuery):
    state: ArrivalState | None = None


class ArrivalOut(Schema):
    id: int
    state: ArrivalState
    state_label: str
    sender: MemberRef
    sender_number: str
    sender_date: dt.date
    subject: str
    classification: str
    urgency: str
    is_copy: bool
    received_at: dt.datetime
    message_id: uuid.UUID
    letter: LetterRef | None
    reason: str
    decided_at: dt.datetime | None


class ArrivalPage(Page):
    items: list[ArrivalOut]


class FileOut(Schema):
    name: str
    size: int
    sha256: str


class ArrivalDetailOut(ArrivalOut):
    files: list[FileOut] = Field(description="نامه امضاشده (نخستین) و پیوست‌ها، با چکیده SHA-256 هر کدام")
    checks: list[Check] = Field(description="بررسی دوباره امضای پیام، گواهی فرستنده و چکیده پرونده‌ها")
    pdf_checks: list[Check] = Field(description="بررسی امضاهای درون PDF نامه")


class AcceptIn(ActingIn):
    secretariat_id: LatinInt
    series_id: LatinInt | None = None
    refer_to: list[ReferralTarget] = Field(..., max_length=100, description="نخستین ارجاع نامه (دست‌کم یکی)")


class AcceptOut(Schema):
    arrival_id: int
    letter_id: int
    number: str
    registered_at: dt.datetime | None


class ReturnIn(In):
    reason: ReturnReason
    note: ShortText = ""


# ---------------------------------------------------------------- deliveries (sent items)


class DeliveryQuery(PageQuery):
    state: SentState | None = None
    letter_id: LatinInt | None = None


class DeliveryOut(Schema):
    id: int
    letter: LetterRef
    subject: str
    recipient: MemberRef
    is_copy: bool
    state: SentState
    state_label: str
    message_id: uuid.UUID
    attempts: int
    last_error: str
    queued_at: dt.datetime
    sent_at: dt.datetime | None
    delivered_at: dt.datetime | None
    their_number: str = Field(description="شماره ثبت نامه نزد گیرنده (پس از ثبت)")
    their_date: dt.date | None
    reason: str = Field(description="علت برگشت (اگر برگشت خورده باشد)")
    outcome_at: dt.datetime | None
    can_retry: bool


class DeliveryPage(Page):
    items: list[DeliveryOut]


# ---------------------------------------------------------------- the message log


class MessageQuery(PageQuery):
    direction: Direction | None = None
    kind: MessageKind | None = None
    member: str | None = Field(None, max_length=64, description="شناسه تبادل فرستنده یا گیرنده")


class MessageOut(Schema):
    id: int
    message_id: uuid.UUID
    direction: Direction
    kind: MessageKind
    sender: str
    receiver: str
    refers_to: uuid.UUID | None
    sha256: str
    size: int
    created_at: dt.datetime


class MessagePage(Page):
    items: list[MessageOut]


class MessageDetailOut(MessageOut):
    raw_url: str | None = Field(description="نشانی بایت‌های امضاشده؛ تهی اگر محتوای پیام را نمی‌توانید ببینید")
    transfer_state: str | None
    attempts: int | None
    last_error: str | None


# ---------------------------------------------------------------- the directory


class DirectoryMemberOut(Schema):
    code: str
    name: str
    server_url: str
    local: bool
    fingerprint: str
    not_after: dt.datetime | None
    revoked: bool
    inquiry_types: list[str]


class InquiryTypeOut(Schema):
    code: str
    name: str
    member: MemberRef
    description: str
    deadline_hours: int
    automatic: bool
    question_schema: dict[str, Any]
    answer_schema: dict[str, Any]


# ---------------------------------------------------------------- inquiries


class InquiryQuery(PageQuery):
    direction: Direction | None = None
    state: InquiryState | None = None


class InquiryOut(Schema):
    id: int
    uid: uuid.UUID
    direction: Direction
    type: str
    type_name: str
    asker: MemberRef
    answerer: MemberRef
    state: InquiryState
    state_label: str
    question: dict[str, Any]
    answer: dict[str, Any] | None
    automatic: bool
    deadline: dt.datetime
    created_at: dt.datetime
    answered_at: dt.datetime | None
    letter: LetterRef | None
    can_answer: bool


class InquiryPage(Page):
    items: list[InquiryOut]


class AskIn(ActingIn):
    type: str = Field(..., min_length=1, max_length=64, description="شناسه نوع استعلام (از فهرست انواع)")
    question: dict[str, Any] = Field(description="پرسش، مطابق شِمای پرسش آن نوع")
    letter_id: LatinInt | None = None


class AnswerIn(In):
    answer: dict[str, Any] = Field(description="پاسخ، مطابق شِمای پاسخ آن نوع")
