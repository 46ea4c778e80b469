"""Reads about who holds what. A user acts only through positions they hold or act for."""

import time
from dataclasses import dataclass

from django.utils import timezone

from dabir.core.errors import DomainError, NotAllowed
from dabir.core.text import to_latin_digits

from .models import Assignment, Position, Secretariat


@dataclass(frozen=True)
class Seat:
    """A position as worked by one user right now: held, or acted for while its holder is absent."""

    position: Position
    as_acting: bool

    @property
    def id(self) -> int:
        return self.position.id


# Bumped in this process whenever an assignment or position is saved or deleted (orgs.apps).
_changes = [0]


def forget_seats() -> None:
    _changes[0] += 1


def seats_of(user) -> list[Seat]:
    """Positions the user may act through now, holders first.

    Kept on the user object for a few seconds (a request asks two or three times: the view, the
    service, the answer), and dropped at once when this process changes an assignment or position.
    """
    if not user or not user.is_authenticated:
        return []
    now, tick = timezone.now(), time.monotonic()
    memo = getattr(user, "_dabir_seats", None)
    if (memo is not None and memo[0] == _changes[0] and tick - memo[1] < _SEATS_KEPT
            and abs((now - memo[2]).total_seconds()) < _SEATS_KEPT):
        return list(memo[3])
    seats = _read_seats(user)
    user._dabir_seats = (_changes[0], tick, now, seats)
    return list(seats)


_SEATS_KEPT = 5  # seconds; an acting period that ends meanwhile is seen a moment late, never a write


def _read_seats(user) -> list[Seat]:
    rows = (
        Assignment.objects.current()
        .filter(user=user, position__active=True)
        .select_related("position__unit__agency")
        .order_by("role", "position__title")
    )
    seats: dict[int, Seat] = {}
    for row in rows:
        acting = row.role == Assignment.Role.ACTING
        if row.position_id not in seats or not acting:
            seats[row.position_id] = Seat(row.position, acting)
    # Held positions before those acted for ("acting" sorts before "holder" as text).
    return sorted(seats.values(), key=lambda seat: (seat.as_acting, seat.position.title))


def seat_for(user, position_id) -> Seat:
    """The user's seat at a position, or a refusal in Persian."""
    for seat in seats_of(user):
        if seat.position.id == int(position_id):
            return seat
    raise NotAllowed("شما این سمت را در اختیار ندارید و از طرف آن نمی‌توانید اقدام کنید.", field="position")


def position_ids_of(user) -> list[int]:
    return [seat.position.id for seat in seats_of(user)]


def secretariats_of(user):
    if not user or not user.is_authenticated:
        return Secretariat.objects.none()
    return Secretariat.objects.filter(clerks=user).select_related("agency")


def absences(position_ids) -> dict[int, dict]:
    """For each position that has an acting holder now (its holder is away), who acts for it."""
    rows = (
        Assignment.objects.current()
        .filter(position_id__in=list(position_ids), role=Assignment.Role.ACTING)
        .select_related("user")
    )
    return {
        row.position_id: {"acting_user": str(row.user), "until": row.ends_at}
        for row in rows
    }


def holders(position_ids) -> dict[int, str]:
    rows = (
        Assignment.objects.current()
        .filter(position_id__in=list(position_ids), role=Assignment.Role.HOLDER)
        .select_related("user")
    )
    return {row.position_id: str(row.user) for row in rows}


def directory(agency_id=None):
    """Active positions to refer to, with their unit and agency, for pickers."""
    qs = Position.objects.filter(active=True).select_related("unit__agency")
    if agency_id:
        qs = qs.filter(unit__agency_id=agency_id)
    return qs


def now():
    return timezone.now()


# ---------------------------------------------------------------- the seat a request acts through

POSITION_HEADER = "X-Dabir-Position"


def _position_param(value) -> int | None:
    if value is None:
        return None
    text = to_latin_digits(str(value)).strip()
    if not text:
        return None
    if not text.isdigit():
        raise DomainError("شناسه سمت باید عدد باشد.", field="position_id")
    return int(text)


def acting_seat(request, position_id=None, *, prefer=(), required=True) -> Seat | None:
    """The seat the request acts through.

    An explicit `position_id` (field or query) wins over the `X-Dabir-Position` header; either
    must be a position the user holds or acts for now (NotAllowed otherwise). Without one, the
    first of the user's seats among `prefer` (e.g. the referral's addressee), else their first seat.
    """
    explicit = _position_param(position_id)
    if explicit is None:
        explicit = _position_param(request.headers.get(POSITION_HEADER))
    if explicit is not None:
        return seat_for(request.user, explicit)
    seats = seats_of(request.user)
    for wanted in prefer:
        for seat in seats:
            if wanted and seat.position.id == wanted:
                return seat
    if seats:
        return seats[0]
    if required:
        raise NotAllowed("شما در حال حاضر هیچ سمتی ندارید و نمی‌توانید از طرف سمتی اقدام کنید.", field="position_id")
    return None
