"""/counters/…: the counter offices' pages (each part's module lists its own patterns)."""

from .views import complaints, desk, fees, figures, finder, home, letters, registry, settlement

app_name = "counters"

urlpatterns = [
    *home.urlpatterns,
    *registry.urlpatterns,
    *fees.urlpatterns,
    *finder.urlpatterns,
    *figures.urlpatterns,
    *desk.urlpatterns,
    *letters.urlpatterns,
    *settlement.urlpatterns,
    *complaints.urlpatterns,
]
