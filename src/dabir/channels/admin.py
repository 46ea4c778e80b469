"""The channels in the admin, in Persian.

- Mailboxes: set up by superusers and the agency's admins (policy.mailboxes_of), saved through
  services.mailboxes.save_mailbox (checks, audit). The two passwords are write-only: the field is
  always empty, a blank keeps the stored one, a new value is stored encrypted; the page only says
  whether one is stored. The action «آزمایش اتصال» connects as the worker would and reports.
- Intake items (with their files), transmissions and post dispatches are read-only: the pages and
  the worker write them. Each is kept to what channels.policy shows the user; the rows that name a
  letter only for letters letters.policy lets the user see (admins are not exempt).
- The address book: read by the agency's staff, kept by its clerks and admins through
  services.contacts.save_correspondent.

Labels name IMAP/SMTP in the help texts, not the headings: the admin's headings are Persian.
"""

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html

from dabir.core.service_admin import ReadOnlyMixin, ServiceForm, ServiceSavedAdmin
from dabir.letters import policy as letters_policy
from dabir.orgs.models import Secretariat

from . import policy
from .models import Correspondent, IntakeFile, IntakeItem, Mailbox, PostDispatch, Transmission
from .services import mailboxes

# ---------------------------------------------------------------- mailboxes

MAILBOX_LABELS = {
    "receives": "دریافت ایمیل", "imap_host": "کارساز دریافت", "imap_port": "درگاه کارساز دریافت",
    "imap_security": "رمزنگاری دریافت", "sends": "ارسال ایمیل", "smtp_host": "کارساز ارسال",
    "smtp_port": "درگاه کارساز ارسال", "smtp_security": "رمزنگاری ارسال", "smtp_username": "نام کاربری ارسال",
}
MAILBOX_HELP = {
    "receives": "کارگر سامانه صندوق را با IMAP بررسی می‌کند و پیام‌های تازه را به صف دبیرخانه می‌آورد.",
    "imap_host": "نشانی کارساز IMAP، مثلاً mail.ostandari-kh.ir",
    "imap_port": "۹۹۳ برای TLS از ابتدا، ۱۴۳ برای STARTTLS",
    "sends": "نامه‌های صادره با SMTP از نشانی این صندوق فرستاده می‌شوند.",
    "smtp_host": "نشانی کارساز SMTP",
    "smtp_port": "۴۶۵ برای TLS از ابتدا، ۵۸۷ برای STARTTLS",
}


def _secret_field(label: str, help_text: str) -> forms.CharField:
    # render_value=False: a stored password never goes back to the browser.
    return forms.CharField(label=label, required=False, strip=False, help_text=help_text,
                           widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}))


class MailboxForm(ServiceForm):
    password = _secret_field("گذرواژه صندوق", "خالی بگذارید تا گذرواژه ذخیره‌شده بماند؛ رمزشده نگه داشته می‌شود "
                                              "و دیگر نمایش داده نمی‌شود.")
    smtp_password = _secret_field("گذرواژه ارسال", "فقط اگر کارساز ارسال گذرواژه دیگری دارد؛ خالی: گذرواژه ذخیره‌شده "
                                                   "یا گذرواژه صندوق.")

    class Meta:
        model = Mailbox
        fields = mailboxes.FIELDS
        labels = MAILBOX_LABELS
        help_texts = MAILBOX_HELP

    def call_service(self):
        mailbox = self.instance
        for name in mailboxes.FIELDS:
            setattr(mailbox, name, self.cleaned_data.get(name))
        return mailboxes.save_mailbox(user=self.user, mailbox=mailbox, password=self.cleaned_data.get("password"),
                                      smtp_password=self.cleaned_data.get("smtp_password"))


def _staff(request) -> bool:
    return request.user.is_active and request.user.is_staff


def _sets_up_mailboxes(request) -> bool:
    return _staff(request) and (request.user.is_superuser or request.user.administered_agencies.exists())


