"""Where a staff member lands after signing in, when the sign-in names no page of its own.

The inbox is the default. An account with no position (a counter office's operator, a regulator) has
no inbox; the app that gives it work registers a landing at start (dabir.counters does), asked in
order, and the first address returned wins. Accounts may not import those apps (DESIGN.md layers).
"""

from collections.abc import Callable

_landings: list[Callable] = []


def register(landing: Callable) -> None:
    """`landing(user)` returns the address to land on, or None to let the next one (or the inbox) decide."""
    if landing not in _landings:
        _landings.append(landing)


def landing_url(user) -> str | None:
    for landing in _landings:
        url = landing(user)
        if url:
            return url
    return None
