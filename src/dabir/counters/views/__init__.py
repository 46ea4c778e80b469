"""The counter offices' pages, one module per part; each module's `urlpatterns` joins counters/urls.py."""
