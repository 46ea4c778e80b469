"""The personal dashboard (میز کار), the home page of staff with a seat, and the sender's reminder."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from dabir.core.errors import DomainError
from dabir.orgs.selectors import seats_of

from .. import dashboard as board
from ..models import Referral
from ..services import reminders
from ._shared import _page, _require_seat, current_seat
from .inbox_page import inbox


@login_required
def home(request):
    if request.user.is_citizen:  # citizens have their own home on the service desk
        return redirect("citizen_home")
    seat = current_seat(request)
    if seat is None:
        # No seat, no desk: the same page as before the dashboard (the inbox says there is no position).
        return inbox(request)
    return _page(request, "letters/dashboard.html", {"seat": seat, **board.for_seat(request.user, seat)})


@login_required
@require_POST
def referral_remind(request, referral_id):
    referral = get_object_or_404(Referral.objects.select_related("letter", "from_position", "to_position"),
                                 pk=referral_id)
    # Through the seat that made the referral when the user holds it, whichever seat is chosen now.
    seat = next((s for s in seats_of(request.user) if s.position.id == referral.from_position_id), None)
    seat = seat or _require_seat(request)
    try:
        reminders.remind(user=request.user, seat=seat, referral=referral)
        messages.success(request, f"یادآوری برای «{referral.to_position.title}» فرستاده شد.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("home") + "#unanswered")
