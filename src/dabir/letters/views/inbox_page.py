"""The inbox (کارتابل) and its sent tab, with filters and counts."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect

from dabir.core.jalali import today

from .. import forms as F
from .. import policy, selectors
from ._shared import PAGE_SIZE, _agency_positions, _jalali_filter_querystring, _page, current_seat


@login_required
def inbox(request):
    if request.user.is_citizen:  # citizens have their own home on the service desk
        return redirect("citizen_home")
    seat = current_seat(request)
    tab = "sent" if request.GET.get("tab") == "sent" else "inbox"
    form = F.InboxFilterForm(request.GET or None)
    status = 200
    filters: dict = {}
    if form.is_bound:
        if not form.is_valid():
            status = 400
        filters = {k: v for k, v in (form.cleaned_data if hasattr(form, "cleaned_data") else {}).items() if v}
    context = {"form": form, "tab": tab, "seat": seat, "querystring": _jalali_filter_querystring(request)}
    if seat is not None:
        if tab == "sent":
            qs = selectors.sent_referrals(request.user, seat.position.id)
        else:
            qs = selectors.inbox(request.user, seat.position.id, filters=filters)
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(page=page, counts=selectors.inbox_counts(seat.position.id), today=today())
        if tab == "sent":
            # The policy says which rows get «پس گرفتن» and «جایگزینی» (never a «جهت امضا» one).
            for r in page:
                r.acts = policy.referral_acts(seat, r)
            context["reassign_positions"] = [
                p for p in _agency_positions(seat) if p.id != seat.position.id
            ]
    template = "letters/partials/inbox_list.html" if request.headers.get("HX-Request") else "letters/inbox.html"
    return _page(request, template, context, status)
