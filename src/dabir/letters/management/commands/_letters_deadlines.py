"""`dabir letters deadlines [--on 1405/01/15]`: tell the holders of open referrals whose deadline is the
next working day or has passed (what the worker does every DABIR_DEADLINE_SCAN_SECONDS); each once."""

from django.core.management.base import CommandError

from dabir.core.errors import DomainError
from dabir.core.jalali import format_date, parse_date, today

HELP = "tell holders of referral deadlines tomorrow and passed (each once), as the worker does"


def add_arguments(parser) -> None:
    parser.add_argument("--on", default="", help="the day to judge by (Jalali, e.g. 1405/01/15); today by default")


def run(command, *, on: str = "", **options) -> None:
    from dabir.letters.notices import scan_deadlines

    try:
        day = parse_date(on, field="on") if on else today()
    except DomainError as exc:
        raise CommandError(exc.message) from None
    count = scan_deadlines(day)
    command.stdout.write(f"{count} deadline notice(s) written ({format_date(day, persian=False)})")
