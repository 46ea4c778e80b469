"""What every letter use case shares: the input types (ReferralSpec, Upload), body sanitising,
the audit entry, row locks, access grants, checks of seat, clerk and choices, numbering, stored
files and the creation of referrals.
"""

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import nh3
from django.utils import timezone

from dabir.core import audit
from dabir.core.errors import DomainError, NotAllowed
from dabir.core.jalali import today
from dabir.letters import attachments as files_check
from dabir.orgs.models import NumberSeries, Position, Secretariat
from dabir.orgs.selectors import Seat, seat_for, secretariats_of
from dabir.orgs.services import take_number

from .. import policy
from ..models import Access, Action, Attachment, Letter, Referral, attachment_path
from ..search import letter_search_text
from ..signals import attachments_added, referrals_changed
from .deadlines import default_deadline

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


# The pages' CSP (style-src 'self') ignores inline style attributes, so a body keeps no `style`:
# its alignment becomes one of these classes (dabir.css and the PDF's stylesheet define them) and its
# direction the `dir` attribute; every other inline style is dropped.
ALIGN_CLASSES = {f"text-align-{a}" for a in ("right", "left", "center", "justify")}
_STYLE_KEPT = {"text-align", "direction"}
# A tag as nh3 writes it: every attribute value double-quoted, with `"` escaped inside it, and `<`
# escaped in text, so this matches tags only.
_TAG = re.compile(r'<[a-zA-Z][a-zA-Z0-9]*(?:\s+[^\s"\'>/=]+(?:="[^"]*")?)*\s*/?>')
_STYLE_ATTR = re.compile(r'\s+style="([^"]*)"')


def _keep_align_class(tag: str, attribute: str, value: str) -> str | None:
    if attribute != "class":
        return value
    return " ".join(c for c in value.split() if c in ALIGN_CLASSES) or None


def _style_to_class(match: re.Match) -> str:
    tag = match.group(0)
    style = _STYLE_ATTR.search(tag)
    if style is None:
        return tag
    extra = ""
    for declaration in style.group(1).split(";"):
        name, _, value = declaration.partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == "text-align" and f"text-align-{value}" in ALIGN_CLASSES and " class=" not in tag:
            extra += f' class="text-align-{value}"'
        elif name == "direction" and value in ("rtl", "ltr") and " dir=" not in tag:
            extra += f' dir="{value}"'
    return tag[:style.start()] + extra + tag[style.end():]


def sanitize_body(html: str) -> str:
    cleaned = nh3.clean(html or "", tags=ALLOWED_TAGS, attributes={"a": {"href"}, "*": {"dir", "style", "class"}},
                        link_rel="noopener noreferrer", filter_style_properties=_STYLE_KEPT,
                        attribute_filter=_keep_align_class)
    return _TAG.sub(_style_to_class, cleaned)


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
    """Lock the letter's row to the end of the transaction, re-reading it into the caller's object.

    Every state-changing service starts here: two requests acting on the same letter at once are
    served one after the other, and the second checks the state the first left (a Persian Conflict),
    not the state both read before. One statement: the locking SELECT is the re-read (its agency
    comes along, for deadlines), and only the letter's row is locked.
    """
    letter.refresh_from_db(from_queryset=Letter.objects.select_related("agency").select_for_update(of=("self",)))
    return letter


def _lock_referral(referral: Referral) -> Referral:
    """The same for a referral: locked and re-read in one statement, so two hands cannot both close it."""
    referral.refresh_from_db(from_queryset=Referral.objects.select_for_update())
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


_NUMBER_FIELDS = [
    "secretariat", "series", "year", "seq", "number", "registered_at", "registered_by", "search_text", "updated_at",
]


def _number(letter: Letter, user, secretariat: Secretariat, series: NumberSeries, also: Sequence[str] = (),
            recipients=None, texts=None) -> None:
    """Take the official number and write it on the (already saved) letter with its search text.

    Called as the registration's last write but the audit entry: the series counter stays locked
    from here to the commit, so everything else is done before it is taken. The number and the
    search text (which holds the number) go in one UPDATE of the letter's row, not two; `also` names
    fields the caller changed in memory that ride along (a new status), `recipients` the letter's
    recipients when the caller knows them (the search text names them), `texts` its attachments'
    read texts likewise (none yet for files saved in the same registration).
    """
    now = timezone.now()
    letter.year, letter.seq, letter.number = take_number(series=series, at=now)
    letter.secretariat, letter.series = secretariat, series
    letter.registered_at, letter.registered_by = now, user
    letter.search_text = letter_search_text(letter, recipients, texts)
    letter.save(update_fields=[*_NUMBER_FIELDS, *also])


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
        checked_file.store(att.file, attachment_path(att, checked_file.name))
        att.save()
        saved.append(att)
    if saved:
        attachments_added.send(sender=Attachment, letter=letter, attachments=saved)
    return saved


def _check_referrable(specs: Sequence[ReferralSpec]) -> None:
    """A person refers for action, information or reply; «جهت امضا» is made by the signing workflow only."""
    if any(s.action == Action.SIGNATURE for s in specs):
        raise DomainError("ارجاع «جهت امضا» فقط با فرستادن پیش‌نویس برای امضا ساخته می‌شود؛ "
                          "اقدام دیگری انتخاب کنید.", field="action")


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
    # The default deadline depends on the action only (the letter's urgency and agency are fixed):
    # counted once per action, not once per target (each count reads the holidays).
    deadlines: dict[str, dt.date | None] = {}
    for spec in specs:
        _check_choice(spec.action, Action, "action", "نوع اقدام")
        if spec.deadline is not None and spec.deadline < today():
            raise DomainError("مهلت نمی‌تواند در گذشته باشد.", field="deadline")
        if seat and spec.position_id == seat.position.id:
            raise DomainError("نمی‌توانید نامه را به سمت خودتان ارجاع دهید.", field="to_position")
        note = (spec.note or "").strip()
        if len(note) > 4000:
            raise DomainError("هامش بیش از ۴۰۰۰ نویسه است.", field="note")
        if spec.deadline is None and spec.action not in deadlines:
            deadlines[spec.action] = default_deadline(letter, spec.action)
        created.append(
            Referral(
                letter=letter, parent=parent, from_position=seat.position if seat else None, from_user=user,
                from_as_acting=bool(seat and seat.as_acting), to_position=targets[spec.position_id],
                action=spec.action, note=note, deadline=spec.deadline or deadlines[spec.action],
                urgency=letter.urgency, created_at=now,
            )
        )
    Referral.objects.bulk_create(created)
    referrals_changed.send(sender=Referral, letter=letter, days=())
    # The targets and the sender join the chain in one INSERT.
    _grant(letter, [r.to_position_id for r in created] + ([seat.position.id] if seat else []), Access.Reason.CHAIN)
    return created


def _referral_of_seat(referral: Referral, seat: Seat) -> None:
    if referral.to_position_id != seat.position.id:
        raise NotAllowed("این ارجاع در کارتابل سمت شما نیست.")


def _close_referral(referral: Referral, user, seat: Seat, status: str, note: str, now) -> None:
    if referral.read_at is None:
        referral.read_at, referral.read_by, referral.read_as_acting = now, user, seat.as_acting
    referral.status, referral.acted_at, referral.acted_by = status, now, user
    referral.acted_as_acting, referral.result_note = seat.as_acting, note
    referral.save(update_fields=[
        "status", "read_at", "read_by", "read_as_acting", "acted_at", "acted_by", "acted_as_acting", "result_note",
    ])
