"""Signing in the admin: read-only views, scoped to the agencies a user administers.

Writes go through the API, the `dabir signing-*` commands or the revoke action here (all via
services). Private keys are never shown: no admin lists or displays `private_key_pem`.
"""

from django.contrib import admin, messages
from django.utils.html import format_html

from dabir.core.errors import DomainError
from dabir.letters import policy

from . import codes, services
from .models import (
    Authority,
    Certificate,
    CertificateStatus,
    LetterVersion,
    Signature,
    SignatureImage,
    SigningStep,
)


class ReadOnlyScopedAdmin(admin.ModelAdmin):
    agency_path = "agency"
    exclude = ["private_key_pem"]

    # Screens that show a letter's content (versions, steps, signatures) also keep to the letters
    # the user may see: administering an agency opens none of its confidential letters.
    letter_path = ""

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if not request.user.is_superuser:
            qs = qs.filter(**{f"{self.agency_path}__admins": request.user}).distinct()
        if self.letter_path:
            qs = policy.admin_letters(request.user, qs, self.letter_path)
        return qs

    def _is_admin(self, request) -> bool:
        user = request.user
        return user.is_active and user.is_staff and (user.is_superuser or user.administered_agencies.exists())

    def has_module_permission(self, request):
        return self._is_admin(request)

    def has_view_permission(self, request, obj=None):
        return self._is_admin(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Authority)
class AuthorityAdmin(ReadOnlyScopedAdmin):
    list_display = ["name", "agency", "kind", "active", "not_after", "crl_number"]
    list_filter = ["kind", "active"]
    fields = ["agency", "kind", "name", "serial", "fingerprint", "not_before", "not_after", "active", "crl_number",
              "certificate_pem", "created_at"]


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyScopedAdmin):
    agency_path = "position__unit__agency"
    list_display = ["subject", "position", "serial", "not_after", "status_label", "revoked_at", "imported"]
    list_filter = ["imported", "revocation_reason"]
    search_fields = ["subject", "serial", "position__title", "position__code"]
    fields = ["position", "authority", "serial", "subject", "issuer", "fingerprint", "not_before", "not_after",
              "imported", "revoked_at", "revocation_reason", "revocation_note", "certificate_pem", "chain_pem",
              "created_by", "created_at"]
    actions = ["revoke"]

    @admin.display(description="وضعیت")
    def status_label(self, obj):
        return CertificateStatus(obj.status).label

    @admin.action(description="ابطال گواهی‌های انتخاب‌شده")
    def revoke(self, request, queryset):
        done = 0
        for cert in queryset:
            try:
                services.revoke_certificate(user=request.user, certificate=cert, reason="unspecified")
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{cert.serial}: {exc.message}", level=messages.ERROR)
        if done:
            self.message_user(request, f"{done} گواهی ابطال شد.")


@admin.register(SignatureImage)
class SignatureImageAdmin(ReadOnlyScopedAdmin):
    agency_path = "position__unit__agency"
    exclude = []
    list_display = ["position", "uploaded_at", "uploaded_by"]


@admin.register(LetterVersion)
class LetterVersionAdmin(ReadOnlyScopedAdmin):
    agency_path = "letter__agency"
    letter_path = "letter"
    exclude = []
    list_display = ["letter", "number", "code_shown", "created_at", "content_sha256"]
    list_select_related = ["letter"]
    search_fields = ["code", "letter__number"]

    @admin.display(description="کد صحت‌سنجی", ordering="code")
    def code_shown(self, obj):
        # One way everywhere: the grouped Latin form in a left-to-right run.
        return format_html('<bdi dir="ltr" class="code">{}</bdi>', codes.display(obj.code))


@admin.register(Signature)
class SignatureAdmin(ReadOnlyScopedAdmin):
    agency_path = "position__unit__agency"
    letter_path = "version__letter"
    exclude = []
    list_display = ["version", "order", "position", "user", "as_acting", "signed_at", "algorithm"]
    list_select_related = ["version", "position__unit", "user"]


@admin.register(SigningStep)
class SigningStepAdmin(ReadOnlyScopedAdmin):
    agency_path = "letter__agency"
    letter_path = "letter"
    exclude = []
    list_display = ["letter", "order", "position", "state", "acted_at"]
    list_select_related = ["letter", "position__unit"]
