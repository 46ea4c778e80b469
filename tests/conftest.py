import os

import pytest

from .factories import make_world


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(db):
    return make_world()


def pytest_report_header(config):
    from django.conf import settings

    return f"database: {settings.DATABASES['default']['ENGINE']} (DABIR_DATABASE_URL={os.environ.get('DABIR_DATABASE_URL', '')})"
