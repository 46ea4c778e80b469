"""The signing circuit as the letter workflow sees it; the signing app plugs itself in at start.

Approving a letter signs it, yet letters may not import signing (the layers in DESIGN.md). So the
workflow in letters.services calls `signing()`, and dabir.signing registers its services module
here from its AppConfig.ready(). Every entry point (page, API, admin, command) then approves and
returns through letters.services alone: one path, whatever signs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from dabir.orgs.selectors import Seat

    from .models import Letter


class SigningCircuit(Protocol):
    def start_circuit(self, letter: Letter) -> int | None:
        """Make the circuit ready for a (re)submitted draft; the position whose turn it is."""

    def approve_step(self, *, user, seat: Seat, letter: Letter, digital: bool = False) -> int | None:
        """The seat's step signed; the next signer's position, None when the circuit is complete."""

    def reset_circuit(self, letter: Letter, *, user=None, seat: Seat | None = None, note: str = "") -> None:
        """The letter went back to its author: every step to sign again, the returning one marked."""

    def set_circuit(self, letter: Letter, positions: Sequence, *, user=None, seat: Seat | None = None) -> object:
        """Who signs, in order."""


_registered: SigningCircuit | None = None


def register(circuit: SigningCircuit) -> None:
    global _registered
    _registered = circuit


def signing() -> SigningCircuit:
    if _registered is None:  # pragma: no cover - dabir.signing is always installed
        raise RuntimeError("dabir.signing is not installed: letters cannot be signed")
    return _registered
