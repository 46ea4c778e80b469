"""Shared helpers of the signing commands."""

from django.core.management.base import CommandError

from dabir.core.errors import DomainError
from dabir.orgs.models import Agency, Position


def agency(code: str) -> Agency:
    found = Agency.objects.filter(code=code).first()
    if found is None:
        raise CommandError(f"دستگاهی با شناسه «{code}» پیدا نشد.")
    return found


def position(code: str) -> Position:
    found = Position.objects.select_related("unit__agency").filter(code=code).first()
    if found is None:
        raise CommandError(f"سمتی با شناسه «{code}» پیدا نشد.")
    return found


def run(fn, *args, **kwargs):
    """Call a service; a refusal becomes a CommandError with its Persian message (exit status 1)."""
    try:
        return fn(*args, **kwargs)
    except DomainError as exc:
        raise CommandError(exc.message) from None


def read_file(path: str, limit: int = 1024 * 1024) -> bytes:
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise CommandError(f"پرونده «{path}» خوانده نشد: {exc.strerror}") from None
    if len(data) > limit:
        raise CommandError(f"پرونده «{path}» بیش از اندازه بزرگ است.")
    return data
