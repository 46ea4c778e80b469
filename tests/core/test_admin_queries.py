"""Admin lists read their related rows in the list's own query: a page of ten rows costs no more
queries than a page of two (letters, their versions, signatures and signing steps, number series,
print records)."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dabir.letters.models import PrintRecord
from dabir.orgs.models import NumberSeries
from dabir.signing import services as signing
from dabir.signing.models import LetterVersion, SigningStep

from ..factories import make_registered

pytestmark = pytest.mark.django_db

URLS = ["/admin/letters/letter/", "/admin/letters/printrecord/", "/admin/signing/letterversion/",
        "/admin/signing/signature/", "/admin/signing/signingstep/", "/admin/orgs/numberseries/"]


def _add_rows(world, count, start):
    for i in range(start, start + count):
        letter = make_registered(world, subject=f"نامه آزمون {i}")
        signing.new_version(letter, user=world.manager)
        PrintRecord.objects.create(letter=letter, user=world.clerk, agency=world.agency)
        NumberSeries.objects.create(secretariat=world.secretariat, name=f"سری {i}", code=f"S{i}", kinds=["internal"])


def _queries(client) -> dict[str, int]:
    counts = {}
    for url in URLS:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[url] = len(queries)
    return counts


def test_admin_lists_do_not_grow_a_query_a_row(world):
    world.clerk.is_staff = world.clerk.is_superuser = True  # the secretariat's clerk: sees its letters
    world.clerk.save()
    client = Client()
    client.force_login(world.clerk)
    _add_rows(world, 2, 0)
    two = _queries(client)
    _add_rows(world, 8, 2)
    for model in (LetterVersion, SigningStep, PrintRecord):  # signatures need a certificate: not made here
        assert model.objects.count() >= 10, model  # every list has the ten rows to draw
    assert _queries(client) == two
