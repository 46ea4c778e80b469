"""The admin site in Persian: Jalali dates with Persian digits wherever a value is shown, Jalali date
inputs in every form, and the audit log with Persian names for its codes."""

import datetime as dt
import decimal
import json
import re

from django.apps import apps
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin import options as admin_options
from django.contrib.admin import utils as admin_utils
from django.contrib.admin.templatetags import admin_list
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.models import Group, Permission
from django.db import models
from django.utils.html import format_html_join
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from . import jalali, labels
from .jalali_forms import JalaliDateField, JalaliDateInput, JalaliDateTimeField, JalaliDateTimeInput
from .models import AuditEntry, Holiday
from .text import to_persian_digits

# ---------------------------------------------------------------- how the admin shows values
# Django's admin formats every shown value (list columns, read-only fields, inlines, third-party
# admins) through these two functions and offers no hook, so Dabir's versions take their place.
_django_display_for_field = admin_utils.display_for_field
_django_display_for_value = admin_utils.display_for_value


def _is_persian_value(value) -> bool:
    return isinstance(value, dt.date | int | float | decimal.Decimal) and not isinstance(value, bool)


def display_for_value(value, empty_value_display, boolean=False):
    if not boolean and value is not None and _is_persian_value(value):
        return jalali.persian(value)  # the project's one way to write a date or a number
    return _django_display_for_value(value, empty_value_display, boolean)


def display_for_field(value, field, empty_value_display, avoid_link=False):
    if value is not None and not getattr(field, "flatchoices", None) and _is_persian_value(value) and isinstance(
            field, models.DateField | models.IntegerField | models.FloatField | models.DecimalField):
        return jalali.persian(value)
    return _django_display_for_field(value, field, empty_value_display, avoid_link)


for _module in (admin_utils, helpers, admin_list):
    if hasattr(_module, "display_for_field"):
        _module.display_for_field = display_for_field
    if hasattr(_module, "display_for_value"):
        _module.display_for_value = display_for_value

# Every date input of every admin form takes a typed Jalali date (Persian or Latin digits). Model
# admins registered after this module (every Dabir app's) copy these defaults when created; the
# test of the admin site checks each form.
admin_options.FORMFIELD_FOR_DBFIELD_DEFAULTS[models.DateTimeField] = {
    "form_class": JalaliDateTimeField, "widget": JalaliDateTimeInput,
}
admin_options.FORMFIELD_FOR_DBFIELD_DEFAULTS[models.DateField] = {
    "form_class": JalaliDateField, "widget": JalaliDateInput,
}


# ---------------------------------------------------------------- the admin pages of core
@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "title"]
    search_fields = ["title"]

    @admin.display(description="روز هفته")
    def weekday(self, obj):
        return ["دوشنبه", "سه‌شنبه", "چهارشنبه", "پنجشنبه", "جمعه", "شنبه", "یکشنبه"][obj.date.weekday()]


class ActionFilter(admin.SimpleListFilter):
    title = "رویداد"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        # Only the actions the log holds (an indexed column), by their Persian names.
        present = set(model_admin.get_queryset(request).order_by().values_list("action", flat=True).distinct())
        return [(code, name) for code, name in labels.choices(labels.AUDIT_ACTION) if code in present]

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


def object_type_name(code: str) -> str:
    """«letters.letter» → «نامه», from the model registry (core knows no app by import)."""
    try:
        return str(apps.get_model(code)._meta.verbose_name)
    except (LookupError, ValueError):
        return code


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit log is written by services alone."""

    list_display = ["entry", "at", "actor", "seat", "action_name", "object_name", "object_id"]
    list_select_related = ["actor", "position"]
    list_filter = [ActionFilter]
    search_fields = ["object_id", "actor__username", "actor__last_name"]
    fields = ["at", "actor", "position", "as_acting", "action_name", "object_name", "object_id", "details",
              "lane", "prev_hash", "hash"]
    readonly_fields = fields

    @admin.display(description="ردیف", ordering="id")
    def entry(self, obj):
        return to_persian_digits(obj.id)

    @admin.display(description="سمت", ordering="position")
    def seat(self, obj):
        if obj.position is None:
            return "-"
        return f"{obj.position.title} (جانشین)" if obj.as_acting else obj.position.title

    @admin.display(description="رویداد", ordering="action")
    def action_name(self, obj):
        return labels.name(labels.AUDIT_ACTION, obj.action)

    @admin.display(description="موضوع", ordering="object_type")
    def object_name(self, obj):
        return object_type_name(obj.object_type)

    @admin.display(description="جزئیات")
    def details(self, obj):
        """The entry's data, one line a key, with moments stored as ISO text shown in Jalali."""
        if not obj.data:
            return "-"
        rows = [(key, json.dumps(_jalali_in(value), ensure_ascii=False)) for key, value in obj.data.items()]
        return format_html_join("", '<div><bdi>{}</bdi>: <bdi>{}</bdi></div>', rows)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?)?")


def _jalali_in(value):
    """A JSON value with every ISO date or moment in it written in Jalali (the log stores them as ISO)."""
    if isinstance(value, dict):
        return {key: _jalali_in(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jalali_in(item) for item in value]
    if isinstance(value, str) and _ISO_MOMENT.fullmatch(value):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if "T" not in value and " " not in value:
            return jalali.persian(moment.date())
        return jalali.persian(moment if moment.tzinfo else moment.replace(tzinfo=jalali.TEHRAN))
    return value


# ---------------------------------------------------------------- permissions, groups
_PERMISSION_VERBS = {"add": "افزودن", "change": "ویرایش", "delete": "حذف", "view": "دیدن"}


def permission_label(permission) -> str:
    """«مکاتبات | دیدن نامه» for Django's stored «letters | letter | Can view letter»."""
    model = permission.content_type.model_class()
    verb = permission.codename.partition("_")[0]
    if model is None or verb not in _PERMISSION_VERBS:
        return str(permission)  # a permission of our own already has a Persian name
    return f"{model._meta.app_config.verbose_name} | {_PERMISSION_VERBS[verb]} {model._meta.verbose_name}"


class PersianPermissionsMixin:
    """Permission pickers (users, groups) list permissions by their Persian names."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and db_field.related_model is Permission:
            field.label_from_instance = permission_label
            field.queryset = field.queryset.select_related("content_type")
        return field


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(PersianPermissionsMixin, DjangoGroupAdmin):
    pass


# ---------------------------------------------------------------- the task queue (django-tasks-db)
def _task_result_name(result) -> str:
    return f"{labels.name(labels.TASK, result.task_path)} ({jalali.format_datetime(result.enqueued_at)})"


# The package names its rows «DBTaskResult object (…)», shown as the title of each admin page.
DBTaskResult.__str__ = _task_result_name
admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(DBTaskResultAdmin):
    """The task queue's admin with Persian columns (its own labels are English and not translatable)."""

    list_display = ("task", "status", "enqueued_at", "started_at", "finished_at", "priority", "queue")

    @admin.display(description="کار", ordering="task_path")
    def task(self, obj):
        return labels.name(labels.TASK, obj.task_path)

    @admin.display(description="صف", ordering="queue_name")
    def queue(self, obj):
        return "پیش‌فرض" if obj.queue_name == "default" else obj.queue_name

    @admin.display(description="ردگیری خطا")
    def formatted_traceback(self, obj):
        return super().formatted_traceback(obj)

    @admin.display(description="اجرا پس از")
    def display_run_after(self, obj):
        return super().display_run_after(obj)
