"""The hash-chained audit log: one entry per service call, in its transaction; tampering is found."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from dabir.core import audit
from dabir.core.errors import DomainError
from dabir.core.models import AuditEntry
from dabir.core.names import AuditAction
from dabir.letters import services
from dabir.letters.models import Letter, Referral
from dabir.orgs.models import Agency, NumberCounter

from ..factories import make_draft, register_incoming


@pytest.fixture
def chain(world):
    """A world with a few audited actions on it: an incoming letter, a referral read, a draft."""
    letter = register_incoming(world, refer_to=[services.ReferralSpec(world.manager_pos.id)])
    referral = Referral.objects.get(letter=letter)
    services.mark_read(user=world.manager, seat=world.seat(world.manager_pos), referral=referral)
    make_draft(world)
    services.record_print(user=world.clerk, letter=letter)
    entries = list(AuditEntry.objects.order_by("id"))
    assert len(entries) >= 4
    return entries


def test_a_clean_chain_verifies(chain):
    # given entries written by services
    # when the chain is verified
    result = audit.verify()
    # then it is whole and every entry was checked
    assert result.ok, result.reason
    assert result.checked == len(chain)
    assert result.broken_id is None


def test_changed_data_is_found_at_that_entry(chain):
    # given someone edits one entry's data behind the services' back
    target = chain[1]
    AuditEntry.objects.filter(id=target.id).update(data={"number": "forged"})
    # when the chain is verified
    result = audit.verify()
    # then verification fails naming that entry
    assert not result.ok
    assert result.broken_id == target.id
    assert result.checked == 1


def test_changed_hash_is_found_at_that_entry(chain):
    # given someone rewrites one entry's hash
    target = chain[2]
    AuditEntry.objects.filter(id=target.id).update(hash="f" * 64)
    # when verified
    result = audit.verify()
    # then that entry is the first broken one
    assert (result.ok, result.broken_id) == (False, target.id)


def test_a_deleted_entry_breaks_the_link_of_the_next(chain):
    # given someone deletes an entry in the middle
    AuditEntry.objects.filter(id=chain[1].id).delete()
    # when verified
    result = audit.verify()
    # then the entry after the gap is named (its link no longer matches)
    assert (result.ok, result.broken_id) == (False, chain[2].id)


def test_a_deleted_last_entry_is_found_by_the_head(chain):
    # given the newest entry is deleted (no later entry to notice the gap)
    AuditEntry.objects.filter(id=chain[-1].id).delete()
    # when verified
    result = audit.verify()
    # then the chain head no longer matches and names the missing entry
    assert (result.ok, result.broken_id) == (False, chain[-1].id)


def test_entries_link_to_each_other(chain):
    # given a chain
    # then each entry's prev_hash is the previous entry's hash, starting from the genesis hash
    assert chain[0].prev_hash == audit.GENESIS or AuditEntry.objects.filter(id__lt=chain[0].id).exists()
    for prev, entry in zip(chain, chain[1:], strict=False):
        assert entry.prev_hash == prev.hash


@pytest.mark.django_db(transaction=True)
def test_record_refuses_to_run_outside_a_transaction():
    # given no transaction (the test runs in autocommit)
    agency = Agency.objects.create(name="دستگاه بی‌تراکنش", code="NOTX")
    # when something tries to write an entry on its own
    # then it is refused (an entry must commit with the change it records)
    with pytest.raises(RuntimeError):
        audit.record(action=AuditAction.CLEANUP_RUN, obj=agency)
    assert not AuditEntry.objects.exists()


def test_an_entry_rolls_back_with_its_transaction(world):
    # given a transaction that records an entry and then fails
    before = AuditEntry.objects.count()
    with pytest.raises(ValueError), transaction.atomic():
        audit.record(action=AuditAction.CLEANUP_RUN, obj=world.agency)
        raise ValueError
    # then no entry remains and the chain still verifies
    assert AuditEntry.objects.count() == before
    assert audit.verify().ok


def test_an_entry_written_with_a_non_utc_clock_still_verifies(world, monkeypatch):
    # given a clock that reports Tehran time (aware, but not UTC)
    tehran = dt.timezone(dt.timedelta(hours=3, minutes=30))
    later = (timezone.now() + dt.timedelta(hours=1)).astimezone(tehran)
    monkeypatch.setattr(timezone, "now", lambda: later)
    # when a service records an entry
    register_incoming(world)
    # then the stored (UTC) time hashes the same as when it was written
    assert audit.verify().ok


def test_a_failing_service_leaves_no_entry_and_no_rows(world):
    # given the current state
    before = (AuditEntry.objects.count(), Letter.objects.count(), Referral.objects.count())
    # when a registration fails after numbering, the letter row and a first referral
    with pytest.raises(DomainError):
        register_incoming(
            world,
            refer_to=[services.ReferralSpec(world.manager_pos.id), services.ReferralSpec(world.manager_pos.id)],
        )
    # then nothing of it remains: no entry, no letter, no referral, no number used
    assert (AuditEntry.objects.count(), Letter.objects.count(), Referral.objects.count()) == before
    assert not NumberCounter.objects.filter(series=world.incoming_series, last__gt=0).exists()
    assert audit.verify().ok
