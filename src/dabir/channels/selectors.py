"""Reads of the channels app, filtered by channels.policy."""

from . import policy
from .models import IntakeItem, Transmission


def nav_counts(user) -> dict[str, int]:
    """The navbar's badges: items waiting in the user's intake queues, and failed transmissions."""
    return {
        "pending": policy.intake_of(user).filter(state=IntakeItem.State.PENDING).count(),
        "failed": policy.transmissions_of(user).filter(state=Transmission.State.FAILED).count(),
    }
