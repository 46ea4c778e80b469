from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from .accounts.views import StaffSignInView
from .api import api

admin.site.site_header = "مدیریت دبیر"
admin.site.site_title = "دبیر"
admin.site.index_title = "تنظیمات دستگاه‌ها، سمت‌ها و دبیرخانه‌ها"

# Each app's API router is mounted here, so apps stay independent of one another's modules.
api.add_router("/signing/", "dabir.signing.api.router")
api.add_router("/desk/", "dabir.desk.api.router")
api.add_router("/exchange/", "dabir.exchange.api.router")
api.add_router("/channels/", "dabir.channels.api.router")
api.add_router("/counters/", "dabir.counters.api.router")
api.add_router("/stats/", "dabir.stats.api.router")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("accounts/login/", StaffSignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("verify/", include("dabir.signing.urls")),
    path("signing/", include("dabir.signing.staff_urls")),
    path("citizen/", include("dabir.accounts.urls")),
    path("services/", include("dabir.desk.urls")),
    path("desk-staff/", include("dabir.desk.staff_urls")),
    path("open311/v2/", include("dabir.desk.open311_urls")),
    path("exchange/v1/", include("dabir.exchange.wire_urls")),
    path("exchange/", include("dabir.exchange.urls")),
    path("channels/", include("dabir.channels.urls")),
    path("notify/", include("dabir.notify.urls")),
    path("payments/", include("dabir.payments.urls")),
    path("counters/", include("dabir.counters.urls")),
    path("stats/", include("dabir.stats.urls")),
    path("", include("dabir.letters.urls")),
]
