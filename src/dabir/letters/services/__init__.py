"""Every write to correspondence: one function per use case, one transaction, one audit entry.

Callers (pages, API, admin, commands, the demo) validate input at the edge and call these once.
`seat` is the position the user acts through (dabir.orgs.selectors.seat_for); acting for an
absent holder is recorded on every action.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import nh3
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from dabir.core import audit
from dabir.core.calendar import add_working_days
from dabir.core.errors import Conflict, DomainError, NotAllowed
from dabir.core.jalali import today
from dabir.orgs.models import NumberSeries, Position, Secretariat
from dabir.orgs.selectors import Seat, seat_for, secretariats_of
from dabir.orgs.services import take_number

from .. import attachments as files_check
from .. import policy
from ..circuit import signing
from ..models import (
    OPEN_REFERRAL,
    Access,
    Action,
    Attachment,
    Channel,
    Classification,
    Filing,
    Folder,
    Kind,
    Letter,
    Link,
    PrintRecord,
    Recipient,
    Referral,
    ReferralStatus,
    Status,
    Urgency,
    attachment_path,
)
from ..names import AuditAction
from ..search import letter_search_text
from ..selectors import open_referral_at

ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "s", "ul", "ol", "li", "blockquote",
    "h3", "h4", "table", "thead", "tbody", "tr", "th", "td", "span", "div", "a",
}


@dataclass
class ReferralSpec:
    """One target of a referral: a position, the action asked, a margin note and a deadline."""

    position_id: int
    action: str = Action.ACTION
    note: str = ""
    deadline: dt.date | None = None


@dataclass
class Upload:
    name: str
    content: bytes
    is_scan: bool = False


# ---------------------------------------------------------------- helpers


# Inline styles keep text layout only: no positioning or backgrounds that could overlay a page.
ALLOWED_STYLES = {"text-align", "direction", "font-weight", "font-style", "text-decoration", "color"}


def sanitize_body(html: str) -> str:
    return nh3.clean(html or "", tags=ALLOWED_TAGS, attributes={"a": {"href"}, "*": {"dir", "style"}},
                     link_rel="noopener noreferrer", filter_style_properties=ALLOWED_STYLES)


def _record(action: str, letter, user, seat: Seat | None, data: dict | None = None):
    audit.record(
        action=action, obj=letter, actor=user,
        position=seat.position if seat else None, as_acting=bool(seat and seat.as_acting), data=data,
    )


def _grant(letter: Letter, position_ids: Iterable[int], reason: str) -> None:
    Access.objects.bulk_create(
        [Access(letter=letter, position_id=pid, reason=reason) for pid in set(position_ids) if pid],
        ignore_conflicts=True,
    )


def _index(letter: Letter) -> None:
    """Refresh the normalised text search reads (subject, body, keywords, parties, numbers)."""
    letter.search_text = letter_search_text(letter)
    letter.save(update_fields=["search_text", "updated_at"])


def _positions(ids: Iterable[int], field: str) -> dict[int, Position]:
    ids = [int(i) for i in ids]
    found = {p.id: p for p in Position.objects.filter(id__in=ids, active=True).select_related("unit")}
    missing = [i for i in ids if i not in found]
    if missing:
        raise DomainError("سمت انتخاب‌شده وجود ندارد یا غیرفعال است.", field=field)
    return found


def _check_choice(value: str, choices, field: str, label: str) -> None:
    if value not in choices.values:
        raise DomainError(f"{label} نامعتبر است.", field=field)


def _require_text(value: str, field: str, label: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(f"{label} را وارد کنید.", field=field)
    if len(value) > limit:
        raise DomainError(f"{label} بیش از {limit} نویسه است.", field=field)
    return value


def _own_seat(user, seat: Seat) -> Seat:
    """The seat as the user really works it now; refuses a position they neither hold nor act for.

    Re-read from the assignments, so a caller cannot pass someone else's position or hide acting.
    """
    if seat is None:
        raise NotAllowed("سمتی که از طرف آن اقدام می‌کنید را انتخاب کنید.", field="position")
    return seat_for(user, seat.position.id)


def _check_clerk(user, secretariat: Secretariat) -> None:
    if not secretariats_of(user).filter(id=secretariat.id).exists():
        raise NotAllowed("شما کاربر این دبیرخانه نیستید.", field="secretariat")


def _check_visible(user, letter: Letter) -> None:
    policy.check_visible(user, letter)


def _lock(letter: Letter) -> Letter:
    """Lock the letter's row to the end of the transaction, then re-read it into the caller's object.

    Every state-changing service starts here: two requests acting on the same letter at once are
    served one after the other, and the second checks the state the first left (a Persian Conflict),
    not the state both read before.
    """
    Letter.objects.select_for_update().filter(pk=letter.pk).values_list("pk", flat=True).get()
    letter.refresh_from_db()
    return letter


def _lock_referral(referral: Referral) -> Referral:
    """The same for a referral: locked, re-read, so two hands cannot both close or withdraw it."""
    Referral.objects.select_for_update().filter(pk=referral.pk).values_list("pk", flat=True).get()
    referral.refresh_from_db()
    return referral


def _pick_series(secretariat: Secretariat, kind: str, series: NumberSeries | None) -> NumberSeries:
    if series is not None:
        if series.secretariat_id != secretariat.id or not series.active:
            raise DomainError("سری شماره به این دبیرخانه تعلق ندارد.", field="series")
        return series
    candidates = [s for s in secretariat.series.filter(active=True) if not s.kinds or kind in s.kinds]
    if not candidates:
        raise DomainError("برای این نوع نامه در این دبیرخانه سری شماره‌ای تعریف نشده است.", field="series")
    return candidates[0]


_NUMBER_FIELDS = ["secretariat", "series", "year", "seq", "number", "registered_at", "registered_by", "updated_at"]


def _number(letter: Letter, user, secretariat: Secretariat, series: NumberSeries) -> None:
    """Take the official number and save it on the (already saved) letter.

    Called as late as possible in the registration's transaction: the series counter stays
    locked from here to the commit, so everything else is done before it is taken.
    """
    now = timezone.now()
    letter.year, letter.seq, letter.number = take_number(series=series, at=now)
    letter.secretariat, letter.series = secretariat, series
    letter.registered_at, letter.registered_by = now, user
    letter.save(update_fields=_NUMBER_FIELDS)


def _check_files(uploads: Sequence[Upload]) -> list[tuple[Upload, files_check.CheckedFile]]:
    """Check every upload by content before anything is written (or a number taken)."""
    return [(up, files_check.check(up.name, up.content)) for up in uploads]


def _save_files(letter: Letter, user, uploads: Sequence[Upload], checked=None) -> list[Attachment]:
    """Store checked files under their SHA-256; the same content is stored once and shared."""
    saved = []
    for up, checked_file in checked if checked is not None else _check_files(uploads):
        att = Attachment(
            letter=letter, name=checked_file.name, content_type=checked_file.content_type, size=checked_file.size,
            sha256=checked_file.sha256, is_scan=up.is_scan, uploaded_by=user,
        )
        path = attachment_path(att, checked_file.name)
        if att.file.storage.exists(path):
            att.file.name = path
        else:
            att.file.save(checked_file.sha256, ContentFile(checked_file.content), save=False)
        att.save()
        saved.append(att)
    return saved


def _set_recipients(letter: Letter, to: Sequence, cc: Sequence) -> None:
    """`to`/`cc` items are position ids (int) or outside parties' names (str)."""
    letter.recipients.all().delete()
    ids = [x for x in [*to, *cc] if isinstance(x, int)]
    _positions(ids, "to")
    rows = []
    for role, items in ((Recipient.Role.TO, to), (Recipient.Role.CC, cc)):
        for order, item in enumerate(items):
            if isinstance(item, int):
                rows.append(Recipient(letter=letter, role=role, position_id=item, order=order))
            elif str(item).strip():
                rows.append(Recipient(letter=letter, role=role, name=str(item).strip()[:300], order=order))
    Recipient.objects.bulk_create(rows)


