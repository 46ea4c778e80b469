"""The text read from a letter's scans (OCR): the letter page's panel and the copy with a text layer.

The panel is rendered on the letter page, which is shown only to those letters.policy lets see the
letter; the copy is served after asking letters.policy again, since its URL names an attachment."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path

from dabir.core import files
from dabir.letters import policy as letters_policy
from dabir.letters.models import Attachment


def has_read_files(letter) -> bool:
    return letter.attachments.exclude(text_status="").exists()


def ocr_panel(context, letter) -> dict:
    rows = list(letter.attachments.exclude(text_status="").order_by("id"))
    return {"read_files": rows, "letter": letter}


@login_required
def scan_text_pdf(request, attachment_id: int):
    """The scan's copy with an invisible text layer (searchable, copyable), shown in the browser."""
    attachment = get_object_or_404(Attachment.objects.select_related("letter"), pk=attachment_id)
    letters_policy.check_visible(request.user, attachment.letter)  # NotAllowed → 403 page
    if not attachment.searchable:
        raise Http404("این پیوست نسخه دارای لایه متن ندارد.")
    response = files.file_response(attachment.searchable, content_type="application/pdf",
                                   filename=f"{attachment.name.rsplit('.', 1)[0]}-متن.pdf")
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [
    path("scans/<int:attachment_id>/text.pdf", scan_text_pdf, name="scan_text_pdf"),
]
