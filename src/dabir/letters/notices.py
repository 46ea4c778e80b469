"""Who is told of what in correspondence (the bell): each event's notices, raised by the service that
makes the event, inside its transaction (notify.notices.notify writes them there), so a notice exists
exactly when its event committed.

- a new referral (refer, forward by the system, reassign, an incoming letter's first referrals, an
  internal letter's delivery) → the holders and acting holders of each target position (REFERRAL_NEW);
  a referral «جهت امضا» (sending for signature, the next signer of a circuit) → AWAITING_SIGNATURE;
- a referral answered (done, or closed by its holder) → its referrer: the holders of the position it
  came from, or the user who made it when no position did (REFERRAL_BACK); a referral for information
  only when its holder wrote a note; a referral forwarded on is not an answer and tells nobody;
- a draft returned by its signer → its author position's holders (REFERRAL_BACK);
- a deadline tomorrow (the next working day) or passed, by a periodic scan of open referrals
  (`scan_deadlines`, once per referral and user).

The one doing the act is never told of it. A title names the letter by its number and subject, but a
classified letter by its number and classification only (policy.subject_in_notice): a notice outlives
its reader's access to the letter. Each event costs a constant number of statements (the holders of
every position at once, then notify's one INSERT), whatever the number of referrals.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from dabir.core.calendar import add_working_days
from dabir.core.jalali import format_date, today
from dabir.core.text import ltr_number
from dabir.notify import notices
from dabir.notify.models import Notification
from dabir.orgs.models import Assignment

from . import policy
from .models import OPEN_REFERRAL, Action, Letter, Referral
from .names import NoticeKind


def letter_label(letter: Letter) -> str:
    """«نامه ۱۴۰۵/۱۲/و «موضوع»», or for a classified letter «نامه محرمانه ۱۴۰۵/۱۲/و» (never its subject)."""
    # isolated left to right, as on the pages: «۱۴۰۵/و/۹۱» would otherwise read «۹۱/و/۱۴۰۵» in the bell
    number = ltr_number(letter.number) if letter.number else "(پیش‌نویس)"
    if not policy.subject_in_notice(letter):
        return f"نامه {letter.get_classification_display()} {number}"
    subject = letter.subject if len(letter.subject) <= 120 else letter.subject[:119] + "…"
    return f"نامه {number} «{subject}»"


def letter_url(letter: Letter) -> str:
    return reverse("letter_detail", args=[letter.pk])


def holders(position_ids: Iterable[int]) -> dict[int, list]:
    """Position id → the users holding it or acting for it now (one query for all the positions)."""
    ids = {pid for pid in position_ids if pid}
    found: dict[int, list] = defaultdict(list)
    if not ids:
        return found
    for row in Assignment.objects.current().filter(position_id__in=ids).select_related("user"):
        found[row.position_id].append(row.user)
    return found


def _without(users: Iterable, actor) -> list:
    actor_id = getattr(actor, "pk", None)
    return [u for u in users if u is not None and u.pk != actor_id]


def _sender(referral: Referral) -> str:
    if referral.from_position_id:
        return referral.from_position.title
    return str(referral.from_user) if referral.from_user_id else "دبیرخانه"


def _one(values: Iterable) -> object | None:
    """The value when all are the same, else None (a body says only what is true of every target)."""
    found = set(values)
    return found.pop() if len(found) == 1 else None


def referred(*, letter: Letter, referrals: Sequence[Referral], by) -> None:
    """New referrals of one event: their targets' holders are told (one notice each, one INSERT per kind)."""
    if not referrals:
        return
    people = holders(r.to_position_id for r in referrals)
    label, url, related = letter_label(letter), letter_url(letter), f"letters.letter:{letter.pk}"
    signing = [r for r in referrals if r.action == Action.SIGNATURE]
    others = [r for r in referrals if r.action != Action.SIGNATURE]
    if others:
        action, deadline = _one(r.get_action_display() for r in others), _one(r.deadline for r in others)
        body = "، ".join(filter(None, [
            f"از {_sender(others[0])}", action, f"مهلت {format_date(deadline)}" if deadline else "",
        ]))
        users = [u for r in others for u in people.get(r.to_position_id, [])]
        notices.notify(_without(users, by), kind=NoticeKind.REFERRAL_NEW, title=f"ارجاع تازه: {label}",
                       body=body, url=url, related=related)
    if signing:
        users = [u for r in signing for u in people.get(r.to_position_id, [])]
        notices.notify(_without(users, by), kind=NoticeKind.AWAITING_SIGNATURE,
                       title=f"در انتظار امضای شما: {label}", body=f"از {_sender(signing[0])}", url=url,
                       related=related)


