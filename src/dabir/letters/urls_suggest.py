"""Pages of the suggest part, included by dabir.letters.urls."""

from django.urls import path

from .views.suggest import suggest_recipients

urlpatterns: list = [
    path("letters/incoming/suggest/", suggest_recipients, name="suggest_recipients"),
]
