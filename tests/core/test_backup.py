"""`dabir backup` and `dabir restore`: a backup restored into a fresh installation (a new SQLite file,
or a new PostgreSQL database, in another process) verifies, keeps every file and continues numbering;
an altered backup, another signing key or a database with data in it is refused."""

import gzip
import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dabir.core import backup
from dabir.letters.models import Attachment, Letter
from dabir.letters.services import Upload

from ..factories import PDF_BYTES, make_world, register_incoming

ROOT = Path(__file__).resolve().parents[2]

# Run in the restored installation: restore, then report what a test needs to judge it.
RESTORE_AND_REPORT = r"""
import hashlib, io, json, sys
import django
django.setup()
from django.core.management import call_command
from dabir.core import audit
from dabir.accounts.models import User
from dabir.letters import services
from dabir.letters.models import Attachment, Letter
from dabir.orgs.models import Position, Secretariat
from dabir.orgs.selectors import Seat

out = io.StringIO()
call_command("restore", sys.argv[1], stdout=out)
report = {"restore": out.getvalue(), "verify": audit.verify().ok, "seqs": {}, "next": {}, "files": {}}
for series, year, seq in Letter.objects.filter(seq__isnull=False).order_by("series", "year", "seq").values_list(
        "series", "year", "seq"):
    report["seqs"].setdefault(f"{series}/{year}", []).append(seq)
report["updated_at"] = {str(pk): at.isoformat() for pk, at in Letter.objects.values_list("pk", "updated_at")}
for item in json.loads(sys.argv[2]):
    letter = services.register_incoming(
        user=User.objects.get(username=item["clerk"]), secretariat=Secretariat.objects.get(id=item["secretariat"]),
        subject="نامه پس از بازگردانی", sender_name="شهرداری اهواز", channel="post",
        seat=Seat(Position.objects.get(id=item["position"]), False),
    )
    report["next"][f"{letter.series_id}/{letter.year}"] = letter.seq
for attachment in Attachment.objects.all():
    with attachment.file.open("rb") as fh:
        report["files"][attachment.file.name] = hashlib.sha256(fh.read()).hexdigest()
report["verify_after"] = audit.verify().ok
print("REPORT " + json.dumps(report))
"""


def _admin_sql(sql: str) -> None:
    from tests.interop.servers import _admin_sql, postgres_url

    _admin_sql(postgres_url(), sql)


def restore_elsewhere(path: Path, workdir: Path, register: list[dict]) -> dict:
    """Restore `path` into a fresh installation in another process (SQLite file or new PostgreSQL
    database, as the suite runs), register the given letters there, and return its report."""
    from tests.interop.servers import postgres_url

    var = workdir / f"restored-{uuid.uuid4().hex[:8]}"
    var.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DABIR_TEST_"))}
    env.update(DJANGO_SETTINGS_MODULE="dabir.settings", DABIR_VAR_DIR=str(var), DABIR_FAST_PASSWORD_HASHER="1",
               DABIR_CONN_MAX_AGE="0", PYTHONPATH=str(ROOT))
    database = ""
    base = postgres_url()
    if base:
        database = f"test_dabir_restored_{uuid.uuid4().hex[:10]}"
        _admin_sql(f"CREATE DATABASE {database}")
        env["DABIR_DATABASE_URL"] = base.rsplit("/", 1)[0] + "/" + database
    else:
        env["DABIR_DATABASE_URL"] = f"sqlite:///{var / 'fresh.sqlite3'}"
    try:
        done = subprocess.run([sys.executable, "-c", RESTORE_AND_REPORT, str(path), json.dumps(register)],
                              env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    finally:
        if database:
            _admin_sql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("REPORT "))
    return json.loads(line.removeprefix("REPORT "))


@pytest.fixture
def filled(transactional_db):
    """An agency with three incoming letters, one with a PDF attached (the backup reads outside any
    test transaction, as the command does, so the rows are committed)."""
    world = make_world()
    letters = [
        register_incoming(world, uploads=[Upload(name="پیوست.pdf", content=PDF_BYTES)]),
        register_incoming(world, subject="دومین نامه"),
        register_incoming(world, subject="سومین نامه"),
    ]
    return world, letters


def _register_spec(world):
    return [{"clerk": world.clerk.username, "secretariat": world.secretariat.id, "position": world.clerk_pos.id}]


