"""Who may see a letter, and who may do which act on it in which state: the one place that decides.

Selectors filter through `visible_letters` (so every list and page does), services refuse through
`check`, the letter page and its templates show `allowed_actions`, the API fetches through the
selectors, and the Django admin's querysets go through `admin_letters`.

Who sees a letter (DESIGN.md: a confidential letter is visible only to its referral chain and its
secretariat):
- its author, its signers (signer position or a step of its signing circuit) and every position in
  its referral chain (Access rows `author`, `signer`, `chain`), whatever its classification;
- its recipients (to/cc positions), only when it is unclassified (Access rows `recipient`);
- the clerks of its secretariat, once it has left drafting and signing;
- nobody else. Superusers and agency admins get no letters from being admins: in the pages, the API
  and the Django admin they see exactly what their own seats and secretariats give them, so a
  classified letter's subject, body, recipients, versions and attachment hashes stay closed to them
  unless they are in its chain or clerks of its secretariat.
A position held by acting (جانشین) counts as the user's own while the acting period runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from dabir.core.errors import Conflict, NotAllowed
from dabir.orgs.selectors import Seat, position_ids_of, secretariats_of

from .models import (
    OPEN_REFERRAL,
    Access,
    Action,
    Classification,
    Kind,
    Letter,
    Referral,
    ReferralStatus,
    Status,
)

_CLOSE = [Access.Reason.AUTHOR, Access.Reason.SIGNER, Access.Reason.CHAIN]
# A secretariat sees what it registers, not what is still being drafted or signed.
_SECRETARIAT_HIDDEN = [Status.DRAFT, Status.AWAITING_SIGNATURE]

# ---------------------------------------------------------------- seeing


def visibility_filter(user) -> Q:
    """The Q that keeps the letters a user may see, through their positions and secretariats."""
    if not user or not user.is_authenticated:
        return Q(pk__in=[])
    positions = position_ids_of(user)
    secretariat_ids = list(secretariats_of(user).values_list("id", flat=True))
    close = Exists(Access.objects.filter(letter=OuterRef("pk"), position_id__in=positions, reason__in=_CLOSE))
    recipient = Exists(
        Access.objects.filter(letter=OuterRef("pk"), position_id__in=positions, reason=Access.Reason.RECIPIENT)
    )
    q = close | (Q(classification=Classification.UNCLASSIFIED) & recipient)
    if secretariat_ids:
        q |= Q(secretariat_id__in=secretariat_ids) & ~Q(status__in=_SECRETARIAT_HIDDEN)
    return q


def visible_letters(user) -> QuerySet[Letter]:
    return Letter.objects.filter(visibility_filter(user))


def can_see(user, letter: Letter | int) -> bool:
    pk = letter if isinstance(letter, int) else letter.pk
    return visible_letters(user).filter(pk=pk).exists()


def visible_ids(user, ids: Iterable[int]) -> set[int]:
    """Which of these letters the user may see (one query), e.g. linked letters on a page."""
    ids = [i for i in ids if i]
    if not ids:
        return set()
    return set(visible_letters(user).filter(pk__in=ids).values_list("pk", flat=True))


def admin_letters(user, queryset: QuerySet, path: str = "") -> QuerySet:
    """An admin screen's queryset kept to the letters the user may see; `path` leads to the letter
    (e.g. "letter", "version__letter"). Superusers and agency admins are not exempt."""
    field = f"{path}__in" if path else "pk__in"
    return queryset.filter(**{field: visible_letters(user).values("pk")})


# ---------------------------------------------------------------- doing

#: Every act on a letter the policy rules on (the keys of `allowed_actions`).
ACTIONS = (
    "edit", "submit", "sign_draft", "sign", "return", "register", "dispatch", "refer", "complete", "close",
    "void", "archive", "reply", "file", "attach", "print",
)


@dataclass(frozen=True)
class Standing:
    """What a seat and its user are to a letter: read once, asked by every rule below."""

    seat: Seat | None
    is_author: bool
    is_signer: bool
    is_clerk: bool
    open_referral: Referral | None
    open_referrals: bool
    first_signer_id: int | None


def standing(user, seat: Seat | None, letter: Letter, *, referrals: Sequence[Referral] | None = None,
             clerk_secretariat_ids: Iterable[int] | None = None, first_signer_id: int | None = None) -> Standing:
    """The facts the rules need; pass the letter's referrals and the user's secretariats when already read."""
    position_id = seat.position.id if seat else None
    if referrals is None:
        referrals = list(letter.referrals.filter(status__in=OPEN_REFERRAL).order_by("created_at", "id"))
    open_ref = next((r for r in reversed(referrals) if r.to_position_id == position_id and r.is_open), None)
    if clerk_secretariat_ids is None:
        clerk = bool(letter.secretariat_id) and secretariats_of(user).filter(id=letter.secretariat_id).exists()
    else:
        clerk = letter.secretariat_id in set(clerk_secretariat_ids)
    if first_signer_id is None and letter.status == Status.DRAFT:
        # Only a draft's rules ask who signs first (`submit`, `sign_draft`): no query for other letters.
        first_signer_id = _first_signer_id(letter)
    return Standing(
        seat=seat, is_author=position_id is not None and letter.author_position_id == position_id,
        is_signer=position_id is not None and letter.signer_position_id == position_id, is_clerk=clerk,
        open_referral=open_ref, open_referrals=any(r.is_open for r in referrals), first_signer_id=first_signer_id,
    )


def _first_signer_id(letter: Letter) -> int | None:
    """The first signer of the letter's circuit (its signer position when it has no circuit)."""
    step = letter.signing_steps.order_by("order").values_list("position_id", flat=True).first()
    return step or letter.signer_position_id


