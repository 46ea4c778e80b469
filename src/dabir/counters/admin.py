"""The counter offices in the admin, in Persian.

- Who sees what is policy's: a regulator sees the offices of their province and everything hung on them
  (staff, history, renewals, visits, submissions, letters, complaints); a superuser every province; an
  agency admin the outsourcing declarations of their agencies.
- Writes go through the services (audited, with the office's history): an office is created and edited
  by services.create_office / edit_office, staff by set_staff / end_staff, a declaration by
  declare_service, a fee schedule's draft by the fee services. A service's refusal shows on the form.
- Read-only: an approved fee schedule and its fees (no change, no delete: the fee in force relies on
  it), submissions, settlement closes, office history, renewals (made on the renewal page), visits,
  counter letters and complaints (their pages answer them).
"""

from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from dabir.core import service_admin
from dabir.core.errors import DomainError
from dabir.core.service_admin import ServiceForm

from . import policy, services
from .models import (
    CounterLetter,
    CounterService,
    Fee,
    FeeSchedule,
    LetterScan,
    Office,
    OfficeComplaint,
    OfficeEvent,
    Regulator,
    Renewal,
    SettlementClose,
    Staff,
    Submission,
    Visit,
)
from .services.registry import EDITABLE_FIELDS, OFFICE_FIELDS, field_label


def _regulator(request) -> bool:
    user = request.user
    return user.is_active and user.is_staff and policy.is_regulator(user)


def _declarer(request) -> bool:
    user = request.user
    return user.is_active and user.is_staff and policy.declarable_agencies(user).exists()


def _offices(request):
    provinces = policy.regulated_provinces(request.user)
    if provinces is None:
        return Office.objects.all()
    return Office.objects.filter(province__in=provinces or [])


class ServiceSavedAdmin(service_admin.ServiceSavedAdmin):
    """With read-only inlines whose rows the service already wrote."""

    def save_related(self, request, form, formsets, change):
        for formset in formsets:  # read-only inlines: nothing to save (the change message reads these)
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


class RegulatorScoped(admin.ModelAdmin):
    """Seen by regulators (their province's rows) and superusers."""

    office_path = "office"

    def has_module_permission(self, request):
        return _regulator(request) or _declarer(request)

    def has_view_permission(self, request, obj=None):
        return _regulator(request)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.office_path}__in": _offices(request)}) if self.office_path else qs.none()


class ReadOnly(service_admin.ReadOnlyMixin, RegulatorScoped):
    """The regulator's rows that only services write."""


class ReadOnlyInline(service_admin.ReadOnlyMixin, admin.TabularInline):
    extra = 0
    can_delete = False



# ---------------------------------------------------------------- regulators


@admin.register(Regulator)
class RegulatorAdmin(admin.ModelAdmin):
    """Who regulates which province: set by a superuser."""

    list_display = ["user", "province", "title"]
    search_fields = ["user__username", "user__last_name", "province"]
    raw_id_fields = ["user"]

    def _root(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request):
        return self._root(request)

    def has_view_permission(self, request, obj=None):
        return self._root(request)

    def has_add_permission(self, request):
        return self._root(request)

    def has_change_permission(self, request, obj=None):
        return self._root(request)

    def has_delete_permission(self, request, obj=None):
        return self._root(request)


# ---------------------------------------------------------------- offices


class OfficeForm(ServiceForm):
    class Meta:
        model = Office
        fields = list(OFFICE_FIELDS)

    def call_service(self):
        if self.instance.pk is None:
            return services.create_office(user=self.user, **{f: self.cleaned_data.get(f) for f in OFFICE_FIELDS})
        changed = {f: self.cleaned_data.get(f) for f in self.changed_data if f in EDITABLE_FIELDS}
        if not changed:
            return None
        return services.edit_office(user=self.user, office=self.instance, **changed)


class StaffInline(ReadOnlyInline):
    model = Staff
    fields = ["user", "role", "active", "since"]
    readonly_fields = fields


class RenewalInline(ReadOnlyInline):
    model = Renewal
    fields = ["at", "previous_expiry", "new_expiry", "licence_value_rials", "share_percent", "fee_rials",
              "payment_reference"]
    readonly_fields = fields


def _changes(event) -> str:
    rows = [(field_label(name), pair[0] if pair else "", pair[1] if len(pair) > 1 else "")
            for name, pair in (event.changes or {}).items()]
    return format_html_join("", "<div><strong>{}:</strong> {} ← {}</div>", rows) if rows else "-"