def answered(*, referral: Referral, by, seat_title: str, note: str = "", letter: Letter | None = None) -> None:
    """The holder answered (done) or closed a referral: whoever referred it is told."""
    if referral.action == Action.INFORMATION and not (note or "").strip():
        return  # a referral for information seen, nothing said: no news for its referrer
    letter = letter or referral.letter
    if referral.from_position_id:
        users = holders([referral.from_position_id]).get(referral.from_position_id, [])
    else:
        users = [referral.from_user]
    body = f"{seat_title}: انجام شد"
    if note and policy.subject_in_notice(letter):
        body += f" — {note.strip()[:300]}"
    notices.notify(_without(users, by), kind=NoticeKind.REFERRAL_BACK, title=f"پاسخ ارجاع: {letter_label(letter)}",
                   body=body, url=letter_url(letter), related=f"letters.referral:{referral.pk}")


def returned(*, letter: Letter, by, seat_title: str) -> None:
    """The signer returned a draft to its author: the author position's holders (or its writer) are told."""
    if letter.author_position_id:
        users = holders([letter.author_position_id]).get(letter.author_position_id, [])
    else:
        users = [letter.created_by]
    notices.notify(_without(users, by), kind=NoticeKind.REFERRAL_BACK,
                   title=f"بازگشت از امضاکننده: {letter_label(letter)}",
                   body=f"{seat_title} نامه را برای اصلاح به نگارنده برگرداند.", url=letter_url(letter),
                   related=f"letters.letter:{letter.pk}")


# ---------------------------------------------------------------- deadlines (periodic)


def _deadline_notices(kind: str, referrals: list[Referral], title) -> int:
    """Notices for these referrals' holders, once per referral and user: who has one already is read in
    one query for the batch, and notify(once=True) checks again inside each referral's transaction."""
    if not referrals:
        return 0
    people = holders(r.to_position_id for r in referrals)
    had = set(Notification.objects.filter(kind=kind, related__in=[f"letters.referral:{r.pk}" for r in referrals])
              .values_list("related", "user_id"))
    made = 0
    for referral in referrals:
        related = f"letters.referral:{referral.pk}"
        users = [u for u in people.get(referral.to_position_id, []) if (related, u.pk) not in had]
        if not users:
            continue
        with transaction.atomic():
            made += len(notices.notify(users, kind=kind, title=title(referral), url=letter_url(referral.letter),
                                       body=f"{referral.get_action_display()}، از {_sender(referral)}",
                                       related=related, once=True))
    return made


def scan_deadlines(day: dt.date | None = None) -> int:
    """Tell the holders of open referrals whose deadline is the next working day (or falls before it),
    and of those whose deadline passed in the last DABIR_DEADLINE_PASSED_DAYS days; each once.
    Returns the number of notices written (the worker runs it every DABIR_DEADLINE_SCAN_SECONDS)."""
    day = day or today()
    horizon = add_working_days(day, 1)
    since = day - dt.timedelta(days=settings.DABIR_DEADLINE_PASSED_DAYS)
    open_ = (Referral.objects.filter(status__in=OPEN_REFERRAL)
             .select_related("letter", "from_position", "from_user").order_by("deadline", "id"))
    soon = list(open_.filter(deadline__gt=day, deadline__lte=horizon))
    passed = list(open_.filter(deadline__lt=day, deadline__gte=since))

    def soon_title(r: Referral) -> str:
        when = "فردا" if r.deadline == day + dt.timedelta(days=1) else format_date(r.deadline)
        return f"مهلت ارجاع {when} به پایان می‌رسد: {letter_label(r.letter)}"

    def passed_title(r: Referral) -> str:
        return f"مهلت ارجاع ({format_date(r.deadline)}) گذشته است: {letter_label(r.letter)}"

    return (_deadline_notices(NoticeKind.DEADLINE_TOMORROW, soon, soon_title)
            + _deadline_notices(NoticeKind.DEADLINE_PASSED, passed, passed_title))
