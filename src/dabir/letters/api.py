"""Correspondence over JSON: thin handlers — parse, one selector or service call, a schema.

Every letter is fetched through `selectors.get_visible_letter` (a hidden letter is a 404, the
same as a missing one); every write is one call to `letters.services`.
"""

import hashlib
import re
from collections import Counter

import pydantic
from django.db.models import Count
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.urls import reverse
from ninja import Query, Router
from ninja.errors import ValidationError as NinjaValidationError
from ninja.responses import Status

from dabir.core.errors import Conflict, DomainError, NotAllowed, NotFound
from dabir.core.files import file_response
from dabir.orgs.models import NumberSeries, Secretariat
from dabir.orgs.selectors import acting_seat, secretariats_of

from . import policy, selectors, services
from .models import (
    OPEN_REFERRAL,
    Action,
    Classification,
    Folder,
    Kind,
    Letter,
    PrintRecord,
    Referral,
    Urgency,
)
from .models import (
    Status as LetterStatus,
)
from .schemas import (
    AttachmentOut,
    DispatchIn,
    DraftFields,
    DraftIn,
    FileIn,
    FolderIn,
    FolderOut,
    FollowupOut,
    FollowupQuery,
    InboxOut,
    InboxQuery,
    IncomingIn,
    LatinInt,
    LetterDetailOut,
    LetterFilters,
    LetterOut,
    LetterPage,
    NoteIn,
    PrintIn,
    PrintOut,
    ReassignIn,
    ReferIn,
    ReferralOut,
    RegisterIn,
    RequiredNoteIn,
    SearchQuery,
    SentOut,
    SentQuery,
    VoidIn,
)

router = Router(tags=["letters"])

MAX_FILES = 20

# ---------------------------------------------------------------- rendering helpers


def _pos(p):
    if p is None:
        return None
    return {"id": p.id, "title": p.title, "unit": p.unit.name, "unit_id": p.unit_id}


def _user(u):
    return {"id": u.id, "name": str(u)}


def _letter(letter: Letter) -> dict:
    return {
        "id": letter.id, "uid": str(letter.uid), "kind": letter.kind, "status": letter.status,
        "number": letter.number, "subject": letter.subject, "urgency": letter.urgency,
        "classification": letter.classification, "sender_name": letter.sender_name,
        "created_at": letter.created_at, "registered_at": letter.registered_at,
        "author_position_id": letter.author_position_id, "signer_position_id": letter.signer_position_id,
    }


def _referral(r: Referral, depth: int = 0) -> dict:
    return {
        "id": r.id, "letter_id": r.letter_id, "parent_id": r.parent_id, "depth": depth,
        "from_position": _pos(r.from_position), "from_user": _user(r.from_user), "from_as_acting": r.from_as_acting,
        "to_position": _pos(r.to_position), "action": r.action, "note": r.note, "deadline": r.deadline,
        "status": r.status, "created_at": r.created_at, "read_at": r.read_at, "read_as_acting": r.read_as_acting,
        "acted_at": r.acted_at, "result_note": r.result_note, "overdue": r.is_overdue,
    }


def _attachment(a) -> dict:
    # "api" is the API's URL namespace (dabir.api); apps name it instead of importing the API.
    url = reverse("api:letter_attachment", kwargs={"letter_id": a.letter_id, "attachment_id": a.id})
    return {
        "id": a.id, "name": a.name, "content_type": a.content_type, "size": a.size, "sha256": a.sha256,
        "is_scan": a.is_scan, "uploaded_at": a.uploaded_at, "url": url,
    }


def _link(kind: str, other: Letter) -> dict:
    return {"kind": kind, "letter_id": other.id, "number": other.number, "subject": other.subject}


def _item(r: Referral) -> dict:
    return {"referral": _referral(r), "letter": _letter(r.letter)}


def _page(qs, limit: int, offset: int) -> tuple[int, list]:
    return qs.count(), list(qs[offset: offset + limit])


# ---------------------------------------------------------------- input helpers


def _validation_error(exc: pydantic.ValidationError, prefix: str = "body") -> NinjaValidationError:
    return NinjaValidationError([{**e, "loc": (prefix, *e["loc"])} for e in exc.errors(include_url=False)])


