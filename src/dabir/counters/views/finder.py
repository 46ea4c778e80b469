"""«یافتن دفتر پیشخوان»: the citizen's public finder (no sign-in). Pick a service offered at counters and
a city; see the offices in force that offer it — address, phone, hours, urban or rural, a map link when
the office has a location — and the fee the citizen will pay there (the schedule in force)."""

from django.shortcuts import render
from django.urls import path
from django.views.decorators.cache import never_cache

from dabir.core.text import normalize

from .. import selectors

UNKNOWN_SERVICE = "این خدمت در دفاتر پیشخوان ارائه نمی‌شود یا پیدا نشد؛ خدمت را از فهرست برگزینید."
UNKNOWN_CITY = "در این شهر دفتر پیشخوان فعالی نیست؛ شهر را از فهرست برگزینید."


def _param(request, name: str, limit: int) -> str:
    value = request.GET.get(name, "")
    return value.replace("\x00", "").strip()[:limit] if isinstance(value, str) else ""


@never_cache
def find(request):
    services = list(selectors.finder_services())
    cities = selectors.finder_cities()
    code, city = _param(request, "service", 32), _param(request, "city", 100)
    errors, service, offices, quote = {}, None, None, None
    if code:
        service = next((s for s in services if s.code == code), None)
        if service is None:
            errors["service"] = UNKNOWN_SERVICE
    if city:
        known = {normalize(c): c for _, c in cities}
        if normalize(city) in known:
            city = known[normalize(city)]
        else:
            errors["city"] = UNKNOWN_CITY
    if service is not None and not errors:
        offices = list(selectors.offices_offering(service, city))
        quote = selectors.quote(service)
    status = 400 if errors else 200
    return render(request, "counters/finder.html", {
        "services": services, "cities": cities, "code": code, "city": city, "service": service,
        "offices": offices, "quote": quote, "errors": errors,
    }, status=status)


urlpatterns = [path("find/", find, name="find")]
