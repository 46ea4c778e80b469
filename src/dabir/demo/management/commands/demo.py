"""`dabir demo`: load the Persian demo once, then print where to sign in and the demo accounts."""

import shutil
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from dabir.demo import loader

SIGN_IN_URL = "http://127.0.0.1:8000/"


class Command(BaseCommand):
    help = "Load the realistic Persian demo (idempotent) and print the demo accounts."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Wipe the database's data first.")
        parser.add_argument(
            "--force", action="store_true", help="Allow --reset on PostgreSQL (it empties every table)."
        )
        parser.add_argument("--letters", type=int, default=300, help="How many letters to create (default 300).")
        parser.add_argument("--seed", type=int, default=1405, help="Random seed (the demo is deterministic).")
        parser.add_argument("--accounts", action="store_true",
                            help="Only print the sign-in table of the demo accounts (`dabir serve --accounts` does it once the server answers).")
        parser.add_argument("--no-accounts", action="store_true", help="Load without printing the sign-in table.")
        parser.add_argument("--url", default=SIGN_IN_URL, help="Where the server answers, for the sign-in table.")

    def handle(self, *args, reset=False, force=False, letters=300, seed=1405, accounts=False, no_accounts=False,
               url=SIGN_IN_URL, **options):
        self.url = url if url.endswith("/") else url + "/"
        if accounts:
            self.print_accounts()
            return
        if letters < len(loader.SCENARIOS):
            raise CommandError(f"--letters must be at least {len(loader.SCENARIOS)} to cover every state.")
        if reset:
            if connection.vendor != "sqlite" and not force:
                raise CommandError(
                    "--reset empties every table of this PostgreSQL database; add --force if you mean it."
                )
            call_command("flush", interactive=False, verbosity=0)
            # Files of the wiped letters would be orphans; their folder is rebuilt by the demo.
            shutil.rmtree(Path(settings.MEDIA_ROOT) / "attachments", ignore_errors=True)
            self.stdout.write("داده‌های پایگاه پاک شد.")
        started = time.monotonic()
        summary = loader.load(letters=letters, seed=seed, log=self.stdout.write)
        if summary is None:
            self.stdout.write("داده‌های نمایشی پیش‌تر بار شده است؛ چیزی افزوده نشد. (--reset to start again)")
        else:
            states = ", ".join(f"{name} {count}" for name, count in sorted(summary["statuses"].items()))
            self.stdout.write(
                f"Demo loaded: {summary['letters']} letters ({states}) in {time.monotonic() - started:.1f}s."
            )
        if not no_accounts:
            self.print_accounts()

    def print_accounts(self) -> None:
        """The sign-in table, in Persian, one line per account; printed last by `make demo`."""
        write = self.stdout.write
        write("")
        write("═" * 72)
        write(f"  دبیر آماده است:  {self.url}")
        write(f"  گذرواژه همه حساب‌های نمایشی:  {loader.data.DEMO_PASSWORD}")
        write(f"  مدیریت سامانه (Django admin):  {self.url}admin/")
        write("═" * 72)
        rows = loader.accounts()
        width = max(_width(row["username"]) for row in rows)  # one column for every group
        for title, group in _groups(rows):
            write("")
            write(f"  {title}")
            for row in group:
                role = "، ".join(ROLE_NAMES.get(part, part) for part in row["role"].split(" + "))
                where = row["positions"] + (f" — {row['agency']}" if row["agency"] else "")
                write(f"    {row['username']}{' ' * (width - _width(row['username']))}   {role}: {row['name']}، {where}")
        write("")
        write("  جای هر کار:")
        for label, path in PLACES:
            write(f"    {label}:  {self.url}{path}")
        write("")
        write("  دفترهای دبیرخانه دستگاه‌ها (نامه‌های الکترونیکی رسیده):  "
              + "؛ ".join(f"{', '.join(spec['clerks'])} ({spec['name']})" for spec in loader.data.AGENCIES))
        write("═" * 72)


# The demo's roles (loader.accounts and each part's accounts()) in Persian, for the sign-in table.
ROLE_NAMES = {
    "superuser (/admin/)": "مدیر کل سامانه",
    "clerk": "متصدی دبیرخانه",
    "acting holder": "جانشین",
    "manager": "مدیر",
    "agency admin": "راهبر سامانه در دستگاه",
    "expert": "کارشناس",
    "counter regulator": "ناظر دفاتر پیشخوان",
    "counter office manager": "مدیر دفتر پیشخوان",
    "counter operator": "کاربر باجه پیشخوان",
    "citizen": "شهروند",
    "supervisor": "ناظر",
    "manager (own agency's figures)": "مدیر دستگاه (آمار دستگاه خود)",
}

PLACES = [
    ("میز کار و کارتابل کارکنان", ""),
    ("میز خدمت شهروندان", "services/"),
    ("ورود شهروند با کد یک‌بارمصرف", "citizen/login/"),
    ("ایمیل و نمابر رسیده (با dabir)", "channels/intake/"),
    ("دفتر ارسال پستی امروز", "channels/post/"),
    ("نامه‌های الکترونیکی رسیده از دستگاه‌های دیگر", "exchange/arrivals/"),
    ("دفاتر پیشخوان", "counters/"),
    ("نظارت و رتبه‌بندی دستگاه‌ها", "stats/"),
    ("درستی‌سنجی نامه‌ها", "verify/"),
]

_GROUPS = [
    ("کارکنان دستگاه‌ها", {"superuser (/admin/)", "clerk", "acting holder", "manager", "agency admin", "expert"}),
    ("ناظران", {"supervisor", "manager (own agency's figures)"}),
    ("دفاتر پیشخوان", {"counter regulator", "counter office manager", "counter operator"}),
    ("شهروند", {"citizen"}),
]


def _groups(rows):
    left = list(rows)
    for title, roles in _GROUPS:
        group = [row for row in left if row["role"].split(" + ")[0] in roles]
        left = [row for row in left if row not in group]
        if group:
            yield title, group
    if left:
        yield "دیگران", left


def _width(text: str) -> int:
    """Columns a terminal gives the text: zero-width joiners and marks take none."""
    return sum(0 if ch in "\u200c\u200d\u200e\u200f" else 1 for ch in text)