class OfficeEventInline(ReadOnlyInline):
    model = OfficeEvent
    fields = ["at", "kind", "changes_shown", "note", "actor"]
    readonly_fields = fields

    @admin.display(description="تغییرات")
    def changes_shown(self, obj):
        return _changes(obj)


@admin.register(Office)
class OfficeAdmin(ServiceSavedAdmin, RegulatorScoped):
    form = OfficeForm
    office_path = ""
    list_display = ["code_shown", "name", "city", "area", "holder_name", "licence_expires_on", "state"]
    list_filter = ["state", "area", "province"]
    search_fields = ["code", "name", "licence_number", "city"]
    inlines = [StaffInline, RenewalInline, OfficeEventInline]

    def get_queryset(self, request):
        return _offices(request)

    def has_add_permission(self, request):
        return _regulator(request)

    def has_change_permission(self, request, obj=None):
        return _regulator(request) and (obj is None or (policy.regulates(request.user, obj)
                                                        and obj.state != "revoked"))

    def get_readonly_fields(self, request, obj=None):
        # The holder, the expiry and the state have their own use cases (and pages): shown, not edited here.
        if obj is None:
            return []
        return ["holder_kind", "holder_name", "holder_id", "licence_expires_on", "state", "state_reason"]

    def get_fields(self, request, obj=None):
        fields = list(OFFICE_FIELDS)
        return fields if obj is None else [*fields, "state", "state_reason"]

    @admin.display(description="کد دفتر", ordering="code")
    def code_shown(self, obj):
        return format_html('<bdi dir="ltr" class="code">{}</bdi>', obj.code)


@admin.register(OfficeEvent)
class OfficeEventAdmin(ReadOnly):
    list_display = ["at", "office", "kind", "changes_shown", "actor"]
    list_filter = ["kind"]
    list_select_related = ["office", "actor"]
    search_fields = ["office__code", "office__name"]
    exclude = ["changes"]
    readonly_fields = ["changes_shown"]

    @admin.display(description="تغییرات")
    def changes_shown(self, obj):
        return _changes(obj)


@admin.register(Renewal)
class RenewalAdmin(ReadOnly):
    list_display = ["at", "office", "previous_expiry", "new_expiry", "licence_value_rials", "fee_rials", "actor"]
    list_select_related = ["office", "actor"]
    search_fields = ["office__code", "office__name", "payment_reference"]


# ---------------------------------------------------------------- staff


class StaffForm(ServiceForm):
    class Meta:
        model = Staff
        fields = ["office", "user", "role", "active"]

    def call_service(self):
        d = self.cleaned_data
        if self.instance.pk is None:
            return services.set_staff(user=self.user, office=d["office"], account=d["user"], role=d["role"])
        staff = self.instance
        if "active" in self.changed_data and not d.get("active"):
            return services.end_staff(user=self.user, staff=staff)
        if "role" in self.changed_data or ("active" in self.changed_data and d.get("active")):
            return services.set_staff(user=self.user, office=staff.office, account=staff.user, role=d["role"])
        return None


