"""submit_request writes request, letter, referral, SMS job and audit entry in one transaction:
a real failure at each point leaves none of them (and no official number consumed)."""

import pytest
from django.db import DatabaseError, connection, transaction

from dabir.core.errors import DomainError
from dabir.core.models import AuditEntry
from dabir.desk.models import RequestDocument, RequestEvent, ServiceRequest, ServiceVersion
from dabir.letters.models import Letter, Referral
from dabir.notify.models import SmsMessage
from dabir.orgs.models import NumberCounter

from .test_services import make_citizen, setup_desk, submit

pytestmark = pytest.mark.django_db(transaction=True)


def snapshot():
    return {
        "requests": ServiceRequest.objects.count(), "letters": Letter.objects.count(),
        "referrals": Referral.objects.count(), "sms": SmsMessage.objects.count(),
        "audit": AuditEntry.objects.count(), "events": RequestEvent.objects.count(),
        "documents": RequestDocument.objects.count(),
        "numbers": sorted(NumberCounter.objects.values_list("series_id", "last")),
        "jobs": _jobs(),
    }


def _jobs():
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.count()


@pytest.fixture
def ready(world):
    service = setup_desk(world)
    citizen = make_citizen()
    submit(service, citizen)  # one request through, so the counters have a row to roll back
    return world, service, citizen


def _trigger(table: str, name: str, when: str = "") -> None:
    """A database trigger refusing inserts into `table`: a real failure inside the transaction."""
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cond = f"WHEN {when}" if when else ""
            cur.execute(f"CREATE TRIGGER {name} BEFORE INSERT ON {table} {cond} BEGIN SELECT RAISE(ABORT, 'refused'); END;")
        else:
            cond = f"WHEN ({when})" if when else ""
            cur.execute(f"CREATE FUNCTION {name}_fn() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END; $$ "
                        "LANGUAGE plpgsql;")
            cur.execute(f"CREATE TRIGGER {name} BEFORE INSERT ON {table} FOR EACH ROW {cond} EXECUTE FUNCTION {name}_fn();")


def _drop(table: str, name: str) -> None:
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute(f"DROP TRIGGER IF EXISTS {name}")
        else:
            cur.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            cur.execute(f"DROP FUNCTION IF EXISTS {name}_fn()")


def test_unknown_position_code_in_definition_leaves_nothing(ready):
    world, service, citizen = ready
    version = service.current_version
    version.definition["stages"][0]["position"] = "NO-SUCH-POSITION"
    ServiceVersion.objects.filter(pk=version.pk).update(definition=version.definition)
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        submit(service, citizen)
    assert "NO-SUCH-POSITION" in exc.value.message
    assert snapshot() == before


def test_inactive_first_stage_position_after_numbering_leaves_nothing(ready):
    world, service, citizen = ready
    world.expert_pos.active = False
    world.expert_pos.save()
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        submit(service, citizen)  # refused when the referral is made: after the letter took its number
    assert exc.value.field == "to_position"
    assert snapshot() == before


def test_sms_row_refused_by_database_leaves_nothing(ready):
    world, service, citizen = ready
    before = snapshot()
    _trigger("notify_smsmessage", "desk_test_no_sms")
    try:
        with pytest.raises(DatabaseError):
            submit(service, citizen)
    finally:
        _drop("notify_smsmessage", "desk_test_no_sms")
    assert snapshot() == before


def test_final_audit_entry_refused_leaves_nothing(ready):
    world, service, citizen = ready
    before = snapshot()
    _trigger("core_auditentry", "desk_test_no_audit", when="NEW.action = 'desk.request.submit'")
    try:
        with pytest.raises(DatabaseError):
            submit(service, citizen)
    finally:
        _drop("core_auditentry", "desk_test_no_audit")
    assert snapshot() == before
    # and the next submission takes the next number: no gap
    req = submit(service, citizen)
    first = ServiceRequest.objects.exclude(pk=req.pk).get()
    assert req.letter.seq == first.letter.seq + 1


def test_submit_inside_outer_rollback_leaves_no_sms(ready):
    world, service, citizen = ready
    before = snapshot()
    with pytest.raises(RuntimeError), transaction.atomic():
        submit(service, citizen)
        raise RuntimeError("caller fails after")
    assert snapshot() == before