@admin.register(Mailbox)
class MailboxAdmin(ServiceSavedAdmin):
    form = MailboxForm
    list_display = ["name", "address", "secretariat", "active", "receiving", "sending", "polled", "last_error"]
    list_filter = ["active"]
    search_fields = ["name", "address"]
    list_select_related = ["secretariat"]
    readonly_fields = ["password_state", "smtp_password_state", "polled", "last_error", "created_at"]
    actions = ["test_connection"]
    fieldsets = [
        ("صندوق", {"fields": ["secretariat", "name", "address", "display_name", "active"]}),
        ("دریافت", {"fields": ["receives", "imap_host", "imap_port", "imap_security", "username", "password",
                               "password_state", "folder"]}),
        ("ارسال", {"fields": ["sends", "smtp_host", "smtp_port", "smtp_security", "smtp_username", "smtp_password",
                             "smtp_password_state"]}),
        ("نمابر", {"fields": ["fax_senders", "fax_header", "fax_gateway"]}),
        ("امنیت", {"fields": ["ca_certificate"]}),
        ("وضعیت بررسی صندوق", {"fields": ["polled", "last_error", "created_at"]}),
    ]

    def has_module_permission(self, request):
        return _sets_up_mailboxes(request)

    def has_view_permission(self, request, obj=None):
        return _sets_up_mailboxes(request)

    def has_add_permission(self, request):
        return _sets_up_mailboxes(request)

    def has_change_permission(self, request, obj=None):
        return _sets_up_mailboxes(request) and (
            obj is None or policy.mailboxes_of(request.user).filter(pk=obj.pk).exists())

    def get_queryset(self, request):
        return policy.mailboxes_of(request.user).select_related("secretariat")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "secretariat":
            user = request.user
            kwargs["queryset"] = (Secretariat.objects.all() if user.is_superuser
                                  else Secretariat.objects.filter(agency__in=user.administered_agencies.all()))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="دریافت", boolean=True, ordering="receives")
    def receiving(self, obj):
        return obj.receives

    @admin.display(description="ارسال", boolean=True, ordering="sends")
    def sending(self, obj):
        return obj.sends

    @admin.display(description="گذرواژه صندوق")
    def password_state(self, obj):
        return "ذخیره شده (رمزشده)" if obj and obj.password_encrypted else "ندارد"

    @admin.display(description="گذرواژه ارسال")
    def smtp_password_state(self, obj):
        return "ذخیره شده (رمزشده)" if obj and obj.smtp_password_encrypted else "همان گذرواژه صندوق"

    @admin.display(description="آخرین بررسی", ordering="last_polled_at")
    def polled(self, obj):
        return obj.last_polled_at or "هنوز نه"

    @admin.action(description="آزمایش اتصال")
    def test_connection(self, request, queryset):
        for mailbox in queryset:
            for ok, report in mailboxes.check_connection(mailbox):
                self.message_user(request, f"{mailbox.address} — {report}", level=messages.SUCCESS if ok else messages.ERROR)


# ---------------------------------------------------------------- read-only rows


class ReadOnly(ReadOnlyMixin, admin.ModelAdmin):
    def has_module_permission(self, request):
        return _staff(request)

    def has_view_permission(self, request, obj=None):
        return _staff(request)



class IntakeFileInline(admin.TabularInline):
    model = IntakeFile
    extra = 0
    can_delete = False
    fields = ["name", "content_type", "size", "inline", "short_sha"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="اثر SHA-256")
    def short_sha(self, obj):
        return format_html('<bdi dir="ltr" class="code">{}</bdi>', obj.sha256[:16])


