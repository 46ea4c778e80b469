"""Admin of the service desk: agency desk settings, categories; services are published as definitions
(API /api/desk/definitions or the demo), so the admin shows them read-only."""

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from . import codes
from .answers import answer_rows
from .definition import parse_definition
from .models import Category, Complaint, DeskProfile, Service, ServiceRequest


@admin.register(DeskProfile)
class DeskProfileAdmin(admin.ModelAdmin):
    list_display = ("agency", "secretariat", "complaints_position", "complaint_answer_days")
    autocomplete_fields = ()


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "order")
    prepopulated_fields = {"slug": ("name",)}


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Service)
class ServiceAdmin(_ReadOnly):
    list_display = ("code", "title", "agency", "category", "active", "current_version")
    list_filter = ("agency", "category", "active")
    search_fields = ("code", "title")


class _TrackingColumn:
    @admin.display(description="کد رهگیری", ordering="tracking_code")
    def tracking(self, obj):
        # One way everywhere: grouped Latin digits in a left-to-right run.
        return format_html('<bdi dir="ltr" class="code">{}</bdi>', codes.display(obj.tracking_code))


@admin.register(ServiceRequest)
class ServiceRequestAdmin(_TrackingColumn, _ReadOnly):
    list_display = ("tracking", "service", "status", "stage", "stage_due", "submitted_at")
    list_select_related = ("service", "version")
    readonly_fields = ("stage", "answers")
    _SHOWN_AS = {"stage_code": "stage", "data": "answers"}

    def get_fields(self, request, obj=None):
        # The change page shows the stage by its title and the answers by their labels, in Persian
        # (dates Jalali), in the place of the stored codes and JSON.
        fields = [f for f in super().get_fields(request, obj) if f not in self._SHOWN_AS.values()]
        return [self._SHOWN_AS.get(f, f) for f in fields]

    @admin.display(description="پاسخ‌های فرم")
    def answers(self, obj):
        rows = answer_rows(obj.version.definition, obj.data or {})
        return format_html_join("", "<div><strong>{}:</strong> {}</div>", rows) if rows else "-"

    @admin.display(description="مرحله جاری", ordering="stage_code")
    def stage(self, obj):
        """The stage by its title in the request's own version of the service definition."""
        if not obj.stage_code:
            return "-"
        found = parse_definition(obj.version.definition).stage(obj.stage_code)
        return found.title if found else obj.stage_code
    list_filter = ("status", "service__agency")
    search_fields = ("tracking_code",)


@admin.register(Complaint)
class ComplaintAdmin(_TrackingColumn, _ReadOnly):
    list_display = ("tracking", "about", "agency", "status", "answer_due", "created_at")
    list_filter = ("status", "about", "agency")
    search_fields = ("tracking_code",)
