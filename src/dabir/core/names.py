"""Core's audit actions, as enumerations with their Persian names.

Services pass the members (they are str); core.audit.record and notify.queue_sms refuse a code
that no app declares, and the admin and the SMS outbox show the names (core.labels).
"""

from django.db import models


class AuditAction(models.TextChoices):
    """Every audit action this app records."""

    CLEANUP_RUN = "cleanup.run", "پاک‌سازی دوره‌ای"
    AUDIT_CHECKPOINT = "audit.checkpoint", "نقطه بازبینی زنجیره ممیزی"
