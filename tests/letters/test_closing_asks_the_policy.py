"""Closing, voiding, registering, dispatching and filing ask the letters policy after their state checks."""

import pytest

from dabir.core.errors import Conflict
from dabir.core.models import AuditEntry
from dabir.letters import services
from dabir.letters.models import Filing, Status

from ..factories import register_incoming
from .test_api_helpers import Api, assert_problem


def test_the_author_cannot_close_a_closed_letter_again_through_the_api(world):
    # the clerk registers an incoming letter at their own seat (its author) without referring it
    letter = register_incoming(world)
    clerk = Api(world.clerk, world.clerk_pos)
    assert clerk.post(f"/api/letters/{letter.id}/close", {"note": "نیازی به اقدام نیست"}).status_code == 200
    letter.refresh_from_db()
    closed = (letter.status, letter.closed_at, letter.closed_note)
    assert closed[0] == Status.CLOSED
    # closing it again is a conflict: nothing is overwritten, no second audit entry
    assert_problem(clerk.post(f"/api/letters/{letter.id}/close", {"note": "دوباره"}), 409)
    letter.refresh_from_db()
    assert (letter.status, letter.closed_at, letter.closed_note) == closed
    assert AuditEntry.objects.filter(action="letter.close").count() == 1


def test_an_archived_letter_cannot_be_closed(world):
    letter = register_incoming(world)
    seat = world.seat(world.clerk_pos)
    services.archive_letter(user=world.clerk, seat=seat, letter=letter)
    with pytest.raises(Conflict):
        services.close_letter(user=world.clerk, seat=seat, letter=letter, note="مختومه")
    letter.refresh_from_db()
    assert (letter.status, letter.closed_note) == (Status.ARCHIVED, "")


def test_a_void_letter_cannot_be_filed(world):
    letter = register_incoming(world)
    seat = world.seat(world.clerk_pos)
    folder = services.create_folder(user=world.clerk, seat=seat, code="۲۰۲", title="قراردادها")
    services.void_letter(user=world.clerk, letter=letter, reason="ثبت تکراری")
    with pytest.raises(Conflict):
        services.file_letter(user=world.clerk, seat=seat, letter=letter, folder=folder)
    assert not Filing.objects.filter(folder=folder).exists()

