"""Agency admins manage their own agency's chart here; superusers manage every agency."""

from django.contrib import admin
from django.db.models import ProtectedError

from .models import Agency, Assignment, NumberSeries, Position, Secretariat, Unit
from .services import delete_config, save_config


class AgencyScopedAdmin(admin.ModelAdmin):
    """Every save goes through orgs.services (audited); non-superusers see their agencies only."""

    agency_path = "agency"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.agency_path}__admins": request.user}).distinct()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            scoped = {
                "agency": Agency.objects.filter(admins=request.user),
                "unit": Unit.objects.filter(agency__admins=request.user),
                "parent": Unit.objects.filter(agency__admins=request.user),
                "position": Position.objects.filter(unit__agency__admins=request.user),
                "secretariat": Secretariat.objects.filter(agency__admins=request.user),
            }
            if db_field.name in scoped:
                kwargs["queryset"] = scoped[db_field.name]
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        save_config(actor=request.user, obj=obj, created=not change, changed=list(form.changed_data))

    def save_formset(self, request, form, formset, change):
        """Inline rows (holders, number series) are saved through the audited service too."""
        for obj in formset.save(commit=False):
            save_config(actor=request.user, obj=obj, created=obj.pk is None)
        for obj in formset.deleted_objects:
            delete_config(actor=request.user, obj=obj)

    def delete_model(self, request, obj):
        try:
            delete_config(actor=request.user, obj=obj)
        except ProtectedError:
            self.message_user(request, "این مورد در نامه‌ها یا سمت‌ها به کار رفته و حذف‌شدنی نیست؛ غیرفعالش کنید.",
                              level="error")


@admin.register(Agency)
class AgencyAdmin(AgencyScopedAdmin):
    agency_path = ""
    list_display = ["name", "code", "province"]
    search_fields = ["name", "code"]
    filter_horizontal = ["admins"]

    def get_queryset(self, request):
        qs = admin.ModelAdmin.get_queryset(self, request)
        return qs if request.user.is_superuser else qs.filter(admins=request.user)


class PositionInline(admin.TabularInline):
    model = Position
    extra = 0
    fields = ["title", "code", "is_manager", "can_sign", "active"]


@admin.register(Unit)
class UnitAdmin(AgencyScopedAdmin):
    list_display = ["name", "agency", "parent"]
    list_filter = ["agency"]
    search_fields = ["name"]


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    fields = ["user", "role", "starts_at", "ends_at", "note"]
    autocomplete_fields = ["user"]


@admin.register(Position)
class PositionAdmin(AgencyScopedAdmin):
    agency_path = "unit__agency"
    list_display = ["title", "code", "unit", "is_manager", "can_sign", "active"]
    list_filter = ["unit__agency", "can_sign", "active"]
    search_fields = ["title", "code", "unit__name"]
    inlines = [AssignmentInline]


@admin.register(Assignment)
class AssignmentAdmin(AgencyScopedAdmin):
    agency_path = "position__unit__agency"
    list_display = ["user", "position", "role", "starts_at", "ends_at"]
    list_filter = ["role", "position__unit__agency"]
    search_fields = ["user__username", "user__last_name", "position__title"]
    autocomplete_fields = ["user", "position"]


class SeriesInline(admin.TabularInline):
    model = NumberSeries
    extra = 0
    fields = ["name", "code", "template", "kinds", "active"]


@admin.register(Secretariat)
class SecretariatAdmin(AgencyScopedAdmin):
    list_display = ["name", "code", "agency"]
    list_filter = ["agency"]
    filter_horizontal = ["clerks"]
    inlines = [SeriesInline]


@admin.register(NumberSeries)
class NumberSeriesAdmin(AgencyScopedAdmin):
    agency_path = "secretariat__agency"
    list_display = ["name", "code", "template", "secretariat", "active"]
    list_filter = ["secretariat__agency"]
