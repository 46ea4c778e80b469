from django.contrib import admin

from .models import SmsMessage


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    list_display = ("id", "masked_mobile", "kind", "status", "attempts", "created_at", "sent_at", "delivered_at")
    list_filter = ("status", "provider", "kind")
    search_fields = ("mobile", "related", "provider_message_id")
    readonly_fields = [f.name for f in SmsMessage._meta.fields]

    def has_add_permission(self, request):
        return False
