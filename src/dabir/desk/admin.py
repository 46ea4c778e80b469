"""Admin of the service desk: agency desk settings, categories; services are published as definitions
(API /api/desk/definitions or the demo), so the admin shows them read-only."""

from django.contrib import admin

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


@admin.register(ServiceRequest)
class ServiceRequestAdmin(_ReadOnly):
    list_display = ("tracking_code", "service", "status", "stage_code", "stage_due", "submitted_at")
    list_filter = ("status", "service__agency")
    search_fields = ("tracking_code",)


@admin.register(Complaint)
class ComplaintAdmin(_ReadOnly):
    list_display = ("tracking_code", "about", "agency", "status", "answer_due", "created_at")
    list_filter = ("status", "about", "agency")
    search_fields = ("tracking_code",)
