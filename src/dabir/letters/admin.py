"""Letters are read-only in the admin: every change goes through the services (pages, API)."""

from django.contrib import admin
from django.utils.html import format_html

from dabir.core.service_admin import ReadOnlyMixin
from dabir.core.text import ltr_number

from . import policy
from .models import Folder, Letter, PrintRecord, Referral


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
