"""The operator's desk (باجه), a page for a counter PC, in clear steps:

1. /counters/desk/                      the office and its licence state, the service finder, today's work
2. /counters/desk/visit/                the citizen: national code, mobile, name → the consent code by SMS
3. /counters/desk/visit/<id>/           the code the citizen reads out (resend within the code limits)
4. /counters/desk/visit/<id>/<service>/ the service's form (the desk's form builder), scans, the fee box
5. /counters/desk/submissions/<id>/     the fee: the card reader, or the bank gateway and its return
6. …/receipt/?size=a5|roll, …/receipt.pdf?size=a5|roll   the receipt, to print or as a PDF

Views stay thin: every write is a service (which asks policy.acting_staff at every step, so a suspended
office's operator is refused on the next click, half-filled forms included), every read a selector.
"""

import secrets
import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from dabir.core import ratelimit
from dabir.core.errors import Conflict, DomainError, NotAllowed
from dabir.core.jalali import today
from dabir.core.validators import mask_mobile
from dabir.desk.definition import version_definition
from dabir.desk.views import request_form as builder

from .. import forms as F
from .. import policy, receipt, selectors, services
from ..models import Submission

DRAFTS = "counter_drafts"  # session key: submission key → the draft of a service form at the counter
MAX_DRAFTS = 5
FINDER_LIMIT = 20
STEPS = [(1, "شناسایی متقاضی"), (2, "کد رضایت"), (3, "فرم و مدارک"), (4, "پرداخت"), (5, "رسید")]


def _page(request, template: str, context: dict, *, step: int | None = None, status: int = 200):
    return render(request, template, {**context, "step": step, "steps": STEPS}, status=status)


def _acting(request):
    """The operator's place in an office whose licence is active now (NotAllowed with the reason otherwise)."""
    return policy.acting_staff(request.user)


def _amounts(quote) -> dict:
    from dabir.payments.money import fa_amount

    return {"agency": fa_amount(quote.agency_fee_rials), "counter": fa_amount(quote.counter_fee_rials),
            "total": fa_amount(quote.total_rials), "total_rials": quote.total_rials}


def _finder(request, office) -> tuple:
    form = F.FinderForm(request.GET or None)
    q = form.cleaned_data.get("q", "") if form.is_valid() else ""
    found = list(selectors.offered_services(office, q)[:FINDER_LIMIT])
    return form, [{"service": s, "fees": _amounts(selectors.quote(s))} for s in found]


# ---------------------------------------------------------------- 1. the desk


@never_cache
@login_required
def home(request):
    staff = policy.staff_of(request.user)
    if staff is None:
        raise NotAllowed(policy.NOT_STAFF)
    reason = policy.block_reason(staff.office)
    if reason:  # the reason and nothing else
        return render(request, "counters/desk/home.html", {"staff": staff, "block_reason": reason}, status=403)
    form, found = _finder(request, staff.office)
    return render(request, "counters/desk/home.html", {
        "staff": staff, "finder": form, "found": found, "searched": form.is_bound,
        "today": selectors.day_submissions(request.user, office=staff.office)[:100], "day": today(),
    })


# ---------------------------------------------------------------- 2–3. the citizen and their consent


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def visit_new(request):
    staff = _acting(request)
    service_code = (request.POST.get("service") if request.method == "POST" else request.GET.get("service")) or ""
    service = selectors.offered_service(staff.office, service_code) if service_code else None
    form = F.VisitForm(request.POST or None, initial={"service": service.code if service else ""})
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.start_visit(user=request.user, national_code=form.cleaned_data["national_code"],
                                         mobile=form.cleaned_data["mobile"], name=form.cleaned_data["name"],
                                         ip=ratelimit.client_ip(request))
        except DomainError as exc:
            F.field_error(form, exc)
        else:
            messages.success(request, "کد رضایت به تلفن همراه متقاضی پیامک شد؛ کد را از او بپرسید.")
            return redirect(_visit_url(visit.pk, service))
    return _page(request, "counters/desk/visit_new.html", {"staff": staff, "form": form, "service": service},
                 step=1, status=400 if form.is_bound else 200)


