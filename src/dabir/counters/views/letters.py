"""Pages of the counter offices: letters (see urls.py)."""

urlpatterns: list = []
