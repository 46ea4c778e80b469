"""API authentication: bearer tokens (dbr_...) and the browser's Django session (with CSRF).

The seat a request acts through (`X-Dabir-Position` or `position_id`) is orgs.selectors.acting_seat.
"""

import datetime as dt

from django.utils import timezone
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from .models import ApiToken

TOUCH_EVERY = dt.timedelta(minutes=1)


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


