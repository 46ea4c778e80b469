"""The receiving secretariat's queue «نامه‌های الکترونیکی رسیده»: an arrival's files, its checks, and
the two decisions (accept with a first referral, or return with a reason). Views stay thin: what the
user may see is asked of exchange.policy (through the selectors), every write is a service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from dabir.core.errors import DomainError, NotAllowed
from dabir.core.templatetags.persian import ltr
from dabir.letters.models import Classification, Urgency
from dabir.letters.services import ReferralSpec
from dabir.letters.views._shared import current_seat
from dabir.orgs import selectors as org_selectors
from dabir.orgs.models import Position

from .. import envelope, selectors, services
from .. import forms as F
from ..models import Arrival

PAGE_SIZE = 25


def _require_clerk(request) -> None:
    if not org_selectors.secretariats_of(request.user).exists():
        raise NotAllowed("نامه‌های الکترونیکی رسیده فقط برای کاربران دبیرخانه است.")


@login_required
def queue(request):
    _require_clerk(request)
    form = F.ArrivalFilterForm(request.GET or None)
    state = form.cleaned_data.get("state", "") if form.is_valid() else ""
    page = Paginator(selectors.arrivals_queue(request.user, state), PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "exchange/arrival_list.html", {
        "page": page, "filter_form": form, "state": state, "querystring": params.urlencode(),
        "pending": selectors.pending_count(request.user),
    })


def _decision_forms(request, arrival: Arrival, accept=None, reject=None) -> dict:
    secretariats = [s for s in org_selectors.secretariats_of(request.user) if s.agency_id == arrival.agency_id]
    positions = list(
        Position.objects.filter(active=True, unit__agency_id=arrival.agency_id)
        .select_related("unit").order_by("unit__name", "-is_manager", "title")
    )
    absences = org_selectors.absences([p.id for p in positions])
    kwargs = {"secretariats": secretariats, "positions": positions, "absences": absences}
    if accept is None:
        accept = F.AcceptForm(prefix="accept", initial={"secretariat": secretariats[0].id if secretariats else None},
                              **kwargs)
    elif accept is True:
        accept = F.AcceptForm(request.POST, prefix="accept", **kwargs)
    return {"accept_form": accept, "return_form": reject or F.ReturnForm(prefix="return"),
            "secretariats": secretariats}


def _detail(request, arrival: Arrival, status: int = 200, **forms):
    context = {
        "arrival": arrival, "check": selectors.verification(arrival), **_decision_forms(request, arrival, **forms),
        "classification": dict(Classification.choices).get(arrival.classification, arrival.classification),
        "urgency": dict(Urgency.choices).get(arrival.urgency, arrival.urgency),
    }
    return render(request, "exchange/arrival_detail.html", context, status=status)


@login_required
def detail(request, arrival_id):
    return _detail(request, selectors.arrival_for(request.user, arrival_id))


@login_required
@require_POST
def accept(request, arrival_id):
    arrival = selectors.arrival_for(request.user, arrival_id)
    built = _decision_forms(request, arrival, accept=True)
    form = built["accept_form"]
    if form.is_valid():
        d = form.cleaned_data
        seat = current_seat(request)
        if seat is not None and seat.position.unit.agency_id != arrival.agency_id:
            seat = None  # a seat in another agency does not refer this agency's letters
        spec = ReferralSpec(position_id=d["refer_position"], action=d["refer_action"],
                            note=d.get("refer_note") or "", deadline=d.get("refer_deadline"))
        try:
            letter = services.accept_arrival(
                user=request.user, arrival=arrival, seat=seat, refer_to=[spec],
                secretariat=next(s for s in built["secretariats"] if s.id == d["secretariat"]),
            )
        except DomainError as exc:
            F.apply_error(form, exc, F.ACCEPT_ALIASES)
        else:
            messages.success(request, format_html("نامه رسیده با شماره {} ثبت و ارجاع شد.", ltr(letter.number)))
            return redirect("letter_detail", letter_id=letter.id)
    arrival.refresh_from_db()
    return _detail(request, arrival, status=400, accept=form)


@login_required
@require_POST
def return_(request, arrival_id):
    arrival = selectors.arrival_for(request.user, arrival_id)
    form = F.ReturnForm(request.POST, prefix="return")
    if form.is_valid():
        try:
            services.return_arrival(user=request.user, arrival=arrival, reason=form.cleaned_data["reason"],
                                    note=form.cleaned_data.get("note") or "")
        except DomainError as exc:
            F.apply_error(form, exc)
        else:
            messages.success(request, "نامه به فرستنده برگشت داده شد؛ رسید برگشت برای او فرستاده می‌شود.")
            return redirect("exchange:arrivals")
    arrival.refresh_from_db()
    return _detail(request, arrival, status=400, reject=form)


def _files(request, arrival_id):
    arrival = selectors.arrival_for(request.user, arrival_id)
    try:
        return envelope.files_of(services.arrivals.opened(arrival).root)
    except envelope.Refused as exc:
        raise DomainError(f"پرونده‌های این نامه خوانده نشد: {exc.message}") from exc


def _file_response(content: bytes, content_type: str, name: str, *, inline: bool) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def document(request, arrival_id):
    """The signed PDF of the letter as the sender sent it, shown in the browser."""
    part, _ = _files(request, arrival_id)
    if not part.content.startswith(b"%PDF-"):
        raise DomainError("سند اصلی این نامه PDF نیست.")
    return _file_response(part.content, "application/pdf", part.name, inline=True)


@login_required
def attachment(request, arrival_id, index):
    """An attachment, downloaded: its declared type comes from the sender, so it is never shown inline."""
    _, parts = _files(request, arrival_id)
    if not 1 <= index <= len(parts):
        raise Http404
    part = parts[index - 1]
    return _file_response(part.content, "application/octet-stream", part.name, inline=False)
