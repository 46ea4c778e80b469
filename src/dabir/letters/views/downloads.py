"""Downloading an attachment of a letter the user may see."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404

from dabir.core import files
from dabir.core.errors import NotFound

from .. import selectors
from ..models import Attachment


@login_required
def attachment_download(request, attachment_id):
    attachment = get_object_or_404(Attachment, pk=attachment_id)
    try:
        selectors.get_visible_letter(request.user, attachment.letter_id)
    except NotFound:
        raise Http404 from None
    return files.file_response(attachment.file, as_attachment=True, filename=attachment.name,
                               content_type=attachment.content_type)
