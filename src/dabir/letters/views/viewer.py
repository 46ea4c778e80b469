"""The document viewer: a letter's attachments and its PDF shown in the page (PDF.js), and prints from it.

Who may open a file here is who may download it: the letter must be one the user may see
(selectors.get_visible_letter, the same 404 as attachment_download whether the file is missing or
hidden). Which files the viewer shows is policy.viewer_kind. A print from the viewer is counted
like any print (services.record_print, with the pages of the document and the copies asked for).
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_POST

from dabir.core import files
from dabir.core.errors import DomainError, NotFound
from dabir.core.text import to_latin_digits

from .. import policy, selectors, services
from ..models import Attachment, PrintRecord
from ._shared import _page


def _visible_attachment(request, attachment_id: int) -> Attachment:
    attachment = get_object_or_404(Attachment, pk=attachment_id)
    try:
        attachment.letter = selectors.get_visible_letter(request.user, attachment.letter_id)
    except NotFound:
        raise Http404 from None
    return attachment


def _viewer_page(request, letter, *, title: str, source: str = "", download: str = "", status: int = 200):
    return _page(request, "letters/viewer.html", {
        "letter": letter, "doc_title": title, "doc_source": source, "doc_download": download,
    }, status=status)


@login_required
def attachment_view(request, attachment_id):
    """An attachment in the viewer on a page of its own (the letter page opens the same viewer in place)."""
    attachment = _visible_attachment(request, attachment_id)
    download = reverse("attachment_download", args=[attachment.pk])
    if policy.viewer_kind(attachment) is None:
        # A type browsers cannot draw (an office document, a TIFF without its text copy): say so, offer the file.
        return _viewer_page(request, attachment.letter, title=attachment.name, download=download)
    return _viewer_page(request, attachment.letter, title=attachment.name, download=download,
                        source=reverse("attachment_view_file", args=[attachment.pk]))


@login_required
def attachment_view_file(request, attachment_id):
    """The bytes the viewer draws: the file itself, or a TIFF scan's copy with a text layer."""
    attachment = _visible_attachment(request, attachment_id)
    shown = policy.viewer_file(attachment)
    if shown is None:
        raise Http404("این پرونده در نمایشگر باز نمی‌شود.")
    field, content_type = shown
    response = files.file_response(field, content_type=content_type, filename=attachment.name)
    response["Cache-Control"] = "private, no-store"
    # Opened on its own in a tab, an uploaded PDF runs nothing and reaches nothing of this site.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@login_required
def letter_pdf_view(request, letter_id):
    """The letter's PDF (the signed one once signed) in the viewer."""
    letter = selectors.get_visible_letter(request.user, letter_id)
    name = letter.number or letter.subject
    return _viewer_page(request, letter, title=f"نسخه PDF — {name}", source=reverse("letter_pdf", args=[letter.pk]),
                        download=reverse("letter_pdf", args=[letter.pk]))


def _count(value: str | None) -> int:
    """A whole number from the form, Persian digits allowed; 0 (refused by the service) when it is not one."""
    text = to_latin_digits(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 6 else 0


@login_required
@require_POST
def viewer_print(request, letter_id):
    """Count a print made from the viewer, before the browser prints: pages of the document, copies asked."""
    letter = selectors.get_visible_letter(request.user, letter_id)
    try:
        row = services.record_print(user=request.user, letter=letter, kind=PrintRecord.Kind.LETTER,
                                    copies=_count(request.POST.get("copies")), pages=_count(request.POST.get("pages")))
    except DomainError as exc:
        return JsonResponse({"error": exc.message, "field": exc.field}, status=exc.status)
    return JsonResponse({"id": row.pk, "pages": row.pages, "copies": row.copies})
