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

    def handle(self, *args, reset=False, force=False, letters=300, seed=1405, **options):
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
        self.print_accounts()

    def print_accounts(self) -> None:
        rows = loader.accounts()
        self.stdout.write("")
        self.stdout.write(f"Sign in at {SIGN_IN_URL}  (Django admin: {SIGN_IN_URL}admin/)")
        self.stdout.write(f"Every demo account's password: {loader.data.DEMO_PASSWORD}")
        self.stdout.write("")
        columns = ("username", "password", "role", "name")
        widths = {key: max(len(key), *(len(row[key]) for row in rows)) for key in columns}
        line = "  ".join(key.ljust(widths[key]) for key in columns) + "  positions"
        self.stdout.write(line)
        self.stdout.write("-" * len(line))
        for row in rows:
            positions = row["positions"] + (f" — {row['agency']}" if row["agency"] else "")
            self.stdout.write("  ".join(row[key].ljust(widths[key]) for key in columns) + "  " + positions)
        self.stdout.write("")
        self.stdout.write(
            f"Letters between the agencies travel electronically. Each agency's clerk finds the letters that "
            f"arrived in the queue «نامه‌های الکترونیکی رسیده» at {SIGN_IN_URL}exchange/arrivals/ , what it sent "
            f"at {SIGN_IN_URL}exchange/sent/ and inquiries at {SIGN_IN_URL}exchange/inquiries/ :"
        )
        for spec in loader.data.AGENCIES:
            self.stdout.write(f"  {', '.join(spec['clerks'])} — clerk of {spec['name']}")
        self.stdout.write(
            f"E-mails and faxes waiting for the governorate's secretariat (sign in as dabir): "
            f"{SIGN_IN_URL}channels/intake/ ; today's post dispatch list: {SIGN_IN_URL}channels/post/ ; "
            f"e-mail and fax sent: {SIGN_IN_URL}channels/outbox/ ; the address book: {SIGN_IN_URL}channels/contacts/"
        )
