"""Writing faster: ready margin notes (هامش‌های آماده) and letter templates (الگوهای نامه).

A ready note is a person's own (kept on «هامش‌های آماده من») or an agency's (kept by its admins in the
Django admin). A template belongs to an agency; a draft started from it gets its subject and body with
the placeholders filled from the draft's context (see PLACEHOLDERS) and the body sanitised like any body.
Who may do what is asked of letters.policy (WRITING section).
"""

import re
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max
from django.utils.html import escape

from dabir.core import audit
from dabir.core.errors import Conflict, DomainError
from dabir.core.jalali import format_date, today
from dabir.core.text import normalize
from dabir.orgs.models import Position
from dabir.orgs.selectors import Seat

from .. import policy
from ..models import REFERRABLE_ACTIONS, Kind, LetterTemplate, ReadyNote
from ..names import AuditAction
from ._shared import _own_seat, _require_text, sanitize_body

#: How many personal ready notes a user may keep (the chips must stay one glance).
MAX_OWN_NOTES = 50
NOTE_LENGTH = 500

# ---------------------------------------------------------------- ready margin notes


def _clean_note(text: str, action: str) -> tuple[str, str]:
    text = _require_text(text, "text", "متن هامش", NOTE_LENGTH)
    action = (action or "").strip()
    if action and action not in dict(REFERRABLE_ACTIONS):
        raise DomainError("نوع ارجاع نامعتبر است.", field="action")
    return text, action


def _note_audit(action: str, note: ReadyNote, user, **data) -> None:
    owner = {"user": note.user_id} if note.user_id else {"agency": note.agency_id}
    audit.record(action=action, obj=note, actor=user, data={**owner, **data})


@transaction.atomic
def save_ready_note(*, user, text: str, action: str = "", note: ReadyNote | None = None,
                    agency=None) -> ReadyNote:
    """Add (no `note`) or edit a ready margin note: the user's own, or with `agency` one of that agency's
    (its admins only). The same text twice for one owner is refused."""
    text, action = _clean_note(text, action)
    if note is not None:
        note = ReadyNote.objects.select_for_update().get(pk=note.pk)
        if note.user_id is not None:
            policy.check_own_note(user, note)
        else:
            policy.check_keeps_agency(user, note.agency)
        owned = ReadyNote.objects.filter(user_id=note.user_id, agency_id=note.agency_id)
    elif agency is not None:
        policy.check_keeps_agency(user, agency)
        owned = ReadyNote.objects.filter(agency=agency, user__isnull=True)
    else:
        owned = ReadyNote.objects.filter(user=user)
        if owned.count() >= MAX_OWN_NOTES:
            raise Conflict(f"بیش از {MAX_OWN_NOTES} هامش آماده نمی‌توانید داشته باشید؛ چندتایی را حذف کنید.",
                           field="text")
    if owned.exclude(pk=note.pk if note else None).filter(text=text).exists():
        raise Conflict("این هامش پیش‌تر افزوده شده است.", field="text")
    if note is None:
        last = owned.aggregate(m=Max("order"))["m"]
        note = ReadyNote.objects.create(user=None if agency is not None else user, agency=agency, text=text,
                                        action=action, order=0 if last is None else last + 1)
        _note_audit(AuditAction.READY_NOTE_SAVE, note, user, new=True)
        return note
    note.text, note.action = text, action
    note.save(update_fields=["text", "action"])
    _note_audit(AuditAction.READY_NOTE_SAVE, note, user, new=False)
    return note


@transaction.atomic
def move_ready_note(*, user, note: ReadyNote, up: bool) -> ReadyNote:
    """Move one of the user's own notes a place up or down; their notes are renumbered 0, 1, 2…"""
    policy.check_own_note(user, note)
    rows = list(ReadyNote.objects.select_for_update().filter(user=user).order_by("order", "id"))
    at = next(i for i, row in enumerate(rows) if row.pk == note.pk)
    to = at - 1 if up else at + 1
    if 0 <= to < len(rows):
        rows[at], rows[to] = rows[to], rows[at]
    changed = []
    for i, row in enumerate(rows):
        if row.order != i:
            row.order = i
            changed.append(row)
    ReadyNote.objects.bulk_update(changed, ["order"])
    moved = rows[to] if 0 <= to < len(rows) else rows[at]
    _note_audit(AuditAction.READY_NOTE_MOVE, moved, user, up=up, order=moved.order)
    return moved


@transaction.atomic
def delete_ready_note(*, user, note: ReadyNote) -> None:
    if note.user_id is not None:
        policy.check_own_note(user, note)
    else:
        policy.check_keeps_agency(user, note.agency)
    _note_audit(AuditAction.READY_NOTE_DELETE, note, user, text=note.text)
    note.delete()


# ---------------------------------------------------------------- letter templates

