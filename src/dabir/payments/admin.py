from django.contrib import admin

from dabir.core.jalali import persian
from dabir.core.service_admin import ReadOnlyMixin

from .models import Payment, TestBankTransaction


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Payments are written by the gateways' services only."""


GATEWAYS = {"testbank": "بانک آزمایشی", "zarinpal": "زرین‌پال"}


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("entry", "purpose", "object_id", "amount_rials", "status", "gateway_name", "ref_id", "created_at",
                    "paid_at")
    list_filter = ("status", "gateway", "purpose")
    search_fields = ("object_id", "ref_id", "authority", "payer_mobile")


    @admin.display(description="ردیف", ordering="id")
    def entry(self, obj):
        return persian(obj.id)

    @admin.display(description="درگاه", ordering="gateway")
    def gateway_name(self, obj):
        return GATEWAYS.get(obj.gateway, obj.gateway)


@admin.register(TestBankTransaction)
class TestBankTransactionAdmin(ReadOnlyAdmin):
    list_display = ("authority", "amount_rials", "status", "verified", "ref_id", "created_at")
    list_filter = ("status", "verified")
