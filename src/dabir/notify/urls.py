from django.urls import path

from . import views

app_name = "notify"

# Mounted at /notify/ by dabir.urls.
urlpatterns = [
    path("outbox/", views.outbox, name="outbox"),
]
