"""«تسویه دفاتر»: the settlement statement (a Jalali month or a day; per office, per agency and their
lines; the totals), its reconciliation with the payments, CSV and Excel exports of any statement, and
the regulator's close of a month (a confirmation step; a closed month shows who closed it, when, and
its digest). The regulator sees the offices of their province, an office manager their own office.
Views stay thin: the scope is policy's (through settlement.py), the close a service."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.http import require_http_methods

from dabir.core.errors import DomainError, NotAllowed
from dabir.core.jalali_forms import JalaliDateField
from dabir.orgs.models import Agency

from .. import policy, services
from .. import settlement as S
from ..models import Office, SettlementClose

PERIODS = [("month", "ماهانه"), ("day", "روزانه")]
FILTERS = ("period", "month", "day", "province", "office", "agency")


class StatementForm(forms.Form):
    period = forms.ChoiceField(label="دوره", choices=PERIODS, required=False)
    month = forms.CharField(label="ماه", max_length=12, required=False)
    day = JalaliDateField(label="روز", required=False)
    province = forms.ChoiceField(label="استان", required=False)
    office = forms.ChoiceField(label="دفتر", required=False)
    agency = forms.ChoiceField(label="دستگاه", required=False)

    def __init__(self, *args, offices, **kwargs):
        super().__init__(*args, **kwargs)
        every = Office.objects.all() if offices is None else offices
        self.provinces = sorted(set(every.values_list("province", flat=True)))
        self.fields["province"].choices = [("", "همه استان‌ها")] + [(p, p) for p in self.provinces]
        self.fields["office"].choices = [("", "همه دفاتر")] + [
            (str(o.pk), f"{o.name} ({o.code})") for o in every.order_by("province", "code").only("name", "code")]
        self.fields["agency"].choices = [("", "همه دستگاه‌ها")] + [
            (str(a.pk), a.name) for a in Agency.objects.order_by("name").only("name")]
        months = S.recent_months(24)
        closed = SettlementClose.objects.values_list("month", flat=True).distinct()
        months += sorted({m for m in closed if m not in months}, reverse=True)
        self.month_choices = [(str(m), S.month_label(m)) for m in months]

    def clean_month(self):
        value = self.cleaned_data.get("month") or ""
        if not value:
            return None
        try:
            return S.parse_month(value)
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None

    def clean(self):
        data = super().clean()
        if data.get("period") == "day" and not data.get("day") and not self.errors.get("day"):
            self.add_error("day", "روز را وارد کنید؛ مثلاً ۱۴۰۵/۰۴/۱۵.")
        return data

    def filters(self) -> dict:
        """What settlement.statement takes; the current month when nothing (valid) was asked."""
        if not self.is_bound or not self.is_valid():
            return {}
        d = self.cleaned_data
        out = {"office": d.get("office") or None, "agency": d.get("agency") or None,
               "province": d.get("province") or None}
        if d.get("period") == "day":
            out["day"] = d["day"]
        else:
            out["month"] = d.get("month")
        return out


def _form(request):
    offices = policy.settlement_offices(request.user)  # an operator or anyone else: refused here
    return StatementForm(request.GET or None, offices=offices)


def _query(request, **extra) -> str:
    params = {k: v for k, v in request.GET.items() if k in FILTERS and v}
    params.update({k: v for k, v in extra.items() if v not in (None, "")})
    return urlencode(params)


@login_required
def statement_page(request):
    form = _form(request)
    filters = form.filters()
    status = 400 if form.is_bound and not form.is_valid() else 200
    try:
        stmt = S.statement(user=request.user, **filters)
        rec = S.reconcile(user=request.user, **filters)
    except NotAllowed:
        raise
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        status, filters = 400, {}
        stmt, rec = S.statement(user=request.user), S.reconcile(user=request.user)
    one_province = stmt.provinces[0] if stmt.provinces and len(stmt.provinces) == 1 else ""
    month_chosen = str(stmt.month) if stmt.month else ""
    return render(request, "counters/settlement/statement.html", {
        "form": form, "stmt": stmt, "rec": rec, "query": _query(request),
        "month_value": month_chosen, "month_choices": form.month_choices,
        "period": "day" if stmt.day else "month",
        "province": one_province,
        "can_close": bool(stmt.month and not stmt.close and policy.can_close_month(request.user, one_province)),
        "month_ended": bool(stmt.month and S.month_ended(stmt.month)),
        "close_holds": S.close_holds(stmt.close) if stmt.close else None,
        "closed": S.closed_months(stmt.provinces)[:24],
        "is_regulator": policy.is_regulator(request.user),
    }, status=status)


@login_required
def reconcile_page(request):
    form = _form(request)
    filters = form.filters()
    if form.is_bound and not form.is_valid():
        raise DomainError(" ".join(str(e) for errors in form.errors.values() for e in errors))
    stmt = S.statement(user=request.user, **filters)
    rec = S.reconcile(user=request.user, **filters)
    return render(request, "counters/settlement/reconcile.html", {
        "stmt": stmt, "rec": rec, "query": _query(request),
    })


EXPORTS = {
    "csv": ("text/csv; charset=utf-8", S.to_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", S.to_xlsx),
}


@login_required
def export(request, fmt: str):
    if fmt not in EXPORTS:
        raise Http404
    form = _form(request)
    if form.is_bound and not form.is_valid():
        raise DomainError(" ".join(str(e) for errors in form.errors.values() for e in errors))
    stmt = S.statement(user=request.user, **form.filters())
    content_type, render_file = EXPORTS[fmt]
    response = HttpResponse(render_file(stmt), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, S.export_name(stmt, fmt))
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def close(request):
    """The regulator's close of a month: the statement to be frozen, then the confirmation."""
    source = request.POST if request.method == "POST" else request.GET
    province = (source.get("province") or "").strip()
    if not policy.can_close_month(request.user, province):
        raise NotAllowed(policy.NOT_REGULATOR if not policy.is_regulator(request.user) else
                         "بستن ماه تسویه این استان از شما برنمی‌آید.")
    try:
        month = S.parse_month(source.get("month") or "")
    except DomainError as exc:
        raise DomainError(exc.message, field="month") from None
    error = ""
    if request.method == "POST":
        try:
            done = services.close_month(user=request.user, province=province, month=month)
        except NotAllowed:
            raise
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, f"ماه {S.month_label(done.month)} استان {done.province} بسته شد.")
            return redirect(reverse("counters:settlement") + "?" + urlencode({"month": month, "province": province}))
    stmt = S.statement(user=request.user, month=month, province=province)
    return render(request, "counters/settlement/close.html", {
        "stmt": stmt, "province": province, "month": month, "error": error,
        "month_ended": S.month_ended(month), "awaiting": S.awaiting_payment(province, month),
        "last_day": S.month_range(month)[1],
    }, status=400 if error else 200)


urlpatterns = [
    path("settlement/", statement_page, name="settlement"),
    path("settlement/reconcile/", reconcile_page, name="settlement_reconcile"),
    path("settlement/export.<str:fmt>", export, name="settlement_export"),
    path("settlement/close/", close, name="settlement_close"),
]