def _set_links(letter: Letter, user, links: Sequence[tuple[int, str]]) -> None:
    letter.links.all().delete()
    for target_id, kind in links:
        if kind not in Link.Kind.values:
            raise DomainError("نوع پیوند نامه نامعتبر است.", field="links")
        target = policy.visible_letters(user).filter(pk=target_id).first()
        if target is None or target.pk == letter.pk:
            raise DomainError("نامه پیوندشده پیدا نشد.", field="links")
        Link.objects.create(letter=letter, target=target, kind=kind)


def default_deadline(letter: Letter, action: str) -> dt.date | None:
    if action == Action.INFORMATION:
        return None
    return add_working_days(today(), letter.agency.default_deadline_days(letter.urgency))


def _create_referrals(
    letter: Letter, user, seat: Seat | None, specs: Sequence[ReferralSpec], parent: Referral | None
) -> list[Referral]:
    if not specs:
        return []
    targets = _positions([s.position_id for s in specs], "to_position")
    if len({s.position_id for s in specs}) != len(specs):
        raise DomainError("یک سمت دو بار در فهرست ارجاع آمده است.", field="to_position")
    now = timezone.now()
    created = []
    for spec in specs:
        _check_choice(spec.action, Action, "action", "نوع اقدام")
        if spec.deadline is not None and spec.deadline < today():
            raise DomainError("مهلت نمی‌تواند در گذشته باشد.", field="deadline")
        if seat and spec.position_id == seat.position.id:
            raise DomainError("نمی‌توانید نامه را به سمت خودتان ارجاع دهید.", field="to_position")
        note = (spec.note or "").strip()
        if len(note) > 4000:
            raise DomainError("هامش بیش از ۴۰۰۰ نویسه است.", field="note")
        created.append(
            Referral(
                letter=letter, parent=parent, from_position=seat.position if seat else None, from_user=user,
                from_as_acting=bool(seat and seat.as_acting), to_position=targets[spec.position_id],
                action=spec.action, note=note, deadline=spec.deadline or default_deadline(letter, spec.action),
                urgency=letter.urgency, created_at=now,
            )
        )
    Referral.objects.bulk_create(created)
    _grant(letter, [r.to_position_id for r in created], Access.Reason.CHAIN)
    if seat:
        _grant(letter, [seat.position.id], Access.Reason.CHAIN)
    return created


