from django.contrib import admin

from dabir.core import labels
from dabir.core.text import to_persian_digits

from .models import SmsMessage


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
