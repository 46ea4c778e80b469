"""Which database a read goes to (docs/deploy.md)."""

from django.conf import settings


def reader() -> str:
    """The read replica's alias when one is configured (DABIR_DATABASE_REPLICA_URL), else the primary's.

    For reads that may lag a moment behind the primary (streaming replication): searches and figures,
    never a read that must see what this request has just written.
    """
    return "replica" if "replica" in settings.DATABASES else "default"
