"""`dabir backup PATH`: a consistent snapshot of the database, stored files and manifest (core/backup.py)."""

import time

from django.core.management.base import BaseCommand, CommandError

from dabir.core import backup


class Command(BaseCommand):
    requires_system_checks = []  # the checks load every URL module: seconds a backup does not need
    help = (
        "Write a backup to PATH (a new folder, or a file ending in .tar): every table in one consistent read, "
        "every stored file the database refers to, and a manifest of SHA-256 sums. DABIR_SIGNING_KEY is "
        "not in it: keep it apart, a restore needs it."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="a new or empty folder, or a file name ending in .tar")

    def handle(self, *args, path: str, **options):
        progress = self.stdout.write if options["verbosity"] > 1 else None
        started = time.monotonic()
        try:
            summary = backup.take(path, progress=progress)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        for name in summary.missing_files:
            self.stderr.write(f"هشدار: پرونده {name} در انبار نبود و در پشتیبان نیست.")
        self.stdout.write(f"پشتیبان در {summary.path}: {backup.describe(summary)} — {time.monotonic() - started:.1f} s")
        self.stdout.write("برای بازگردانی همین DABIR_SIGNING_KEY لازم است؛ آن را جدا از پشتیبان نگه دارید.")