def _referral_of_seat(referral: Referral, seat: Seat) -> None:
    if referral.to_position_id != seat.position.id:
        raise NotAllowed("این ارجاع در کارتابل سمت شما نیست.")


# ---------------------------------------------------------------- incoming


@transaction.atomic
def register_incoming(
    *,
    user,
    secretariat: Secretariat,
    subject: str,
    sender_name: str,
    channel: str,
    sender_number: str = "",
    sender_date: dt.date | None = None,
    received_at: dt.datetime | None = None,
    body: str = "",
    keywords: str = "",
    urgency: str = Urgency.NORMAL,
    classification: str = Classification.UNCLASSIFIED,
    series: NumberSeries | None = None,
    uploads: Sequence[Upload] = (),
    refer_to: Sequence[ReferralSpec] = (),
    seat: Seat | None = None,
    paper_location: str = "",
) -> Letter:
    """A clerk registers a letter that came from outside; it gets a number in the secretariat's series."""
    _check_clerk(user, secretariat)
    if seat is not None:
        seat = _own_seat(user, seat)
    subject = _require_text(subject, "subject", "موضوع", 500)
    sender_name = _require_text(sender_name, "sender_name", "فرستنده", 300)
    _check_choice(channel, Channel, "channel", "روش دریافت")
    _check_choice(urgency, Urgency, "urgency", "فوریت")
    _check_choice(classification, Classification, "classification", "طبقه‌بندی")
    if sender_date and sender_date > today():
        raise DomainError("تاریخ نامه فرستنده نمی‌تواند در آینده باشد.", field="sender_date")
    checked = _check_files(uploads)
    letter = Letter(
        kind=Kind.INCOMING, status=Status.REGISTERED, agency=secretariat.agency, subject=subject,
        body=sanitize_body(body), keywords=(keywords or "").strip()[:500], urgency=urgency,
        classification=classification, created_by=user, sender_name=sender_name,
        sender_number=(sender_number or "").strip()[:64], sender_date=sender_date, channel=channel,
        received_at=received_at or timezone.now(), paper_location=(paper_location or "").strip()[:200],
        author_position=seat.position if seat else None,
    )
    series = _pick_series(secretariat, letter.kind, series)
    letter.secretariat = secretariat
    letter.save()
    _save_files(letter, user, uploads, checked)
    referrals = _create_referrals(letter, user, seat, refer_to, None)
    _number(letter, user, secretariat, series)
    _index(letter)
    _record(AuditAction.LETTER_REGISTER_INCOMING, letter, user, seat, {
        "number": letter.number, "referrals": [r.id for r in referrals],
        "attachments": [a.sha256 for a in letter.attachments.all()],
    })
    return letter


# ---------------------------------------------------------------- drafts and signing


@transaction.atomic
def create_draft(
    *,
    user,
    seat: Seat,
    kind: str,
    subject: str,
    body: str = "",
    to: Sequence = (),
    cc: Sequence = (),
    signer_position_id: int | None = None,
    urgency: str = Urgency.NORMAL,
    classification: str = Classification.UNCLASSIFIED,
    keywords: str = "",
    links: Sequence[tuple[int, str]] = (),
    uploads: Sequence[Upload] = (),
    secretariat: Secretariat | None = None,
) -> Letter:
    """A staff member drafts an internal or outgoing letter at their position."""
    seat = _own_seat(user, seat)
    if kind not in (Kind.INTERNAL, Kind.OUTGOING):
        raise DomainError("پیش‌نویس فقط برای نامه داخلی یا صادره است.", field="kind")
    checked = _check_files(uploads)
    agency = seat.position.unit.agency
    secretariat = secretariat or agency.secretariats.order_by("id").first()
    if secretariat is None or secretariat.agency_id != agency.id:
        raise DomainError("این دستگاه دبیرخانه‌ای ندارد.", field="secretariat")
    letter = Letter(kind=kind, status=Status.DRAFT, agency=agency, secretariat=secretariat, created_by=user,
                    author_position=seat.position, channel=Channel.SYSTEM)
    _fill_draft(letter, user, subject=subject, body=body, to=to, cc=cc, signer_position_id=signer_position_id,
                urgency=urgency, classification=classification, keywords=keywords, links=links)
    _save_files(letter, user, uploads, checked)
    _grant(letter, [seat.position.id], Access.Reason.AUTHOR)
    _index(letter)
    _record(AuditAction.LETTER_DRAFT, letter, user, seat, {"kind": kind})
    return letter


