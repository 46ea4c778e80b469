"""`dabir check-deploy`: the checks an operator runs before opening an installation to users."""

import io
import os
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from dabir.core import audit, files

DEFAULT_KEY_PREFIX = "dabir-development-key"
HSTS_MIN_SECONDS = 15724800  # six months, the least OWASP ASVS accepts


class Command(BaseCommand):
    help = "Check settings, database, migrations, static and media files and the audit chain for production."

    def add_arguments(self, parser):
        parser.add_argument(
            "--development", action="store_true",
            help="A development or test install served over plain HTTP: secure cookies and HSTS only warn.",
        )

    def handle(self, *args, **options):
        errors, warnings = [], []
        # Outside development the site is served over HTTPS only: cookies never travel in clear
        # and browsers are told (HSTS) never to try plain HTTP.
        https = warnings if options["development"] else errors
        if not (settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE):
            https.append("DABIR_SECURE_COOKIES is off: session and CSRF cookies would travel over plain HTTP.")
        if settings.SECURE_HSTS_SECONDS < HSTS_MIN_SECONDS:
            https.append(
                "DABIR_HSTS_SECONDS is unset or under six months (15724800): set it (a year is 31536000) "
                "so browsers use HTTPS only."
            )
        if settings.DEBUG:
            errors.append("DABIR_DEBUG is on: turn it off in production.")
        if settings.SECRET_KEY.startswith(DEFAULT_KEY_PREFIX) or len(settings.SECRET_KEY) < 40:
            errors.append("DABIR_SECRET_KEY is the development key or too short: set a random key of 50+ characters.")
        if set(settings.ALLOWED_HOSTS) <= {"localhost", "127.0.0.1", "[::1]", "testserver"}:
            warnings.append("DABIR_ALLOWED_HOSTS lists only local names: add the site's host name.")
        if connection.vendor == "sqlite":
            warnings.append("The database is SQLite: fine for one machine; use PostgreSQL (DABIR_DATABASE_URL) for several.")
        try:
            connection.ensure_connection()
            plan = MigrationExecutor(connection).migration_plan(MigrationExecutor(connection).loader.graph.leaf_nodes())
            if plan:
                errors.append(f"{len(plan)} migrations are not applied: run `dabir migrate`.")
        except Exception as exc:  # the database may be unreachable: report it, do not crash
            errors.append(f"The database is unreachable: {exc}")
            plan = None
        static_root = Path(settings.STATIC_ROOT)
        if not static_root.is_dir() or not any(static_root.iterdir()):
            errors.append(f"STATIC_ROOT ({static_root}) is empty: run `dabir collectstatic --noinput`.")
        # The file storage (MEDIA_ROOT or the object store, docs/deploy.md): write, read back, delete.
        problem = files.check_writable(default_storage)
        if problem:
            bucket = settings.DABIR_S3_BUCKET
            where = f"the bucket {bucket}" if bucket else f"MEDIA_ROOT ({settings.MEDIA_ROOT})"
            errors.append(f"The file storage, {where}, is not usable: {problem}")
        if plan == []:
            result = audit.verify()
            if not result.ok:
                errors.append(f"The audit chain is broken at entry {result.broken_id}: {result.reason}")
            else:
                self.stdout.write(f"audit chain: OK ({result.checked} entries)")
        django_checks = io.StringIO()
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dabir.settings")
        try:
            call_command("check", deploy=True, stdout=django_checks, stderr=django_checks)
        except Exception as exc:
            errors.append(f"Django's deploy checks failed: {exc}")
        if "WARNING" in django_checks.getvalue() or "ERROR" in django_checks.getvalue():
            warnings.append("Django's deploy checks:\n" + django_checks.getvalue().strip())
        for line in warnings:
            self.stdout.write(f"warning: {line}")
        for line in errors:
            self.stdout.write(f"error: {line}")
        if errors:
            raise CommandError(f"{len(errors)} problem(s) must be fixed before going live.")
        self.stdout.write("OK: ready to deploy" + (f" ({len(warnings)} warnings)" if warnings else ""))
