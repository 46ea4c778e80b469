"""/stats/…: supervision pages (each part's module lists its own patterns)."""

from .views import agency, dashboard, evaluation, home, reports, weights

app_name = "stats"

urlpatterns = [
    *home.urlpatterns,
    *dashboard.urlpatterns,
    *agency.urlpatterns,
    *reports.urlpatterns,
    *weights.urlpatterns,
    *evaluation.urlpatterns,
]