def _visit_url(visit_id: int, service=None) -> str:
    url = reverse("counters:desk_visit", kwargs={"visit_id": visit_id})
    return f"{url}?{urlencode({'service': service.code})}" if service is not None else url


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def visit(request, visit_id: int):
    staff = _acting(request)
    v = selectors.visit_for(request.user, visit_id)
    service_code = (request.POST.get("service") if request.method == "POST" else request.GET.get("service")) or ""
    service = selectors.offered_service(staff.office, service_code) if service_code else None
    form = F.ConsentForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                v = services.verify_visit(user=request.user, visit=v, code=form.cleaned_data["code"])
            except DomainError as exc:
                F.field_error(form, exc)
            else:
                messages.success(request, "رضایت متقاضی تأیید شد.")
                if service is not None:
                    return redirect("counters:desk_form", visit_id=v.pk, code=service.code)
                return redirect(_visit_url(v.pk))
    context = {"staff": staff, "visit": v, "form": form, "service": service,
               "masked_national_code": receipt.mask_national_code(v.national_code),
               "masked_mobile": mask_mobile(v.mobile)}
    if v.verified_at is not None:
        finder, found = _finder(request, staff.office)
        context.update(finder=finder, found=found)
    return _page(request, "counters/desk/visit.html", context, step=3 if v.verified_at else 2, status=status)


