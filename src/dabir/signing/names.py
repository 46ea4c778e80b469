"""The signing app's audit actions, as enumerations with their Persian names.

Services pass the members (they are str); core.audit.record and notify.queue_sms refuse a code
that no app declares, and the admin and the SMS outbox show the names (core.labels).
"""

from django.db import models


class AuditAction(models.TextChoices):
    """Every audit action this app records."""

    SIGNING_CREATE_AUTHORITY = "signing.create_authority", "ایجاد مرجع صدور گواهی"
    SIGNING_IMPORT_AUTHORITY = "signing.import_authority", "ورود مرجع صدور گواهی"
    SIGNING_RETIRE_AUTHORITY = "signing.retire_authority", "کنار گذاشتن مرجع صدور گواهی"
    SIGNING_ISSUE_CERTIFICATE = "signing.issue_certificate", "صدور گواهی امضا"
    SIGNING_IMPORT_CERTIFICATE = "signing.import_certificate", "ورود گواهی امضا"
    SIGNING_REVOKE_CERTIFICATE = "signing.revoke_certificate", "ابطال گواهی امضا"
    SIGNING_UPLOAD_SIGNATURE_IMAGE = "signing.upload_signature_image", "بارگذاری تصویر امضا"
    SIGNING_SET_CIRCUIT = "signing.set_circuit", "تعیین مسیر امضا"
    SIGNING_RESTART_CIRCUIT = "signing.restart_circuit", "آغاز دوباره مسیر امضا"
    SIGNING_NEW_VERSION = "signing.new_version", "ساخت نسخه نامه"
    SIGNING_SIGN = "signing.sign", "امضای نامه"
    SIGNING_REJECT = "signing.reject", "رد امضا"
