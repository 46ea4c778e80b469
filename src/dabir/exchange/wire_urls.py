from django.urls import path

from . import endpoint

app_name = "exchange_wire"

urlpatterns = [
    path("messages", endpoint.messages, name="messages"),
    path("directory", endpoint.directory_document, name="directory"),
]
