"""Referral deadlines: the default from the agency's working days per urgency, and moving the open ones."""

import datetime as dt

from django.db import transaction

from dabir.core.calendar import add_working_days
from dabir.core.jalali import today

from ..models import OPEN_REFERRAL, Action, Letter, Referral
from ..signals import referrals_changed


def default_deadline(letter: Letter, action: str) -> dt.date | None:
    if action == Action.INFORMATION:
        return None
    return add_working_days(today(), letter.agency.default_deadline_days(letter.urgency))


def move_open_deadlines(*, letter: Letter, deadline: dt.date) -> int:
    """Move the deadline of the letter's open referrals (the clock paused while an applicant was
    asked for documents). Part of the caller's transaction and audit entry; returns how many moved."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("move_open_deadlines runs inside the caller's transaction")
    moving = letter.referrals.filter(status__in=OPEN_REFERRAL, deadline__isnull=False)
    before = set(moving.values_list("deadline", flat=True).distinct())
    if not before:
        return 0
    moved = moving.update(deadline=deadline)
    referrals_changed.send(sender=Referral, letter=letter, days=sorted(before))
    return moved
