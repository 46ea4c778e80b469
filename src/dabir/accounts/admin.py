from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from dabir.core.admin import PersianPermissionsMixin

from .forms import AdminSignInForm
from .models import ApiToken, OneTimeCode, User

# The admin's login form, throttled like the staff sign-in page (the backend counts; this shows why).
admin.site.login_form = AdminSignInForm


@admin.register(User)
class UserAdmin(PersianPermissionsMixin, BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + (("هویت", {"fields": ("national_code", "mobile")}),)
    list_display = ["username", "first_name", "last_name", "national_code", "is_citizen", "is_staff", "is_active"]
    list_filter = ["is_citizen", "is_staff", "is_active"]
    search_fields = ["username", "first_name", "last_name", "national_code"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked"]
    readonly_fields = ["key_hash", "prefix", "created_at", "last_used_at"]


@admin.register(OneTimeCode)
class OneTimeCodeAdmin(admin.ModelAdmin):
    """Read-only: codes are kept as an HMAC, and only the services write them."""

    list_display = [f.name for f in OneTimeCode._meta.fields if f.name not in ("code_hash", "hash", "digest")][:8]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