_NOT_REFERRABLE = (Status.DRAFT, Status.AWAITING_SIGNATURE, Status.VOID, Status.ARCHIVED)
#: States in which a letter cannot be closed (مختومه): services answer these with a Conflict.
NOT_CLOSABLE = (Status.VOID, Status.DRAFT, Status.AWAITING_SIGNATURE, Status.CLOSED, Status.ARCHIVED)


def _rules(s: Standing, letter: Letter) -> dict[str, bool]:
    seated = s.seat is not None
    own_draft = seated and letter.status == Status.DRAFT and s.is_author
    signs_first = s.seat is not None and s.first_signer_id == s.seat.position.id
    turn = s.open_referral is not None and s.open_referral.action == Action.SIGNATURE
    return {
        "edit": own_draft,
        # The author sends the draft to its first signer: not when that is the author's own seat.
        # (Without a signer the button stays: the service then says to choose one.)
        "submit": own_draft and not signs_first,
        # A signer writing his own letter signs the draft directly (the first signer is his seat).
        "sign_draft": own_draft and signs_first,
        # Whoever holds the letter «جهت امضا» now: the signer, or the current one of a signing circuit.
        "sign": letter.status == Status.AWAITING_SIGNATURE and turn,
        "return": letter.status == Status.AWAITING_SIGNATURE and turn,
        "register": s.is_clerk and letter.status == Status.APPROVED,
        "dispatch": s.is_clerk and letter.kind == Kind.OUTGOING and letter.status == Status.REGISTERED,
        "refer": seated and letter.status not in _NOT_REFERRABLE
        and (s.open_referral is not None or s.is_author or s.is_signer or s.is_clerk),
        "complete": s.open_referral is not None and referral_acts(s.seat, s.open_referral)["complete"],
        "close": seated and letter.status not in NOT_CLOSABLE and (s.open_referral is not None or s.is_author),
        "void": s.is_clerk and letter.is_numbered and letter.status != Status.VOID,
        "archive": seated and letter.status in (Status.CLOSED, Status.DISPATCHED, Status.REGISTERED)
        and not s.open_referrals,
        "reply": seated and letter.status not in (Status.DRAFT, Status.AWAITING_SIGNATURE, Status.VOID),
        "file": seated and letter.status != Status.VOID,
        "attach": own_draft or (letter.kind == Kind.INCOMING and s.is_clerk and letter.status != Status.VOID),
        "print": True,
    }


def allowed_actions(user, seat: Seat | None, letter: Letter, *, facts: Standing | None = None) -> dict[str, bool]:
    """Every act in ACTIONS mapped to whether this user, at this seat, may do it now.

    The caller must already know the user may see the letter (it came through the selectors);
    pass `facts` (from `standing`) when the page has read them already.
    """
    return _rules(facts or standing(user, seat, letter), letter)


