"""The message log, refusals and the outbox, under /exchange/log/ (agency admins and superusers)."""

from django.urls import path

from . import log

urlpatterns = [
    path("", log.message_list, name="log"),
    path("<int:message_id>/", log.message_detail, name="log_message"),
    path("<int:message_id>/raw/", log.message_raw, name="log_raw"),
    path("refusals/", log.refusal_list, name="log_refusals"),
    path("transfers/", log.transfer_list, name="log_transfers"),
]