@login_required
@require_POST
def resend(request, visit_id: int):
    _acting(request)
    v = selectors.visit_for(request.user, visit_id)
    try:
        services.resend_visit_code(user=request.user, visit=v, ip=ratelimit.client_ip(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "کد رضایت تازه‌ای به تلفن همراه متقاضی پیامک شد؛ کد پیشین دیگر پذیرفته نمی‌شود.")
    url = reverse("counters:desk_visit", kwargs={"visit_id": v.pk})
    service = (request.POST.get("service") or "")[:32]
    return redirect(f"{url}?{urlencode({'service': service})}" if service else url)


# ---------------------------------------------------------------- 4. the service's form for the citizen
#
# Built from the service's definition by the desk's own form builder (dabir.desk.views.request_form):
# the same fields, the same file checks, the typed values and chosen scans kept in the session under the
# form's one-time submission key, so a refused form loses nothing and a double submit files once.


def _drafts(request) -> dict:
    return request.session.setdefault(DRAFTS, {})


def _new_draft(request, visit_id: int, service) -> tuple[str, dict]:
    drafts = _drafts(request)
    while len(drafts) >= MAX_DRAFTS:
        _discard(request, min(drafts, key=lambda k: drafts[k].get("created", 0)))
    key = secrets.token_hex(16)
    drafts[key] = {"visit": visit_id, "service": service.code, "created": time.time(), "data": {}, "files": {}}
    request.session.modified = True
    return key, drafts[key]


def _discard(request, key: str) -> None:
    draft = _drafts(request).pop(key, None)
    request.session.modified = True
    for stored in (draft or {}).get("files", {}).values():
        for item in stored:
            builder._delete_file(item["path"])


def _form_page(request, *, staff, visit, service, definition, key, draft, quote, errors=None, status=200,
               blocked=""):
    context = builder._form_context(service, definition, key, draft, errors=errors)
    context.update(staff=staff, visit=visit, quote=quote, fees=_amounts(quote), blocked=blocked,
                   masked_national_code=receipt.mask_national_code(visit.national_code))
    return _page(request, "counters/desk/form.html", context, step=3, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def file_form(request, visit_id: int, code: str):
    staff = _acting(request)
    v = selectors.visit_for(request.user, visit_id)
    service = selectors.offered_service(staff.office, code)
    if v.verified_at is None:
        messages.warning(request, "نخست کد رضایت را از متقاضی بگیرید.")
        return redirect(_visit_url(v.pk, service))
    definition = version_definition(service.current_version)
    quote = selectors.quote(service)
    key = request.POST.get("submission_key", "") if request.method == "POST" else ""
    key = key if builder.KEY_RE.match(key or "") else ""
    if key and (done := Submission.objects.filter(key=key, office=staff.office).first()) is not None:
        _discard(request, key)
        messages.info(request, "این فرم پیش‌تر ثبت شده است؛ دوباره ثبت نشد.")
        return redirect("counters:desk_submission", submission_id=done.pk)
    draft = _drafts(request).get(key) if key else None
    if draft is None or draft.get("visit") != v.pk or draft.get("service") != service.code:
        expired = request.method == "POST"
        key, draft = _new_draft(request, v.pk, service)
        if expired:
            messages.warning(request, "نشست فرم پایان یافته بود؛ فرم را دوباره پر کنید.")
            return _form_page(request, staff=staff, visit=v, service=service, definition=definition, key=key,
                              draft=draft, quote=quote, status=400)
    if request.method == "GET":
        return _form_page(request, staff=staff, visit=v, service=service, definition=definition, key=key,
                          draft=draft, quote=quote)

    errors = builder._read_post(request, definition, key, draft)
    remove = request.POST.get("remove", "")
    if remove:  # «حذف» beside a kept scan
        for item in draft["files"].pop(remove, []):
            builder._delete_file(item["path"])
        request.session.modified = True
        return _form_page(request, staff=staff, visit=v, service=service, definition=definition, key=key,
                          draft=draft, quote=quote, errors=errors)
    if errors:
        return _form_page(request, staff=staff, visit=v, service=service, definition=definition, key=key,
                          draft=draft, quote=quote, errors=errors, status=400)
    try:
        sub = services.submit_request(
            user=request.user, visit=v, service=service, data=dict(draft["data"]), uploads=builder._uploads(draft),
            submission_key=key, expected_total=request.POST.get("expected_total", ""),
        )
    except DomainError as exc:
        errors = builder._errors_of(exc)
        builder._drop_refused_files(draft, errors)
        request.session.modified = True
        blocked = exc.message if isinstance(exc, NotAllowed) else ""
        return _form_page(request, staff=staff, visit=v, service=service, definition=definition, key=key,
                          draft=draft, quote=selectors.quote(service), errors={} if blocked else errors,
                          status=exc.status, blocked=blocked)
    _discard(request, key)
    messages.success(request, "درخواست ثبت شد؛ کد رهگیری را به متقاضی بدهید و هزینه را بگیرید.")
    return redirect("counters:desk_submission", submission_id=sub.pk)


# ---------------------------------------------------------------- 5. the fee


def _submission_page(request, sub, *, card_form=None, status=200):
    staff = policy.staff_of(request.user)
    can_pay = (sub.state == Submission.State.AWAITING_PAYMENT and staff is not None
               and staff.office_id == sub.office_id)
    return _page(request, "counters/desk/submission.html", {
        "sub": sub, "staff": staff, "can_pay": can_pay, "card_form": card_form or F.CardPaymentForm(),
        "block_reason": policy.block_reason(sub.office) if can_pay else "",
        "r": receipt.receipt_context(sub), "sizes": receipt.SIZES,
    }, step=5 if sub.state == Submission.State.PAID else 4, status=status)


@never_cache
@login_required
def submission(request, submission_id: int):
    return _submission_page(request, selectors.submission_for(request.user, submission_id))


@never_cache
@login_required
@require_POST
def pay_card(request, submission_id: int):
    sub = selectors.submission_for(request.user, submission_id)
    form = F.CardPaymentForm(request.POST)
    if form.is_valid():
        try:
            services.pay_by_card(user=request.user, submission=sub, reference=form.cleaned_data["reference"],
                                 card_mask=form.cleaned_data["card_mask"])
        except DomainError as exc:
            F.field_error(form, exc)
        else:
            messages.success(request, "پرداخت با کارت‌خوان ثبت شد؛ رسید را چاپ کنید.")
            return redirect("counters:desk_receipt", submission_id=sub.pk)
    sub = selectors.submission_for(request.user, submission_id)
    return _submission_page(request, sub, card_form=form, status=400)


@login_required
@require_POST
def pay_gateway(request, submission_id: int):
    sub = selectors.submission_for(request.user, submission_id)
    callback = request.build_absolute_uri(reverse("counters:desk_paid", kwargs={"submission_id": sub.pk}))
    try:
        url = services.start_gateway_payment(user=request.user, submission=sub, callback_url=callback)
    except DomainError as exc:
        messages.error(request, f"اتصال به درگاه بانک انجام نشد: {exc.message}")
        return redirect("counters:desk_submission", submission_id=sub.pk)
    return redirect(url)


@never_cache
@login_required
def gateway_return(request, submission_id: int):
    """The bank sends the browser back here: the payment is verified with the bank, then counted once."""
    from dabir.payments.services import complete_payment

    sub = selectors.submission_for(request.user, submission_id)
    try:
        payment = complete_payment(payment_token=request.GET.get("token", ""), params=request.GET.dict())
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("counters:desk_submission", submission_id=sub.pk)
    sub.refresh_from_db()
    if payment.is_paid and sub.state == Submission.State.PAID:
        messages.success(request, "پرداخت از سوی بانک تأیید شد؛ رسید را چاپ کنید.")
        return redirect("counters:desk_receipt", submission_id=sub.pk)
    messages.error(request, payment.last_message or "پرداخت انجام نشد؛ هزینه هنوز پرداخت نشده است.")
    return redirect("counters:desk_submission", submission_id=sub.pk)


# ---------------------------------------------------------------- 6. the receipt


def _paid(request, submission_id: int):
    sub = selectors.submission_for(request.user, submission_id)
    if sub.state != Submission.State.PAID:
        raise Conflict("رسید پس از پرداخت هزینه صادر می‌شود؛ این ثبت هنوز پرداخت نشده است.")
    return sub


@never_cache
@login_required
def receipt_page(request, submission_id: int):
    try:
        sub = _paid(request, submission_id)
    except Conflict as exc:
        messages.warning(request, exc.message)
        return redirect("counters:desk_submission", submission_id=submission_id)
    size = receipt.size_of(request.GET.get("size"))
    return render(request, "counters/desk/receipt.html", {**receipt.receipt_context(sub), "size": size,
                                                           "sizes": receipt.SIZES})


@never_cache
@login_required
def receipt_pdf(request, submission_id: int):
    sub = _paid(request, submission_id)
    size = receipt.size_of(request.GET.get("size"))
    response = HttpResponse(receipt.render_pdf(sub, size), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, f"receipt-{sub.tracking_code}-{size}.pdf")
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("desk/", home, name="desk"),
    path("desk/visit/", visit_new, name="desk_visit_new"),
    path("desk/visit/<int:visit_id>/", visit, name="desk_visit"),
    path("desk/visit/<int:visit_id>/resend/", resend, name="desk_resend"),
    path("desk/visit/<int:visit_id>/<str:code>/", file_form, name="desk_form"),
    path("desk/submissions/<int:submission_id>/", submission, name="desk_submission"),
    path("desk/submissions/<int:submission_id>/card/", pay_card, name="desk_card"),
    path("desk/submissions/<int:submission_id>/gateway/", pay_gateway, name="desk_gateway"),
    path("desk/submissions/<int:submission_id>/paid/", gateway_return, name="desk_paid"),
    path("desk/submissions/<int:submission_id>/receipt/", receipt_page, name="desk_receipt"),
    path("desk/submissions/<int:submission_id>/receipt.pdf", receipt_pdf, name="desk_receipt_pdf"),
]