def _fill_draft(letter, user, *, subject, body, to, cc, signer_position_id, urgency, classification, keywords, links):
    letter.subject = _require_text(subject, "subject", "موضوع", 500)
    _check_choice(urgency, Urgency, "urgency", "فوریت")
    _check_choice(classification, Classification, "classification", "طبقه‌بندی")
    if not to:
        raise DomainError("دست‌کم یک گیرنده لازم است.", field="to")
    if letter.kind == Kind.INTERNAL and any(not isinstance(x, int) for x in [*to, *cc]):
        raise DomainError("گیرندگان نامه داخلی باید سمت‌های سازمانی باشند.", field="to")
    if signer_position_id is not None:
        signer = _positions([signer_position_id], "signer_position")[signer_position_id]
        if not signer.can_sign or signer.unit.agency_id != letter.agency_id:
            raise DomainError("سمت انتخاب‌شده امضاکننده این دستگاه نیست.", field="signer_position")
    letter.signer_position_id = signer_position_id
    letter.body = sanitize_body(body)
    letter.urgency, letter.classification = urgency, classification
    letter.keywords = (keywords or "").strip()[:500]
    letter.save()
    _set_recipients(letter, list(to), list(cc))
    _set_links(letter, user, links)


@transaction.atomic
def update_draft(*, user, seat: Seat, letter: Letter, uploads: Sequence[Upload] = (), **fields) -> Letter:
    """The author edits a draft (also one the signer returned)."""
    seat = _own_seat(user, seat)
    letter = _lock(letter)
    if letter.status != Status.DRAFT:
        raise Conflict("فقط پیش‌نویس را می‌توان ویرایش کرد.")
    policy.check(user, seat, letter, "edit")
    _fill_draft(letter, user, **fields)
    _save_files(letter, user, uploads)
    _index(letter)
    _record(AuditAction.LETTER_UPDATE_DRAFT, letter, user, seat)
    return letter


@transaction.atomic
def compose_with_circuit(
    *, user, seat: Seat, earlier: Sequence[int] = (), letter: Letter | None = None, **fields
) -> Letter:
    """Save a draft (create_draft, or update_draft when `letter` is given) and its signing circuit
    in one transaction: the earlier signers in order (e.g. head of unit, then deputy), then the
    final signer. Without earlier signers a draft keeps the single signer; a draft that already has
    a circuit (e.g. one returned by a signer) gets it replaced, so the circuit follows the form.
    """
    if letter is None:
        letter = create_draft(user=user, seat=seat, **fields)
    else:
        letter = update_draft(user=user, seat=seat, letter=letter, **fields)
    earlier = [int(pid) for pid in earlier]
    existing = list(letter.signing_steps.order_by("order").values_list("position_id", flat=True))
    if not earlier and not existing:
        return letter
    if not letter.signer_position_id:
        message = (
            "برای امضاکنندگان پیشین، امضاکننده نهایی را هم انتخاب کنید." if earlier
            else "این نامه زنجیره امضا دارد؛ امضاکننده نهایی را انتخاب کنید."
        )
        raise DomainError(message, field="signer_position")
    positions = [*earlier, letter.signer_position_id]
    if positions != existing:
        signing().set_circuit(letter, positions, user=user, seat=seat)
    return letter


@transaction.atomic
def submit_for_signature(*, user, seat: Seat, letter: Letter, note: str = "") -> Referral:
    """The author sends the draft to its first signer; it appears there 'for signature'.

    An author who is himself the first signer does not send it to himself: he signs the draft
    (approve), which the letter page offers him as «امضا»."""
    seat = _own_seat(user, seat)
    letter = _lock(letter)
    if letter.status != Status.DRAFT:
        raise Conflict("این نامه پیش‌نویس نیست.")
    if letter.author_position_id != seat.position.id:
        raise NotAllowed("فقط نویسنده نامه می‌تواند آن را برای امضا بفرستد.")
    if not (letter.signer_position_id or letter.signing_steps.exists()):
        raise DomainError("امضاکننده نامه را انتخاب کنید.", field="signer_position")
    if policy.allowed_actions(user, seat, letter)["sign_draft"]:
        raise DomainError("امضاکننده نخست این نامه خود شمایید؛ به جای فرستادن، آن را امضا کنید.",
                          field="signer_position", code="sign_it_yourself")
    signer_id = signing().start_circuit(letter)
    if not signer_id:
        raise DomainError("امضاکننده نامه را انتخاب کنید.", field="signer_position")
    letter.status = Status.AWAITING_SIGNATURE
    letter.save(update_fields=["status", "updated_at"])
    _grant(letter, [signer_id], Access.Reason.SIGNER)
    spec = ReferralSpec(position_id=signer_id, action=Action.SIGNATURE, note=note)
    (referral,) = _create_referrals(letter, user, seat, [spec], None)
    _record(AuditAction.LETTER_SUBMIT_FOR_SIGNATURE, letter, user, seat, {"signer": signer_id})
    return referral


