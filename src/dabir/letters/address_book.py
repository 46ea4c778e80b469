"""Names the compose form suggests for outside recipients, from providers registered at start.

Letters knows nothing of the apps above it: the exchange, for one, registers its directory's member
names, which are the names a letter must carry to be sent electronically.
"""

from collections.abc import Callable, Iterable

_providers: dict[str, tuple[Callable, bool]] = {}


def register(name: str, provider: Callable[..., Iterable[str]], *, per_user: bool = False) -> None:
    """Add (or replace, by name) a source of outside parties' names. A `per_user` provider is called with
    the user the form is for (an agency's own address book), and not at all when no user is given."""
    _providers[name] = (provider, per_user)


def names(user=None) -> list[str]:
    """Every suggested name once, in Persian alphabetical order of the stored text."""
    found: set[str] = set()
    for provider, per_user in _providers.values():
        if per_user and user is None:
            continue
        found.update(n for n in (provider(user) if per_user else provider()) if n)
    return sorted(found)
