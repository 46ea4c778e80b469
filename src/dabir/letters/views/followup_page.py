"""Follow-up of overdue referrals (پیگیری) for managers and the secretariat."""

from collections import Counter

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count

from dabir.core.errors import NotAllowed
from dabir.core.jalali import today
from dabir.orgs import selectors as org_selectors
from dabir.orgs.models import Unit

from .. import forms as F
from .. import selectors
from ._shared import PAGE_SIZE, _clerk_secretariat_ids, _jalali_filter_querystring, _page, _require_seat


@login_required
def followup(request):
    seat = _require_seat(request)
    agency_id = seat.position.unit.agency_id
    is_clerk_here = bool(_clerk_secretariat_ids(request)) and seat.position.unit.agency.secretariats.filter(
        id__in=_clerk_secretariat_ids(request)
    ).exists()
    if not (seat.position.is_manager or is_clerk_here):
        raise NotAllowed("پیگیری ارجاع‌های دیرکرد برای مدیران و دبیرخانه است.")
    units = list(Unit.objects.filter(agency_id=agency_id).order_by("name"))
    positions = list(org_selectors.directory(agency_id).order_by("unit__name", "title"))
    form = F.FollowupFilterForm(request.GET or None, units=units, positions=positions)
    unit_id = position_id = None
    status = 200
    if form.is_bound:
        if form.is_valid():
            unit_id, position_id = form.cleaned_data.get("unit"), form.cleaned_data.get("position")
        else:
            status = 400
    # The figures count the whole agency; the list shows only letters this user may see.
    counted = selectors.overdue_counts(agency_id=agency_id, unit_id=unit_id, position_id=position_id)
    qs = selectors.overdue_referrals(request.user, agency_id=agency_id, unit_id=unit_id, position_id=position_id)
    rows = counted.values("to_position_id", "to_position__title", "to_position__unit__name").annotate(
        n=Count("id"))
    by_position = sorted(rows, key=lambda r: -r["n"])
    by_unit = Counter()
    for r in rows:
        by_unit[r["to_position__unit__name"]] += r["n"]
    page = Paginator(qs.select_related("from_position__unit"), PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(request, "letters/followup.html", {
        "form": form, "page": page, "by_position": by_position, "by_unit": sorted(by_unit.items(), key=lambda x: -x[1]),
        "total": sum(r["n"] for r in by_position), "today": today(), "querystring": _jalali_filter_querystring(request),
    }, status)
