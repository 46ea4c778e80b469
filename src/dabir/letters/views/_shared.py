"""What every letters page shares: the seat the user works through, the page renderer (navbar
seat, clerk flag), uploads from a form, a safe `next`, the agency's positions, filter query strings.
"""

from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from dabir.core.errors import NotAllowed
from dabir.orgs import selectors as org_selectors
from dabir.orgs.selectors import Seat

from .. import services

PAGE_SIZE = 25


def current_seat(request) -> Seat | None:
    """The seat the user works through in this session: the one chosen in the navbar, else the first."""
    seats = getattr(request, "_dabir_seats", None)
    if seats is None:
        seats = request._dabir_seats = org_selectors.seats_of(request.user)
    chosen = request.session.get("position_id")
    held = next((s for s in seats if not s.as_acting), seats[0] if seats else None)
    return next((s for s in seats if s.position.id == chosen), held)


def _require_seat(request) -> Seat:
    seat = current_seat(request)
    if seat is None:
        raise NotAllowed("هیچ سمتی در اختیار شما نیست؛ با مدیر سامانه تماس بگیرید.")
    return seat


def _clerk_secretariat_ids(request) -> set[int]:
    ids = getattr(request, "_dabir_clerk_ids", None)
    if ids is None:
        ids = request._dabir_clerk_ids = set(
            org_selectors.secretariats_of(request.user).values_list("id", flat=True)
        )
    return ids


def _page(request, template: str, context: dict, status: int = 200):
    context.setdefault("is_clerk", bool(_clerk_secretariat_ids(request)))
    if request.user.is_authenticated:
        # The navbar shows the same seat the view works through (a held seat before an acting one).
        context.setdefault("current_seat", current_seat(request))
    return render(request, template, context, status=status)


def _uploads(files, is_scan=False) -> list[services.Upload]:
    return [services.Upload(name=f.name, content=f.read(), is_scan=is_scan) for f in files]


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _agency_positions(seat: Seat):
    return list(org_selectors.directory(seat.position.unit.agency_id).order_by("unit__name", "-is_manager", "title"))


def _jalali_filter_querystring(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
