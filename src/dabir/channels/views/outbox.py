"""«ایمیل و نمابر ارسالی»: the secretariat's outgoing e-mails and faxes, failures first, with «ارسال دوباره»;
and the letter page's panel of a letter's transmissions. What a user sees is asked of channels.policy
(transmissions_of already keeps to letters they may see); the resend is a service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from dabir.core.errors import DomainError, NotAllowed

from .. import policy
from ..models import Transmission
from ..services import sending

PAGE_SIZE = 25
State = Transmission.State


def _rows(queryset):
    # Failed ones first: they wait for the secretariat; then what is still on its way, then the sent.
    rank = Case(When(state=State.FAILED, then=Value(0)), When(state=State.QUEUED, then=Value(1)),
                When(state=State.SENDING, then=Value(1)), default=Value(2), output_field=IntegerField())
    return queryset.select_related("letter", "mailbox").annotate(rank=rank).order_by("rank", "-created_at", "-id")


@login_required
def outbox(request):
    if not policy.is_clerk(request.user):
        raise NotAllowed("ایمیل و نمابرهای ارسالی فقط برای کاربران دبیرخانه است.")
    state = request.GET.get("state", "")
    if state not in State.values:
        state = ""
    rows = policy.transmissions_of(request.user)
    counts = {s: rows.filter(state=s).count() for s in State.values}
    if state:
        rows = rows.filter(state=state)
    page = Paginator(_rows(rows), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "channels/outbox.html", {
        "page": page, "state": state, "states": State.choices, "counts": counts,
        "querystring": f"state={state}" if state else "",
    })


def _back(request, fallback: str):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(fallback)


@login_required
@require_POST
def outbox_resend(request, transmission_id: int):
    row = get_object_or_404(policy.transmissions_of(request.user), pk=transmission_id)
    try:
        sending.resend(user=request.user, transmission=row)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"ارسال به «{row.recipient_name}» دوباره در صف گذاشته شد.")
    return _back(request, "channels:outbox")


# ---------------------------------------------------------------- the letter page's panel


def has_transmissions(letter) -> bool:
    return Transmission.objects.filter(letter=letter).exists()


def panel_context(context, letter) -> dict:
    """The letter's transmissions (the page is shown only to those who may see the letter); the resend
    button only for rows the viewer's secretariat may act on."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    rows = list(Transmission.objects.filter(letter=letter).order_by("id"))
    actionable = set(policy.transmissions_of(user).filter(letter=letter).values_list("pk", flat=True))
    return {"transmissions": rows, "actionable": actionable, "letter": letter,
            "csrf_token": get_token(request) if request is not None else "",
            "here": request.get_full_path() if request is not None else ""}


urlpatterns = [
    path("outbox/", outbox, name="outbox"),
    path("outbox/<int:transmission_id>/resend", outbox_resend, name="outbox_resend"),
]
