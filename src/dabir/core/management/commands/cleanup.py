"""`dabir cleanup [--dry-run]`: remove what nobody needs any more; run it daily (cron or a systemd timer).

What the apps register today (dabir.core.cleanup):
- one-time codes (sign-in and tracking) that expired more than a day ago; the rate limits look back
  one hour only, so these rows count for nothing;
- abandoned drafts of the desk's request form: files under desk-drafts/<key>/ that no
  session can reach any more (older than the session lifetime, SESSION_COOKIE_AGE);
- files under the folders of letter attachments, request documents, letter version PDFs and signature
  images that no Attachment, RequestDocument, LetterVersion.pdf or SignatureImage row names, older than a
  day: files a registration stored before its transaction rolled back. Younger files are left
  alone, since a registration may be writing them right now.

With --dry-run it prints what it would remove and removes nothing. Each removal is printed; one audit
entry (`cleanup.run`) records the counts.
"""

import time

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from dabir.core import audit, cleanup, files
from dabir.core.names import AuditAction


class CleanupRun:
    """What the audit entry names: one run of the command."""

    def __init__(self, at):
        self.pk = at.strftime("%Y-%m-%dT%H:%M:%S")


class Command(BaseCommand):
    help = ("Remove expired one-time codes, abandoned desk drafts and files no row refers to "
            "(run daily; --dry-run only prints).")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="print what would be removed; remove nothing")

    def handle(self, *args, dry_run: bool = False, **options):
        # Files are walked through the storage API: MEDIA_ROOT or the object store (docs/deploy.md).
        storage = default_storage
        now = timezone.now()
        now_ts = time.time()
        verb = "would remove" if dry_run else "removed"

        kinds = cleanup.expired_kinds()
        counts = {kind.key: kind.rows(now).count() for kind in kinds}
        for kind in kinds:
            self.stdout.write(f"{verb} {counts[kind.key]} {kind.label}")

        draft_age = int(settings.SESSION_COOKIE_AGE)
        drafts = cleanup.stale_drafts(storage, now_ts, draft_age)
        for folder in drafts:
            self.stdout.write(f"{verb} draft {folder}")

        # Listed while no registration can commit a new reference to a file that is already a day old.
        orphans = cleanup.orphan_files(storage, now_ts)
        for name in orphans:
            self.stdout.write(f"{verb} unreferenced file {name}")

        if not dry_run:
            with transaction.atomic():
                for kind in kinds:
                    kind.rows(now).delete()
                audit.record(action=AuditAction.CLEANUP_RUN, obj=CleanupRun(now), data={
                    **counts, "drafts": len(drafts), "files": len(orphans)})
            for folder, names in drafts.items():
                for name in names:
                    storage.delete(name)
                if names != [folder]:
                    files.remove_empty_folder(storage, folder)
            for name in orphans:
                storage.delete(name)
        rows = "".join(f"{counts[kind.key]} {kind.short}, " for kind in kinds)
        self.stdout.write(f"{'dry run: ' if dry_run else ''}{rows}{len(drafts)} draft(s), {len(orphans)} file(s)")
