from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_search_index(sender, using="default", **kwargs):
    # SQLite drops a table's triggers when a migration rebuilds it; put the FTS ones back.
    from django.db import connections

    from .search import ensure_sqlite_index

    connection = connections[using]
    if connection.vendor == "sqlite":
        ensure_sqlite_index(connection)


class LettersConfig(AppConfig):
    name = "dabir.letters"
    label = "letters"
    verbose_name = "مکاتبات"

    def ready(self):
        from dabir.core import cleanup

        post_migrate.connect(_ensure_search_index, sender=self)
        cleanup.register_file_fields("attachments", ("letters.Attachment", "file"), ("letters.Attachment", "searchable"))
        cleanup.register_expired("registration_keys", "registration retry key(s) older than 30 days", "key(s)",
                                 _old_registration_keys)
        _register_deadline_scan()


def _register_deadline_scan():
    # events part (issue 13): the worker tells holders of referral deadlines tomorrow and passed.
    from django.conf import settings

    from dabir.core import periodic

    from .notices import scan_deadlines

    periodic.register("letters-deadlines", scan_deadlines, seconds=lambda: settings.DABIR_DEADLINE_SCAN_SECONDS)


def _old_registration_keys(now):
    # A client retries within minutes; a month later the key only takes space.
    import datetime as dt

    from .models import RegistrationKey

    return RegistrationKey.objects.filter(created_at__lt=now - dt.timedelta(days=30))
