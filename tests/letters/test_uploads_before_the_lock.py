"""Uploads are parsed whole before the letter's row is locked: a bad file is refused without the
letter being read, locked or written, and the draft stays as it was."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dabir.core.errors import DomainError
from dabir.letters import services
from dabir.letters.models import Attachment, Letter

from ..factories import make_draft

FAKE_PDF = b"%PDF-1.7\nnot really a pdf"


def _letter_queries(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if '"letters_letter"' in q["sql"]]


def test_a_bad_file_in_a_draft_edit_is_refused_before_the_letter_is_touched(world):
    letter = make_draft(world)
    stale = Letter.objects.get(pk=letter.pk)
    with CaptureQueriesContext(connection) as captured, pytest.raises(DomainError):
        services.update_draft(
            user=world.expert, seat=world.seat(world.expert_pos), letter=stale,
            uploads=[services.Upload("report.pdf", FAKE_PDF)], subject="موضوع تازه", body="<p>متن تازه</p>",
            to=[world.other_pos.id], cc=[], signer_position_id=world.manager_pos.id, urgency="normal",
            classification="unclassified", keywords="", links=[],
        )
    assert _letter_queries(captured) == []
    letter.refresh_from_db()
    assert (letter.subject, letter.body) == ("گزارش پیشرفت طرح", "<p>متن نامه</p>")
    assert not Attachment.objects.filter(letter=letter).exists()


def test_a_bad_attachment_is_refused_before_the_letter_is_touched(world):
    letter = make_draft(world)
    stale = Letter.objects.get(pk=letter.pk)
    with CaptureQueriesContext(connection) as captured, pytest.raises(DomainError):
        services.add_attachments(user=world.expert, seat=world.seat(world.expert_pos), letter=stale,
                                 uploads=[services.Upload("report.pdf", FAKE_PDF)])
    assert _letter_queries(captured) == []
    assert not Attachment.objects.filter(letter=letter).exists()