def _incoming_payload(request) -> IncomingIn:
    """Multipart (a `data` field holding the JSON, plus `files`/`scans`), or a plain JSON body."""
    if (request.content_type or "").startswith("multipart/"):
        raw = request.POST.get("data")
        if raw is None:
            raise DomainError("فیلد data (مشخصات نامه به شکل JSON) در درخواست نیست.", field="data")
    else:
        raw = request.body
    try:
        return IncomingIn.model_validate_json(raw or b"{}")
    except pydantic.ValidationError as exc:
        raise _validation_error(exc) from None


def _uploads(request) -> list[services.Upload]:
    if not (request.content_type or "").startswith("multipart/"):
        return []
    files = [(f, False) for f in request.FILES.getlist("files")] + [(f, True) for f in request.FILES.getlist("scans")]
    if len(files) > MAX_FILES:
        raise DomainError(f"در هر درخواست حداکثر {MAX_FILES} پرونده پذیرفته می‌شود.", field="files")
    return [
        services.Upload(name=(f.name or "").replace("\x00", "") or "file", content=f.read(), is_scan=scan)
        for f, scan in files
    ]


def _secretariat(user, secretariat_id) -> Secretariat:
    mine = secretariats_of(user)
    secretariat = mine.filter(pk=secretariat_id).first() if secretariat_id else mine.order_by("id").first()
    if secretariat is None:
        raise NotAllowed("شما کاربر این دبیرخانه نیستید.", field="secretariat_id")
    return secretariat


def _series(series_id) -> NumberSeries | None:
    if series_id is None:
        return None
    series = NumberSeries.objects.select_related("secretariat").filter(pk=series_id).first()
    if series is None:
        raise DomainError("سری شماره پیدا نشد.", field="series_id")
    return series


def _specs(targets) -> list[services.ReferralSpec]:
    return [services.ReferralSpec(t.position_id, t.action, t.note, t.deadline) for t in targets]


def _choice(value, choices, field: str, label: str):
    if value and value not in choices.values:
        raise DomainError(f"{label} نامعتبر است.", field=field)
    return value


def _visible_referral(user, referral_id) -> Referral:
    """A referral on a letter the user may see (otherwise the same 404 as a missing one)."""
    referral = (
        Referral.objects.select_related("letter", "parent", "from_position__unit", "to_position__unit", "from_user")
        .filter(pk=referral_id, letter__in=selectors.visible_letters(user))
        .first()
    )
    if referral is None:
        raise NotFound("ارجاع پیدا نشد یا اجازه دیدن آن را ندارید.")
    return referral


def _holding_positions(letter: Letter) -> list[int]:
    """Positions a letter currently sits with, to pick the user's seat when none is named."""
    open_at = list(
        letter.referrals.filter(status__in=OPEN_REFERRAL).order_by("-created_at").values_list("to_position_id", flat=True)
    )
    return [*open_at, letter.author_position_id, letter.signer_position_id]


def _draft_fields(payload: DraftFields) -> dict:
    return {
        "subject": payload.subject, "body": payload.body, "to": payload.to, "cc": payload.cc,
        "signer_position_id": payload.signer_position_id, "urgency": payload.urgency,
        "classification": payload.classification, "keywords": payload.keywords,
        "links": [(link.letter_id, link.kind) for link in payload.links],
    }


def _folders_of(seat):
    """Folders of the seat's agency (no selector for folders yet)."""
    return Folder.objects.filter(agency_id=seat.position.unit.agency_id).order_by("code")


# ---------------------------------------------------------------- letters: reads


@router.get("/letters", response=LetterPage, summary="نامه‌هایی که می‌توانم ببینم")
def list_letters(request, filters: Query[LetterFilters]):
    qs = selectors.visible_letters(request.user)
    if _choice(filters.kind, Kind, "kind", "نوع نامه"):
        qs = qs.filter(kind=filters.kind)
    if _choice(filters.status, LetterStatus, "status", "وضعیت"):
        qs = qs.filter(status=filters.status)
    if filters.date_from or filters.date_to:
        qs = qs.annotate(when=Coalesce("registered_at", "created_at"))
        if filters.date_from:
            qs = qs.filter(when__date__gte=filters.date_from)
        if filters.date_to:
            qs = qs.filter(when__date__lte=filters.date_to)
    total, rows = _page(qs.order_by("-created_at", "-id"), filters.limit, filters.offset)
    return {"total": total, "limit": filters.limit, "offset": filters.offset, "items": [_letter(x) for x in rows]}


