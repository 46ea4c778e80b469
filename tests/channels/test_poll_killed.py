"""Killing `dabir mail poll` with SIGKILL in the middle of a round, several times, loses no message and
stores none twice: every message is in the queue exactly once (by Message-ID) and marked on the server.

The poll runs as a real process against a SQLite file of its own (migrated here), the mailbox on a real
dovecot over TLS.
"""
# ruff: noqa: F811 - pytest passes the imported dovecot fixture by name

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from dabir.channels import imap

from . import messages as m
from .dovecot import dovecot  # noqa: F401 - the fixture

# The killed processes work on a SQLite file of their own whatever database the suite runs on: the
# test runs once, in the SQLite run, not again beside PostgreSQL.
pytestmark = pytest.mark.skipif(os.environ.get("DABIR_DATABASE_URL", "").startswith("postgres"),
                                reason="runs once, in the SQLite run (its processes use their own SQLite file)")

MESSAGES = 300

SETUP = """
import sys
from django.core.management import call_command
call_command("migrate", verbosity=0)
from dabir.channels import secrets
from dabir.channels.models import Mailbox
from dabir.orgs.models import Agency, Secretariat
agency = Agency.objects.create(name="استانداری آزمون", code="AGK", province="خوزستان")
sec = Secretariat.objects.create(agency=agency, name="دبیرخانه مرکزی", code="DM")
box = Mailbox.objects.create(secretariat=sec, name="صندوق", address="dabir@agency.example.ir",
    imap_host="127.0.0.1", imap_port=int(sys.argv[1]), username="dabir", password_encrypted=secrets.encrypt(sys.argv[2]),
    ca_certificate=open(sys.argv[3]).read())
print(box.pk)
"""


def _env(tmp_path) -> dict:
    env = dict(os.environ)
    env.update(DJANGO_SETTINGS_MODULE="dabir.settings", DABIR_DATABASE_URL=f"sqlite://{tmp_path / 'kill.sqlite3'}",
               DABIR_VAR_DIR=str(tmp_path / "var"), DABIR_MAIL_POLL_BATCH="1000")
    return env


def _dabir(*args) -> list[str]:
    return [sys.executable, "-c", "from dabir.cli import main; main()", *args]


def test_killed_poll_loses_nothing_and_doubles_nothing(dovecot, tmp_path):
    env = _env(tmp_path)
    ca = tmp_path / "ca.pem"
    ca.write_text(dovecot.ca_pem)
    box_id = subprocess.run([sys.executable, "-c", "import django; django.setup()\n" + SETUP, str(dovecot.port),
                             dovecot.users["dabir"], str(ca)], env=env, check=True, capture_output=True,
                            text=True).stdout.strip().splitlines()[-1]
    kinds = [m.plain, lambda **kw: m.nested_inline().replace(b"<nested@x>", kw["message_id"].encode())]
    dovecot.append("dabir", *(kinds[i % 2](message_id=f"<kill-{i}@x>") for i in range(MESSAGES)))

    rng = random.Random(12)
    db = sqlite3.connect(tmp_path / "kill.sqlite3", timeout=30)
    kills = 0
    count = lambda: db.execute("SELECT count(*) FROM channels_intakeitem").fetchone()[0]  # noqa: E731
    for _ in range(4):
        before, wanted = count(), rng.randint(5, 40)
        proc = subprocess.Popen(_dabir("mail", "poll", "--mailbox", box_id), env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Killed once it is well into the round: some messages stored, more to come.
        while proc.poll() is None and count() < before + wanted:
            time.sleep(0.02)
        time.sleep(rng.uniform(0, 0.1))  # anywhere inside one message: fetch, store, commit or mark
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        # The killed poller's lease would run out after a minute; the test does not wait for it.
        db.execute("UPDATE channels_mailbox SET lease_until = NULL")
        db.commit()
    stored_midway = count()
    assert kills == 4 and 0 < stored_midway < MESSAGES, (kills, stored_midway)

    done = subprocess.run(_dabir("mail", "poll", "--mailbox", box_id), env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    rows = db.execute("SELECT message_id, count(*) FROM channels_intakeitem GROUP BY message_id").fetchall()
    assert len(rows) == MESSAGES and {n for _, n in rows} == {1}
    assert {mid for mid, _ in rows} == {f"kill-{i}@x" for i in range(MESSAGES)}
    flags = dovecot.flags("dabir")
    assert len(flags) == MESSAGES and all(imap.KEYWORD in f for f in flags.values())
    audits = db.execute("SELECT count(*) FROM core_auditentry WHERE action = 'channels.intake.store'").fetchone()[0]
    assert audits == MESSAGES
