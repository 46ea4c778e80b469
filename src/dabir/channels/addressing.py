"""Finding outside parties in an agency's address book by the name a letter carries.

A letter's outside recipient (letters.Recipient.name) and an incoming letter's sender are free text;
they match a correspondent when their normalised names are equal (ی/ک, half-spaces, digits), the
same normalisation search uses.
"""

from collections.abc import Iterable

from dabir.core.text import normalize

from .models import Correspondent


def search_name(name: str) -> str:
    return normalize(" ".join((name or "").split()))[:300]


def find(agency_id: int, names: Iterable[str]) -> dict[str, Correspondent]:
    """The active correspondents of the agency's address book for each of `names` that has one."""
    wanted = {search_name(n): n for n in names if n and n.strip()}
    if not wanted:
        return {}
    found = Correspondent.objects.filter(agency_id=agency_id, active=True, search_name__in=list(wanted))
    return {wanted[c.search_name]: c for c in found}


def by_email(agency_id: int, address: str) -> Correspondent | None:
    """The correspondent of the agency's book with this e-mail address (an e-mail's sender)."""
    address = (address or "").strip()
    if not address:
        return None
    return Correspondent.objects.filter(agency_id=agency_id, active=True, email__iexact=address).first()


def by_fax(agency_id: int, number: str) -> Correspondent | None:
    """The correspondent with this fax number (a fax's calling number), digits compared."""
    digits = "".join(ch for ch in normalize(number or "") if ch.isdigit())
    if len(digits) < 5:
        return None
    for c in Correspondent.objects.filter(agency_id=agency_id, active=True).exclude(fax=""):
        if "".join(ch for ch in normalize(c.fax) if ch.isdigit()).endswith(digits[-8:]):
            return c
    return None
