"""The service catalogue's search finds a service whatever the spelling of an affix, and services
published before the affix rules are re-normalised by a migration."""

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from dabir.desk import selectors, services
from dabir.desk.models import Service

from .test_open311 import report_definition

pytestmark = pytest.mark.django_db


def _publish(world):
    d = report_definition(world, title="صدور پروانه‌های حفاری", keywords=["گزارش‌ها"])
    return services.publish_service(user=None, definition=d).service


@pytest.mark.parametrize("q", ["پروانه‌های حفاری", "پروانه های", "پروانههای", "گزارش ها"])
def test_catalogue_finds_every_spelling(world, q):
    service = _publish(world)

    assert list(selectors.catalogue(q)) == [service]


def test_services_published_before_are_renormalised(world):
    service = _publish(world)
    old = service.search_text.replace("پروانههای", "پروانه های")  # as the old rules stored it
    Service.objects.filter(pk=service.pk).update(search_text=old)
    assert list(selectors.catalogue("پروانه‌های")) == []

    state = MigrationExecutor(connection).loader.project_state(("desk", "0003_renormalize_search_text"))
    module = importlib.import_module("dabir.desk.migrations.0003_renormalize_search_text")
    module.renormalize(state.apps, connection.schema_editor())

    assert list(selectors.catalogue("پروانه‌های")) == [service]
    assert list(selectors.catalogue("پروانه های")) == [service]