_REFUSALS = {
    "edit": "فقط نویسنده می‌تواند پیش‌نویس خود را ویرایش کند.",
    "submit": "فقط نویسنده نامه می‌تواند پیش‌نویس را برای امضا بفرستد.",
    "sign_draft": "امضای مستقیم پیش‌نویس فقط برای نویسنده‌ای است که خود امضاکننده نخست آن است.",
    "sign": "امضای این نامه اکنون با سمت شما نیست.",
    "return": "امضای این نامه اکنون با سمت شما نیست.",
    "register": "شما کاربر این دبیرخانه نیستید.",
    "dispatch": "شما کاربر این دبیرخانه نیستید.",
    "refer": "این نامه در کارتابل شما نیست؛ نمی‌توانید آن را ارجاع دهید.",
    "complete": "این ارجاع در کارتابل سمت شما نیست.",
    "close": "این نامه در کارتابل شما نیست.",
    "void": "شما کاربر این دبیرخانه نیستید.",
    "archive": "اجازه بایگانی این نامه را ندارید.",
    "reply": "اجازه پاسخ به این نامه را ندارید.",
    "file": "اجازه گذاشتن این نامه در پرونده را ندارید.",
    "attach": "افزودن پیوست به این نامه برای شما مجاز نیست.",
    "print": "اجازه دسترسی به این نامه را ندارید.",
}


# ---------------------------------------------------------------- a referral's acts

#: What may be done to one referral apart from the letter: its receiver completes it, its sender
#: withdraws or reassigns it while unread.
REFERRAL_ACTS = ("complete", "withdraw", "reassign")


def referral_acts(seat: Seat | None, referral: Referral) -> dict[str, bool]:
    """Every act in REFERRAL_ACTS mapped to whether this seat may do it to the referral now.

    A «جهت امضا» referral is the letter's place in its signing chain: it ends only by signing or
    returning to the author, else the letter waits «در انتظار امضا» with nobody to sign it."""
    position_id = seat.position.id if seat else None
    signing = referral.action == Action.SIGNATURE
    sender_unread = (position_id is not None and referral.from_position_id == position_id
                     and referral.status == ReferralStatus.UNREAD and not signing)
    return {
        "complete": position_id is not None and referral.to_position_id == position_id and referral.is_open
        and not signing,
        "withdraw": sender_unread,
        "reassign": sender_unread,
    }


_SIGNING_REFERRAL = "این ارجاع جهت امضاست؛ فقط با امضا یا بازگرداندن به نویسنده بسته می‌شود."


def check_referral(seat: Seat | None, referral: Referral, act: str) -> None:
    """Refuse an act on a referral of the signing chain (Conflict), then any act this seat may not do
    (NotAllowed). Services test who and when first, with their own messages; this is the last word."""
    if referral.action == Action.SIGNATURE:
        raise Conflict(_SIGNING_REFERRAL)
    if not referral_acts(seat, referral)[act]:
        raise NotAllowed("این اقدام روی این ارجاع برای سمت شما مجاز نیست.")


def check_visible(user, letter: Letter) -> None:
    if not can_see(user, letter):
        raise NotAllowed("اجازه دسترسی به این نامه را ندارید.")


def check(user, seat: Seat | None, letter: Letter, action: str) -> None:
    """Refuse (NotAllowed, in Persian) unless the policy allows `action` now.

    Services test the letter's state first (a Conflict names what is wrong with it), then ask this
    for the person, so the same rule decides the page's buttons and the service's answer."""
    if not allowed_actions(user, seat, letter)[action]:
        raise NotAllowed(_REFUSALS[action])


# ---- BULK part (issue 13) ----

#: Acts a batch of letters takes (the inbox's four and the secretariat queue's two), each the bulk form
#: of one service: mark_read, refer, file_letter, complete, register_letter, dispatch.
BULK_ACTS = ("read", "refer", "file", "complete", "register", "dispatch")
#: The most letters one batch takes: four pages of the inbox.
BULK_LIMIT = 100

BULK_HIDDEN = "چنین نامه‌ای نیست یا اجازه دیدن آن را ندارید."
BULK_NO_REFERRAL = "این نامه ارجاع بازی در کارتابل شما ندارد."
# The services' own Conflict messages for a letter in the wrong state, said before anything is written.
_BULK_STATE = {
    "refer": "این نامه در وضعیتی نیست که بتوان آن را ارجاع داد.",
    "file": "نامه ابطال‌شده را نمی‌توان در پرونده گذاشت.",
    "register": "فقط نامه امضاشده را می‌توان ثبت کرد.",
    "dispatch": "فقط نامه صادره ثبت‌شده را می‌توان ارسال کرد.",
}
BULK_FILED = "این نامه پیش‌تر در این پرونده بایگانی شده است."