@admin.register(IntakeItem)
class IntakeItemAdmin(ReadOnly):
    """An e-mail or fax's subject is for the receiving secretariat's clerks alone, as an arrival's."""

    list_display = ["received_at", "kind", "sender", "subject", "state", "mailbox"]
    list_filter = ["kind", "state"]
    search_fields = ["subject", "sender_address", "sender_name", "calling_number"]
    inlines = [IntakeFileInline]
    fields = ["mailbox", "secretariat", "kind", "state", "sender_name", "sender_address", "calling_number",
              "subject", "sent", "received_at", "size", "message_ref", "notes", "text", "letter", "reason",
              "decided_by", "decided_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return policy.intake_of(request.user).select_related("mailbox", "letter", "decided_by").defer("html")

    @admin.display(description="فرستنده", ordering="sender_address")
    def sender(self, obj):
        if obj.kind == IntakeItem.Kind.FAX and obj.calling_number:
            return format_html('<bdi dir="ltr">{}</bdi>', obj.calling_number)
        return obj.sender_name or obj.sender_address

    @admin.display(description="زمان ارسال پیام")
    def sent(self, obj):
        return obj.sent_at or "-"

    @admin.display(description="شناسه پیام")
    def message_ref(self, obj):
        return format_html('<bdi dir="ltr" class="code">{}</bdi>', obj.message_id) if obj.message_id else "-"

    @admin.display(description="نکته‌های خواندن پیام")
    def notes(self, obj):
        return "؛ ".join(obj.problems or []) or "-"


class LetterRows(ReadOnly):
    """Rows that name a letter: only those of letters the user may see."""

    def get_queryset(self, request):
        return letters_policy.admin_letters(request.user, self.rows(request), "letter")


@admin.register(Transmission)
class TransmissionAdmin(LetterRows):
    list_display = ["created_at", "kind", "letter", "recipient_name", "to", "state", "attempts", "sent_at",
                    "last_error"]
    list_filter = ["kind", "state"]
    search_fields = ["to", "recipient_name", "message_id"]
    fields = ["letter", "mailbox", "kind", "recipient_name", "to", "state", "attempts", "next_attempt_at",
              "sent_at", "message_ref", "last_error", "created_by", "created_at"]
    readonly_fields = fields

    @admin.display(description="شناسه پیام")
    def message_ref(self, obj):
        return format_html('<bdi dir="ltr" class="code">{}</bdi>', obj.message_id) if obj.message_id else "-"

    def rows(self, request):
        return policy.transmissions_of(request.user).select_related("letter", "mailbox", "created_by")


@admin.register(PostDispatch)
class PostDispatchAdmin(LetterRows):
    list_display = ["day", "method", "letter", "recipient_name", "postal_code", "tracking_number", "cost", "state"]
    list_filter = ["method", "state"]
    search_fields = ["recipient_name", "tracking_number", "postal_code"]

    def rows(self, request):
        return policy.dispatches_of(request.user).select_related("letter", "secretariat", "created_by")


# ---------------------------------------------------------------- the address book

CONTACT_FIELDS = ["kind", "name", "email", "fax", "phone", "postal_address", "postal_code", "exchange_code",
                  "prefer", "note"]


class CorrespondentForm(ServiceForm):
    class Meta:
        model = Correspondent
        fields = ["agency", *CONTACT_FIELDS, "active"]

    def call_service(self):
        from .services import contacts

        data = self.cleaned_data
        existing = self.instance if self.instance.pk else None
        if existing is not None and existing.active and not data.get("active"):
            return contacts.deactivate(user=self.user, correspondent=existing) or existing
        return contacts.save_correspondent(user=self.user, agency=data.get("agency"), correspondent=existing,
                                           active=bool(data.get("active")),
                                           **{name: data.get(name) for name in CONTACT_FIELDS})


@admin.register(Correspondent)
class CorrespondentAdmin(ServiceSavedAdmin):
    form = CorrespondentForm
    list_display = ["name", "kind", "email", "fax", "postal_code", "exchange_code", "prefer", "agency", "active"]
    list_filter = ["kind", "prefer", "active"]
    search_fields = ["name", "search_name", "email", "fax", "exchange_code"]
    list_select_related = ["agency"]
    readonly_fields = ["created_at", "updated_at"]

    def has_module_permission(self, request):
        return _staff(request) and policy.staff_agencies(request.user).exists()

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return _staff(request) and policy.keeper_agencies(request.user).exists()

    def has_change_permission(self, request, obj=None):
        keeps = policy.keeper_agencies(request.user) if _staff(request) else None
        return keeps is not None and (keeps.filter(pk=obj.agency_id).exists() if obj else keeps.exists())

    def get_queryset(self, request):
        return policy.contacts_of(request.user).select_related("agency")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "agency":
            kwargs["queryset"] = policy.keeper_agencies(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
