"""`dabir audit verify`: walk the hash-chained audit log and name the first broken entry.

`dabir audit checkpoint`: link every lane's head now (the worker does it every minute)."""

from django.core.management.base import BaseCommand, CommandError

from dabir.core import audit
from dabir.core.models import AuditEntry


class Command(BaseCommand):
    help = "Check the audit log: `dabir audit verify` recomputes every entry's hash and link."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify", "checkpoint"],
                            help="verify: check the whole chain; checkpoint: link the lanes' heads now")

    def handle(self, *args, action: str, **options):
        if action == "checkpoint":
            entry = audit.checkpoint()
            self.stdout.write(f"checkpoint {entry.id}" if entry else "nothing new since the last checkpoint")
            return
        result = audit.verify()
        if result.ok:
            self.stdout.write(f"OK: {result.checked} entries")
            return
        entry = AuditEntry.objects.filter(id=result.broken_id).first()
        what = entry.action if entry else "?"
        raise CommandError(
            f"BROKEN: entry {result.broken_id} ({what}) — {result.reason}; "
            f"{result.checked} entries before it are intact."
        )
