"""The public catalogue (search, agency and category filters) and a service's public profile."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dabir.core.text import normalize, to_latin_digits
from dabir.orgs.models import Agency

from ..models import Category
from ._shared import CHANNEL_LABELS, _active_service, _definition, _fees, amount

CATALOGUE_PAGE = 24


@require_GET
def catalogue(request):
    from .. import selectors

    q = (request.GET.get("q") or "")[:200]
    agency = _int(request.GET.get("agency"))
    category = _int(request.GET.get("category"))
    category_obj = Category.objects.filter(pk=category).first() if category else None
    found = ([] if category and category_obj is None
             else selectors.catalogue(q=q, agency=agency, category=category_obj))
    page = Paginator(found, CATALOGUE_PAGE).get_page(request.GET.get("page"))
    for service in page.object_list:
        # The definition was validated when it was published: read the card's few fields as they are.
        d = service.current_version.definition
        profile, online_fee = d.get("profile", {}), d.get("fees", {}).get("online", 0)
        channels = profile.get("channels", ["online"])
        service.card = {
            "duration": profile.get("duration_days", 10),
            "fee": amount(online_fee),
            "fee_rials": online_fee,
            "channels": [CHANNEL_LABELS.get(c, c) for c in channels],
            "online": "online" in channels,
            "summary": profile.get("description", ""),
        }
    agencies = Agency.objects.filter(services__active=True).distinct().order_by("name")
    return render(request, "desk/catalogue.html", {
        "services": page.object_list, "page": page, "q": q, "agency": agency, "category": category,
        "agencies": agencies, "categories": Category.objects.filter(services__active=True).distinct(),
        "filtered": bool(normalize(q) or agency or category),
    })


def _int(value) -> int | None:
    text = to_latin_digits(str(value or "")).strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


@require_GET
def service_profile(request, code: str):
    service = _active_service(code)
    definition = _definition(service)
    return render(request, "desk/service.html", {
        "service": service, "d": definition, "fees": _fees(definition),
        "channels": [CHANNEL_LABELS.get(c, c) for c in definition.profile.channels],
        "online": "online" in definition.profile.channels,
        "version": service.current_version,
    })

