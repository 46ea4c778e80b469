"""Admin of the service desk: agency desk settings, categories; services are published as definitions
(API /api/desk/definitions or the demo), so the admin shows them read-only.

Requests and complaints carry citizens' national codes, mobiles and answers: their screens show only
what the desk's access policy lets the user see, superusers and agency admins included, and a letter
only by its number (never its subject), and only when the user may see that letter."""

from contextvars import ContextVar

from django.contrib import admin
from django.db.models import Case, F, Value, When
from django.utils.html import format_html, format_html_join

from dabir.core.service_admin import ReadOnlyMixin
from dabir.letters import policy as letters_policy

from . import codes
from .answers import answer_rows
from .definition import parse_definition
from .models import Category, Complaint, DeskProfile, Service, ServiceRequest
from .policy import visible_requests

# Parsed definitions by version id, for one admin page: a list of many requests of one service
# parses its definition once, not once a row.
_definitions: ContextVar[dict | None] = ContextVar("desk_admin_definitions", default=None)


@admin.register(DeskProfile)
class DeskProfileAdmin(admin.ModelAdmin):
    list_display = ("agency", "secretariat", "complaints_position", "complaint_answer_days")
    autocomplete_fields = ()


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "order")
    prepopulated_fields = {"slug": ("name",)}


class _ReadOnly(ReadOnlyMixin, admin.ModelAdmin):
    """The desk's rows: written by its services only."""


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


def _shown_numbers(queryset, user, *fields):
    """Annotate `<field>_shown`: the letter's number where the user may see that letter, else None; so
    neither page ever draws a letter (whose name carries its subject) nor asks once a row."""
    visible = letters_policy.visible_letters(user).values("pk")
    return queryset.annotate(**{
        f"{field}_shown": Case(When(**{f"{field}__in": visible}, then=F(f"{field}__number")), default=Value(None))
        for field in fields
    })


def _number(obj, field):
    if getattr(obj, f"{field}_id") is None:
        return "-"
    number = getattr(obj, f"{field}_shown", None)
    if number is None:
        return "نامه‌ای که اجازه دیدن آن را ندارید"
    return format_html('<bdi dir="ltr" class="code">{}</bdi>', number or "بی‌شماره")


@admin.register(ServiceRequest)
class ServiceRequestAdmin(_TrackingColumn, _ReadOnly):
    list_display = ("tracking", "service", "status", "stage", "stage_due", "submitted_at")
    list_select_related = ("service", "version")
    readonly_fields = ("stage", "answers", "letter_number", "result_number")
    _SHOWN_AS = {"stage_code": "stage", "data": "answers", "letter": "letter_number",
                 "result_letter": "result_number"}
    list_filter = ("status", "service__agency")
    search_fields = ("tracking_code",)

    def get_queryset(self, request):
        # The desk's policy, superusers and agency admins not exempt: requests reach staff through
        # their positions' referrals (and a counter operator the ones they submitted).
        visible = visible_requests(request.user).values("pk")
        qs = super().get_queryset(request).filter(pk__in=visible)
        return _shown_numbers(qs, request.user, "letter", "result_letter")

    def get_fields(self, request, obj=None):
        # The change page shows the stage by its title and the answers by their labels, in Persian
        # (dates Jalali), in the place of the stored codes and JSON; letters by their number only.
        fields = [f for f in super().get_fields(request, obj) if f not in self._SHOWN_AS.values()]
        return [self._SHOWN_AS.get(f, f) for f in fields]

    def changelist_view(self, request, extra_context=None):
        token = _definitions.set({})
        try:
            response = super().changelist_view(request, extra_context)
            if hasattr(response, "render"):
                response.render()  # the rows are drawn here, while the page's cache is set
            return response
        finally:
            _definitions.reset(token)

    @admin.display(description="پاسخ‌های فرم")
    def answers(self, obj):
        rows = answer_rows(obj.version.definition, obj.data or {})
        return format_html_join("", "<div><strong>{}:</strong> {}</div>", rows) if rows else "-"

    @admin.display(description="نامه درخواست")
    def letter_number(self, obj):
        return _number(obj, "letter")

    @admin.display(description="نامه نتیجه")
    def result_number(self, obj):
        return _number(obj, "result_letter")

    @admin.display(description="مرحله جاری", ordering="stage_code")
    def stage(self, obj):
        """The stage by its title in the request's own version of the service definition."""
        if not obj.stage_code:
            return "-"
        cache = _definitions.get()
        definition = cache.get(obj.version_id) if cache is not None else None
        if definition is None:
            definition = parse_definition(obj.version.definition)
            if cache is not None:
                cache[obj.version_id] = definition
        found = definition.stage(obj.stage_code)
        return found.title if found else obj.stage_code


@admin.register(Complaint)
class ComplaintAdmin(_TrackingColumn, _ReadOnly):
    list_display = ("tracking", "about", "agency", "status", "answer_due", "created_at")
    list_filter = ("status", "about", "agency")
    list_select_related = ("agency",)
    readonly_fields = ("letter_number",)
    search_fields = ("tracking_code",)

    def get_queryset(self, request):
        # A complaint is shown to whoever may see its letter (the complaints position's chain, the
        # secretariat), as the letters admin does; agency admins and superusers are not exempt.
        qs = letters_policy.admin_letters(request.user, super().get_queryset(request), "letter")
        return _shown_numbers(qs, request.user, "letter")

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f != "letter_number"]
        return ["letter_number" if f == "letter" else f for f in fields]

    @admin.display(description="نامه")
    def letter_number(self, obj):
        return _number(obj, "letter")
