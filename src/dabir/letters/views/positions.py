"""Switching the position (seat) the user works through, from the navbar."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from dabir.core.text import to_latin_digits
from dabir.orgs import selectors as org_selectors

from ._shared import _safe_next


@login_required
@require_POST
def switch_position(request):
    seat = org_selectors.seat_for(request.user, to_latin_digits(request.POST.get("position_id") or "0") or 0)
    request.session["position_id"] = seat.position.id
    return HttpResponseRedirect(_safe_next(request, reverse("inbox")))
