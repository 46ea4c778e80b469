"""A client that lost the answer to a registration retries it with the same Idempotency-Key and gets
the letter the first attempt made: one letter, one number, the same answer; a key reused for another
request, or a malformed key, is refused in Persian and saves nothing."""

import json
import threading

import pytest
from django.db import connection, connections

from dabir.letters.models import Letter, RegistrationKey
from dabir.orgs.models import NumberCounter
from tests.factories import make_user, make_world

from .test_api_helpers import PDF, Api, assert_problem, upload

BODY = {"subject": "درخواست بودجه عمرانی", "sender_name": "شهرداری اهواز", "channel": "post"}


def _post(api, body=None, key="retry-7f3a", files=()):
    headers = {"Idempotency-Key": key} if key is not None else {}
    data = {"data": json.dumps(body or BODY), "files": list(files)}
    return api.multipart("/api/letters/incoming", data, **headers)


def _numbers(world) -> int:
    return NumberCounter.objects.filter(series=world.incoming_series).values_list("last", flat=True).first() or 0


@pytest.mark.django_db
def test_a_retry_with_the_same_key_answers_with_the_first_letter(world):
    api = Api(world.clerk)
    first = _post(api, files=[upload("نامه.pdf", PDF, "application/pdf")])
    assert first.status_code == 201, first.content
    assert "Idempotent-Replayed" not in first
    # the answer was lost; the client sends the same request with the same key
    again = _post(api, files=[upload("نامه.pdf", PDF, "application/pdf")])
    assert again.status_code == 201, again.content
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    # one letter, one number taken
    assert Letter.objects.filter(subject=BODY["subject"]).count() == 1
    assert _numbers(world) == 1


@pytest.mark.django_db
def test_the_same_key_for_another_request_is_refused_and_saves_nothing(world):
    api = Api(world.clerk)
    assert _post(api).status_code == 201
    other = _post(api, body={**BODY, "subject": "موضوعی دیگر"})
    body = assert_problem(other, 409)
    assert "Idempotency-Key" in body["detail"]
    # the same fields with another file are another request too
    assert_problem(_post(api, files=[upload("نامه.pdf", PDF, "application/pdf")]), 409)
    assert Letter.objects.count() == 1 and _numbers(world) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "با فاصله و فارسی", "x" * 101, "tab\there"])
def test_a_malformed_key_is_refused_in_persian(world, key):
    api = Api(world.clerk)
    assert_problem(_post(api, key=key), 400)
    assert not Letter.objects.exists() and not RegistrationKey.objects.exists()


@pytest.mark.django_db
def test_keys_belong_to_their_user_and_requests_without_a_key_are_not_remembered(world):
    second = make_user(first_name="سارا", last_name="ثبتی")
    world.secretariat.clerks.add(second)
    one, two = _post(Api(world.clerk)), _post(Api(second))
    assert one.status_code == two.status_code == 201
    assert one.json()["id"] != two.json()["id"]
    api = Api(world.clerk)
    assert _post(api, key=None).json()["id"] != _post(api, key=None).json()["id"]
    assert RegistrationKey.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_attempts_at_once_make_one_letter(no_lingering_connections):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("needs a file test database (tests/letters/conftest.py sets one)")
    world = make_world()
    apis = [Api(world.clerk), Api(world.clerk)]
    barrier = threading.Barrier(2)
    answers = [None, None]

    def attempt(i):
        try:
            barrier.wait(timeout=20)
            answers[i] = _post(apis[i], key="same-request-at-once")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a.status_code for a in answers] == [201, 201], [a.content[:300] for a in answers]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    assert Letter.objects.count() == 1
    assert _numbers(world) == 1  # the attempt that gave way gave its number back


@pytest.mark.django_db
def test_cleanup_forgets_keys_after_thirty_days(world):
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone

    api = Api(world.clerk)
    assert _post(api, key="old-request").status_code == 201
    assert _post(api, key="new-request", body={**BODY, "subject": "نامه تازه"}).status_code == 201
    RegistrationKey.objects.filter(key="old-request").update(created_at=timezone.now() - dt.timedelta(days=31))
    call_command("cleanup", verbosity=0)
    assert list(RegistrationKey.objects.values_list("key", flat=True)) == ["new-request"]
    assert Letter.objects.count() == 2  # the letters stay; only the keys go
