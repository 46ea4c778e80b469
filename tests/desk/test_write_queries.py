"""Statements of the desk's hot paths, pinned: a submission's own (beside the letter registration it
makes through letters.services.register_incoming, counted apart since that service is letters'), and
a public tracking lookup's. Savepoints are left out: outside a test the transaction is the outermost."""

import random

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dabir.core.models import AuditEntry
from dabir.desk import codes, definition, services
from dabir.desk.models import RequestEvent, ServiceRequest
from dabir.letters import services as letters
from dabir.notify.models import SmsMessage
from dabir.orgs.selectors import forget_seats
from tests.factories import PNG_BYTES

from .test_services import files, make_citizen, setup_desk, submit

pytestmark = pytest.mark.django_db

# The desk's own statements in one submission without a fee, its audit entries aside (their statements
# are core.audit's and differ by database; the entries are counted instead):
#   the service with its version and the agency's desk (1), the first stage's position (1), the
#   holidays for the stage deadline and the expected date (1), the request (1), both timeline events (1),
#   the SMS and its job (2), the desk account with its clerk flag (1), the letter's id on the request (1);
#   each uploaded document adds none: one bulk insert (1). Audit entries: the SMS's and the submission's.
# Supervision's mark (stats.aggregate.mark): one upsert into stats_dirty per agency-day the change
# touches; the request marks its submission day (the letter's own mark is counted in register_incoming).
STATS_MARKS = 1
DESK_STATEMENTS = 9 + STATS_MARKS
DESK_STATEMENTS_WITH_DOCUMENTS = 10 + STATS_MARKS
DESK_AUDIT_ENTRIES = 2
# A tracking lookup: the rate limiter's count (1), the request with its service, agency and version (1),
# its public timeline (1).
LOOKUP_STATEMENTS = 3


def _statements(captured) -> list[str]:
    return [q["sql"] for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


def _desk_own(total: list[str], inside: list[str]) -> tuple[list[str], int]:
    """The desk's statements (not register_incoming's), audit statements aside, and its audit entries."""
    own = list(total)
    for sql in inside:
        own.remove(sql)
    entries = sum(1 for sql in own if "INSERT INTO" in sql and "core_auditentry" in sql)
    return [sql for sql in own if "core_audit" not in sql], entries


def _measure(monkeypatch, make):
    """(statements of the whole submission, of which in register_incoming), savepoints left out."""
    real = letters.register_incoming
    inside = []

    def counted(**kwargs):
        start = len(q.captured_queries)
        try:
            return real(**kwargs)
        finally:
            inside.extend(_statements(q.captured_queries[start:]))

    monkeypatch.setattr(letters, "register_incoming", counted)
    forget_seats()  # counted cold: no seats remembered from the setup
    with CaptureQueriesContext(connection) as q:
        req = make()
    return req, _statements(q.captured_queries), inside


@pytest.fixture
def no_documents(world):
    service = setup_desk(world, documents=[])
    citizen = make_citizen()
    submit(service, citizen, uploads={})  # the desk account exists from here on, as in a running desk
    return service, citizen


def test_submission_without_documents(no_documents, monkeypatch):
    service, citizen = no_documents
    req, total, inside = _measure(monkeypatch, lambda: submit(service, citizen, uploads={}))
    assert inside, "the letter is registered through letters.services.register_incoming"
    own, entries = _desk_own(total, inside)
    assert (len(own), entries) == (DESK_STATEMENTS, DESK_AUDIT_ENTRIES), "\n".join(own)
    req.refresh_from_db()
    assert req.letter_id and req.letter.referrals.count() == 1 and req.stage_code == "review"
    assert list(req.events.values_list("kind", flat=True)) == [RequestEvent.Kind.SUBMITTED, RequestEvent.Kind.STAGE]
    assert SmsMessage.objects.filter(related=f"desk.request:{req.pk}").count() == 1
    assert AuditEntry.objects.filter(object_type="desk.servicerequest", object_id=str(req.pk)).count() == 1


def test_submission_with_documents(world, monkeypatch):
    service = setup_desk(world)
    citizen = make_citizen()
    submit(service, citizen)
    two = files(map=[letters.Upload("naghshe.png", PNG_BYTES)])
    req, total, inside = _measure(monkeypatch, lambda: submit(service, citizen, uploads=two))
    own, entries = _desk_own(total, inside)
    assert (len(own), entries) == (DESK_STATEMENTS_WITH_DOCUMENTS, DESK_AUDIT_ENTRIES), "\n".join(own)
    assert req.documents.count() == 2 and req.letter.attachments.count() == 2


def test_tracking_lookup(no_documents):
    service, citizen = no_documents
    req = ServiceRequest.objects.get()
    client = Client()
    form = {"tracking_code": req.tracking_code, "national_code": req.national_code}
    client.post("/services/track/", form)
    forget_seats()  # counted cold: no seats remembered from the setup
    with CaptureQueriesContext(connection) as q:
        r = client.post("/services/track/", form)
    assert r.status_code == 200 and "track-result" in r.content.decode()
    assert len(_statements(q.captured_queries)) == LOOKUP_STATEMENTS, "\n".join(x["sql"] for x in q.captured_queries)


def test_a_taken_tracking_code_is_drawn_again(no_documents):
    service, citizen = no_documents
    first = submit(service, citizen, uploads={}, rng=random.Random(7))
    again = submit(service, citizen, uploads={}, rng=random.Random(7))  # draws first's code, then another
    assert first.tracking_code != again.tracking_code and codes.is_valid(again.tracking_code)
    assert ServiceRequest.objects.count() == 3 and again.letter_id and again.letter_id != first.letter_id
    assert SmsMessage.objects.filter(related=f"desk.request:{again.pk}").count() == 1


def test_a_version_is_parsed_once_and_again_when_its_document_differs(no_documents, monkeypatch):
    service, citizen = no_documents
    version = service.current_version
    parsed = []
    real = definition.parse_definition
    monkeypatch.setattr(definition, "parse_definition", lambda data: parsed.append(1) or real(data))
    first = definition.version_definition(version)
    assert definition.version_definition(type(version).objects.get(pk=version.pk)) is first and parsed == []
    changed = type(version).objects.get(pk=version.pk)
    changed.definition["title"] = "عنوان دیگر"
    assert definition.version_definition(changed).title == "عنوان دیگر" and parsed == [1]


def test_a_submission_starts_at_its_first_stage_with_both_dates(no_documents):
    service, citizen = no_documents
    req = submit(service, citizen, uploads={})
    req.refresh_from_db()
    assert req.data["area"] == 250 and req.status == "submitted" and req.stage_due < req.due
    assert services.definition_of(req).stages[0].code == req.stage_code
    assert req.letter.referrals.get().deadline == req.stage_due