def _signature_referral(user, letter: Letter, seat: Seat, action: str) -> Referral:
    if letter.status != Status.AWAITING_SIGNATURE:
        raise Conflict("این نامه در انتظار امضا نیست.")
    policy.check(user, seat, letter, action)
    referral = open_referral_at(letter, seat.position.id)
    assert referral is not None and referral.action == Action.SIGNATURE  # what the policy allowed on
    return referral


@transaction.atomic
def approve(*, user, seat: Seat, letter: Letter, note: str = "", digital: bool = False) -> Letter:
    """The signer whose turn it is approves (signs digitally where the position has a certificate;
    `digital` demands it). The one path of signing, whatever the entry point (page, API, command).

    The letter passes to the next signer of its circuit «جهت امضا», or, after the last one,
    to the secretariat to be numbered. An author who is the first signer of his own draft signs
    it here directly, without sending it to himself.
    """
    seat = _own_seat(user, seat)
    letter = _lock(letter)
    note = (note or "").strip()[:4000]
    referral = None
    if letter.status == Status.DRAFT and letter.author_position_id == seat.position.id:
        policy.check(user, seat, letter, "sign_draft")
        signing().start_circuit(letter)
        letter.status = Status.AWAITING_SIGNATURE
        letter.save(update_fields=["status", "updated_at"])
        _grant(letter, [seat.position.id], Access.Reason.SIGNER)
    else:
        referral = _signature_referral(user, letter, seat, "sign")
    next_signer = signing().approve_step(user=user, seat=seat, letter=letter, digital=digital)
    now = timezone.now()
    if referral is not None:
        _close_referral(referral, user, seat, ReferralStatus.DONE, note or "امضا شد", now)
    if next_signer:
        _grant(letter, [next_signer], Access.Reason.SIGNER)
        _create_referrals(letter, user, seat, [ReferralSpec(next_signer, Action.SIGNATURE, note)], referral)
        _record(AuditAction.LETTER_APPROVE, letter, user, seat, {"next_signer": next_signer})
        return letter
    letter.status, letter.approved_at, letter.approved_by = Status.APPROVED, now, user
    letter.save(update_fields=["status", "approved_at", "approved_by", "updated_at"])
    _record(AuditAction.LETTER_APPROVE, letter, user, seat)
    return letter


@transaction.atomic
def return_to_author(*, user, seat: Seat, letter: Letter, note: str) -> Letter:
    """The signer whose turn it is sends the letter back to its author with a note (the one path of
    returning, from the page or the API's reject); the author edits and resubmits, and the circuit
    signs again from its first signer."""
    seat = _own_seat(user, seat)
    letter = _lock(letter)
    note = _require_text(note, "note", "علت بازگشت", 4000)
    referral = _signature_referral(user, letter, seat, "return")
    signing().reset_circuit(letter, user=user, seat=seat, note=note)
    letter.status = Status.DRAFT
    letter.save(update_fields=["status", "updated_at"])
    _close_referral(referral, user, seat, ReferralStatus.DONE, note, timezone.now())
    if letter.author_position_id and letter.author_position_id != seat.position.id:
        _create_referrals(letter, user, seat, [ReferralSpec(letter.author_position_id, Action.ACTION, note)], referral)
    _record(AuditAction.LETTER_RETURN_TO_AUTHOR, letter, user, seat, {"note": note})
    return letter


@transaction.atomic
def register_letter(
    *, user, letter: Letter, secretariat: Secretariat | None = None, series: NumberSeries | None = None
) -> Letter:
    """The secretariat numbers a signed internal or outgoing letter; internal ones reach their recipients."""
    letter = _lock(letter)
    if letter.status != Status.APPROVED:
        raise Conflict("فقط نامه امضاشده را می‌توان ثبت کرد.")
    secretariat = secretariat or letter.secretariat
    _check_clerk(user, secretariat)
    if secretariat.agency_id != letter.agency_id:
        raise DomainError("دبیرخانه از دستگاه دیگری است.", field="secretariat")
    series = _pick_series(secretariat, letter.kind, series)
    letter.status = Status.REGISTERED
    letter.save(update_fields=["status", "updated_at"])
    recipients = list(letter.recipients.filter(position__isnull=False))
    signer_seat = Seat(letter.signer_position, False) if letter.signer_position_id else None
    specs = [
        ReferralSpec(r.position_id, Action.ACTION if r.role == Recipient.Role.TO else Action.INFORMATION)
        for r in recipients
        if not signer_seat or r.position_id != signer_seat.position.id
    ]
    if letter.kind == Kind.INTERNAL:
        # Delivered as referrals from the signer's desk: the recipients' inboxes show them.
        _create_referrals(letter, user, signer_seat, specs, None)
    else:
        _grant(letter, [r.position_id for r in recipients], Access.Reason.RECIPIENT)
    _number(letter, user, secretariat, series)
    _index(letter)
    _record(AuditAction.LETTER_REGISTER, letter, user, None, {"number": letter.number})
    return letter


