"""`dabir counters expire`: mark every active counter office whose licence date has passed expired
(an OfficeEvent and an audit entry each; run it daily, e.g. from cron or a timer after midnight)."""

from django.core.management.base import BaseCommand, CommandError

from dabir.core.errors import DomainError
from dabir.core.jalali import format_date, parse_date, today
from dabir.counters.services.registry import expire_due


class Command(BaseCommand):
    help = "Counter offices: `dabir counters expire [--on 1405/01/15]` marks lapsed licences expired."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["expire"], help="expire: mark active offices past their licence date")
        parser.add_argument("--on", default="", help="the day to judge by (Jalali, e.g. 1405/01/15); today by default")

    def handle(self, *args, action: str, on: str = "", **options):
        try:
            day = parse_date(on, field="on") if on else today()
        except DomainError as exc:
            raise CommandError(exc.message) from None
        count = expire_due(on=day)
        self.stdout.write(f"{count} office(s) expired (licence date before {format_date(day, persian=False)})")