def bulk_letters(user, ids: Iterable[int]) -> dict[int, Letter]:
    """The letters of a batch that the user may see, by id, with their open referrals read in the same
    two queries (`open_referrals`, oldest first). An id missing from the answer is unknown or hidden:
    the caller says the same for both, and never the letter's subject."""
    from django.db.models import Prefetch

    opened = Referral.objects.filter(status__in=OPEN_REFERRAL).order_by("created_at", "id")
    letters = visible_letters(user).filter(pk__in=list(ids)).select_related("agency").prefetch_related(
        Prefetch("referrals", queryset=opened, to_attr="open_referrals"))
    return {letter.pk: letter for letter in letters}


def bulk_refusal(user, seat: Seat | None, letter: Letter, act: str, *, clerk_secretariat_ids: Iterable[int],
                 filed_ids: Iterable[int] = ()) -> str | None:
    """Why `letter` may not take part in a batch of `act` (Persian), or None when it may.

    The same questions in the same order as the one-by-one service: the letter's state first, then the
    rule of `allowed_actions` (or of `referral_acts` for an act on the seat's open referral). `letter` comes
    from `bulk_letters` (its open referrals read); `filed_ids` are letters already in the chosen folder.
    """
    if act not in BULK_ACTS:
        raise ValueError(f"unknown bulk act {act!r}")
    if act in ("read", "refer", "file", "complete") and seat is None:
        return "سمتی که از طرف آن اقدام می‌کنید را انتخاب کنید."
    facts = standing(user, seat, letter, referrals=letter.open_referrals, clerk_secretariat_ids=clerk_secretariat_ids)
    if act in ("read", "complete"):
        referral = facts.open_referral
        if referral is None:
            return BULK_NO_REFERRAL
        if act == "complete":
            if referral.action == Action.SIGNATURE:
                return _SIGNING_REFERRAL
            if not referral_acts(seat, referral)["complete"]:
                return _REFUSALS["complete"]
        return None
    state_wrong = {
        "refer": letter.status in _NOT_REFERRABLE,
        "file": letter.status == Status.VOID,
        "register": letter.status != Status.APPROVED,
        "dispatch": letter.kind != Kind.OUTGOING or letter.status != Status.REGISTERED,
    }[act]
    if state_wrong:
        return _BULK_STATE[act]
    if not _rules(facts, letter)[act]:
        return _REFUSALS[act]
    if act == "file" and letter.pk in set(filed_ids):
        return BULK_FILED
    return None


def dispatch_queue(user) -> QuerySet[Letter]:
    """Registered outgoing letters of the user's secretariats not yet sent out, oldest number first."""
    return visible_letters(user).filter(
        kind=Kind.OUTGOING, status=Status.REGISTERED, secretariat__in=secretariats_of(user),
    ).order_by("registered_at", "id")

# BULK-END


# ---- WRITING part (issue 13) ----


def staff_agency_ids(user) -> set[int]:
    """The agencies a user works in: those of the positions they hold or act for, and of the secretariats
    they are a clerk of. Their ready margin notes and letter templates are the user's to use."""
    if not user or not user.is_authenticated:
        return set()
    from dabir.orgs.selectors import seats_of

    ids = {seat.position.unit.agency_id for seat in seats_of(user)}
    ids.update(secretariats_of(user).values_list("agency_id", flat=True))
    return ids


