"""Open311 GeoReport v2, mounted at /open311/v2/ (see dabir.desk.open311 and docs/open311.md).

Each resource takes a format suffix, .json or .xml; another suffix gets an Open311 error list.
"""

from django.urls import re_path

from . import open311

FMT = r"\.(?P<fmt>[A-Za-z0-9]{1,8})$"

app_name = "open311"
urlpatterns = [
    re_path(r"^discovery" + FMT, open311.discovery, name="discovery"),
    re_path(r"^services" + FMT, open311.services, name="services"),
    re_path(r"^services/(?P<code>[^/.]{1,64})" + FMT, open311.service_definition, name="service"),
    re_path(r"^requests" + FMT, open311.requests_collection, name="requests"),
    re_path(r"^requests/(?P<tracking_code>[^/.]{1,64})" + FMT, open311.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/.]{1,64})" + FMT, open311.token_detail, name="token"),
    # Last: an unknown resource or an id no pattern takes is an Open311 404, not the site's page.
    re_path(r"^", open311.unknown, name="unknown"),
]