@transaction.atomic
def dispatch(*, user, letter: Letter, channel: str) -> Letter:
    """The secretariat sends a registered outgoing letter out by a channel."""
    letter = _lock(letter)
    if letter.kind != Kind.OUTGOING or letter.status != Status.REGISTERED:
        raise Conflict("فقط نامه صادره ثبت‌شده را می‌توان ارسال کرد.")
    _check_clerk(user, letter.secretariat)
    _check_choice(channel, Channel, "channel", "روش ارسال")
    letter.status, letter.channel, letter.dispatched_at = Status.DISPATCHED, channel, timezone.now()
    letter.save(update_fields=["status", "channel", "dispatched_at", "updated_at"])
    _record(AuditAction.LETTER_DISPATCH, letter, user, None, {"channel": channel})
    return letter


# ---------------------------------------------------------------- referrals


def _close_referral(referral: Referral, user, seat: Seat, status: str, note: str, now) -> None:
    if referral.read_at is None:
        referral.read_at, referral.read_by, referral.read_as_acting = now, user, seat.as_acting
    referral.status, referral.acted_at, referral.acted_by = status, now, user
    referral.acted_as_acting, referral.result_note = seat.as_acting, note
    referral.save(update_fields=[
        "status", "read_at", "read_by", "read_as_acting", "acted_at", "acted_by", "acted_as_acting", "result_note",
    ])


@transaction.atomic
def refer(
    *, user, seat: Seat, letter: Letter, targets: Sequence[ReferralSpec], parent: Referral | None = None
) -> list[Referral]:
    """Refer a letter the seat holds to one or more positions; the seat's own referral is forwarded."""
    seat = _own_seat(user, seat)
    letter = _lock(letter)
    if letter.status in (Status.DRAFT, Status.AWAITING_SIGNATURE, Status.VOID, Status.ARCHIVED):
        raise Conflict("این نامه در وضعیتی نیست که بتوان آن را ارجاع داد.")
    if not targets:
        raise DomainError("دست‌کم یک گیرنده ارجاع را انتخاب کنید.", field="to_position")
    _check_visible(user, letter)
    parent = parent or open_referral_at(letter, seat.position.id)
    if parent is not None:
        _referral_of_seat(_lock_referral(parent), seat)
    else:
        policy.check(user, seat, letter, "refer")
    created = _create_referrals(letter, user, seat, targets, parent)
    if parent is not None and parent.is_open:
        _close_referral(parent, user, seat, ReferralStatus.FORWARDED, "", timezone.now())
    _record(AuditAction.LETTER_REFER, letter, user, seat, {
        "parent": parent.id if parent else None,
        "to": [{"position": r.to_position_id, "action": r.action, "deadline": r.deadline} for r in created],
    })
    return created


@transaction.atomic
def mark_read(*, user, seat: Seat, referral: Referral) -> Referral:
    """Record when the receiver first opened the referral (and whether an acting holder did)."""
    seat = _own_seat(user, seat)
    referral = _lock_referral(referral)
    _referral_of_seat(referral, seat)
    if referral.status != ReferralStatus.UNREAD:
        return referral
    referral.status, referral.read_at = ReferralStatus.READ, timezone.now()
    referral.read_by, referral.read_as_acting = user, seat.as_acting
    referral.save(update_fields=["status", "read_at", "read_by", "read_as_acting"])
    _record(AuditAction.REFERRAL_READ, referral, user, seat, {"letter": referral.letter_id})
    return referral


@transaction.atomic
def complete(*, user, seat: Seat, referral: Referral, note: str = "") -> Referral:
    """The receiver marks the referral done, with an optional note."""
    seat = _own_seat(user, seat)
    referral = _lock_referral(referral)
    _referral_of_seat(referral, seat)
    if not referral.is_open:
        raise Conflict("این ارجاع پیش‌تر بسته شده است.")
    _close_referral(referral, user, seat, ReferralStatus.DONE, (note or "").strip()[:4000], timezone.now())
    _record(AuditAction.REFERRAL_DONE, referral, user, seat, {"letter": referral.letter_id, "note": note})
    return referral


def _check_sender_unread(referral: Referral, seat: Seat) -> None:
    if referral.from_position_id != seat.position.id:
        raise NotAllowed("فقط فرستنده ارجاع می‌تواند آن را پس بگیرد یا جایگزین کند.")
    if referral.status != ReferralStatus.UNREAD:
        raise Conflict("گیرنده این ارجاع را خوانده است؛ دیگر نمی‌توان آن را پس گرفت یا جایگزین کرد.")


