"""The regulator's registry of counter offices and the agencies' outsourcing declarations.

- /counters/registry/                the regulator's offices (filters, «about to expire» badge) and, per
                                     agency, outsourceable vs offered services
- /counters/registry/new/            a new office
- /counters/registry/<code>/         one office: licence, staff, renewals, history; the state form and the
                                     staff forms (the office's own manager sees it too, for its operators)
- …/<code>/edit/ …/renew/ …/holder/  edit the particulars; renew (the fee shown before confirming); a new holder
- /counters/outsourcing/             an agency admin's services with the three switches
- /counters/outsourcing/<service>/   one service's declaration with the chosen offices

Views stay thin: who may see what is asked of policy (through the selectors), every write is a service,
and a service's refusal comes back on the form (status 400), nothing written.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from dabir.core.errors import DomainError, NotAllowed, NotFound
from dabir.core.jalali import format_date, today
from dabir.core.text import to_persian_digits
from dabir.desk.models import Service
from dabir.letters.forms import apply_error
from dabir.payments.money import fa_amount

from .. import policy, selectors, services
from .. import registry_forms as F
from ..models import LicenceState, Office, Staff
from ..services.registry import check_renewal, field_label, renewal_percent

PAGE_SIZE = 50


def _require_regulator(request) -> None:
    if not policy.is_regulator(request.user):
        raise NotAllowed(policy.NOT_REGULATOR)


@login_required
def registry(request):
    _require_regulator(request)
    form = F.RegistryFilterForm(request.GET or None, cities=selectors.registry_cities(request.user))
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.registry_offices(request.user, city=filters.get("city", ""), area=filters.get("area", ""),
                                      state=filters.get("state", ""), q=filters.get("q", ""),
                                      expiring=bool(filters.get("expiring")))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    on = today()
    for office in page:
        office.expiring = selectors.about_to_expire(office, on)
        office.days_left = (office.licence_expires_on - on).days
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "counters/registry/list.html", {
        "page": page, "filter_form": form, "querystring": params.urlencode(),
        "outsourcing": selectors.outsourcing_summary(request.user),
        "warning_days": selectors.EXPIRY_WARNING_DAYS,
    })


def _office_form_page(request, form, office=None, status=200):
    return render(request, "counters/registry/office_form.html", {"form": form, "office": office}, status=status)


@login_required
def office_new(request):
    _require_regulator(request)
    all_provinces = request.user.is_superuser
    if request.method != "POST":
        return _office_form_page(request, F.OfficeForm(all_provinces=all_provinces))
    form = F.OfficeForm(request.POST, all_provinces=all_provinces)
    if form.is_valid():
        try:
            office = services.create_office(user=request.user, **form.values())
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"دفتر «{office.name}» با کد {to_persian_digits(office.code)} ثبت شد.")
            return redirect("counters:office", code=office.code)
    return _office_form_page(request, form, status=400)


def _history(office) -> list:
    events = list(office.events.select_related("actor")[:200])
    for event in events:
        event.rows = [(field_label(name), *(list(pair) + ["", ""])[:2]) for name, pair in (event.changes or {}).items()]
    return events


def _detail(request, office: Office, status: int = 200, **forms):
    user = request.user
    is_regulator = policy.is_regulator(user) and policy.regulates(user, office)
    staff = list(office.staff.select_related("user").order_by("-active", "role", "id"))
    for member in staff:
        member.can_end = member.active and (is_regulator or (member.role == Staff.Role.OPERATOR
                                                             and member.user_id != user.pk))
    renewals = list(office.renewals.select_related("actor")[:50])
    for renewal in renewals:  # amounts grouped as people read them (۶۰٬۰۰۰٬۰۰۰)
        renewal.value_shown, renewal.fee_shown = fa_amount(renewal.licence_value_rials), fa_amount(renewal.fee_rials)
    context = {
        "office": office, "is_regulator": is_regulator, "staff": staff, "value_shown": fa_amount(
            office.licence_value_rials),
        "renewals": renewals, "events": _history(office),
        "block_reason": policy.block_reason(office), "expiring": selectors.about_to_expire(office),
        "can_change_state": is_regulator and office.state in (LicenceState.ACTIVE, LicenceState.SUSPENDED),
        "staff_form": forms.get("staff_form") or F.StaffForm(operators_only=not is_regulator),
        "state_form": forms.get("state_form") or F.StateForm(
            initial={"state": LicenceState.ACTIVE if office.state == LicenceState.SUSPENDED else LicenceState.SUSPENDED}),
    }
    return render(request, "counters/registry/office.html", context, status=status)


@login_required
def office(request, code):
    return _detail(request, selectors.registry_office(request.user, code))


def _regulated_office(request, code) -> Office:
    found = selectors.registry_office(request.user, code)
    policy.check_regulator(request.user, found)
    return found


@login_required
def office_edit(request, code):
    found = _regulated_office(request, code)
    all_provinces = request.user.is_superuser
    if request.method != "POST":
        initial = {name: getattr(found, name) for name in F.OfficeForm.base_fields}
        initial["licence_issued_on"] = format_date(found.licence_issued_on)
        for name in ("latitude", "longitude"):
            initial[name] = "" if initial[name] is None else format(initial[name].normalize(), "f")
        initial["licence_value_rials"] = str(found.licence_value_rials)
        return _office_form_page(request, F.OfficeForm(initial=initial, editing=True, all_provinces=all_provinces),
                                 found)
    form = F.OfficeForm(request.POST, editing=True, all_provinces=all_provinces)
    if form.is_valid():
        try:
            services.edit_office(user=request.user, office=found, **form.values())
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "مشخصات دفتر ذخیره شد.")
            return redirect("counters:office", code=found.code)
    return _office_form_page(request, form, found, status=400)


@login_required
@require_POST
def office_state(request, code):
    found = _regulated_office(request, code)
    form = F.StateForm(request.POST)
    if form.is_valid():
        try:
            services.set_licence_state(user=request.user, office=found, state=form.cleaned_data["state"],
                                       reason=form.cleaned_data.get("reason") or "")
        except DomainError as exc:
            apply_error(form, exc)
        else:
            found.refresh_from_db()
            messages.success(request, f"وضعیت پروانه «{found.get_state_display()}» شد.")
            return redirect("counters:office", code=found.code)
    found.refresh_from_db()
    return _detail(request, found, status=400, state_form=form)


@login_required
def office_renew(request, code):
    """Two steps: the form, then the fee computed from the licence value (confirm), then the renewal."""
    found = _regulated_office(request, code)
    context = {"office": found, "percent": to_persian_digits(format(renewal_percent().normalize(), "f"))}
    if request.method != "POST":
        form = F.RenewForm(initial={"licence_value_rials": str(found.licence_value_rials or "")})
        return render(request, "counters/registry/renew.html", {**context, "form": form})
    form = F.RenewForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            new_expiry, value, fee = check_renewal(found, d["new_expiry"], d.get("licence_value_rials"))
            if d.get("confirm") == str(fee):
                renewal = services.renew_licence(user=request.user, office=found, new_expiry=d["new_expiry"],
                                                 licence_value_rials=d.get("licence_value_rials"),
                                                 payment_reference=d.get("payment_reference") or "")
                messages.success(request, f"پروانه تمدید شد؛ هزینه تمدید {fa_amount(renewal.fee_rials)} ریال.")
                return redirect("counters:office", code=found.code)
        except DomainError as exc:
            apply_error(form, exc)
        else:
            # The fee (or the value it comes from) is shown and confirmed before anything is written.
            data = request.POST.copy()
            data["confirm"] = str(fee)
            confirm = F.RenewForm(data)
            confirm.is_valid()
            return render(request, "counters/registry/renew.html", {
                **context, "form": confirm, "quote": {"new_expiry": new_expiry, "value": fa_amount(value),
                                                      "fee": fa_amount(fee)}})
    return render(request, "counters/registry/renew.html", {**context, "form": form}, status=400)


@login_required
def office_holder(request, code):
    found = _regulated_office(request, code)
    if request.method != "POST":
        form = F.HolderForm(initial={"holder_kind": "legal" if found.holder_kind == "natural" else "natural"})
        return render(request, "counters/registry/holder.html", {"office": found, "form": form})
    form = F.HolderForm(request.POST)
    if form.is_valid():
        try:
            services.change_holder(user=request.user, office=found, **form.cleaned_data)
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "دارنده پروانه تغییر کرد.")
            return redirect("counters:office", code=found.code)
    return render(request, "counters/registry/holder.html", {"office": found, "form": form}, status=400)


@login_required
@require_POST
def office_staff(request, code):
    found = selectors.registry_office(request.user, code)
    is_regulator = policy.is_regulator(request.user) and policy.regulates(request.user, found)
    form = F.StaffForm(request.POST, operators_only=not is_regulator)
    if form.is_valid():
        account = get_user_model().objects.filter(username=form.cleaned_data["username"].strip()).first()
        try:
            if account is None:
                raise DomainError("حسابی با این نام کاربری نیست.", field="username")
            services.set_staff(user=request.user, office=found, account=account, role=form.cleaned_data["role"])
        except DomainError as exc:
            apply_error(form, exc, {"account": "username"})
        else:
            messages.success(request, f"«{account.get_full_name() or account.username}» به کارکنان دفتر افزوده شد.")
            return redirect("counters:office", code=found.code)
    return _detail(request, found, status=400, staff_form=form)


@login_required
@require_POST
def staff_end(request, code, staff_id):
    found = selectors.registry_office(request.user, code)
    member = found.staff.select_related("user").filter(pk=staff_id).first()
    if member is None:
        raise NotFound("این کارمند در این دفتر نیست.")
    try:
        services.end_staff(user=request.user, staff=member)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"کار «{member.user.get_full_name() or member.user.username}» در دفتر پایان یافت.")
    return redirect("counters:office", code=found.code)


# ---------------------------------------------------------------- outsourcing (agency admins)


def _require_declarer(request) -> None:
    if not policy.declarable_agencies(request.user).exists():
        raise NotAllowed("واگذاری خدمات به دفاتر پیشخوان را مدیران سامانه دستگاه‌ها اعلام می‌کنند.")


def _office_choices(service):
    """Offices a service may be offered at: not revoked; those of the agency's province first."""
    rows = Office.objects.exclude(state=LicenceState.REVOKED)
    province = service.agency.province
    if province:
        rows = rows.filter(province=province) | Office.objects.filter(services__service=service)
    return rows.distinct().order_by("city", "name", "code")


