"""The secretariat's exchange pages: the arrivals queue and the sent items."""

from django.urls import path

from . import arrivals, sent

urlpatterns = [
    path("arrivals/", arrivals.queue, name="arrivals"),
    path("arrivals/<int:arrival_id>/", arrivals.detail, name="arrival"),
    path("arrivals/<int:arrival_id>/accept/", arrivals.accept, name="arrival_accept"),
    path("arrivals/<int:arrival_id>/return/", arrivals.return_, name="arrival_return"),
    path("arrivals/<int:arrival_id>/letter.pdf", arrivals.document, name="arrival_document"),
    path("arrivals/<int:arrival_id>/attachments/<int:index>/", arrivals.attachment, name="arrival_attachment"),
    path("sent/", sent.sent_list, name="sent"),
    path("sent/<int:transfer_id>/retry/", sent.retry, name="sent_retry"),
]
