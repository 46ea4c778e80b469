"""Admin screens that write through an app's services: the form calls the service while it is checked
(a refusal shows on the form), and the admin itself saves nothing."""

from django import forms
from django.contrib import admin
from django.db import transaction

from .errors import DomainError


class ServiceForm(forms.ModelForm):
    """A form whose save is a service call made while it is checked: a refusal shows on the form, and the
    row the service wrote becomes the form's instance (the admin saves nothing itself)."""

    user = None
    saved = None

    def call_service(self):  # pragma: no cover - each form says how
        raise NotImplementedError

    def _post_clean(self):
        if self.errors:
            return
        try:
            with transaction.atomic():
                self.saved = self.call_service()
        except DomainError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        else:
            if self.saved is not None:
                self.instance = self.saved


class ServiceSavedAdmin(admin.ModelAdmin):
    """The form has already written through the service: the admin writes nothing more, deletes nothing."""

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def save_model(self, request, obj, form, change):
        pass

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyMixin:
    """Rows only services write: the admin shows them and never adds, changes or deletes one (for
    ModelAdmin and inlines alike; the app's own class says who may see them)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
