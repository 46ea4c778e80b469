"""Work on several letters at once: the inbox's mark read, refer, file and complete, and the secretariat
queue's register and dispatch.

A batch is all or nothing (issue 13). Every letter is first asked of the policy
(`policy.bulk_refusal`, the same rules as the one-by-one act); if any is refused, nothing is written and
`BatchRefused` names each refused letter and why. Otherwise each letter goes through the one-by-one
service (its row lock, checks, audit entry and notices) inside one transaction; a service that still
refuses one midway (another hand changed it, a numbering series missing, an outlet refusing) rolls the
whole batch back and `BatchFailed` names that letter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction

from dabir.core.errors import Conflict, DomainError, NotAllowed
from dabir.core.text import to_persian_digits
from dabir.orgs.selectors import Seat, secretariats_of

from .. import outlets, policy
from ..models import Channel, Filing, Folder, Letter, ReferralStatus
from ._shared import ReferralSpec, _own_seat
from .folders import file_letter
from .referrals import complete as complete_referral
from .referrals import mark_read as mark_referral_read
from .referrals import refer as refer_letter
from .registration import dispatch as dispatch_letter
from .registration import register_letter

#: What each act is called in a sentence («… روی هیچ نامه‌ای انجام نشد»).
ACT_LABELS = {
    "read": "علامت خوانده‌شده", "refer": "ارجاع", "file": "گذاشتن در پرونده", "complete": "انجام ارجاع",
    "register": "ثبت و شماره‌گذاری", "dispatch": "ارسال",
}
NO_CHANNEL = "روش ارسال این نامه معلوم نیست؛ آن را با فرم ارسال خود نامه بفرستید یا روشی برای همه برگزینید."


@dataclass(frozen=True)
class Refusal:
    """One letter a batch could not take: `letter` is None when it is unknown or hidden from the user,
    who is then shown its id only."""

    letter_id: int
    letter: Letter | None
    reason: str

    @property
    def label(self) -> str:
        return label_of(self.letter_id, self.letter)


@dataclass
class Batch:
    """A batch done: the letters acted on, in the order chosen, and those that needed nothing (read already)."""

    act: str
    done: list[Letter] = field(default_factory=list)
    unchanged: list[Letter] = field(default_factory=list)


class BatchRefused(Conflict):
    """Some letters of the batch are not allowed: nothing was done. `allowed` are the ids that were."""

    def __init__(self, act: str, refusals: Sequence[Refusal], allowed: Sequence[int]):
        self.act, self.refusals, self.allowed = act, list(refusals), list(allowed)
        count = to_persian_digits(len(self.refusals))
        said = "؛ ".join(f"{r.label}: {r.reason}" for r in self.refusals)
        super().__init__(f"«{ACT_LABELS[act]}» روی هیچ نامه‌ای انجام نشد؛ {count} نامه از این دسته مجاز نیست — {said}",
                         field="letters")


class BatchFailed(DomainError):
    """A service refused one letter midway: everything the batch had done is rolled back."""

    def __init__(self, act: str, letter: Letter, exc: DomainError):
        self.act, self.letter, self.reason = act, letter, exc.message
        self.status = exc.status
        super().__init__(f"«{ACT_LABELS[act]}» روی هیچ نامه‌ای انجام نشد؛ کار روی {label_of(letter.pk, letter)} "
                         f"به خطا خورد و همه برگردانده شد: {exc.message}", field=exc.field, code=exc.code)


def label_of(letter_id: int, letter: Letter | None) -> str:
    """How a letter of a batch is named in a message: its number, else its subject; by id when hidden."""
    if letter is None:
        return f"شناسه {to_persian_digits(letter_id)}"
    if letter.number:
        return f"نامه {to_persian_digits(letter.number)}"
    subject = letter.subject if len(letter.subject) <= 60 else letter.subject[:59] + "…"
    return f"«{subject}»"


def clean_ids(letter_ids: Iterable) -> list[int]:
    """The chosen ids, once each, in the order given; refuses an empty or oversized batch or a bad id."""
    ids: list[int] = []
    for raw in letter_ids:
        try:
            value = int(str(raw).strip())
        except (TypeError, ValueError):
            raise DomainError("شناسه نامه نامعتبر است.", field="letters") from None
        if value <= 0:
            raise DomainError("شناسه نامه نامعتبر است.", field="letters")
        if value not in ids:
            ids.append(value)
    if not ids:
        raise DomainError("هیچ نامه‌ای انتخاب نشده است؛ دست‌کم یک نامه را علامت بزنید.", field="letters")
    if len(ids) > policy.BULK_LIMIT:
        raise DomainError(f"در هر بار بیش از {to_persian_digits(policy.BULK_LIMIT)} نامه را نمی‌توان انتخاب کرد.",
                          field="letters")
    return ids


def _run(act: str, *, user, seat: Seat | None, letter_ids: Iterable, each: Callable[[Letter], bool],
         extra_refusal: Callable[[Letter], str | None] | None = None, filed_ids: Iterable[int] = ()) -> Batch:
    """Ask the policy about every letter, refuse the batch if any is refused, else run `each` on all in one
    transaction (`each` returns False when the letter needed nothing)."""
    ids = clean_ids(letter_ids)
    clerk_ids = set(secretariats_of(user).values_list("id", flat=True))
    batch = Batch(act)
    with transaction.atomic():
        found = policy.bulk_letters(user, ids)
        refusals, allowed = [], []
        for letter_id in ids:
            letter = found.get(letter_id)
            if letter is None:
                refusals.append(Refusal(letter_id, None, policy.BULK_HIDDEN))
                continue
            reason = policy.bulk_refusal(user, seat, letter, act, clerk_secretariat_ids=clerk_ids,
                                         filed_ids=filed_ids)
            if reason is None and extra_refusal is not None:
                reason = extra_refusal(letter)
            if reason is None:
                allowed.append(letter_id)
            else:
                refusals.append(Refusal(letter_id, letter, reason))
        if refusals:
            raise BatchRefused(act, refusals, allowed)
        for letter_id in ids:
            letter = found[letter_id]
            try:
                changed = each(letter)
            except DomainError as exc:
                raise BatchFailed(act, letter, exc) from exc
            (batch.done if changed else batch.unchanged).append(letter)
    return batch


def _seat(user, seat: Seat | None) -> Seat:
    if seat is None:
        raise NotAllowed("سمتی که از طرف آن اقدام می‌کنید را انتخاب کنید.", field="position")
    return _own_seat(user, seat)


# ---------------------------------------------------------------- the inbox


def mark_read(*, user, seat: Seat, letter_ids: Iterable) -> Batch:
    """Mark the seat's open referral of each letter read; one read already is left as it is."""
    seat = _seat(user, seat)

    def each(letter: Letter) -> bool:
        referral = _open_referral(letter, seat)
        if referral.status != ReferralStatus.UNREAD:
            return False
        mark_referral_read(user=user, seat=seat, referral=referral)
        return True

    return _run("read", user=user, seat=seat, letter_ids=letter_ids, each=each)


