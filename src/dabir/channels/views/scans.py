"""Part of /channels/: filled by its part."""

urlpatterns: list = []
