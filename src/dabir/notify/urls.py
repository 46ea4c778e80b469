from django.urls import path

from . import views

app_name = "notify"

# Mounted at /notify/ by dabir.urls.
urlpatterns = [
    path("outbox/", views.outbox, name="outbox"),
    path("notices/", views.notices, name="notices"),
    path("notices/<int:notice_id>/", views.open_notice, name="open"),
    path("notices/read-all/", views.read_all, name="read_all"),
    path("notices/latest/", views.latest, name="latest"),
    path("preferences/", views.preferences, name="preferences"),
]
