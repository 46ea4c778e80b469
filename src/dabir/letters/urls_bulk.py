"""Pages of the bulk part, included by dabir.letters.urls: the inbox's and the secretariat queue's bulk
posts, and the queue's list of letters waiting to be sent."""

from django.urls import path

from .views import bulk

urlpatterns = [
    path("bulk/inbox/", bulk.bulk_inbox, name="bulk_inbox"),
    path("bulk/secretariat/", bulk.bulk_queue, name="bulk_queue"),
    path("secretariat/dispatch/", bulk.to_dispatch, name="to_dispatch"),
]