def _reopen_parent(referral: Referral) -> None:
    parent = referral.parent
    if parent and parent.status == ReferralStatus.FORWARDED and not parent.children.filter(
        status__in=OPEN_REFERRAL
    ).exists():
        parent.status = ReferralStatus.READ
        parent.save(update_fields=["status"])


@transaction.atomic
def withdraw(*, user, seat: Seat, referral: Referral) -> Referral:
    """The sender takes an unread referral back; the letter returns to the sender's inbox."""
    seat = _own_seat(user, seat)
    referral = _lock_referral(referral)
    _check_sender_unread(referral, seat)
    referral.status, referral.acted_at, referral.acted_by = ReferralStatus.WITHDRAWN, timezone.now(), user
    referral.acted_as_acting = seat.as_acting
    referral.save(update_fields=["status", "acted_at", "acted_by", "acted_as_acting"])
    _reopen_parent(referral)
    _record(AuditAction.REFERRAL_WITHDRAW, referral, user, seat, {"letter": referral.letter_id})
    return referral


@transaction.atomic
def reassign(*, user, seat: Seat, referral: Referral, to_position_id: int, note: str | None = None) -> Referral:
    """The sender redirects an unread referral to another position, keeping its action and deadline."""
    seat = _own_seat(user, seat)
    referral = _lock_referral(referral)
    _check_sender_unread(referral, seat)
    referral.status, referral.acted_at, referral.acted_by = ReferralStatus.REASSIGNED, timezone.now(), user
    referral.acted_as_acting = seat.as_acting
    referral.save(update_fields=["status", "acted_at", "acted_by", "acted_as_acting"])
    deadline = referral.deadline if referral.deadline and referral.deadline >= today() else None
    spec = ReferralSpec(to_position_id, referral.action, referral.note if note is None else note, deadline)
    (new,) = _create_referrals(referral.letter, user, seat, [spec], referral.parent)
    _record(AuditAction.REFERRAL_REASSIGN, referral, user, seat, {"letter": referral.letter_id, "to": to_position_id,
                                                        "new": new.id})
    return new


# ---------------------------------------------------------------- closing, voiding, filing, printing


@transaction.atomic
def close_letter(*, user, seat: Seat, letter: Letter, note: str) -> Letter:
    """The holder closes the letter without referring it on (مختومه), with a note."""
    seat = _own_seat(user, seat)
    note = _require_text(note, "note", "یادداشت مختومه", 4000)
    letter = _lock(letter)
    referral = open_referral_at(letter, seat.position.id)
    if referral is None and letter.author_position_id != seat.position.id:
        raise NotAllowed("این نامه در کارتابل شما نیست.")
    if letter.status in (Status.VOID, Status.DRAFT, Status.AWAITING_SIGNATURE):
        raise Conflict("این نامه را نمی‌توان مختومه کرد.")
    now = timezone.now()
    if referral is not None:
        _close_referral(referral, user, seat, ReferralStatus.DONE, note, now)
    if not letter.referrals.filter(status__in=OPEN_REFERRAL).exists() and letter.status != Status.ARCHIVED:
        letter.status, letter.closed_at, letter.closed_note = Status.CLOSED, now, note
        letter.save(update_fields=["status", "closed_at", "closed_note", "updated_at"])
    _record(AuditAction.LETTER_CLOSE, letter, user, seat, {"note": note})
    return letter


@transaction.atomic
def close_by_system(*, letter: Letter, note: str) -> Letter:
    """The system closes a letter nobody needs to act on any more (a service request its applicant
    cancelled): every open referral is marked done with the note and the letter is closed (مختومه).

    No seat acts; the audit entry `letter.close_by_system` has no actor. Runs in the caller's transaction.
    """
    note = _require_text(note, "note", "یادداشت مختومه", 4000)
    letter = _lock(letter)
    if letter.status in (Status.DRAFT, Status.AWAITING_SIGNATURE):
        raise Conflict("این نامه را نمی‌توان مختومه کرد.")
    now = timezone.now()
    closed = list(letter.referrals.filter(status__in=OPEN_REFERRAL).values_list("pk", flat=True))
    letter.referrals.filter(pk__in=closed).update(status=ReferralStatus.DONE, acted_at=now, result_note=note)
    if letter.status not in (Status.CLOSED, Status.ARCHIVED, Status.VOID):  # those stay as they are
        letter.status, letter.closed_at, letter.closed_note = Status.CLOSED, now, note
        letter.save(update_fields=["status", "closed_at", "closed_note", "updated_at"])
    _record(AuditAction.LETTER_CLOSE_BY_SYSTEM, letter, None, None, {"note": note, "referrals": closed})
    return letter


