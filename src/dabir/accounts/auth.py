"""API authentication: bearer tokens (dbr_...) and the browser's Django session (with CSRF).

Also the acting position: the seat a request acts through, from the `X-Dabir-Position` header
or a `position_id` field, checked against the user's current seats.
"""

import datetime as dt

from django.utils import timezone
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from dabir.core.errors import DomainError, NotAllowed
from dabir.core.text import to_latin_digits
from dabir.orgs.selectors import Seat, seat_for, seats_of

from .models import ApiToken

TOUCH_EVERY = dt.timedelta(minutes=1)
POSITION_HEADER = "X-Dabir-Position"


class TokenAuth(HttpBearer):
    """`Authorization: Bearer dbr_...`; only the SHA-256 of the key is stored, revoked keys are refused."""

    def authenticate(self, request, token):
        token = (token or "").strip()
        if not token.startswith("dbr_") or len(token) > 200:
            return None
        row = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=ApiToken.hash_key(token), revoked=False, user__is_active=True)
            .first()
        )
        if row is None:
            return None
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
            # Bookkeeping, not a change of record: at most one write a minute per token, no audit entry.
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
            row.last_used_at = now
        request.user = row.user
        request.api_token = row
        return row.user


class SessionAuth(APIKeyCookie):
    """The signed-in browser session. Unsafe methods need the CSRF token (X-CSRFToken header)."""

    param_name = "sessionid"

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None  # no session: let the 401 speak, not a CSRF refusal
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, "csrf")
        return user

    def authenticate(self, request, key):  # pragma: no cover - __call__ does the work
        return None


def api_auth():
    return [TokenAuth(), SessionAuth(csrf=True)]


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
