"""Pages of the counter offices: fees (see urls.py)."""

urlpatterns: list = []
