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
