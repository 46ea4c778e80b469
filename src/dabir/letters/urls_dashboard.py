"""Pages of the dashboard part, included by dabir.letters.urls."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
