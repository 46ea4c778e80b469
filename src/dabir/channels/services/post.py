"""Post and courier: a dispatched letter's lines on the day's dispatch list (دفتر ارسال), its tracking
number and cost, and the receipt or the return that closes each line.

`queue_letter` is the outlet of Channel.POST: letters.services.dispatch calls it inside its own
transaction, so the letter is marked sent and its lines are written together or not at all.

One line per outside recipient (to and cc), with the postal address and code from the agency's address
book when the name is in it. Internal positions are not posted. A letter with no outside recipient at
all still leaves the secretariat on paper when the clerk says it went by post (a branch office
addressed by position, say), so it gets one line named by its first recipient, with no address: the
dispatch list must show every envelope that left, and refusing here would refuse the dispatch itself.
"""

import datetime as dt
import re

from django.db import transaction
from django.utils import timezone

from dabir.core import audit
from dabir.core.errors import Conflict, DomainError
from dabir.core.jalali import TEHRAN, today
from dabir.core.text import to_latin_digits, typed_number

from .. import addressing, policy
from ..models import PostDispatch
from ..names import AuditAction

Method, State = PostDispatch.Method, PostDispatch.State
TRACKING = re.compile(r"\d{10,24}")
MAX_COST = 10**12  # rials: a typo of extra zeros is refused, not stored as a trillion-rial stamp
DECIDED = (State.DELIVERED, State.RETURNED)


def _recipient_label(recipient) -> str:
    if recipient.name:
        return recipient.name
    position = recipient.position
    return f"{position.title} {position.unit.name}" if position is not None else ""


def queue_letter(letter, user) -> list[PostDispatch]:
    """The dispatch list's lines for a letter sent by post (registered post unless changed later)."""
    recipients = list(letter.recipients.select_related("position__unit"))
    outside = [r for r in recipients if r.position_id is None and r.name.strip()]
    names = [r.name for r in outside] or [_recipient_label(r) for r in recipients[:1]]
    if not names or not names[0]:
        raise DomainError("نامه گیرنده‌ای ندارد که برایش پست شود.", field="channel")
    book = addressing.find(letter.agency_id, names)
    day = today()
    with transaction.atomic():
        rows = []
        for name in dict.fromkeys(names):  # the same party twice (to and cc) gets one envelope
            contact = book.get(name)
            rows.append(PostDispatch(
                letter=letter, secretariat_id=letter.secretariat_id, recipient_name=name[:300],
                postal_address=contact.postal_address if contact else "",
                postal_code=contact.postal_code if contact else "",
                day=day, method=Method.REGISTERED, created_by=user,
            ))
        PostDispatch.objects.bulk_create(rows)
        audit.record(action=AuditAction.POST_DISPATCH, obj=letter, actor=user, data={
            "day": day.isoformat(), "recipients": [r.recipient_name for r in rows],
            "addressed": sum(1 for r in rows if r.postal_address),
        })
    return rows


def _lock(user, dispatch: PostDispatch) -> PostDispatch:
    policy.check_dispatch(user, dispatch)
    return PostDispatch.objects.select_for_update().get(pk=dispatch.pk)


def clean_tracking(value) -> str:
    """A postal tracking number as typed (Persian or Arabic digits, spaces or dashes between groups)."""
    text = re.sub(r"[\s\-\u200c_]", "", to_latin_digits(str(value or "")))
    if text and not TRACKING.fullmatch(text):
        raise DomainError("شماره رهگیری پستی باید از ۱۰ تا ۲۴ رقم باشد.", field="tracking_number")
    return text


def clean_cost(value) -> int | None:
    """The postage in rials as typed (۱۲۰٬۰۰۰ and 120,000 alike); empty for not known yet."""
    text = typed_number(value)
    if not text:
        return None
    if not re.fullmatch(r"-?\d+", text):
        raise DomainError("هزینه را به ریال و با رقم بنویسید.", field="cost")
    cost = int(text)
    if cost < 0:
        raise DomainError("هزینه نمی‌تواند منفی باشد.", field="cost")
    if cost > MAX_COST:
        raise DomainError("هزینه بیش از اندازه است؛ آن را به ریال بنویسید.", field="cost")
    return cost


@transaction.atomic
def update_dispatch(*, user, dispatch: PostDispatch, method: str, tracking_number="", cost=None) -> PostDispatch:
    """The post office's receipt copied in: how it went, its tracking number and what it cost."""
    if method not in Method.values:
        raise DomainError("روش ارسال را برگزینید.", field="method")
    tracking = clean_tracking(tracking_number)
    rials = clean_cost(cost)
    dispatch = _lock(user, dispatch)
    before = {"method": dispatch.method, "tracking_number": dispatch.tracking_number, "cost": dispatch.cost}
    dispatch.method, dispatch.tracking_number, dispatch.cost = method, tracking, rials
    dispatch.save(update_fields=["method", "tracking_number", "cost"])
    audit.record(action=AuditAction.POST_UPDATE, obj=dispatch, actor=user, data={
        "letter": dispatch.letter_id, "before": before,
        "after": {"method": method, "tracking_number": tracking, "cost": rials},
    })
    return dispatch


@transaction.atomic
def record_outcome(*, user, dispatch: PostDispatch, state: str, note: str = "",
                   when: dt.datetime | None = None) -> PostDispatch:
    """The returned receipt (delivered) or the letter itself coming back (returned, with its reason)."""
    if state not in DECIDED:
        raise DomainError("رسید یا برگشت را برگزینید.", field="state")
    note = " ".join((note or "").split())[:500]
    if state == State.RETURNED and not note:
        raise DomainError("علت برگشت مرسوله را بنویسید (مثلاً: نشانی نادرست، گیرنده نپذیرفت).", field="note")
    when = when or timezone.now()
    dispatch = _lock(user, dispatch)
    if dispatch.state in DECIDED:
        raise Conflict(f"برای این مرسوله پیش‌تر «{dispatch.get_state_display()}» ثبت شده است.", code="decided")
    if when > timezone.now() + dt.timedelta(minutes=5):
        raise DomainError("زمان رسید یا برگشت نمی‌تواند در آینده باشد.", field="when")
    if when.astimezone(TEHRAN).date() < dispatch.day:
        raise DomainError("زمان رسید یا برگشت پیش از روز ارسال است.", field="when")
    dispatch.state, dispatch.outcome_note, dispatch.outcome_at = state, note, when
    dispatch.save(update_fields=["state", "outcome_note", "outcome_at"])
    audit.record(action=AuditAction.POST_OUTCOME, obj=dispatch, actor=user, data={
        "letter": dispatch.letter_id, "state": state, "note": note, "at": when.isoformat(),
    })
    return dispatch
