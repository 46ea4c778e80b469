"""Agency admins manage their own agency's chart here; superusers manage every agency."""

from django.contrib import admin
from django.db.models import OuterRef, ProtectedError, Subquery
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from dabir.core.errors import DomainError
from dabir.core.jalali import jalali_year
from dabir.core.text import ltr_number, to_latin_digits

from . import numbering
from .admin_forms import PATTERN_FIELDS, AgencyForm, NumberSeriesForm, pattern_from
from .models import Agency, Assignment, NumberCounter, NumberSeries, Position, Secretariat, Unit
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
    form = AgencyForm
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


def _id(raw) -> int:
    """A row id from a query string; anything else names no row."""
    text = to_latin_digits(str(raw or ""))
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else 0


SERIES_FIELDSETS = [
    (None, {"fields": ["name", "code", "active"]}),
    ("الگوی شماره", {"fields": [PATTERN_FIELDS, ("text", "padding"), "preview"]}),
    ("انواع نامه", {"fields": ["kinds"]}),
]


class SeriesPreview:
    """The next number of a series, as registration will write it; the page's script refreshes it from
    the preview address while the pieces are changed."""

    readonly_fields = ["preview"]

    class Media:
        js = ["dabir/admin-series.js"]

    @admin.display(description="پیش‌نمایش شماره بعدی")
    def preview(self, obj):
        series = obj if obj is not None and obj.pk else None
        number = numbering.next_number(series) if series else ""
        return format_html(
            '<output class="series-preview" data-url="{}" data-series="{}" data-secretariat="{}" data-number="{}"'
            ' aria-live="polite"><bdi dir="ltr">{}</bdi></output><span class="series-preview-error errornote"'
            ' hidden></span>',
            reverse("admin:orgs_numberseries_preview"), series.pk if series else "",
            obj.secretariat_id if obj is not None and obj.secretariat_id else "", number, ltr_number(number),
        )


class SeriesInline(SeriesPreview, admin.StackedInline):
    model = NumberSeries
    form = NumberSeriesForm
    extra = 0
    fieldsets = SERIES_FIELDSETS


@admin.register(Secretariat)
class SecretariatAdmin(AgencyScopedAdmin):
    list_display = ["name", "code", "agency"]
    list_filter = ["agency"]
    filter_horizontal = ["clerks"]
    inlines = [SeriesInline]


@admin.register(NumberSeries)
class NumberSeriesAdmin(SeriesPreview, AgencyScopedAdmin):
    agency_path = "secretariat__agency"
    form = NumberSeriesForm
    list_display = ["name", "code", "next_number", "secretariat", "active"]
    list_select_related = ["secretariat__agency"]
    list_filter = ["secretariat__agency"]
    fieldsets = [(None, {"fields": ["secretariat"]}), *SERIES_FIELDSETS]

    def get_queryset(self, request):
        # This year's last number read in the list's own query, not once a row.
        counters = NumberCounter.objects.filter(series=OuterRef("pk"), year=jalali_year(timezone.now()))
        return super().get_queryset(request).annotate(year_last=Subquery(counters.values("last")[:1]))

    @admin.display(description="شماره بعدی")
    def next_number(self, obj):
        if not hasattr(obj, "year_last"):
            return format_html('<bdi dir="ltr">{}</bdi>', ltr_number(numbering.next_number(obj)))
        number = obj.format(year=jalali_year(timezone.now()), seq=(obj.year_last or 0) + 1)
        return format_html('<bdi dir="ltr">{}</bdi>', ltr_number(number))

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview_view)
        return [path("preview/", preview, name="orgs_numberseries_preview"), *super().get_urls()]

    def preview_view(self, request):
        """The next number for the pieces being edited: JSON {number, raw, error}, nothing saved."""
        if not self.has_view_or_change_permission(request):
            return JsonResponse({"error": "اجازه دسترسی ندارید."}, status=403)
        data = request.GET
        series = self.get_queryset(request).filter(pk=_id(data.get("series"))).first() or NumberSeries()
        secretariats = Secretariat.objects.all() if request.user.is_superuser else Secretariat.objects.filter(
            agency__admins=request.user)
        chosen = secretariats.filter(pk=_id(data.get("secretariat"))).first()
        if chosen is not None:
            series.secretariat = chosen
        elif series.secretariat_id is None:
            series.secretariat = Secretariat(code="…")
        series.code = (data.get("code") or series.code or "").strip()
        series.template = pattern_from(data).template()
        try:
            raw = numbering.next_number(series)
        except DomainError as exc:
            return JsonResponse({"number": "", "raw": "", "error": exc.message})
        return JsonResponse({"number": ltr_number(raw), "raw": raw, "error": ""})
