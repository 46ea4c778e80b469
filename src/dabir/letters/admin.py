"""Letters are read-only in the admin: every change goes through the services (pages, API)."""

from django.contrib import admin
from django.utils.html import format_html

from dabir.core.service_admin import ReadOnlyMixin, ServiceForm, ServiceSavedAdmin
from dabir.core.text import ltr_number

from . import policy
from .models import Folder, Letter, LetterTemplate, PrintRecord, ReadyNote, Referral


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Letters and their rows: written by the letters' services only."""


class ReferralInline(admin.TabularInline):
    model = Referral
    fk_name = "letter"
    extra = 0
    fields = ["from_position", "to_position", "action", "note", "deadline", "status", "read_at", "acted_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return policy.admin_letters(request.user, super().get_queryset(request), "letter")


@admin.register(Letter)
class LetterAdmin(ReadOnlyAdmin):
    list_display = ["number_shown", "subject", "kind", "status", "classification", "agency", "registered_at"]
    list_select_related = ["agency"]
    list_filter = ["kind", "status", "classification", "urgency", "agency"]
    search_fields = ["number", "subject"]
    exclude = ["search_text"]
    inlines = [ReferralInline]

    @admin.display(description="شماره", ordering="number")
    def number_shown(self, obj):
        # Persian digits in a left-to-right run, as the letter pages show a number.
        return format_html('<bdi dir="ltr" class="number">{}</bdi>', ltr_number(obj.number)) if obj.number else "-"

    def get_queryset(self, request):
        # The changelist and the change view alike: superusers and agency admins see no more than
        # their own seats and secretariats give them (policy.py).
        return policy.admin_letters(request.user, super().get_queryset(request))


@admin.register(Folder)
class FolderAdmin(ReadOnlyAdmin):
    list_display = ["code", "title", "agency", "unit"]


@admin.register(PrintRecord)
class PrintRecordAdmin(ReadOnlyAdmin):
    list_display = ["letter", "user", "kind", "at"]
    list_select_related = ["letter", "user"]
    list_filter = ["kind", "agency"]

    def get_queryset(self, request):
        return policy.admin_letters(request.user, super().get_queryset(request), "letter")


# ---------------------------------------------------------------- writing part: agency notes and templates


class _KeptByAgencyAdmin(ServiceSavedAdmin):
    """Rows an agency's admins keep (superusers: every agency's): listed, added and changed only for the
    agencies policy.agencies_kept_by gives, each save through the writing services (audited)."""

    def _keeps(self, request, obj=None) -> bool:
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        kept = policy.agencies_kept_by(user)
        return kept.filter(pk=obj.agency_id).exists() if obj is not None else kept.exists()

    def has_module_permission(self, request):
        return self._keeps(request)

    def has_view_permission(self, request, obj=None):
        return self._keeps(request, obj)

    def has_add_permission(self, request):
        return self._keeps(request)

    def has_change_permission(self, request, obj=None):
        return self._keeps(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "agency":
            kwargs["queryset"] = policy.agencies_kept_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class AgencyNoteForm(ServiceForm):
    class Meta:
        model = ReadyNote
        fields = ["agency", "text", "action", "order"]

    def call_service(self):
        from .services import writing

        d = self.cleaned_data
        existing = self.instance if self.instance.pk else None
        note = writing.save_ready_note(user=self.user, text=d.get("text", ""), action=d.get("action", ""),
                                       note=existing, agency=None if existing else d.get("agency"))
        if d.get("order") is not None and note.order != d["order"]:
            note.order = d["order"]
            note.save(update_fields=["order"])
        return note


@admin.register(ReadyNote)
class AgencyNoteAdmin(_KeptByAgencyAdmin):
    """An agency's ready margin notes (هامش‌های دستگاه); a person's own are theirs alone, on their page."""

    form = AgencyNoteForm
    list_display = ["text", "action", "order", "agency"]
    list_filter = ["action"]
    list_select_related = ["agency"]
    search_fields = ["text"]
    ordering = ["agency", "order", "id"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(user__isnull=True,
                                                    agency__in=policy.agencies_kept_by(request.user))

    def get_readonly_fields(self, request, obj=None):
        return ["agency"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return self._keeps(request, obj)

    def delete_model(self, request, obj):
        from .services import writing

        writing.delete_ready_note(user=request.user, note=obj)

    def delete_queryset(self, request, queryset):
        for note in queryset:
            self.delete_model(request, note)


class LetterTemplateForm(ServiceForm):
    class Meta:
        model = LetterTemplate
        fields = ["agency", "title", "kind", "subject", "body", "active"]
        help_texts = {
            "body": "جای‌نشان‌ها: {تاریخ} {گیرنده} {فرستنده} {سمت_فرستنده} {واحد_فرستنده} {دستگاه} — "
                    "هنگام شروع نامه از الگو پر می‌شوند؛ جای‌نشان ناشناخته همان‌گونه می‌ماند و به کاربر گفته می‌شود.",
        }

    def call_service(self):
        from .services import writing

        d = self.cleaned_data
        existing = self.instance if self.instance.pk else None
        return writing.save_template(user=self.user, agency=d.get("agency") or getattr(existing, "agency", None),
                                     title=d.get("title", ""), kind=d.get("kind", ""), subject=d.get("subject", ""),
                                     body=d.get("body", ""), active=bool(d.get("active")), template=existing)


@admin.register(LetterTemplate)
class LetterTemplateAdmin(_KeptByAgencyAdmin):
    """An agency's letter templates; switched off rather than deleted («فعال»)."""

    form = LetterTemplateForm
    list_display = ["title", "kind", "agency", "active"]
    list_filter = ["kind", "active"]
    list_select_related = ["agency"]
    search_fields = ["title", "subject"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(agency__in=policy.agencies_kept_by(request.user))
