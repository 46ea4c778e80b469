"""Pages of the dashboard part, included by dabir.letters.urls: the home page and the reminder."""

from django.urls import path

from .views import dashboard

urlpatterns = [
    path("", dashboard.home, name="home"),
    path("referrals/<int:referral_id>/remind/", dashboard.referral_remind, name="referral_remind"),
]
