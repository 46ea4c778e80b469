"""Pages of the viewer part, included by dabir.letters.urls."""

from django.urls import path

from .views import viewer

urlpatterns = [
    path("attachments/<int:attachment_id>/view/", viewer.attachment_view, name="attachment_view"),
    path("attachments/<int:attachment_id>/view/file", viewer.attachment_view_file, name="attachment_view_file"),
    path("letters/<int:letter_id>/pdf/view/", viewer.letter_pdf_view, name="letter_pdf_view"),
    path("letters/<int:letter_id>/viewer-print/", viewer.viewer_print, name="viewer_print"),
]