@router.get("/letters/search", response=LetterPage, summary="جست‌وجوی نامه‌ها (متن، شماره، تاریخ)")
def search(request, filters: Query[SearchQuery]):
    from .search import search_letters

    _choice(filters.kind, Kind, "kind", "نوع نامه")
    _choice(filters.classification, Classification, "classification", "طبقه‌بندی")
    qs = search_letters(
        request.user, q=filters.q, number=filters.number, date_from=filters.date_from, date_to=filters.date_to,
        kind=filters.kind or None, classification=filters.classification or None,
    )
    total, rows = _page(qs, filters.limit, filters.offset)
    return {"total": total, "limit": filters.limit, "offset": filters.offset, "items": [_letter(x) for x in rows]}


# Fixed paths (incoming, drafts) come before /letters/{letter_id}, or it would catch them.
_MULTIPART_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["data"],
                    "properties": {
                        "data": {"type": "string", "description": "مشخصات نامه به شکل JSON (IncomingIn)"},
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        "scans": {"type": "array", "items": {"type": "string", "format": "binary"},
                                  "description": "تصویر اسکن‌شده نامه کاغذی"},
                    },
                }
            },
            "application/json": {"schema": {"type": "object", "description": "IncomingIn، بدون پیوست"}},
        },
    }
}


@router.post("/letters/incoming", response={201: LetterDetailOut}, openapi_extra=_MULTIPART_DOC,
             summary="ثبت نامه وارده (با پیوست و ارجاع اولیه)")
def register_incoming(request, response: HttpResponse):
    payload = _incoming_payload(request)
    uploads = _uploads(request)
    request_key = _request_key(request, payload, uploads)
    if request_key and (earlier := _replay(request, response, *request_key)):
        return earlier
    seat = acting_seat(request, payload.position_id, required=False)
    secretariat = _secretariat(request.user, payload.secretariat_id)
    try:
        done = services.register_incoming_rows(
            user=request.user, secretariat=secretariat, subject=payload.subject,
            sender_name=payload.sender_name, channel=payload.channel, sender_number=payload.sender_number,
            sender_date=payload.sender_date, received_at=payload.received_at, body=payload.body,
            keywords=payload.keywords, urgency=payload.urgency, classification=payload.classification,
            series=_series(payload.series_id), uploads=uploads, refer_to=_specs(payload.refer_to), seat=seat,
            paper_location=payload.paper_location, request_key=request_key,
        )
    except services.KeyTaken:  # the same request, retried while the first was still running
        return _replay(request, response, *request_key)
    return Status(201, _registered_detail(request, done))


_KEY = re.compile(r"[\x21-\x7e]{1,100}")