def refer(*, user, seat: Seat, letter_ids: Iterable, targets: Sequence[ReferralSpec]) -> Batch:
    """Refer every letter to the same positions, with the same action, margin note and deadline."""
    seat = _seat(user, seat)
    if not targets:
        raise DomainError("دست‌کم یک گیرنده ارجاع را انتخاب کنید.", field="to_position")

    def each(letter: Letter) -> bool:
        # Each letter gets its own ReferralSpec objects: the service may fill in defaults.
        refer_letter(user=user, seat=seat, letter=letter,
                     targets=[ReferralSpec(t.position_id, t.action, t.note, t.deadline) for t in targets])
        return True

    return _run("refer", user=user, seat=seat, letter_ids=letter_ids, each=each)


def file_letters(*, user, seat: Seat, letter_ids: Iterable, folder: Folder) -> Batch:
    """File every letter into one folder of the seat's agency."""
    seat = _seat(user, seat)
    if folder.agency_id != seat.position.unit.agency_id:
        raise NotAllowed("این پرونده از دستگاه شما نیست.", field="folder")
    ids = clean_ids(letter_ids)
    filed = set(Filing.objects.filter(folder=folder, letter_id__in=ids).values_list("letter_id", flat=True))

    def each(letter: Letter) -> bool:
        file_letter(user=user, seat=seat, letter=letter, folder=folder)
        return True

    return _run("file", user=user, seat=seat, letter_ids=ids, each=each, filed_ids=filed)


def complete(*, user, seat: Seat, letter_ids: Iterable, note: str = "") -> Batch:
    """Mark the seat's open referral of each letter done, with the same note."""
    seat = _seat(user, seat)

    def each(letter: Letter) -> bool:
        complete_referral(user=user, seat=seat, referral=_open_referral(letter, seat), note=note)
        return True

    return _run("complete", user=user, seat=seat, letter_ids=letter_ids, each=each)


def _open_referral(letter: Letter, seat: Seat):
    """The seat's latest open referral of the letter, as the policy's standing found it."""
    return next(r for r in reversed(letter.open_referrals) if r.to_position_id == seat.position.id)


# ---------------------------------------------------------------- the secretariat queue


def register(*, user, letter_ids: Iterable) -> Batch:
    """Number every signed letter in its own secretariat."""

    def each(letter: Letter) -> bool:
        register_letter(user=user, letter=letter)
        return True

    return _run("register", user=user, seat=None, letter_ids=letter_ids, each=each)


def dispatch(*, user, letter_ids: Iterable, channel: str | None = None) -> Batch:
    """Send every registered outgoing letter out: by `channel` when one is chosen for all, else by the
    channel its dispatch form would start on (its recipients' known channel). A letter with no known
    channel needs its own form: the batch is refused naming it."""
    if channel and channel not in Channel.values:
        raise DomainError("روش ارسال نامعتبر است.", field="channel")
    chosen: dict[int, str] = {}

    def default_channel(letter: Letter) -> str | None:
        picked = channel or outlets.suggest(letter)
        if not picked:
            return NO_CHANNEL
        chosen[letter.pk] = picked
        return None

    def each(letter: Letter) -> bool:
        dispatch_letter(user=user, letter=letter, channel=chosen[letter.pk])
        return True

    batch = _run("dispatch", user=user, seat=None, letter_ids=letter_ids, each=each, extra_refusal=default_channel)
    for letter in batch.done:
        letter.bulk_channel = chosen[letter.pk]
    return batch


def default_channels(letters: Iterable[Letter]) -> dict[int, str | None]:
    """Each letter's default dispatch channel (None: it needs its own form), for the queue's page."""
    return {letter.pk: outlets.suggest(letter) for letter in letters}
