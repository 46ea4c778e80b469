"""`dabir cleanup [--dry-run]`: remove what nobody needs any more; run it daily (cron or a systemd timer).

- one-time codes (sign-in and tracking) that expired more than a day ago; the rate limits look back
  one hour only, so these rows count for nothing;
- abandoned drafts of the desk's request form: files under MEDIA_ROOT/desk-drafts/<key>/ that no
  session can reach any more (older than the session lifetime, SESSION_COOKIE_AGE);
- files under the folders of letter attachments, request documents, letter version PDFs and signature
  images that no Attachment, RequestDocument, LetterVersion.pdf or SignatureImage row names, older than a
  day: files a registration wrote to disk before its transaction rolled back. Younger files are left
  alone, since a registration may be writing them right now.

With --dry-run it prints what it would remove and removes nothing. Each removal is printed; one audit
entry (`cleanup.run`) records the counts.
"""

import datetime as dt
import shutil
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from dabir.core import audit

DAY = 24 * 3600
DRAFTS = "desk-drafts"
# The folders (under MEDIA_ROOT) that the file fields write to; nothing else is swept.
FILE_FOLDERS = ("attachments", "desk", "letters", "signatures")


class CleanupRun:
    """What the audit entry names: one run of the command."""

    def __init__(self, at):
        self.pk = at.strftime("%Y-%m-%dT%H:%M:%S")


def expired_codes(now):
    from dabir.accounts.models import OneTimeCode

    return OneTimeCode.objects.filter(expires_at__lt=now - dt.timedelta(seconds=DAY))


def stale_drafts(media: Path, now_ts: float, max_age: int) -> list[Path]:
    """Draft folders whose newest file (or the folder itself, when empty) is older than `max_age`."""
    root = media / DRAFTS
    if not root.is_dir():
        return []
    out = []
    for folder in sorted(root.iterdir()):
        if not folder.is_dir():
            if now_ts - folder.stat().st_mtime > max_age:
                out.append(folder)
            continue
        times = [p.stat().st_mtime for p in folder.rglob("*") if p.is_file()] or [folder.stat().st_mtime]
        if now_ts - max(times) > max_age:
            out.append(folder)
    return out


def referenced_files() -> set[str]:
    """Every file name (relative to MEDIA_ROOT) a row still points at."""
    from dabir.desk.models import RequestDocument
    from dabir.letters.models import Attachment
    from dabir.signing.models import LetterVersion, SignatureImage

    names: set[str] = set()
    for model, field in ((Attachment, "file"), (RequestDocument, "file"), (LetterVersion, "pdf"),
                         (SignatureImage, "image")):
        names.update(n for n in model.objects.exclude(**{field: ""}).exclude(**{f"{field}__isnull": True})
                     .values_list(field, flat=True).iterator() if n)
    return names


def orphan_files(media: Path, now_ts: float, min_age: int = DAY) -> list[Path]:
    keep = referenced_files()
    out = []
    for folder in FILE_FOLDERS:
        root = media / folder
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if not path.is_file() or now_ts - path.stat().st_mtime <= min_age:
                continue
            if path.relative_to(media).as_posix() not in keep:
                out.append(path)
    return out


class Command(BaseCommand):
    help = ("Remove expired one-time codes, abandoned desk drafts and files no row refers to "
            "(run daily; --dry-run only prints).")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="print what would be removed; remove nothing")

    def handle(self, *args, dry_run: bool = False, **options):
        media = Path(settings.MEDIA_ROOT)
        now = timezone.now()
        now_ts = time.time()
        verb = "would remove" if dry_run else "removed"

        codes = expired_codes(now)
        n_codes = codes.count()
        self.stdout.write(f"{verb} {n_codes} expired one-time code(s)")

        draft_age = int(getattr(settings, "SESSION_COOKIE_AGE", 14 * DAY))
        drafts = stale_drafts(media, now_ts, draft_age)
        for path in drafts:
            self.stdout.write(f"{verb} draft {path.relative_to(media).as_posix()}")

        # Listed while no registration can commit a new reference to a file that is already a day old.
        orphans = orphan_files(media, now_ts)
        for path in orphans:
            self.stdout.write(f"{verb} unreferenced file {path.relative_to(media).as_posix()}")

        if not dry_run:
            with transaction.atomic():
                expired_codes(now).delete()
                audit.record(action="cleanup.run", obj=CleanupRun(now), data={
                    "codes": n_codes, "drafts": len(drafts), "files": len(orphans)})
            for path in drafts:
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
            for path in orphans:
                path.unlink(missing_ok=True)
        self.stdout.write(
            f"{'dry run: ' if dry_run else ''}{n_codes} code(s), {len(drafts)} draft(s), {len(orphans)} file(s)")
