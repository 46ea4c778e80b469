"""`dabir restore PATH`: bring a backup back into an empty installation (core/backup.py)."""

import time

from django.core.management.base import BaseCommand, CommandError

from dabir.core import backup


class Command(BaseCommand):
    requires_system_checks = []  # the checks load every URL module: seconds a backup does not need
    help = (
        "Restore a backup made by `dabir backup` into an empty installation (migrated here if needed): "
        "every hash is checked before and after, files go back through the storage, then the audit chain "
        "is verified. A non-empty database is refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the backup folder or .tar file")
        parser.add_argument("--check", action="store_true", help="only check the backup's hashes; change nothing")

    def handle(self, *args, path: str, check: bool, **options):
        progress = self.stdout.write if options["verbosity"] > 1 else None
        started = time.monotonic()
        try:
            if check:
                manifest = backup.check_only(path)
                self.stdout.write(
                    f"OK: {len(manifest['parts'])} بخش و {len(manifest['files'])} پرونده با چکیده‌ها می‌خوانند "
                    f"(پشتیبان {manifest['created_at']}، {manifest['engine']}، {manifest['dabir_version']})"
                )
                return
            summary = backup.restore(path, progress=progress)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        for name in summary.missing_files:
            self.stderr.write(f"هشدار: پرونده {name} هنگام پشتیبان‌گیری در انبار نبود و بازگردانده نشد.")
        self.stdout.write(f"بازگردانده شد از {summary.path}: {backup.describe(summary)} — {time.monotonic() - started:.1f} s")
