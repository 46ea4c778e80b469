"""The address book «دفترچه نشانی‌ها» (filled by its part)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path


@login_required
def contacts(request):
    return render(request, "channels/contacts.html", {})


urlpatterns = [
    path("contacts/", contacts, name="contacts"),
]
