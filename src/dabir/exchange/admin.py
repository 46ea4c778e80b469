"""The exchange in the admin. Superusers edit the directory's members and the inquiry types (saved
through the exchange services, audited); everything else is read-only and kept to what the policy
lets the user see. No screen shows a private key or a letter's content."""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html

from dabir.core.errors import DomainError
from dabir.core.service_admin import ReadOnlyMixin
from dabir.letters import policy as letters_policy

from . import policy, services
from .models import Arrival, Credential, Delivery, Inquiry, InquiryType, Member, Message, Refusal, Transfer


def _is_admin(request) -> bool:
    user = request.user
    return user.is_active and user.is_staff and policy.can_see_log(user)


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Seen by superusers and agency admins, written only by the exchange's services."""

    def has_module_permission(self, request):
        return _is_admin(request)

    def has_view_permission(self, request, obj=None):
        return _is_admin(request)



class ServiceForm(forms.ModelForm):
    """A form whose save is a service call made while it is checked, so that a refusal of the
    service shows as an error on the form (the admin wraps the request in one transaction)."""

    user = None

    def save_through_service(self):  # pragma: no cover - each form says how
        raise NotImplementedError

    def _post_clean(self):
        super()._post_clean()  # the instance takes the values and passes the model's checks first
        if not self.errors:
            try:
                with transaction.atomic():
                    self.saved = self.save_through_service()
            except DomainError as exc:
                field = exc.field if exc.field in self.fields else None
                self.add_error(field, exc.message)


class MemberForm(ServiceForm):
    server_url = forms.URLField(label="نشانی سرور تبادل", required=False, max_length=300, assume_scheme="https",
                                help_text="برای دستگاه‌های سرورهای دیگر؛ دستگاه این سرور نشانی نمی‌خواهد.")

    class Meta:
        model = Member
        fields = ["code", "name", "agency", "server_url", "certificate_pem", "active"]

    def save_through_service(self):
        d = self.cleaned_data
        return services.save_member(
            user=self.user, code=d.get("code") or self.instance.code, name=d.get("name", ""),
            server_url=d.get("server_url") or "", certificate_pem=d.get("certificate_pem") or "",
            active=bool(d.get("active")), agency=d.get("agency"),
        )


class ServiceSavedAdmin(ReadOnlyAdmin):
    """Editable by superusers; the form has already saved through the service."""

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def save_model(self, request, obj, form, change):
        obj.pk = form.saved.pk

    def save_related(self, request, form, formsets, change):
        pass  # nothing besides the row itself, which the service saved


@admin.register(Member)
class MemberAdmin(ServiceSavedAdmin):
    form = MemberForm
    list_display = ["name", "code", "agency", "server_url", "source", "active", "not_after", "revoked_at"]
    list_filter = ["source", "active"]
    search_fields = ["name", "code"]
    readonly_fields = ["fingerprint", "not_after", "revoked_at", "inquiry_types", "source", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        # The code names the member in the directory: a new code is a new member.
        return [*self.readonly_fields, "code"] if obj is not None else self.readonly_fields


@admin.register(Credential)
class CredentialAdmin(ReadOnlyAdmin):
    list_display = ["kind", "member", "short_fingerprint", "not_after", "revoked_at", "created_at"]
    list_filter = ["kind"]
    exclude = ["private_key_pem"]
    fields = ["kind", "member", "fingerprint", "not_after", "revoked_at", "created_at", "certificate_pem"]
    actions = ["revoke"]

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("member")
        if request.user.is_superuser:
            return qs
        return qs.filter(member__agency__in=policy.admin_agencies(request.user))

    @admin.display(description="اثر انگشت", ordering="fingerprint")
    def short_fingerprint(self, obj):
        return format_html('<bdi dir="ltr" class="code">{}</bdi>', obj.fingerprint[:16])

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not _is_admin(request):
            actions.pop("revoke", None)
        return actions

    @admin.action(description="ابطال")
    def revoke(self, request, queryset):
        done = 0
        for credential in queryset:
            try:
                services.revoke_credential(user=request.user, credential=credential)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{credential.fingerprint[:12]}: {exc.message}", level=messages.ERROR)
        if done:
            self.message_user(request, f"{done} گواهی تبادل ابطال شد.")


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "direction", "kind", "sender", "receiver", "message_id", "size", "raw_link"]
    list_filter = ["direction", "kind"]
    search_fields = ["message_id", "sender", "receiver", "sha256"]
    fields = ["message_id", "direction", "kind", "sender", "receiver", "refers_to", "sha256", "size", "created_at",
              "raw_link"]
    readonly_fields = fields

    def get_queryset(self, request):
        return policy.messages_of(request.user).defer("raw")

    @admin.display(description="متن امضاشده")
    def raw_link(self, obj):
        return format_html('<a href="{}">دریافت</a>', reverse("exchange:log_raw", args=[obj.pk]))


@admin.register(Refusal)
class RefusalAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "code", "detail", "sender", "address", "message_id", "size"]
    list_filter = ["code"]
    search_fields = ["message_id", "sender", "address"]

    def has_module_permission(self, request):
        return policy.can_see_refusals(request.user)

    def has_view_permission(self, request, obj=None):
        return policy.can_see_refusals(request.user)


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "sender", "member", "state", "attempts", "next_attempt_at", "last_error"]
    list_filter = ["state", "kind"]
    search_fields = ["uid", "member__code", "last_error"]
    exclude = ["content"]  # what the worker builds from: ids, not for reading here

    def get_queryset(self, request):
        return policy.transfers_of(request.user).select_related("sender", "member")


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["letter", "member", "is_copy", "outcome", "their_number", "outcome_at"]
    list_filter = ["outcome", "is_copy"]

    def get_queryset(self, request):
        # A delivery names its letter: only letters the user may see (admins are not exempt).
        qs = super().get_queryset(request).select_related("letter", "member", "transfer")
        return letters_policy.admin_letters(request.user, qs, "letter")


@admin.register(Arrival)
class ArrivalAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "sender", "agency", "sender_number", "subject", "state"]
    list_filter = ["state"]

    def get_queryset(self, request):
        # An arrival carries a letter's subject: the receiving secretariat's clerks alone see it.
        return policy.arrivals_of(request.user).select_related("sender", "agency")


class InquiryTypeForm(ServiceForm):
    class Meta:
        model = InquiryType
        fields = ["code", "name", "member", "description", "deadline_hours", "responder", "question_schema",
                  "answer_schema"]

    def save_through_service(self):
        return services.save_inquiry_type(user=self.user, inquiry_type=self.instance)


@admin.register(InquiryType)
class InquiryTypeAdmin(ServiceSavedAdmin):
    form = InquiryTypeForm
    list_display = ["name", "code", "member", "deadline_hours", "responder"]
    search_fields = ["name", "code"]
    list_select_related = ["member"]


@admin.register(Inquiry)
class InquiryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "direction", "type", "asker", "answerer", "state", "deadline", "automatic"]
    list_filter = ["direction", "state", "automatic"]

    def get_queryset(self, request):
        # An inquiry's question may hold personal details: the asking and answering staff alone.
        return policy.inquiries_of(request.user).select_related("type", "asker", "answerer")
