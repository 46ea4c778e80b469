"""Pages of the counter offices: desk (see urls.py)."""

urlpatterns: list = []
