"""Letter services lock the letter's row and re-read it: two clerks registering the same signed letter
at once get one number between them, the other a Persian Conflict, and the series stays gapless."""

import threading

import pytest
from django.db import connection, connections

from dabir.core.errors import Conflict
from dabir.letters import services
from dabir.letters.models import Letter, Status
from dabir.orgs.models import NumberCounter
from tests.factories import make_signed, make_user, make_world

pytestmark = pytest.mark.django_db(transaction=True)


def _in_threads(calls) -> list:
    """Run each call in its own thread and connection, all released at once; their results or errors."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def work(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except BaseException as exc:  # compared by the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_two_registrations_of_one_signed_letter_one_wins(no_lingering_connections):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("needs a file test database (tests/letters/conftest.py sets one)")
    # given a signed letter and two clerks of its secretariat, each holding the letter as read before
    world = make_world()
    second_clerk = make_user(first_name="سارا", last_name="ثبتی")
    world.secretariat.clerks.add(second_clerk)
    letter = make_signed(world)
    copies = [Letter.objects.get(pk=letter.pk), Letter.objects.get(pk=letter.pk)]
    assert all(c.status == Status.APPROVED for c in copies)
    # when both register it at the same moment
    results = _in_threads([
        lambda: services.register_letter(user=world.clerk, letter=copies[0]),
        lambda: services.register_letter(user=second_clerk, letter=copies[1]),
    ])
    # then exactly one registration wins; the other is refused in Persian
    won = [r for r in results if isinstance(r, Letter)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(won) == 1 and len(refused) == 1, results
    assert refused[0].message == "فقط نامه امضاشده را می‌توان ثبت کرد."
    # and one number was taken: the series is gapless
    letter.refresh_from_db()
    assert letter.status == Status.REGISTERED and letter.seq == 1
    assert NumberCounter.objects.get(series=world.internal_series).last == 1
    # and the next letter of the series gets number 2
    nxt = make_signed(world)
    services.register_letter(user=world.clerk, letter=nxt)
    nxt.refresh_from_db()
    assert nxt.seq == 2
