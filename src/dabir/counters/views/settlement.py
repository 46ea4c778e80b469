"""Pages of the counter offices: settlement (see urls.py)."""

urlpatterns: list = []
