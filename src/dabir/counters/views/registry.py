"""Pages of the counter offices: registry (see urls.py)."""

urlpatterns: list = []