def ready_notes_for(user):
    """The ready margin notes a user picks from: their own first, then their agencies' (each in its order)."""
    from django.db.models import Case, IntegerField, Value, When

    from .models import ReadyNote

    if not user or not user.is_authenticated:
        return ReadyNote.objects.none()
    mine = Case(When(user=user, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (ReadyNote.objects.filter(Q(user=user) | Q(agency_id__in=staff_agency_ids(user)))
            .annotate(mine=mine).order_by("mine", "agency_id", "order", "id"))


def check_own_note(user, note) -> None:
    """Only the note's owner edits, moves or deletes a personal ready note; agency notes are the agency
    admins' (in the Django admin)."""
    if note.user_id is None or not user or note.user_id != user.pk:
        raise NotAllowed("این هامش آماده از آنِ شما نیست.")


def agencies_kept_by(user):
    """The agencies whose ready notes and letter templates a user keeps in the admin: their admins (all for
    superusers)."""
    from dabir.orgs.models import Agency

    if not user or not user.is_authenticated or not user.is_active:
        return Agency.objects.none()
    return Agency.objects.all() if user.is_superuser else user.administered_agencies.all()


def check_keeps_agency(user, agency) -> None:
    if agency is None or not agencies_kept_by(user).filter(pk=agency.pk).exists():
        raise NotAllowed("فقط مدیران سامانه این دستگاه هامش‌ها و الگوهای آن را نگه می‌دارند.", field="agency")


def templates_for(seat: Seat | None):
    """The active letter templates a seat may start a letter from: its own agency's."""
    from .models import LetterTemplate

    if seat is None:
        return LetterTemplate.objects.none()
    return LetterTemplate.objects.filter(agency_id=seat.position.unit.agency_id, active=True)


def check_template(seat: Seat | None, template) -> None:
    if seat is None or not template.active or template.agency_id != seat.position.unit.agency_id:
        raise NotAllowed("این الگو از دستگاه شما نیست یا غیرفعال است.", field="template")


# WRITING-END


# ---- DASHBOARD part (issue 13) ----
def may_remind(seat: Seat | None, referral: Referral) -> bool:
    """The seat that made a referral may remind its receiver while it is open (once a day: the
    service counts that)."""
    return seat is not None and referral.from_position_id == seat.position.id and referral.is_open


def check_remind(seat: Seat | None, referral: Referral) -> None:
    if not may_remind(seat, referral):
        raise NotAllowed("فقط سمتی که این نامه را ارجاع داده است می‌تواند یادآوری بفرستد.")


# DASHBOARD-END


# ---- SUGGEST part (issue 13) ----


def may_get_suggestions(user, secretariat_id: int | None) -> bool:
    """Suggested first recipients are learned from every incoming letter a secretariat registered, which
    only its clerks see: so only its clerks get them (letters/suggestions.py asks this first)."""
    if not secretariat_id or not user or not user.is_authenticated:
        return False
    return secretariats_of(user).filter(id=secretariat_id).exists()


def first_referral_targets(agency_id: int, seat: Seat | None = None):
    """The positions a clerk may refer a newly registered letter to first: the agency's active positions,
    less the clerk's own seat (a letter is never referred to oneself)."""
    from dabir.orgs.models import Position

    qs = Position.objects.filter(active=True, unit__agency_id=agency_id)
    return qs.exclude(pk=seat.position.id) if seat else qs


# SUGGEST-END


# ---- EVENTS part (issue 13) ----


def subject_in_notice(letter: Letter) -> bool:
    """A notice (the bell, its SMS or e-mail copy) names the letter's subject only when the letter is
    unclassified: a notice outlives its reader's place in the chain, and a copy leaves the system."""
    return not letter.is_classified


def registration_queue(secretariat_ids: Sequence[int]) -> QuerySet[Letter]:
    """Signed letters waiting for a number in these secretariats (the navbar's «صف ثبت» count).

    Their clerks see every letter of their secretariat past drafting and signing, so no visibility
    join is needed: the same letters as selectors.to_register for a user clerk of exactly these."""
    return Letter.objects.filter(status=Status.APPROVED, secretariat_id__in=list(secretariat_ids))
# EVENTS-END


# ---- VIEWER part (issue 13) ----
# Who may open a file in the viewer is who may see its letter (visible_letters, as for a download);
# this says which files the viewer can show. Browsers draw PDF (through PDF.js), JPEG and PNG; a
# TIFF scan is shown through its copy with a text layer when OCR made one; anything else downloads.
VIEWER_KINDS = {"application/pdf": "pdf", "image/jpeg": "image", "image/png": "image"}


def viewer_kind(attachment) -> str | None:
    """"pdf" or "image" when the viewer can show this attachment, else None (it downloads)."""
    kind = VIEWER_KINDS.get(attachment.content_type)
    if kind is None and attachment.content_type == "image/tiff" and attachment.searchable:
        return "pdf"
    return kind


def viewer_file(attachment):
    """The stored file the viewer shows, with its content type; None when it cannot show one."""
    kind = viewer_kind(attachment)
    if kind is None:
        return None
    if attachment.content_type not in VIEWER_KINDS:
        return attachment.searchable, "application/pdf"
    return attachment.file, attachment.content_type
# VIEWER-END
