"""What carries a dispatched letter by a channel; the apps that do it plug in at start.

Dispatching an outgoing letter by «الکترونیکی» hands it to the exchange, yet letters may not import
exchange (the layers in DESIGN.md). So `dispatch` calls the outlet registered for the channel inside
its own transaction, and dabir.exchange registers its outlet from AppConfig.ready(). A channel
with no outlet (post, fax by hand, in person) is a record of how the letter left.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Letter

_outlets: dict[str, Callable] = {}


def register(channel: str, send: Callable[[Letter, object], object]) -> None:
    """`send(letter, user)` runs in the dispatch's transaction; a DomainError it raises refuses the dispatch."""
    _outlets[channel] = send


def send(letter: Letter, user, channel: str) -> None:
    outlet = _outlets.get(channel)
    if outlet is not None:
        outlet(letter, user)


# A letter to a known correspondent picks its channel by itself: an app above letters (channels) registers a
# chooser, `fn(letter) -> (channel, note) | None`, and the dispatch form starts on its choice.
_choosers: list[Callable] = []


def register_chooser(fn: Callable[[Letter], tuple[str, str] | None]) -> None:
    if fn not in _choosers:
        _choosers.append(fn)


def advise(letter: Letter) -> tuple[str, str] | None:
    """(channel, a note on which recipient goes by what) from the first chooser that knows, else None."""
    for fn in _choosers:
        found = fn(letter)
        if found:
            return found
    return None


def suggest(letter: Letter) -> str | None:
    found = advise(letter)
    return found[0] if found else None
