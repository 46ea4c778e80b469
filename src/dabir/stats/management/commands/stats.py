"""`dabir stats refresh` recomputes the agency-days marked dirty (the worker does it every
DABIR_STATS_REFRESH_SECONDS); `dabir stats rebuild` recomputes every figure from the letters, prints,
referrals, signatures and requests, and gives the same numbers."""

import time

from django.core.management.base import BaseCommand, CommandError

from dabir.core.errors import DomainError
from dabir.core.jalali import parse_date
from dabir.stats import aggregate


class Command(BaseCommand):
    help = "Supervision figures: `dabir stats refresh` (dirty days only) or `dabir stats rebuild [--from D --to D]`."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["refresh", "rebuild"])
        parser.add_argument("--from", dest="start", default="", help="rebuild from this Jalali day (e.g. 1404/09/01)")
        parser.add_argument("--to", dest="end", default="", help="rebuild up to this Jalali day (default today)")

    def handle(self, *args, action: str, start: str = "", end: str = "", **options):
        began = time.monotonic()
        if action == "refresh":
            count = aggregate.refresh()
            self.stdout.write(f"{count} agency-day(s) refreshed in {time.monotonic() - began:.1f} s")
            return
        try:
            first = parse_date(start, field="from") if start else None
            last = parse_date(end, field="to") if end else None
        except DomainError as exc:
            raise CommandError(exc.message) from None
        verbose = options.get("verbosity", 1) > 1
        count = aggregate.rebuild(start=first, end=last, log_to=self.stdout.write if verbose else None)
        self.stdout.write(f"{count} agency-day(s) rebuilt in {time.monotonic() - began:.1f} s")
