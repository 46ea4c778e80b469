"""The public lookups' rate limiter counts in the database, exactly, across threads."""

import threading

import pytest
from django.db import connection

from dabir.core import ratelimit
from dabir.core.models import RateCounter


@pytest.mark.django_db
def test_counts_up_to_the_limit_per_key():
    assert all(ratelimit.hit("unit:a", 3, 60) for _ in range(3))
    assert not ratelimit.hit("unit:a", 3, 60)
    assert ratelimit.hit("unit:b", 3, 60)
    assert RateCounter.objects.get(bucket__startswith="unit:a:").count == 4


@pytest.mark.django_db(transaction=True)
def test_concurrent_hits_are_all_counted():
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("threads need a file or server database (see tests/letters/conftest.py)")
    results = []

    def worker():
        from django.db import connections

        try:
            for _ in range(10):
                results.append(ratelimit.hit("unit:threads", 1000, 600))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 80 and all(results)
    assert RateCounter.objects.get(bucket__startswith="unit:threads:").count == 80


@pytest.mark.django_db
def test_a_hit_is_one_statement():
    from django.test.utils import CaptureQueriesContext

    ratelimit.hit("unit:one", 5, 60)
    with CaptureQueriesContext(connection) as q:
        ratelimit.hit("unit:one", 5, 60)
    counted = [x["sql"] for x in q.captured_queries if not x["sql"].startswith("DELETE")]  # the 1% sweep aside
    assert len(counted) == 1 and "ON CONFLICT" in counted[0]


@pytest.mark.django_db
def test_counters_are_unlogged_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("an UNLOGGED table is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SELECT relpersistence FROM pg_class WHERE relname = %s", [RateCounter._meta.db_table])
        assert cursor.fetchone()[0] == "u"


@pytest.mark.django_db
def test_finished_windows_are_swept(monkeypatch):
    import datetime as dt

    from django.utils import timezone

    RateCounter.objects.create(bucket="unit:old:1", count=3, expires_at=timezone.now() - dt.timedelta(seconds=1))
    monkeypatch.setattr(ratelimit, "SWEEP_SHARE", 0.01)  # the suite turns the random sweep off
    monkeypatch.setattr(ratelimit.random, "random", lambda: 0.0)  # the sweep's turn
    assert ratelimit.hit("unit:new", 5, 60)
    assert list(RateCounter.objects.values_list("count", flat=True)) == [1]


@pytest.mark.django_db
def test_attempts_are_numbered_and_the_limit_th_stretches_to_the_lock():
    assert ratelimit.attempt("k", limit=3, window=60, lock=900)[0] == 1
    number, wait = ratelimit.attempt("k", limit=3, window=60, lock=900)
    assert number == 2 and 55 <= wait <= 60
    number, wait = ratelimit.attempt("k", limit=3, window=60, lock=900)
    assert number == 3 and 895 <= wait <= 900
    number, wait = ratelimit.attempt("k", limit=3, window=60, lock=900)
    assert number == 4 and 895 <= wait <= 900  # refused by the caller, the lock unchanged
    ratelimit.release("k")
    assert ratelimit.attempt("k", limit=3, window=60, lock=900)[0] == 4
    ratelimit.reset("k")
    assert ratelimit.attempt("k", limit=3, window=60, lock=900) == (1, 60)


@pytest.mark.django_db
def test_a_limit_of_one_locks_at_the_first_attempt():
    number, wait = ratelimit.attempt("one", limit=1, window=60, lock=600)
    assert number == 1 and 595 <= wait <= 600


@pytest.mark.django_db
def test_a_finished_window_starts_again_at_one():
    import datetime as dt

    from django.utils import timezone

    ratelimit.attempt("late", limit=3, window=60, lock=900)
    ratelimit.attempt("late", limit=3, window=60, lock=900)
    RateCounter.objects.filter(bucket="tries:late").update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    number, wait = ratelimit.attempt("late", limit=3, window=60, lock=900)
    assert number == 1 and 55 <= wait <= 60
    assert RateCounter.objects.get(bucket="tries:late").count == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_attempts_each_get_their_own_number():
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("threads need a file or server database (see tests/letters/conftest.py)")
    numbers = []

    def worker():
        from django.db import connections

        try:
            for _ in range(5):
                numbers.append(ratelimit.attempt("threads", limit=100, window=600, lock=600)[0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(numbers) == list(range(1, 41))