def test_backup_restores_into_a_fresh_installation(filled, tmp_path):
    world, letters = filled
    call_command("backup", str(tmp_path / "b"), stdout=open(os.devnull, "w"))

    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["engine"] in {"sqlite", "postgresql"} and manifest["migrations"]["letters"]
    assert {p["name"] for p in manifest["parts"]} >= {"db/letters.letter.jsonl.gz", "db/core.auditentry.jsonl.gz"}
    attachment = Attachment.objects.get()
    with attachment.file.open("rb") as fh:
        original = hashlib.sha256(fh.read()).hexdigest()
    assert [(f["name"], f["sha256"]) for f in manifest["files"]] == [(attachment.file.name, original)]
    signing_key = str(__import__("django.conf").conf.settings.DABIR_SIGNING_KEY)
    assert signing_key not in (tmp_path / "b" / "manifest.json").read_text()

    updated_at = {str(pk): at.isoformat() for pk, at in Letter.objects.values_list("pk", "updated_at")}
    report = restore_elsewhere(tmp_path / "b", tmp_path, _register_spec(world))

    key = f"{world.incoming_series.id}/{letters[0].year}"
    assert report["verify"] and report["verify_after"]
    assert report["seqs"] == {key: [1, 2, 3]}
    assert report["next"] == {key: 4}  # numbering goes on: no gap, no repeat
    assert report["files"] == {attachment.file.name: original}
    # Rows come back as they were: no auto_now stamps the restore's time (the new letter aside).
    assert {pk: at for pk, at in report["updated_at"].items() if pk in updated_at} == updated_at


def test_tar_backup_checks_and_names_what_was_altered(filled, tmp_path):
    call_command("backup", str(tmp_path / "b.tar"), stdout=open(os.devnull, "w"))
    manifest = backup.check_only(tmp_path / "b.tar")
    assert manifest["files"] and manifest["parts"]

    call_command("backup", str(tmp_path / "b"), stdout=open(os.devnull, "w"))
    part = tmp_path / "b" / "db" / "letters.letter.jsonl.gz"
    lines = gzip.decompress(part.read_bytes()).decode().splitlines()
    part.write_bytes(gzip.compress("\n".join([*lines[:-1], lines[-1].replace("سومین", "چهارمین")]).encode()))
    with pytest.raises(CommandError, match="db/letters.letter.jsonl.gz"):
        call_command("restore", str(tmp_path / "b"), "--check")

    call_command("backup", str(tmp_path / "c"), stdout=open(os.devnull, "w"))
    entry = json.loads((tmp_path / "c" / "manifest.json").read_text())["files"][0]
    stored = tmp_path / "c" / entry["path"]
    stored.write_bytes(stored.read_bytes() + b"%")
    with pytest.raises(CommandError, match=entry["name"]):
        call_command("restore", str(tmp_path / "c"))
    assert Letter.objects.count() == 3  # refused before anything was touched


def test_altered_manifest_and_another_signing_key_are_refused(filled, tmp_path, settings):
    call_command("backup", str(tmp_path / "b"), stdout=open(os.devnull, "w"))
    path = tmp_path / "b" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["parts"][0]["rows"] += 1
    path.write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match="manifest.json"):
        call_command("restore", str(tmp_path / "b"), "--check")

    call_command("backup", str(tmp_path / "c"), stdout=open(os.devnull, "w"))
    settings.DABIR_SIGNING_KEY = "another-key"
    with pytest.raises(CommandError, match="DABIR_SIGNING_KEY"):
        call_command("restore", str(tmp_path / "c"), "--check")


def test_restore_into_a_database_with_data_is_refused(filled, tmp_path):
    call_command("backup", str(tmp_path / "b"), stdout=open(os.devnull, "w"))
    before = Letter.objects.count()
    with pytest.raises(CommandError, match="پایگاه داده خالی نیست"):
        call_command("restore", str(tmp_path / "b"))
    assert Letter.objects.count() == before


def test_backup_refuses_a_folder_with_something_in_it(transactional_db, tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "old").write_text("x")
    with pytest.raises(CommandError, match="خالی نیست"):
        call_command("backup", str(tmp_path / "b"))
    with pytest.raises(CommandError, match="پشتیبان دبیر نیست"):
        call_command("restore", str(tmp_path / "nothing-here"))
