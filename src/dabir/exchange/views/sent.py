"""The sending secretariat's list «ارسال‌های الکترونیکی»: each recipient's state, failures first to see."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from dabir.core.errors import DomainError
from dabir.letters.views._shared import _safe_next

from .. import forms as F
from .. import selectors
from ..services import outbox
from .arrivals import PAGE_SIZE, _require_clerk


@login_required
def sent_list(request):
    _require_clerk(request)
    form = F.SentFilterForm(request.GET or None)
    state = form.cleaned_data.get("state", "") if form.is_valid() else ""
    page = Paginator(selectors.sent_items(request.user, state), PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "exchange/sent_list.html", {
        "page": page, "filter_form": form, "state": state, "querystring": params.urlencode(),
        "failed": selectors.failed_count(request.user),
    })


@login_required
@require_POST
def retry(request, transfer_id):
    delivery = selectors.delivery_for_retry(request.user, transfer_id)
    try:
        outbox.retry(user=request.user, transfer=delivery.transfer)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"نامه برای «{delivery.member.name}» دوباره در صف ارسال گذاشته شد.")
    return redirect(_safe_next(request, reverse("exchange:sent")))