@login_required
def outsourcing(request):
    _require_declarer(request)
    rows = list(selectors.declarable_services(request.user))
    for service in rows:
        declared = getattr(service, "counter", None)
        service.declared = declared
        service.form = F.OutsourcingForm(prefix=f"s{service.pk}", initial={
            "outsourceable": declared.outsourceable if declared else False,
            "offered": declared.offered if declared else False,
            "all_offices": declared.all_offices if declared else True,
        })
        for field in service.form.fields.values():  # the row's switches belong to the row's form
            field.widget.attrs["form"] = f"form-{service.pk}"
    return render(request, "counters/registry/outsourcing.html", {
        "services": rows, "summary": selectors.outsourcing_summary(request.user)})


def _declarable_service(request, code) -> Service:
    service = selectors.declarable_services(request.user).filter(code=str(code)[:32]).first()
    if service is None:
        raise NotFound("این خدمت پیدا نشد یا واگذاری آن در اختیار شما نیست.")
    return service


@login_required
def outsourcing_service(request, code):
    service = _declarable_service(request, code)
    declared = getattr(service, "counter", None)
    offices = _office_choices(service)
    if request.method != "POST":
        form = F.OutsourcingForm(offices=offices, initial={
            "outsourceable": declared.outsourceable if declared else False,
            "offered": declared.offered if declared else False,
            "all_offices": declared.all_offices if declared else True,
            "offices": [str(pk) for pk in declared.offices.values_list("pk", flat=True)] if declared else [],
        })
        return render(request, "counters/registry/outsourcing_service.html",
                      {"service": service, "form": form, "declared": declared})
    prefix = request.POST.get("prefix") or None
    form = F.OutsourcingForm(request.POST, prefix=prefix, offices=offices)
    if prefix:  # the list's one-row form carries the switches only: the chosen offices stay as they are
        form.fields["offices"].required = False
    if form.is_valid():
        d = form.cleaned_data
        chosen = d.get("offices") or []
        if prefix and declared is not None and not d["all_offices"]:
            chosen = [str(pk) for pk in declared.offices.values_list("pk", flat=True)]
        try:
            services.declare_service(user=request.user, service=service, outsourceable=d["outsourceable"],
                                     offered=d["offered"], all_offices=d["all_offices"],
                                     offices=[] if d["all_offices"] else chosen)
        except DomainError as exc:
            if prefix:
                messages.error(request, f"«{service.title}»: {exc.message}")
                return redirect("counters:outsourcing")
            apply_error(form, exc)
        else:
            messages.success(request, f"واگذاری «{service.title}» ذخیره شد.")
            return redirect("counters:outsourcing")
    return render(request, "counters/registry/outsourcing_service.html",
                  {"service": service, "form": form, "declared": declared}, status=400)


urlpatterns = [
    path("registry/", registry, name="registry"),
    path("registry/new/", office_new, name="office_new"),
    path("registry/<str:code>/", office, name="office"),
    path("registry/<str:code>/edit/", office_edit, name="office_edit"),
    path("registry/<str:code>/state/", office_state, name="office_state"),
    path("registry/<str:code>/renew/", office_renew, name="office_renew"),
    path("registry/<str:code>/holder/", office_holder, name="office_holder"),
    path("registry/<str:code>/staff/", office_staff, name="office_staff"),
    path("registry/<str:code>/staff/<int:staff_id>/end/", staff_end, name="staff_end"),
    path("outsourcing/", outsourcing, name="outsourcing"),
    path("outsourcing/<str:code>/", outsourcing_service, name="outsourcing_service"),
]
