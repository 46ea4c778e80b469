from django.contrib import admin

from dabir.core import labels
from dabir.core.service_admin import ReadOnlyMixin
from dabir.core.text import to_persian_digits

from .models import MailMessage, NoticePreference, NoticeProfile, Notification, SmsMessage


class KindFilter(admin.SimpleListFilter):
    title = "نوع"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return labels.choices(labels.SMS_KIND)

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    list_display = ("entry", "mobile_shown", "kind_name", "status", "attempts", "created_at", "sent_at", "delivered_at")
    list_filter = ("status", "provider", KindFilter)
    search_fields = ("mobile", "related", "provider_message_id")
    # The change page shows the kind by its Persian name, in the kind's place.
    fields = ["kind_name" if f.name == "kind" else f.name for f in SmsMessage._meta.fields if f.name != "id"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    @admin.display(description="ردیف", ordering="id")
    def entry(self, obj):
        return to_persian_digits(obj.id)

    @admin.display(description="شماره همراه")
    def mobile_shown(self, obj):
        return to_persian_digits(obj.masked_mobile)

    @admin.display(description="نوع", ordering="kind")
    def kind_name(self, obj):
        return labels.name(labels.SMS_KIND, obj.kind)


# ---------------------------------------------------------------- notices (issue 13): rows only services write


class NoticeKindFilter(admin.SimpleListFilter):
    title = "نوع اعلان"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return labels.choices(labels.NOTICE_KIND)

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


def _notice_kind(obj) -> str:
    return labels.name(labels.NOTICE_KIND, obj.kind)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("entry", "user", "kind_name", "title", "created_at", "read_at", "digested_at")
    list_filter = (NoticeKindFilter, ("read_at", admin.EmptyFieldListFilter))
    search_fields = ("user__username", "title", "related")
    list_select_related = ("user",)
    raw_id_fields = ("user",)

    @admin.display(description="ردیف", ordering="id")
    def entry(self, obj):
        return to_persian_digits(obj.id)

    @admin.display(description="نوع", ordering="kind")
    def kind_name(self, obj):
        return _notice_kind(obj)


@admin.register(NoticePreference)
class NoticePreferenceAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Each user sets these on their own page (/notify/preferences/); the admin shows them."""

    list_display = ("user", "kind_name", "by_sms", "by_email")
    list_filter = (NoticeKindFilter, "by_sms", "by_email")
    search_fields = ("user__username",)
    list_select_related = ("user",)

    @admin.display(description="نوع", ordering="kind")
    def kind_name(self, obj):
        return _notice_kind(obj)


@admin.register(NoticeProfile)
class NoticeProfileAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("user", "digest", "hour", "last_digest_at")
    list_filter = ("digest",)
    search_fields = ("user__username",)
    list_select_related = ("user",)

    @admin.display(description="ساعت ارسال خلاصه", ordering="digest_hour")
    def hour(self, obj):
        return to_persian_digits(obj.digest_hour)


@admin.register(MailMessage)
class MailMessageAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """The e-mail outbox of notices, read-only like the SMS one: the worker and its sweep write it."""

    list_display = ("entry", "to", "subject", "kind_name", "status", "attempts", "created_at", "sent_at")
    list_filter = ("status", KindFilter)
    search_fields = ("to", "subject", "related")
    fields = ["kind_name" if f.name == "kind" else f.name for f in MailMessage._meta.fields if f.name != "id"]
    readonly_fields = fields

    @admin.display(description="ردیف", ordering="id")
    def entry(self, obj):
        return to_persian_digits(obj.id)

    @admin.display(description="نوع", ordering="kind")
    def kind_name(self, obj):
        return labels.name(labels.SMS_KIND, obj.kind)
