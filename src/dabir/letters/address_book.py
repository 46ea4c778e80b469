"""Names the compose form suggests for outside recipients, from providers registered at start.

Letters knows nothing of the apps above it: the exchange, for one, registers its directory's member
names, which are the names a letter must carry to be sent electronically.
"""

from collections.abc import Callable, Iterable

_providers: dict[str, Callable[[], Iterable[str]]] = {}


def register(name: str, provider: Callable[[], Iterable[str]]) -> None:
    """Add (or replace, by name) a source of outside parties' names."""
    _providers[name] = provider


def names() -> list[str]:
    """Every suggested name once, in Persian alphabetical order of the stored text."""
    found: set[str] = set()
    for provider in _providers.values():
        found.update(n for n in provider() if n)
    return sorted(found)
