"""Supervision in the admin, in Persian: supervisors, the paperless index's weights, questionnaires.

- Supervisors (who supervises which province, from which office) are set by a superuser.
- Index weights are written through services.weights.set_weights, the service of the weights page: the
  same checks (a supervisor sets their own province's row, a national one or a superuser the national
  default), the same audit entry; a refusal shows on the form. A supervisor sees only the rows they set.
- Questionnaires and their questions go through services.evaluation, scoped by policy.visible_questionnaires;
  once sent they are read-only here (sending, answers, visits and scores are the evaluation pages').
- The figure tables, dirty marks, evaluations and answers are not in the admin, and no letter is listed
  here: letters are seen only through letters.policy.
"""

from django import forms
from django.contrib import admin

from dabir.core.errors import DomainError
from dabir.core.service_admin import ServiceForm, ServiceSavedAdmin

from . import policy
from .models import IndexWeights, Question, Questionnaire, Supervisor
from .services import evaluation, weights


def _staff(request) -> bool:
    return request.user.is_active and request.user.is_staff


def _root(request) -> bool:
    return _staff(request) and request.user.is_superuser




# ---------------------------------------------------------------- supervisors


class SupervisorForm(forms.ModelForm):
    class Meta:
        model = Supervisor
        fields = ["user", "level", "province", "office", "is_inspector", "active"]

    def clean(self):
        data = super().clean()
        if data.get("level") == "province" and not (data.get("province") or "").strip():
            self.add_error("province", "ناظر استانی باید استانش را داشته باشد.")
        if data.get("level") == "national":
            data["province"] = ""
        return data


@admin.register(Supervisor)
class SupervisorAdmin(admin.ModelAdmin):
    """Who supervises which province (or the country): set by a superuser."""

    form = SupervisorForm
    list_display = ["user", "level", "province", "office", "is_inspector", "active"]
    list_filter = ["level", "active", "is_inspector"]
    search_fields = ["user__username", "user__last_name", "province", "office__name"]
    raw_id_fields = ["user", "office"]
    list_select_related = ["user", "office"]

    def has_module_permission(self, request):
        return _root(request)

    def has_view_permission(self, request, obj=None):
        return _root(request)

    def has_add_permission(self, request):
        return _root(request)

    def has_change_permission(self, request, obj=None):
        return _root(request)

    def has_delete_permission(self, request, obj=None):
        return _root(request)


# ---------------------------------------------------------------- index weights


class WeightsForm(ServiceForm):
    class Meta:
        model = IndexWeights
        fields = ["province", *IndexWeights.COMPONENTS, "print_cap"]

    def call_service(self):
        data = self.cleaned_data
        return weights.set_weights(user=self.user, province=data.get("province") or "",
                                   print_cap=data.get("print_cap"),
                                   **{name: data.get(name) for name in IndexWeights.COMPONENTS})


@admin.register(IndexWeights)
class IndexWeightsAdmin(ServiceSavedAdmin):
    """The index's weights: the national default (province empty) and each province's own row."""

    form = WeightsForm
    list_display = ["__str__", *IndexWeights.COMPONENTS, "print_cap", "updated_by", "updated_at"]
    list_select_related = ["updated_by"]
    readonly_fields = ["updated_by", "updated_at"]

    def _province(self, request):
        return policy.weights_province(request.user) if _staff(request) else None

    def has_module_permission(self, request):
        return self._province(request) is not None

    def has_view_permission(self, request, obj=None):
        return self._province(request) is not None

    def has_add_permission(self, request):
        return self._province(request) is not None

    def has_change_permission(self, request, obj=None):
        province = self._province(request)
        return province is not None and (obj is None or obj.province == province)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(province=self._province(request) or "")

    def get_changeform_initial_data(self, request):
        return {"province": self._province(request) or "", **super().get_changeform_initial_data(request)}


# ---------------------------------------------------------------- questionnaires


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = ["text", "kind", "weight", "figure", "tolerance"]

    def clean(self):
        data = super().clean()
        if self.errors or data.get("DELETE"):
            return data
        try:  # the service's own checks, before anything is written
            evaluation._question_fields(data.get("text"), data.get("kind"), data.get("weight"),
                                        data.get("figure"), data.get("tolerance"))
        except DomainError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return data


class QuestionInline(admin.TabularInline):
    model = Question
    verbose_name, verbose_name_plural = "پرسش", "پرسش‌ها"
    form = QuestionForm
    fields = ["order", "text", "kind", "weight", "figure", "tolerance"]
    readonly_fields = ["order"]
    extra = 0

    def _draft(self, obj) -> bool:
        return obj is None or obj.state == Questionnaire.State.DRAFT

    def has_add_permission(self, request, obj=None):
        return self._draft(obj)

    def has_change_permission(self, request, obj=None):
        return self._draft(obj)

    def has_delete_permission(self, request, obj=None):
        return self._draft(obj)


class QuestionnaireForm(ServiceForm):
    class Meta:
        model = Questionnaire
        fields = ["title", "intro", "period", "answer_due"]

    def call_service(self):
        data = {name: self.cleaned_data.get(name) for name in self._meta.fields}
        if self.instance.pk is None:
            return evaluation.create_questionnaire(user=self.user, **data)
        if not self.changed_data:
            return None
        return evaluation.update_questionnaire(user=self.user, questionnaire=self.instance, **data)


@admin.register(Questionnaire)
class QuestionnaireAdmin(ServiceSavedAdmin):
    """A supervising office's questionnaires, their questions editable while a draft."""

    form = QuestionnaireForm
    inlines = [QuestionInline]
    list_display = ["title", "period", "state", "office", "province", "answer_due", "sent_at"]
    list_filter = ["state"]
    search_fields = ["title"]
    list_select_related = ["office"]

    def _supervisor(self, request) -> bool:
        return _staff(request) and policy.is_supervisor(request.user)

    def has_module_permission(self, request):
        return self._supervisor(request)

    def has_view_permission(self, request, obj=None):
        return self._supervisor(request)

    def has_add_permission(self, request):
        return self._supervisor(request)

    def has_change_permission(self, request, obj=None):
        return self._supervisor(request) and (obj is None or obj.state == Questionnaire.State.DRAFT)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk__in=policy.visible_questionnaires(request.user).values("pk"))

    def save_formset(self, request, form, formset, change):
        questionnaire = form.instance
        for inline in formset.forms:
            data = inline.cleaned_data
            if not data or not (inline.has_changed() or data.get("DELETE")):
                continue
            fields = {name: data.get(name) for name in ("text", "kind", "weight", "figure", "tolerance")}
            if data.get("DELETE"):
                if inline.instance.pk:
                    evaluation.remove_question(user=request.user, question=inline.instance)
            elif inline.instance.pk:
                evaluation.update_question(user=request.user, question=inline.instance, **fields)
            else:
                evaluation.add_question(user=request.user, questionnaire=questionnaire, **fields)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
