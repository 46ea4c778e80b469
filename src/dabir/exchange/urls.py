"""Staff pages of the exchange, under /exchange/ (the wire endpoint for servers is wire_urls)."""

from django.urls import include, path

app_name = "exchange"

urlpatterns = [
    path("", include("dabir.exchange.views.secretariat_urls")),  # arrivals queue, sent items
    path("inquiries/", include("dabir.exchange.views.inquiry_urls")),
    path("log/", include("dabir.exchange.views.log_urls")),  # the message log, for admins
]
