"""Searching the letters the user may see."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator

from .. import forms as F
from ._shared import PAGE_SIZE, _jalali_filter_querystring, _page


@login_required
def search(request):
    form = F.SearchForm(request.GET or None)
    context = {"form": form, "page": None}
    status = 200
    if form.is_bound:
        if not form.is_valid():
            status = 400
        elif not form.is_empty():
            from dabir.letters.search import normalize_query, search_letters

            d = form.cleaned_data
            results = search_letters(
                request.user, q=d.get("q") or "", number=d.get("number") or "", date_from=d.get("date_from"),
                date_to=d.get("date_to"), kind=d.get("kind") or None, classification=d.get("classification") or None,
            )
            context["page"] = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
            context["querystring"] = _jalali_filter_querystring(request)
            context["words"] = normalize_query(d.get("q") or "")
    return _page(request, "letters/search.html", context, status)
