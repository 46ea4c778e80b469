"""The orgs app's audit actions, as enumerations with their Persian names: its own acts, and the
admin's create/change/delete of each organisation setting (orgs.services.save_config, delete_config).

Services pass the members (they are str); core.audit.record and notify.queue_sms refuse a code
that no app declares, and the admin and the SMS outbox show the names (core.labels).
"""

from django.db import models


class AuditAction(models.TextChoices):
    """Every audit action this app records."""

    AGENCY_ADMIN_ADDED = "agency.admin_added", "افزودن مدیر سامانه دستگاه"
    POSITION_ACTING = "position.acting", "تعیین جانشین"
    AGENCY_CREATE = "agency.create", "افزودن دستگاه"
    AGENCY_CHANGE = "agency.change", "ویرایش دستگاه"
    AGENCY_DELETE = "agency.delete", "حذف دستگاه"
    UNIT_CREATE = "unit.create", "افزودن واحد سازمانی"
    UNIT_CHANGE = "unit.change", "ویرایش واحد سازمانی"
    UNIT_DELETE = "unit.delete", "حذف واحد سازمانی"
    POSITION_CREATE = "position.create", "افزودن سمت"
    POSITION_CHANGE = "position.change", "ویرایش سمت"
    POSITION_DELETE = "position.delete", "حذف سمت"
    ASSIGNMENT_CREATE = "assignment.create", "افزودن انتصاب"
    ASSIGNMENT_CHANGE = "assignment.change", "ویرایش انتصاب"
    ASSIGNMENT_DELETE = "assignment.delete", "حذف انتصاب"
    SECRETARIAT_CREATE = "secretariat.create", "افزودن دبیرخانه"
    SECRETARIAT_CHANGE = "secretariat.change", "ویرایش دبیرخانه"
    SECRETARIAT_DELETE = "secretariat.delete", "حذف دبیرخانه"
    NUMBERSERIES_CREATE = "numberseries.create", "افزودن سری شماره"
    NUMBERSERIES_CHANGE = "numberseries.change", "ویرایش سری شماره"
    NUMBERSERIES_DELETE = "numberseries.delete", "حذف سری شماره"
