"""API schemas for correspondence: what the JSON API accepts and answers.

The forgiving input types (LatinInt, JDate, In, PageQuery…) are the project's, in dabir.core.schemas.
"""

import datetime as dt
from typing import Annotated, Any

from ninja import Schema
from pydantic import BeforeValidator, Field

from dabir.core.schemas import In, JDate, JDateTime, LatinInt, Page, PageQuery, ShortText, Text
from dabir.core.text import to_latin_digits


def _party(value: Any) -> Any:
    """A recipient: a position id (digits in any script) or an outside party's name."""
    if isinstance(value, str):
        text = to_latin_digits(value).strip()
        if text.isdigit():
            return int(text)
        return value.strip()
    return value


Party = Annotated[int | str, BeforeValidator(_party)]


# ---------------------------------------------------------------- shared output pieces


class PositionRef(Schema):
    id: int
    title: str
    unit: str
    unit_id: int


class UserRef(Schema):
    id: int
    name: str


# ---------------------------------------------------------------- input


class ActingIn(In):
    """Every write may name the position the user acts through (or send the X-Dabir-Position header)."""

    position_id: LatinInt | None = None


class ReferralTarget(In):
    position_id: LatinInt
    action: str = "action"
    note: ShortText = ""
    deadline: JDate = None


class IncomingIn(ActingIn):
    secretariat_id: LatinInt | None = None
    series_id: LatinInt | None = None
    subject: str = Field(..., max_length=500)
    sender_name: str = Field(..., max_length=300)
    channel: str = "post"
    sender_number: str = Field("", max_length=64)
    sender_date: JDate = None
    received_at: JDateTime = None
    body: Text = ""
    keywords: str = Field("", max_length=500)
    urgency: str = "normal"
    classification: str = "unclassified"
    paper_location: str = Field("", max_length=200)
    refer_to: list[ReferralTarget] = Field(default_factory=list, max_length=100)


class LinkIn(In):
    letter_id: LatinInt
    kind: str = "follows"


class DraftFields(ActingIn):
    subject: str = Field(..., max_length=500)
    body: Text = ""
    to: list[Party] = Field(default_factory=list, max_length=200)
    cc: list[Party] = Field(default_factory=list, max_length=200)
    signer_position_id: LatinInt | None = None
    urgency: str = "normal"
    classification: str = "unclassified"
    keywords: str = Field("", max_length=500)
    links: list[LinkIn] = Field(default_factory=list, max_length=50)


class DraftIn(DraftFields):
    kind: str = "internal"
    secretariat_id: LatinInt | None = None


class NoteIn(ActingIn):
    note: ShortText = ""


class RequiredNoteIn(ActingIn):
    note: ShortText


class RegisterIn(In):
    secretariat_id: LatinInt | None = None
    series_id: LatinInt | None = None


class DispatchIn(In):
    channel: str


class ReferIn(ActingIn):
    targets: list[ReferralTarget] = Field(..., max_length=100)
    parent_id: LatinInt | None = None


class VoidIn(In):
    reason: ShortText


class FileIn(ActingIn):
    folder_id: LatinInt


class PrintIn(In):
    kind: str = "letter"
    copies: int = 1
    pages: int | None = None  # pages of one copy; estimated from the letter's length when left out


class ReassignIn(ActingIn):
    to_position_id: LatinInt
    note: ShortText | None = None


class FolderIn(ActingIn):
    code: str = Field(..., max_length=32)
    title: str = Field(..., max_length=200)


class LetterFilters(PageQuery):
    kind: str | None = None
    status: str | None = None
    date_from: JDate = None
    date_to: JDate = None


class SearchQuery(PageQuery):
    q: str = Field("", max_length=500)
    number: str = Field("", max_length=64)
    date_from: JDate = None
    date_to: JDate = None
    kind: str | None = None
    classification: str | None = None


class InboxQuery(PageQuery):
    position_id: LatinInt | None = None
    state: str = "open"
    unread: bool = False
    overdue: bool = False
    urgency: str | None = None
    kind: str | None = None
    action: str | None = None
    date_from: JDate = None
    date_to: JDate = None


class SentQuery(PageQuery):
    position_id: LatinInt | None = None


class FollowupQuery(In):
    position_id: LatinInt | None = None
    unit_id: LatinInt | None = None
    limit: LatinInt = Field(100, ge=1, le=500)


# ---------------------------------------------------------------- output


class LetterOut(Schema):
    id: int
    uid: str
    kind: str
    status: str
    number: str
    subject: str
    urgency: str
    classification: str
    sender_name: str
    created_at: dt.datetime
    registered_at: dt.datetime | None
    author_position_id: int | None
    signer_position_id: int | None


class LetterPage(Page):
    items: list[LetterOut]


class RecipientOut(Schema):
    role: str
    position: PositionRef | None
    name: str


class LinkOut(Schema):
    kind: str
    letter_id: int
    number: str
    subject: str


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    is_scan: bool
    uploaded_at: dt.datetime
    url: str


class ReferralOut(Schema):
    id: int
    letter_id: int
    parent_id: int | None
    depth: int = 0
    from_position: PositionRef | None
    from_user: UserRef
    from_as_acting: bool
    to_position: PositionRef
    action: str
    note: str
    deadline: dt.date | None
    status: str
    created_at: dt.datetime
    read_at: dt.datetime | None
    read_as_acting: bool
    acted_at: dt.datetime | None
    result_note: str
    overdue: bool


class FolderOut(Schema):
    id: int
    code: str
    title: str
    unit_id: int | None


class SecretariatRef(Schema):
    id: int
    name: str


class LetterDetailOut(LetterOut):
    body: str
    keywords: str
    sender_number: str
    sender_date: dt.date | None
    channel: str
    received_at: dt.datetime | None
    paper_location: str
    year: int | None
    approved_at: dt.datetime | None
    dispatched_at: dt.datetime | None
    closed_at: dt.datetime | None
    closed_note: str
    archived_at: dt.datetime | None
    void_reason: str
    voided_at: dt.datetime | None
    secretariat: SecretariatRef | None
    author_position: PositionRef | None
    signer_position: PositionRef | None
    recipients: list[RecipientOut]
    links: list[LinkOut]
    linked_from: list[LinkOut]
    attachments: list[AttachmentOut]
    referrals: list[ReferralOut]
    folders: list[FolderOut]
    # What the caller may do now at their seat (the X-Dabir-Position header, else the seat the letter
    # is referred to, else their first): the access policy's answer, the same as the page's buttons.
    actions: dict[str, bool]


class InboxItem(Schema):
    referral: ReferralOut
    letter: LetterOut


class InboxCounts(Schema):
    open: int
    unread: int
    overdue: int
    urgent: int


class InboxOut(Page):
    position_id: int
    counts: InboxCounts
    items: list[InboxItem]


class SentOut(Page):
    position_id: int
    items: list[InboxItem]


class FollowupRow(Schema):
    id: int
    name: str
    count: int


class FollowupOut(Schema):
    total: int
    by_position: list[FollowupRow]
    by_unit: list[FollowupRow]
    items: list[InboxItem]


class PrintOut(Schema):
    id: int
    kind: str
    at: dt.datetime
    pages: int
    copies: int