#: The placeholders a template may carry, each with what fills it (docs/daily-work.md lists them too).
PLACEHOLDERS = {
    "تاریخ": "تاریخ امروز به خورشیدی، با رقم‌های فارسی (مانند ۱۴۰۵/۰۹/۱۴)",
    "گیرنده": "گیرندگان نامه: عنوان سمت‌ها و نام گیرندگان بیرونی",
    "فرستنده": "نام و نام خانوادگی نویسنده نامه",
    "سمت_فرستنده": "عنوان سمتی که نامه از آن نوشته می‌شود",
    "واحد_فرستنده": "واحد سازمانی آن سمت",
    "دستگاه": "نام دستگاه نویسنده",
}
# «{…}» of up to 40 characters on one line; the name is matched after the project's normalisation with
# spaces and half-spaces as «_», so {سمت فرستنده} and {سمت‌فرستنده} are {سمت_فرستنده}.
_PLACEHOLDER = re.compile(r"\{([^{}\n<>]{1,40})\}")
_KEYS = {normalize(name).replace(" ", "_"): name for name in PLACEHOLDERS}


@dataclass
class FilledTemplate:
    subject: str
    body: str
    kind: str
    unknown: list[str] = field(default_factory=list)  # placeholders no one knows: left as typed
    empty: list[str] = field(default_factory=list)  # known, but nothing to fill them with yet

    def notices(self) -> list[str]:
        """What the user is told about the placeholders left in the text (Persian)."""
        out = []
        if self.unknown:
            names = "، ".join("{" + n + "}" for n in self.unknown)
            out.append(f"این جای‌نشان‌ها شناخته نشدند و همان‌گونه در متن ماندند: {names}. آن‌ها را خودتان بنویسید.")
        if self.empty:
            names = "، ".join("{" + n + "}" for n in self.empty)
            out.append(f"برای {names} هنوز چیزی انتخاب نشده (مثلاً گیرنده)؛ در متن مانده است تا پس از انتخاب، "
                       "خودتان جایگزینش کنید یا الگو را دوباره بزنید.")
        return out


def placeholder_values(*, user, seat: Seat, to_positions=(), to_names=()) -> dict[str, str]:
    """What each placeholder stands for in this draft ('' when the draft does not say yet)."""
    position = seat.position
    agency_id = position.unit.agency_id
    ids = [int(i) for i in to_positions if str(i).isdigit()]
    titles = dict(Position.objects.filter(pk__in=ids, unit__agency_id=agency_id, active=True)
                  .values_list("pk", "title"))
    recipients = [titles[i] for i in ids if i in titles] + [n.strip() for n in to_names if n and n.strip()]
    return {
        "تاریخ": format_date(today()),
        "گیرنده": "، ".join(dict.fromkeys(recipients)),
        "فرستنده": user.get_full_name() or user.get_username(),
        "سمت_فرستنده": position.title,
        "واحد_فرستنده": position.unit.name,
        "دستگاه": position.unit.agency.name,
    }


def _fill(text: str, values: dict[str, str], unknown: dict, empty: dict, *, html: bool) -> str:
    def one(match: re.Match) -> str:
        typed = match.group(1)
        name = _KEYS.get(normalize(typed).replace(" ", "_"))
        if name is None:
            unknown[typed.strip()] = True
            return match.group(0)
        if not values.get(name):
            empty[name] = True
            return match.group(0)
        return escape(values[name]) if html else values[name]

    return _PLACEHOLDER.sub(one, text or "")


def fill_template(*, user, seat: Seat, template: LetterTemplate, to_positions=(), to_names=()) -> FilledTemplate:
    """The template's subject and body for a draft of this seat, placeholders filled (reads only)."""
    seat = _own_seat(user, seat)
    policy.check_template(seat, template)
    values = placeholder_values(user=user, seat=seat, to_positions=to_positions, to_names=to_names)
    unknown: dict[str, bool] = {}
    empty: dict[str, bool] = {}
    subject = _fill(template.subject, values, unknown, empty, html=False)[:500]
    body = sanitize_body(_fill(template.body, values, unknown, empty, html=True))
    kind = template.kind if template.kind in (Kind.INTERNAL, Kind.OUTGOING) else Kind.OUTGOING
    return FilledTemplate(subject=subject, body=body, kind=kind, unknown=list(unknown), empty=list(empty))


@transaction.atomic
def save_template(*, user, agency, title: str, kind: str = Kind.OUTGOING, subject: str = "", body: str = "",
                  active: bool = True, template: LetterTemplate | None = None) -> LetterTemplate:
    """Add (no `template`) or edit an agency's letter template: its admins only; the body is sanitised."""
    policy.check_keeps_agency(user, agency)
    title = _require_text(title, "title", "نام الگو", 200)
    if kind not in Kind.values:
        raise DomainError("نوع نامه نامعتبر است.", field="kind")
    subject = (subject or "").strip()
    if len(subject) > 500:
        raise DomainError("موضوع بیش از ۵۰۰ نویسه است.", field="subject")
    if template is not None:
        template = LetterTemplate.objects.select_for_update().get(pk=template.pk)
        policy.check_keeps_agency(user, template.agency)
    if LetterTemplate.objects.filter(agency=agency, title=title).exclude(pk=template.pk if template else None).exists():
        raise Conflict("الگویی با همین نام در این دستگاه هست.", field="title")
    row = template or LetterTemplate()
    row.agency, row.title, row.kind, row.subject = agency, title, kind, subject
    row.body, row.active = sanitize_body(body), bool(active)
    row.save()
    audit.record(action=AuditAction.TEMPLATE_SAVE, obj=row, actor=user,
                 data={"agency": agency.pk, "title": title, "new": template is None, "active": row.active})
    return row
