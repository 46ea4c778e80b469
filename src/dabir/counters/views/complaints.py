"""Pages of the counter offices: complaints (see urls.py)."""

urlpatterns: list = []
