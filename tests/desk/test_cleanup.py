"""`dabir cleanup`: expired one-time codes, abandoned desk drafts and files no row refers to."""

import datetime as dt
import os
import time
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from dabir.accounts.models import OneTimeCode
from dabir.core.models import AuditEntry
from dabir.desk.models import RequestDocument
from dabir.letters.models import Attachment

from .pages_fixtures import make_desk, submit

pytestmark = pytest.mark.django_db
DAY = 24 * 3600


def run(*args) -> str:
    out = StringIO()
    call_command("cleanup", *args, stdout=out)
    return out.getvalue()


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def code(*, expired_ago: dt.timedelta) -> OneTimeCode:
    now = timezone.now()
    return OneTimeCode.objects.create(national_code="0012345679", mobile="09121236789", code_hash="x" * 64,
                                      created_at=now - expired_ago - dt.timedelta(minutes=2),
                                      expires_at=now - expired_ago)


def test_expired_codes_older_than_a_day_go(settings):
    old = code(expired_ago=dt.timedelta(days=2))
    recent = code(expired_ago=dt.timedelta(hours=3))  # still in the rate limits' memory for a while
    printed = run("--dry-run")
    assert "would remove 1 expired one-time code(s)" in printed
    assert OneTimeCode.objects.count() == 2 and not AuditEntry.objects.filter(action="cleanup.run").exists()
    printed = run()
    assert "removed 1 expired one-time code(s)" in printed
    assert list(OneTimeCode.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not OneTimeCode.objects.filter(pk=old.pk).exists()
    assert AuditEntry.objects.get(action="cleanup.run").data == {"codes": 1, "registration_keys": 0, "drafts": 0, "files": 0}


def test_abandoned_drafts_go_after_the_session_lifetime(settings):
    settings.SESSION_COOKIE_AGE = 3600
    media = Path(settings.MEDIA_ROOT)
    # drafts stored the way the request form stores them: desk-drafts/<submission key>/<random name>
    stale = default_storage.save(f"desk-drafts/{'a' * 32}/0011223344556677", ContentFile(b"%PDF-1.4 old"))
    fresh = default_storage.save(f"desk-drafts/{'b' * 32}/8899aabbccddeeff", ContentFile(b"%PDF-1.4 new"))
    age(media / stale, 2 * 3600)
    printed = run("--dry-run")
    assert f"would remove draft desk-drafts/{'a' * 32}" in printed and "b" * 32 not in printed
    assert (media / stale).exists()
    printed = run()
    assert f"removed draft desk-drafts/{'a' * 32}" in printed
    assert not (media / stale).parent.exists() and (media / fresh).exists()


def test_files_no_row_refers_to_go_when_a_day_old():
    desk = make_desk()
    req = submit(desk)
    media = Path(settings.MEDIA_ROOT)
    kept = [media / d.file.name for d in RequestDocument.objects.filter(request=req)]
    kept += [media / a.file.name for a in Attachment.objects.filter(letter=req.letter)]
    assert kept and all(p.exists() for p in kept)
    # what a rolled-back registration leaves: files on disk, no rows
    orphan = media / "attachments" / "ab" / ("ab" + "0" * 62)
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"%PDF-1.4 rolled back")
    young = media / "desk" / "cd" / ("cd" + "1" * 62)
    young.parent.mkdir(parents=True, exist_ok=True)
    young.write_bytes(b"%PDF-1.4 being written")
    elsewhere = media / "exports" / "report.csv"  # not a folder the file fields use: never touched
    elsewhere.parent.mkdir(parents=True, exist_ok=True)
    elsewhere.write_text("x")
    for path in [*kept, orphan, elsewhere]:
        age(path, 2 * DAY)
    printed = run("--dry-run")
    assert "would remove unreferenced file attachments/ab/ab000" in printed and orphan.exists()
    printed = run()
    assert f"removed unreferenced file {orphan.relative_to(media).as_posix()}" in printed
    assert not orphan.exists() and young.exists() and elsewhere.exists()
    assert all(p.exists() for p in kept)
    assert "0 draft(s), 1 file(s)" in printed
