import os

import pytest

from .factories import make_world


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _no_random_rate_sweep(monkeypatch):
    """The rate limiter drops finished windows on one hit in a hundred, at random: one more statement
    in a test that counts them, one run in a hundred (tests/core/test_ratelimit*.py ask for it)."""
    from dabir.core import ratelimit

    monkeypatch.setattr(ratelimit, "SWEEP_SHARE", 0.0)


@pytest.fixture
def world(db):
    return make_world()


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL, leave out what the SQLite run of the same suite already proved and the database
    does not change: the browser tests (pages, scripts, layout) and the tests marked engine_independent
    (parsing, OCR). DABIR_TEST_EVERYTHING=1 runs them there too. Keeps a CI run under 45 minutes."""
    if not os.environ.get("DABIR_DATABASE_URL", "").startswith("postgres"):
        return
    if os.environ.get("DABIR_TEST_EVERYTHING") == "1":
        return
    kept, left = [], []
    for item in items:
        (left if item.get_closest_marker("e2e") or item.get_closest_marker("engine_independent") else kept).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept


def pytest_report_header(config):
    from django.conf import settings

    return f"database: {settings.DATABASES['default']['ENGINE']} (DABIR_DATABASE_URL={os.environ.get('DABIR_DATABASE_URL', '')})"


@pytest.fixture
def no_lingering_connections():
    """For browser tests: the live server's threads close their database connections after each
    request, so nothing holds the test database open when it is dropped at the end."""
    import time

    from django.db import connection, connections

    conf = connections["default"].settings_dict
    saved = conf.get("CONN_MAX_AGE", 0)
    conf["CONN_MAX_AGE"] = 0
    yield
    conf["CONN_MAX_AGE"] = saved
    if connection.vendor == "postgresql":
        others = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        with connection.cursor() as cursor:
            for _ in range(50):  # a request may still be finishing
                cursor.execute(f"SELECT count(*) {others}")
                if cursor.fetchone()[0] == 0:
                    break
                time.sleep(0.1)
