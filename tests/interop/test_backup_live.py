"""A backup taken while clerks register letters (threads, each with its own PostgreSQL connection),
restored into a fresh database: the audit chain verifies, each series' numbers are gapless, and the
next registration takes the next number."""

import os
import threading

import pytest
from django.core.management import call_command
from django.db import connection

from dabir.letters.models import Letter

from ..core.test_backup import restore_elsewhere
from ..factories import make_world, register_incoming
from .servers import postgres_url

pytestmark = pytest.mark.skipif(not postgres_url(), reason="concurrent writers need PostgreSQL")

WRITERS = 4


def test_backup_while_registering_restores_gapless(transactional_db, tmp_path):
    worlds = [make_world(f"دستگاه {i}") for i in range(2)]  # two secretariats, two series being numbered
    stop, errors = threading.Event(), []
    registered = [0]
    lock = threading.Lock()

    def clerk(world):
        try:
            while not stop.is_set():
                register_incoming(world, subject="نامه هم‌زمان با پشتیبان‌گیری")
                with lock:
                    registered[0] += 1
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=clerk, args=(worlds[i % 2],)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    try:
        while registered[0] < 20 and not errors:
            stop.wait(0.05)
        at_start = registered[0]
        call_command("backup", str(tmp_path / "b"), stdout=open(os.devnull, "w"))
        at_end = registered[0]
        while registered[0] < at_end + 20 and not errors:  # and the clerks go on after it
            stop.wait(0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not errors, errors
    total = Letter.objects.filter(seq__isnull=False).count()

    report = restore_elsewhere(tmp_path / "b", tmp_path, [
        {"clerk": w.clerk.username, "secretariat": w.secretariat.id, "position": w.clerk_pos.id} for w in worlds
    ])

    assert report["verify"] and report["verify_after"]
    restored = sum(len(seqs) for seqs in report["seqs"].values())
    assert at_start <= restored <= total and restored < total  # a snapshot from the middle of the run
    assert len(report["seqs"]) == 2
    for key, seqs in report["seqs"].items():
        assert seqs == list(range(1, len(seqs) + 1)), key  # gapless, no repeat
        assert report["next"][key] == len(seqs) + 1