@admin.register(Staff)
class StaffAdmin(ServiceSavedAdmin, RegulatorScoped):
    form = StaffForm
    list_display = ["user", "office", "role", "active", "since"]
    list_filter = ["role", "active"]
    list_select_related = ["user", "office"]
    search_fields = ["user__username", "user__last_name", "office__code", "office__name"]
    raw_id_fields = ["user"]

    def has_add_permission(self, request):
        return _regulator(request)

    def has_change_permission(self, request, obj=None):
        return _regulator(request)

    def get_readonly_fields(self, request, obj=None):
        return ["office", "user", "since"] if obj is not None else []

    def get_fields(self, request, obj=None):
        return ["office", "user", "role", "active", "since"] if obj is not None else ["office", "user", "role"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "office":
            kwargs["queryset"] = _offices(request).exclude(state="revoked")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# ---------------------------------------------------------------- outsourcing


class CounterServiceForm(ServiceForm):
    class Meta:
        model = CounterService
        fields = ["service", "outsourceable", "offered", "all_offices", "offices"]

    def call_service(self):
        d = self.cleaned_data
        service = d.get("service") or self.instance.service
        return services.declare_service(user=self.user, service=service, outsourceable=d.get("outsourceable"),
                                        offered=d.get("offered"), all_offices=d.get("all_offices"),
                                        offices=list(d.get("offices") or []))


@admin.register(CounterService)
class CounterServiceAdmin(ServiceSavedAdmin):
    form = CounterServiceForm
    list_display = ["service", "agency", "outsourceable", "offered", "all_offices", "updated_at"]
    list_filter = ["outsourceable", "offered", "all_offices", "service__agency"]
    list_select_related = ["service__agency"]
    search_fields = ["service__title", "service__code"]
    filter_horizontal = ["offices"]

    @admin.display(description="دستگاه", ordering="service__agency__name")
    def agency(self, obj):
        return obj.service.agency

    def has_module_permission(self, request):
        return _regulator(request) or _declarer(request)

    def has_view_permission(self, request, obj=None):
        return _regulator(request) or _declarer(request)

    def has_add_permission(self, request):
        return _declarer(request)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return _declarer(request)
        return request.user.is_staff and policy.can_declare_outsourcing(request.user, obj.service.agency)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser or _regulator(request):
            return qs
        return qs.filter(service__agency__in=policy.declarable_agencies(request.user))

    def get_readonly_fields(self, request, obj=None):
        return ["service"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "service":
            from dabir.desk.models import Service

            kwargs["queryset"] = Service.objects.filter(agency__in=policy.declarable_agencies(request.user),
                                                        counter__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "offices":
            kwargs["queryset"] = Office.objects.exclude(state="revoked")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


# ---------------------------------------------------------------- fee schedules


class FeeScheduleForm(ServiceForm):
    class Meta:
        model = FeeSchedule
        fields = ["year", "based_on", "inflation_percent", "letter_fee_rials", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "letter_fee_rials" in self.fields:  # blank: the base schedule's, raised (or none)
            self.fields["letter_fee_rials"].required = False

    def call_service(self):
        d = self.cleaned_data
        if self.instance.pk is None:
            return services.draft_schedule(user=self.user, year=d.get("year"), from_schedule=d.get("based_on"),
                                           inflation_percent=d.get("inflation_percent"),
                                           letter_fee_rials=d.get("letter_fee_rials"), note=d.get("note") or "")
        if not set(self.changed_data) & {"letter_fee_rials", "note"}:
            return None
        return services.set_fees(user=self.user, schedule=self.instance, fees={},
                                 letter_fee_rials=d.get("letter_fee_rials"), note=d.get("note") or "")


class FeeInline(admin.TabularInline):
    model = Fee
    extra = 0
    fields = ["service", "counter_fee_rials"]

    def _draft(self, obj) -> bool:
        return obj is not None and obj.state == FeeSchedule.State.DRAFT

    def has_add_permission(self, request, obj=None):
        return self._draft(obj) and policy.can_manage_fees(request.user)

    def has_change_permission(self, request, obj=None):
        return self._draft(obj) and policy.can_manage_fees(request.user)

    def has_delete_permission(self, request, obj=None):
        return self._draft(obj) and policy.can_manage_fees(request.user)


@admin.register(FeeSchedule)
class FeeScheduleAdmin(ServiceSavedAdmin):
    """Drafts are written through the fee services (the fees table in one set_fees call); an approved
    schedule is read-only: no change, no delete."""

    form = FeeScheduleForm
    list_display = ["year", "state", "based_on", "inflation_percent", "letter_fee_rials", "approved_at"]
    list_filter = ["state"]
    list_select_related = ["based_on"]
    inlines = [FeeInline]
    actions = ["approve"]

    def has_module_permission(self, request):
        return _regulator(request)

    def has_view_permission(self, request, obj=None):
        return _regulator(request)

    def has_add_permission(self, request):
        return _regulator(request)

    def has_change_permission(self, request, obj=None):
        return _regulator(request) and (obj is None or obj.state == FeeSchedule.State.DRAFT)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["year", "based_on", "inflation_percent", "state", "approved_at", "approved_by"]

    def get_fields(self, request, obj=None):
        base = ["year", "based_on", "inflation_percent", "letter_fee_rials", "note"]
        return base if obj is None else [*base, "state", "approved_at", "approved_by"]

    def save_formset(self, request, form, formset, change):
        """The fee rows of a draft, all in one set_fees call (a refusal rolls the whole page back)."""
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        schedule = form.instance
        if schedule.pk is None or schedule.state != FeeSchedule.State.DRAFT:
            return
        fees = {}
        for row in formset.forms:
            data = getattr(row, "cleaned_data", None) or {}
            service = data.get("service")
            if service is None or not (row.has_changed() or data.get("DELETE")):
                continue
            if data.get("DELETE"):
                fees[service.pk] = None
            else:
                fees[service.pk] = data.get("counter_fee_rials")
            old = getattr(row.instance, "service_id", None)
            if row.instance.pk is not None and old and old != service.pk:
                fees.setdefault(old, None)  # a row moved to another service: the old one goes
        if fees:
            services.set_fees(user=request.user, schedule=schedule, fees=fees)

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            self.save_formset(request, form, formset, change)

    @admin.action(description="تصویب پیش‌نویس‌های برگزیده")
    def approve(self, request, queryset):
        done = 0
        for schedule in queryset.filter(state=FeeSchedule.State.DRAFT):
            try:
                services.approve_schedule(user=request.user, schedule=schedule)
            except DomainError as exc:
                self.message_user(request, exc.message, level=messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, "پیش‌نویس‌های برگزیده تصویب شد.", level=messages.SUCCESS)


@admin.register(Fee)
class FeeAdmin(admin.ModelAdmin):
    """Fee rows are seen here; a draft's are edited on its schedule's page, an approved one's never."""

    list_display = ["schedule", "service", "counter_fee_rials"]
    list_filter = ["schedule"]
    list_select_related = ["schedule", "service"]
    search_fields = ["service__title", "service__code"]

    def has_module_permission(self, request):
        return _regulator(request)

    def has_view_permission(self, request, obj=None):
        return _regulator(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# ---------------------------------------------------------------- the offices' work (read-only)


@admin.register(Visit)
class VisitAdmin(ReadOnly):
    list_display = ["created_at", "office", "operator", "national_code", "verified_at"]
    list_select_related = ["office", "operator"]
    search_fields = ["national_code", "office__code"]


@admin.register(Submission)
class SubmissionAdmin(ReadOnly):
    list_display = ["tracking", "office", "agency", "kind", "total_rials", "state", "method", "paid_at", "month"]
    list_filter = ["state", "kind", "method"]
    list_select_related = ["office", "agency"]
    search_fields = ["tracking_code", "office__code", "national_code"]

    @admin.display(description="کد رهگیری", ordering="tracking_code")
    def tracking(self, obj):
        return format_html('<bdi dir="ltr" class="code">{}</bdi>', obj.tracking_code)


class LetterScanInline(ReadOnlyInline):
    model = LetterScan
    fields = ["scan_name", "scan_type", "scan_size"]
    readonly_fields = fields
    verbose_name = "پرونده پویش‌شده"
    verbose_name_plural = "پرونده‌های پویش‌شده"

    @admin.display(description="نام پرونده")
    def scan_name(self, obj):
        return obj.name

    @admin.display(description="نوع")
    def scan_type(self, obj):
        return obj.content_type

    @admin.display(description="اندازه (بایت)")
    def scan_size(self, obj):
        return obj.size


@admin.register(CounterLetter)
class CounterLetterAdmin(ReadOnly):
    list_display = ["tracking", "office", "agency", "subject", "state", "created_at"]
    list_filter = ["state"]
    list_select_related = ["office", "agency"]
    search_fields = ["tracking_code", "office__code", "national_code"]
    exclude = ["letter", "answer"]
    inlines = [LetterScanInline]

    @admin.display(description="کد رهگیری", ordering="tracking_code")
    def tracking(self, obj):
        return format_html('<bdi dir="ltr" class="code">{}</bdi>', obj.tracking_code)


@admin.register(SettlementClose)
class SettlementCloseAdmin(ReadOnly):
    list_display = ["province", "month", "closed_at", "closed_by"]
    list_select_related = ["closed_by"]
    office_path = ""

    def get_queryset(self, request):
        qs = admin.ModelAdmin.get_queryset(self, request)
        provinces = policy.regulated_provinces(request.user)
        return qs if provinces is None else qs.filter(province__in=provinces or [])


@admin.register(OfficeComplaint)
class OfficeComplaintAdmin(ReadOnly):
    list_display = ["tracking", "office", "channel", "status", "verdict", "answer_due", "created_at"]
    list_filter = ["status", "verdict", "channel"]
    list_select_related = ["office"]
    search_fields = ["tracking_code", "office__code"]

    @admin.display(description="کد رهگیری", ordering="tracking_code")
    def tracking(self, obj):
        return format_html('<bdi dir="ltr" class="code">{}</bdi>', obj.tracking_code)
