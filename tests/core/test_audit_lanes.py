"""The audit chain in lanes: concurrent writers take different lanes instead of queueing behind one row;
checkpoints link the lanes' heads, and verify finds tampering in any lane or checkpoint."""

import threading

import pytest
from django.db import connection, connections, transaction

from dabir.core import audit
from dabir.core.models import AuditEntry, AuditHead
from dabir.core.names import AuditAction
from dabir.orgs.models import Agency


def _write(agency, n=1):
    for _ in range(n):
        with transaction.atomic():
            audit.record(action=AuditAction.CLEANUP_RUN, obj=agency, data={"n": _})


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_each_take_their_own_lane_and_the_chain_verifies():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: every entry is in lane 1")
    # given an agency and four writers that each hold their transaction open until all four have written
    agency = Agency.objects.create(name="دستگاه آزمون", code="LANES")
    # The lanes exist, as migrations leave them (this test's database was flushed): writers that had to
    # create them at once would wait on each other's uncommitted rows.
    audit._ensure_lanes()
    barrier = threading.Barrier(4)
    lanes, errors = [], []

    def writer():
        try:
            with transaction.atomic():
                lanes.append(audit.record(action=AuditAction.CLEANUP_RUN, obj=agency).lane)
                barrier.wait(timeout=20)  # nobody commits before everyone has written: no one waited
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then none waited for another: four different lanes, and the whole log verifies
    assert not errors, errors
    assert len(set(lanes)) == 4
    assert audit.verify().ok
    # and a checkpoint afterwards links the four lanes' heads
    mark = audit.checkpoint()
    assert mark.lane == audit.CHECKPOINT_LANE
    assert set(mark.data["heads"]) >= {str(lane) for lane in lanes}
    assert audit.verify().ok


def test_a_checkpoint_names_each_lane_head_and_is_skipped_when_nothing_changed(world):
    # given a few entries
    _write(world.agency, 3)
    # when a checkpoint is taken
    mark = audit.checkpoint()
    # then it records the head of the lane the entries went to, and the chain still verifies
    last = AuditEntry.objects.exclude(lane=audit.CHECKPOINT_LANE).order_by("-id").first()
    assert mark.data["heads"][str(last.lane)] == [last.id, last.hash]
    assert audit.verify().ok
    # and a second checkpoint with nothing new in between writes nothing
    assert audit.checkpoint() is None
    _write(world.agency)
    assert audit.checkpoint() is not None
    assert audit.verify().ok


def test_deleting_the_newest_entries_before_a_checkpoint_is_found_at_the_checkpoint(world):
    # given entries sealed by a checkpoint, then more entries
    _write(world.agency, 3)
    mark = audit.checkpoint()
    sealed = AuditEntry.objects.filter(id__lt=mark.id).exclude(lane=0).order_by("-id").first()
    _write(world.agency, 2)
    # when someone deletes the last sealed entry and repairs the lane's links after it
    AuditEntry.objects.filter(id=sealed.id).delete()
    _relink_lane(sealed.lane)
    # then the links hold but the checkpoint no longer matches its lane, and verify names it
    result = audit.verify()
    assert (result.ok, result.broken_id) == (False, mark.id)
    assert result.reason == "نقطه بازبینی با سر رشته‌ها نمی‌خواند"


def test_a_forged_checkpoint_is_found(world):
    _write(world.agency, 2)
    mark = audit.checkpoint()
    AuditEntry.objects.filter(id=mark.id).update(data={"heads": {}})
    result = audit.verify()
    assert (result.ok, result.broken_id) == (False, mark.id)


def test_lanes_come_back_after_a_flush(world):
    # given the head rows are gone (a test database flushed between tests)
    AuditHead.objects.all().delete()
    # when a service records an entry
    _write(world.agency)
    # then the lanes were made again and the new chain verifies from its start
    assert AuditHead.objects.filter(id__gte=1).count() >= 1
    assert AuditHead.objects.filter(id=audit.CHECKPOINT_LANE).exists()


def _relink_lane(lane: int) -> None:
    """What a careful forger does: recompute every link and hash of a lane after a deleted entry."""
    prev = audit.GENESIS
    for entry in AuditEntry.objects.filter(lane=lane).order_by("id"):
        entry.prev_hash = prev
        entry.hash = audit._digest(prev, entry)
        AuditEntry.objects.filter(id=entry.id).update(prev_hash=entry.prev_hash, hash=entry.hash)
        prev = entry.hash
    AuditHead.objects.filter(id=lane).update(last_hash=prev)
