"""Channels' staff pages, one module per part; each lists its own urlpatterns."""
