"""Statements of the operator's filing, pinned: the counters' own (beside the desk submission it makes
through desk.services.submit_request, pinned in tests/desk/test_write_queries.py), and the card payment's.
Savepoints and audit statements are left out (those are core.audit's and differ by database); audit
entries are counted instead."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dabir.counters import services
from dabir.desk import services as desk
from dabir.orgs.selectors import forget_seats

from .conftest import CITIZEN_NC, consent_code
from .test_filing import ANSWERS, uploads, verified_visit

pytestmark = pytest.mark.django_db

# submit_request, the counters' own: the operator's place and office (1), the visit (1), the service with
# its agency and version (1), the outsourcing declaration (1), the schedule in force (1) and its fee (1),
# the submission (1), the SMS and its job (2). Audit entries: the submission's and the SMS's.
SUBMIT_STATEMENTS = 9
SUBMIT_AUDIT_ENTRIES = 2
# pay_by_card: the operator's place and office (1), the submission locked (1), the reference not yet used
# (1), the payment (1); the on_paid hook: the submission locked with its office and operator (1), the
# closed months from its month on (1), the closed-month guard before the write (1), the submission paid
# (1); the submission read back (1). Audit entries: the payment's and the submission's. PostgreSQL adds
# the guard's check after the write (1).
PAY_STATEMENTS = 9
PAY_AUDIT_ENTRIES = 2


def _own(captured, inside=()) -> tuple[list[str], int]:
    own = [q["sql"] for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    for sql in inside:
        own.remove(sql)
    entries = sum(1 for sql in own if "INSERT INTO" in sql and "core_auditentry" in sql)
    return [sql for sql in own if "core_audit" not in sql], entries


def test_an_operators_filing_and_card_payment_make_a_pinned_number_of_statements(counter, monkeypatch):
    # a first filing makes the agency's desk account; the second one is the one measured
    first = services.submit_request(user=counter.operator, visit=verified_visit(counter), service=counter.service,
                                    data=ANSWERS, uploads=uploads())
    services.pay_by_card(user=counter.operator, submission=first, reference="11112222")
    visit = services.start_visit(user=counter.operator, national_code=CITIZEN_NC, mobile="09161112233")
    visit = services.verify_visit(user=counter.operator, visit=visit, code=consent_code(visit))
    forget_seats()
    real, inside = desk.submit_request, []

    def counted(**kwargs):
        start = len(capture.captured_queries)
        try:
            return real(**kwargs)
        finally:
            inside.extend(q["sql"] for q in capture.captured_queries[start:]
                          if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT")))

    monkeypatch.setattr(desk, "submit_request", counted)
    with CaptureQueriesContext(connection) as capture:
        sub = services.submit_request(user=counter.operator, visit=visit, service=counter.service, data=ANSWERS,
                                      uploads=uploads())
    statements, entries = _own(capture.captured_queries, inside)
    assert (len(statements), entries) == (SUBMIT_STATEMENTS, SUBMIT_AUDIT_ENTRIES), "\n".join(statements)

    with CaptureQueriesContext(connection) as capture:
        services.pay_by_card(user=counter.operator, submission=sub, reference="33334444")
    statements, entries = _own(capture.captured_queries)
    expected = PAY_STATEMENTS + (1 if connection.vendor == "postgresql" else 0)
    assert (len(statements), entries) == (expected, PAY_AUDIT_ENTRIES), "\n".join(statements)