def _request_key(request, payload: IncomingIn, uploads) -> tuple[str, str] | None:
    """The client's Idempotency-Key with a fingerprint of what it asked (fields and files)."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not _KEY.fullmatch(key):
        raise DomainError("کلید تکرار (Idempotency-Key) باید ۱ تا ۱۰۰ نویسه لاتین بی‌فاصله باشد.",
                          field="Idempotency-Key")
    digest = hashlib.sha256(payload.model_dump_json().encode())
    for up in uploads:
        digest.update(f"\0{up.name}\0{up.is_scan}\0".encode() + hashlib.sha256(up.content).digest())
    return key, digest.hexdigest()


def _replay(request, response: HttpResponse, key: str, fingerprint: str):
    """The answer a registration made with this key gave, or None if there was none."""
    earlier = selectors.registered_with_key(request.user, key)
    if earlier is None:
        return None
    letter_id, first = earlier
    if first != fingerprint:
        raise Conflict("این کلید تکرار (Idempotency-Key) پیش‌تر برای درخواست دیگری به کار رفته است.",
                       field="Idempotency-Key")
    response["Idempotent-Replayed"] = "true"
    return Status(201, letter_detail(request, letter_id))


def _registered_detail(request, done: services.Registered) -> dict:
    """The 201 answer from what the registration wrote, as GET /letters/{id} would show it, without
    reading the letter back: the clerk of its secretariat sees it (status registered), it has no
    recipients, folders or letters linking to it yet, and only the referrals just made are open. The
    policy still decides `actions`, from those facts."""
    letter = done.letter
    referrals = done.referrals
    seat = acting_seat(request, prefer=[r.to_position_id for r in referrals], required=False)
    facts = policy.standing(request.user, seat, letter, referrals=referrals,
                            clerk_secretariat_ids=[letter.secretariat_id])
    visible = policy.visible_ids(request.user, [x.target_id for x in done.links])  # no query without links
    links = [x for x in done.links if x.target_id in visible]
    return _detail(letter, recipients=[], links=links, linked_from=[], attachments=done.attachments,
                   tree=selectors.referral_tree(referrals), folders=[],
                   actions=policy.allowed_actions(request.user, seat, letter, facts=facts))


@router.post("/letters/drafts", response={201: LetterDetailOut}, summary="نوشتن پیش‌نویس نامه داخلی یا صادره")
def create_draft(request, payload: DraftIn):
    seat = acting_seat(request, payload.position_id)
    secretariat = None
    if payload.secretariat_id is not None:
        secretariat = Secretariat.objects.filter(pk=payload.secretariat_id).first()
        if secretariat is None:
            raise DomainError("دبیرخانه پیدا نشد.", field="secretariat_id")
    letter = services.create_draft(user=request.user, seat=seat, kind=payload.kind, secretariat=secretariat,
                                   **_draft_fields(payload))
    return Status(201, letter_detail(request, letter.id))


@router.get("/letters/{letter_id}", response=LetterDetailOut, summary="جزئیات نامه با گیرندگان، پیوست‌ها و درخت ارجاع")
def letter_detail(request, letter_id: LatinInt):
    letter = selectors.get_visible_letter(request.user, letter_id)
    d = selectors.letter_detail(request.user, letter)  # links kept to letters this user may see
    seat = acting_seat(request, prefer=[r.to_position_id for r in d["referrals"] if r.is_open], required=False)
    facts = policy.standing(request.user, seat, letter, referrals=d["referrals"])
    return _detail(letter, recipients=d["recipients"], links=d["links"], linked_from=d["linked_from"],
                   attachments=d["attachments"], tree=d["tree"], folders=d["folders"],
                   actions=policy.allowed_actions(request.user, seat, letter, facts=facts))


def _detail(letter: Letter, *, recipients, links, linked_from, attachments, tree, folders, actions) -> dict:
    """LetterDetailOut from the letter and its rows, however they were come by."""
    return {
        **_letter(letter),
        "body": letter.body, "keywords": letter.keywords, "sender_number": letter.sender_number,
        "sender_date": letter.sender_date, "channel": letter.channel, "received_at": letter.received_at,
        "paper_location": letter.paper_location, "year": letter.year, "approved_at": letter.approved_at,
        "dispatched_at": letter.dispatched_at, "closed_at": letter.closed_at, "closed_note": letter.closed_note,
        "archived_at": letter.archived_at, "void_reason": letter.void_reason, "voided_at": letter.voided_at,
        "secretariat": {"id": letter.secretariat.id, "name": letter.secretariat.name} if letter.secretariat else None,
        "author_position": _pos(letter.author_position), "signer_position": _pos(letter.signer_position),
        "recipients": [{"role": r.role, "position": _pos(r.position), "name": r.name} for r in recipients],
        "links": [_link(x.kind, x.target) for x in links],
        "linked_from": [_link(x.kind, x.letter) for x in linked_from],
        "attachments": [_attachment(a) for a in attachments],
        "referrals": [_referral(r, depth) for r, depth in tree],
        "folders": [{"id": f.id, "code": f.code, "title": f.title, "unit_id": f.unit_id} for f in folders],
        "actions": actions,
    }


@router.get("/letters/{letter_id}/attachments/{attachment_id}", url_name="letter_attachment",
            summary="دریافت پرونده پیوست", response={200: None})
def download_attachment(request, letter_id: LatinInt, attachment_id: LatinInt):
    letter = selectors.get_visible_letter(request.user, letter_id)
    attachment = letter.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound("پیوست پیدا نشد.")
    response = file_response(attachment.file, as_attachment=True, filename=attachment.name,
                             content_type=attachment.content_type)
    response["X-Content-SHA256"] = attachment.sha256
    return response


# ---------------------------------------------------------------- letters: writes

@router.put("/letters/{letter_id}/draft", response=LetterDetailOut, summary="ویرایش پیش‌نویس")
def update_draft(request, letter_id: LatinInt, payload: DraftFields):
    letter = selectors.get_visible_letter(request.user, letter_id)
    seat = acting_seat(request, payload.position_id, prefer=[letter.author_position_id])
    services.update_draft(user=request.user, seat=seat, letter=letter, **_draft_fields(payload))
    return letter_detail(request, letter.id)


@router.post("/letters/{letter_id}/submit", response=ReferralOut, summary="فرستادن پیش‌نویس برای امضا")
def submit(request, letter_id: LatinInt, payload: NoteIn):
    letter = selectors.get_visible_letter(request.user, letter_id)
    seat = acting_seat(request, payload.position_id, prefer=[letter.author_position_id])
    referral = services.submit_for_signature(user=request.user, seat=seat, letter=letter, note=payload.note)
    return _referral(_visible_referral(request.user, referral.id))


@router.post("/letters/{letter_id}/approve", response=LetterOut, summary="امضا و تأیید نامه")
def approve(request, letter_id: LatinInt, payload: NoteIn):
    letter = selectors.get_visible_letter(request.user, letter_id)
    seat = acting_seat(request, payload.position_id, prefer=[letter.signer_position_id])
    return _letter(services.approve(user=request.user, seat=seat, letter=letter, note=payload.note))


@router.post("/letters/{letter_id}/return", response=LetterOut, summary="بازگرداندن نامه به نویسنده")
def return_to_author(request, letter_id: LatinInt, payload: RequiredNoteIn):
    letter = selectors.get_visible_letter(request.user, letter_id)
    seat = acting_seat(request, payload.position_id, prefer=[letter.signer_position_id])
    return _letter(services.return_to_author(user=request.user, seat=seat, letter=letter, note=payload.note))


@router.post("/letters/{letter_id}/register", response=LetterOut, summary="ثبت و شماره‌گذاری در دبیرخانه")
def register(request, letter_id: LatinInt, payload: RegisterIn):
    letter = selectors.get_visible_letter(request.user, letter_id)
    secretariat = _secretariat(request.user, payload.secretariat_id) if payload.secretariat_id else None
    return _letter(services.register_letter(user=request.user, letter=letter, secretariat=secretariat,
                                            series=_series(payload.series_id)))


@router.post("/letters/{letter_id}/dispatch", response=LetterOut, summary="ارسال نامه صادره")
def dispatch(request, letter_id: LatinInt, payload: DispatchIn):
    letter = selectors.get_visible_letter(request.user, letter_id)
    return _letter(services.dispatch(user=request.user, letter=letter, channel=payload.channel))


@router.post("/letters/{letter_id}/refer", response={201: list[ReferralOut]}, summary="ارجاع نامه به یک یا چند سمت")
def refer(request, letter_id: LatinInt, payload: ReferIn):
    letter = selectors.get_visible_letter(request.user, letter_id)
    seat = acting_seat(request, payload.position_id, prefer=_holding_positions(letter))
    parent = None
    if payload.parent_id is not None:
        parent = letter.referrals.filter(pk=payload.parent_id).first()
        if parent is None:
            raise DomainError("ارجاع مبدأ در این نامه پیدا نشد.", field="parent_id")
    created = services.refer(user=request.user, seat=seat, letter=letter, targets=_specs(payload.targets),
                             parent=parent)
    rows = Referral.objects.filter(pk__in=[r.id for r in created]).select_related(
        "from_position__unit", "to_position__unit", "from_user"
    ).order_by("id")
    return Status(201, [_referral(r) for r in rows])


@router.post("/letters/{letter_id}/close", response=LetterOut, summary="مختومه کردن نامه")
def close(request, letter_id: LatinInt, payload: RequiredNoteIn):
    letter = selectors.get_visible_letter(request.user, letter_id)
    seat = acting_seat(request, payload.position_id, prefer=_holding_positions(letter))
    return _letter(services.close_letter(user=request.user, seat=seat, letter=letter, note=payload.note))


@router.post("/letters/{letter_id}/void", response=LetterOut, summary="ابطال نامه شماره‌دار (دبیرخانه)")
def void(request, letter_id: LatinInt, payload: VoidIn):
    letter = selectors.get_visible_letter(request.user, letter_id)
    return _letter(services.void_letter(user=request.user, letter=letter, reason=payload.reason))


@router.post("/letters/{letter_id}/archive", response=LetterOut, summary="بایگانی نامه")
def archive(request, letter_id: LatinInt, payload: NoteIn | None = None):
    letter = selectors.get_visible_letter(request.user, letter_id)
    seat = acting_seat(request, payload.position_id if payload else None, prefer=_holding_positions(letter))
    return _letter(services.archive_letter(user=request.user, seat=seat, letter=letter))


@router.post("/letters/{letter_id}/file", response={201: FolderOut}, summary="گذاشتن نامه در پرونده")
def file_letter(request, letter_id: LatinInt, payload: FileIn):
    letter = selectors.get_visible_letter(request.user, letter_id)
    seat = acting_seat(request, payload.position_id, prefer=_holding_positions(letter))
    folder = Folder.objects.filter(pk=payload.folder_id).first()
    if folder is None:
        raise DomainError("پرونده پیدا نشد.", field="folder_id")
    services.file_letter(user=request.user, seat=seat, letter=letter, folder=folder)
    return Status(201, folder)


_UPLOAD_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        "scans": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        "position_id": {"type": "integer"},
                    },
                }
            }
        },
    }
}


@router.post("/letters/{letter_id}/attachments", response={201: list[AttachmentOut]}, openapi_extra=_UPLOAD_DOC,
             summary="افزودن پیوست")
def add_attachments(request, letter_id: LatinInt):
    letter = selectors.get_visible_letter(request.user, letter_id)
    uploads = _uploads(request)
    if not uploads:
        raise DomainError("دست‌کم یک پرونده بفرستید (فیلد files).", field="files")
    position_id = request.POST.get("position_id") if (request.content_type or "").startswith("multipart/") else None
    seat = acting_seat(request, position_id, prefer=[letter.author_position_id])
    saved = services.add_attachments(user=request.user, seat=seat, letter=letter, uploads=uploads)
    return Status(201, [_attachment(a) for a in saved])


@router.post("/letters/{letter_id}/prints", response={201: PrintOut}, summary="ثبت یک بار چاپ نامه")
def record_print(request, letter_id: LatinInt, payload: PrintIn | None = None):
    letter = selectors.get_visible_letter(request.user, letter_id)
    kind = _choice(payload.kind if payload else PrintRecord.Kind.LETTER, PrintRecord.Kind, "kind", "نوع چاپ")
    row = services.record_print(user=request.user, letter=letter, kind=kind,
                                copies=payload.copies if payload else 1, pages=payload.pages if payload else None)
    return Status(201, {"id": row.id, "kind": row.kind, "at": row.at, "pages": row.pages, "copies": row.copies})


# ---------------------------------------------------------------- inbox, sent, follow-up


@router.get("/inbox", response=InboxOut, summary="کارتابل سمت")
def inbox(request, filters: Query[InboxQuery]):
    seat = acting_seat(request, filters.position_id)
    if filters.state not in ("open", "unread", "done", "all"):
        raise DomainError("وضعیت کارتابل باید open، unread، done یا all باشد.", field="state")
    _choice(filters.urgency, Urgency, "urgency", "فوریت")
    _choice(filters.kind, Kind, "kind", "نوع نامه")
    _choice(filters.action, Action, "action", "نوع اقدام")
    f = {
        "state": "unread" if filters.unread else filters.state, "overdue": filters.overdue,
        "urgency": filters.urgency, "kind": filters.kind, "action": filters.action,
        "date_from": filters.date_from, "date_to": filters.date_to,
    }
    qs = selectors.inbox(request.user, seat.position.id, filters=f).select_related("to_position__unit")
    total, rows = _page(qs, filters.limit, filters.offset)
    return {
        "position_id": seat.position.id, "counts": selectors.inbox_counts(seat.position.id),
        "total": total, "limit": filters.limit, "offset": filters.offset, "items": [_item(r) for r in rows],
    }


@router.get("/sent", response=SentOut, summary="ارجاع‌های فرستاده سمت")
def sent(request, filters: Query[SentQuery]):
    seat = acting_seat(request, filters.position_id)
    qs = selectors.sent_referrals(request.user, seat.position.id).select_related("from_position__unit", "from_user")
    total, rows = _page(qs, filters.limit, filters.offset)
    return {"position_id": seat.position.id, "total": total, "limit": filters.limit, "offset": filters.offset,
            "items": [_item(r) for r in rows]}


@router.get("/followup", response=FollowupOut, summary="ارجاع‌های گذشته از مهلت، به تفکیک سمت و واحد")
def followup(request, filters: Query[FollowupQuery]):
    """Counts cover the whole agency; the listed items only letters this user may see."""
    seat = acting_seat(request, filters.position_id)
    agency_id = seat.position.unit.agency_id
    qs = selectors.overdue_counts(agency_id=agency_id, unit_id=filters.unit_id)
    by_position = list(
        qs.order_by().values("to_position_id", "to_position__title").annotate(n=Count("id")).order_by("-n")
    )
    units: Counter = Counter()
    unit_names: dict[int, str] = {}
    for row in qs.order_by().values("to_position__unit_id", "to_position__unit__name").annotate(n=Count("id")):
        units[row["to_position__unit_id"]] += row["n"]
        unit_names[row["to_position__unit_id"]] = row["to_position__unit__name"]
    items = selectors.overdue_referrals(request.user, agency_id=agency_id, unit_id=filters.unit_id).select_related(
        "from_position__unit", "from_user"
    )[: filters.limit]
    return {
        "total": sum(r["n"] for r in by_position),
        "by_position": [{"id": r["to_position_id"], "name": r["to_position__title"], "count": r["n"]}
                        for r in by_position],
        "by_unit": [{"id": uid, "name": unit_names[uid], "count": n} for uid, n in units.most_common()],
        "items": [_item(r) for r in items],
    }


# ---------------------------------------------------------------- referrals


@router.post("/referrals/{referral_id}/read", response=ReferralOut, summary="خواندن ارجاع")
def read_referral(request, referral_id: LatinInt, payload: NoteIn | None = None):
    referral = _visible_referral(request.user, referral_id)
    seat = acting_seat(request, payload.position_id if payload else None, prefer=[referral.to_position_id])
    return _referral(services.mark_read(user=request.user, seat=seat, referral=referral))


@router.post("/referrals/{referral_id}/done", response=ReferralOut, summary="انجام شد")
def done_referral(request, referral_id: LatinInt, payload: NoteIn | None = None):
    referral = _visible_referral(request.user, referral_id)
    seat = acting_seat(request, payload.position_id if payload else None, prefer=[referral.to_position_id])
    return _referral(services.complete(user=request.user, seat=seat, referral=referral,
                                       note=payload.note if payload else ""))


@router.post("/referrals/{referral_id}/withdraw", response=ReferralOut, summary="پس گرفتن ارجاع خوانده‌نشده")
def withdraw_referral(request, referral_id: LatinInt, payload: NoteIn | None = None):
    referral = _visible_referral(request.user, referral_id)
    seat = acting_seat(request, payload.position_id if payload else None, prefer=[referral.from_position_id])
    return _referral(services.withdraw(user=request.user, seat=seat, referral=referral))


@router.post("/referrals/{referral_id}/reassign", response={201: ReferralOut},
             summary="جایگزینی گیرنده ارجاع خوانده‌نشده")
def reassign_referral(request, referral_id: LatinInt, payload: ReassignIn):
    referral = _visible_referral(request.user, referral_id)
    seat = acting_seat(request, payload.position_id, prefer=[referral.from_position_id])
    new = services.reassign(user=request.user, seat=seat, referral=referral, to_position_id=payload.to_position_id,
                            note=payload.note)
    return Status(201, _referral(_visible_referral(request.user, new.id)))


# ---------------------------------------------------------------- folders


@router.get("/folders", response=list[FolderOut], summary="پرونده‌های دستگاه")
def folders(request, position_id: LatinInt | None = None):
    return list(_folders_of(acting_seat(request, position_id)))


@router.post("/folders", response={201: FolderOut}, summary="ساختن پرونده")
def create_folder(request, payload: FolderIn):
    seat = acting_seat(request, payload.position_id)
    return Status(201, services.create_folder(user=request.user, seat=seat, code=payload.code, title=payload.title))
