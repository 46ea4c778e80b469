"""/channels/…: the intake queue, outgoing e-mail and fax, the post dispatch list, the address book
and the scans' text (each part's module lists its own patterns)."""

from .views import contacts, intake, outbox, post, scans

app_name = "channels"

urlpatterns = [
    *intake.urlpatterns,
    *outbox.urlpatterns,
    *post.urlpatterns,
    *contacts.urlpatterns,
    *scans.urlpatterns,
]