@transaction.atomic
def void_letter(*, user, letter: Letter, reason: str) -> Letter:
    """The secretariat voids a numbered letter; its number stays taken and shows as void."""
    reason = _require_text(reason, "reason", "علت ابطال", 2000)
    letter = _lock(letter)
    if not letter.is_numbered:
        raise Conflict("فقط نامه شماره‌دار ابطال می‌شود؛ پیش‌نویس را می‌توان رها کرد.")
    if letter.status == Status.VOID:
        raise Conflict("این نامه پیش‌تر ابطال شده است.")
    _check_clerk(user, letter.secretariat)
    now = timezone.now()
    letter.status, letter.void_reason, letter.voided_at = Status.VOID, reason, now
    letter.save(update_fields=["status", "void_reason", "voided_at", "updated_at"])
    letter.referrals.filter(status__in=OPEN_REFERRAL).update(status=ReferralStatus.WITHDRAWN, acted_at=now)
    _record(AuditAction.LETTER_VOID, letter, user, None, {"number": letter.number, "reason": reason})
    return letter


@transaction.atomic
def file_letter(*, user, seat: Seat, letter: Letter, folder: Folder) -> Filing:
    """File a letter the user may see into one of their agency's folders (once per folder)."""
    seat = _own_seat(user, seat)
    letter = _lock(letter)
    _check_visible(user, letter)
    if folder.agency_id != seat.position.unit.agency_id:
        raise NotAllowed("این پرونده از دستگاه شما نیست.", field="folder")
    filing, created = Filing.objects.get_or_create(folder=folder, letter=letter, defaults={"filed_by": user})
    if not created:
        raise Conflict("این نامه پیش‌تر در این پرونده بایگانی شده است.", field="folder")
    _record(AuditAction.LETTER_FILE, letter, user, seat, {"folder": folder.id})
    return filing


@transaction.atomic
def create_folder(*, user, seat: Seat, code: str, title: str) -> Folder:
    seat = _own_seat(user, seat)
    code = _require_text(code, "code", "کد پرونده", 32)
    title = _require_text(title, "title", "عنوان پرونده", 200)
    agency = seat.position.unit.agency
    if Folder.objects.filter(agency=agency, code=code).exists():
        raise Conflict("پرونده‌ای با این کد هست.", field="code")
    folder = Folder.objects.create(agency=agency, unit=seat.position.unit, code=code, title=title)
    audit.record(action=AuditAction.FOLDER_CREATE, obj=folder, actor=user, position=seat.position, as_acting=seat.as_acting)
    return folder


@transaction.atomic
def archive_letter(*, user, seat: Seat, letter: Letter) -> Letter:
    """Archive a closed or dispatched letter (بایگانی); it leaves the working lists."""
    seat = _own_seat(user, seat)
    letter = _lock(letter)
    _check_visible(user, letter)
    if letter.status not in (Status.CLOSED, Status.DISPATCHED, Status.REGISTERED):
        raise Conflict("فقط نامه ثبت‌شده، ارسال‌شده یا مختومه بایگانی می‌شود.")
    if letter.referrals.filter(status__in=OPEN_REFERRAL).exists():
        raise Conflict("این نامه هنوز ارجاع باز دارد؛ نخست آن‌ها را ببندید.")
    letter.status, letter.archived_at = Status.ARCHIVED, timezone.now()
    letter.save(update_fields=["status", "archived_at", "updated_at"])
    _record(AuditAction.LETTER_ARCHIVE, letter, user, seat)
    return letter


@transaction.atomic
def add_attachments(*, user, seat: Seat, letter: Letter, uploads: Sequence[Upload]) -> list[Attachment]:
    """Attach files to a draft (author) or to a registered incoming letter (its secretariat)."""
    seat = _own_seat(user, seat)
    letter = _lock(letter)
    policy.check(user, seat, letter, "attach")
    saved = _save_files(letter, user, uploads)
    _record(AuditAction.LETTER_ATTACH, letter, user, seat, {"sha256": [a.sha256 for a in saved]})
    return saved


@transaction.atomic
def record_print(*, user, letter: Letter, kind: str = PrintRecord.Kind.LETTER) -> PrintRecord:
    """Count a print of the letter or its referral sheet (supervision counts paper from these)."""
    _check_choice(kind, PrintRecord.Kind, "kind", "نوع چاپ")
    _check_visible(user, letter)
    row = PrintRecord.objects.create(letter=letter, user=user, agency_id=letter.agency_id, kind=kind)
    audit.record(action=AuditAction.LETTER_PRINT, obj=letter, actor=user, data={"kind": kind})
    return row


def move_open_deadlines(*, letter: Letter, deadline: dt.date) -> int:
    """Move the deadline of the letter's open referrals (the clock paused while an applicant was
    asked for documents). Part of the caller's transaction and audit entry; returns how many moved."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("move_open_deadlines runs inside the caller's transaction")
    return letter.referrals.filter(status__in=OPEN_REFERRAL, deadline__isnull=False).update(deadline=deadline)
