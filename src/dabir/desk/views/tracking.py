"""Public tracking, without signing in: tracking code + national code, or tracking code + mobile and
an SMS code (rate-limited per address; 429 with Retry-After past the limit)."""

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dabir.core import ratelimit
from dabir.core.errors import DomainError
from dabir.core.text import to_persian_digits

from .. import forms
from ..definition import version_definition
from ..models import Complaint
from ._shared import _expected_date, _status_context, _timeline, group_code


def _track_limited(request) -> bool:
    limit, window = settings.DABIR_DESK_TRACK_RATE
    return not ratelimit.hit(f"desk-track:{ratelimit.client_ip(request)}", limit=limit, window=window)


def _track_page(request, status: int = 200, **context):
    """The tracking page; the two ways (national code, mobile + SMS code) start blank unless given."""
    context.setdefault("form", forms.TrackForm())
    if "code_form" not in context:
        context.setdefault("mobile_form", forms.TrackByMobileForm(prefix="m"))
    return render(request, "desk/track.html", context, status=status)


def _track_result(request, found):
    """A found request's (or complaint's) status and public timeline; nothing personal."""
    if isinstance(found, Complaint):
        styles = {"submitted": "info", "in_progress": "primary", "answered": "success", "closed": "secondary"}
        return _track_page(request, complaint=found, grouped=group_code(found.tracking_code),
                           status_label=found.get_status_display(),
                           status_style=styles.get(found.status, "secondary"))
    definition = version_definition(found.version)
    stage = definition.stage(found.stage_code) if found.stage_code else None
    return _track_page(request, req=found, grouped=group_code(found.tracking_code), stage=stage,
                       events=_timeline(found), expected=_expected_date(found, definition), **_status_context(found))


def _track_limited_page(request):
    window = settings.DABIR_DESK_TRACK_RATE[1]
    step = request.POST.get("step", "")
    kept = ({"code_form": forms.TrackCodeForm(request.POST, prefix="m")} if step == "verify"
            else {"mobile_form": forms.TrackByMobileForm(request.POST, prefix="m")} if step == "send"
            else {"form": forms.TrackForm(request.POST)})
    response = _track_page(
        request, 429, limited=f"تعداد جست‌وجوهای شما از حد مجاز گذشته است؛ {to_persian_digits(max(1, window // 60))}"
                              " دقیقه دیگر دوباره تلاش کنید.", **kept)
    response["Retry-After"] = str(window)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def track(request):
    """Public tracking, two ways: tracking code + national code, or tracking code + mobile and then the
    code sent to that mobile by SMS (`step` = send, then verify)."""
    if request.method == "GET":
        code = to_persian_digits(request.GET.get("code", "")[:40])
        return _track_page(request, form=forms.TrackForm(initial={"tracking_code": code}),
                           mobile_form=forms.TrackByMobileForm(prefix="m", initial={"tracking_code": code}))
    if _track_limited(request):
        return _track_limited_page(request)
    step = request.POST.get("step", "")
    if step == "send":
        return _track_send_code(request)
    if step == "verify":
        return _track_verify_code(request)
    form = forms.TrackForm(request.POST)
    if not form.is_valid():
        return _track_page(request, 400, form=form)
    from .. import selectors

    found = selectors.public_status(form.cleaned_data["tracking_code"], form.cleaned_data["national_code"])
    if found is None:
        return _track_page(request, 404, form=form,
                           not_found="درخواستی با این کد رهگیری و کد ملی یافت نشد؛ هر دو را دوباره بررسی کنید.")
    return _track_result(request, found)


def _track_send_code(request):
    from dabir.accounts.services import TooManyRequests, otp_validity_text

    from .. import services

    form = forms.TrackByMobileForm(request.POST, prefix="m")
    if not form.is_valid():  # a mistyped tracking code is refused here, before anything is looked up
        return _track_page(request, 400, mobile_form=form)
    data = form.cleaned_data
    try:
        services.request_tracking_otp(tracking_code=data["tracking_code"], mobile=data["mobile"],
                                      ip=ratelimit.client_ip(request))
    except TooManyRequests as exc:
        form.add_error("mobile" if exc.field == "mobile" else None, exc.message)
        response = _track_page(request, 429, mobile_form=form)
        response["Retry-After"] = str(exc.retry_after)
        return response
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _track_page(request, 400, mobile_form=form)
    code_form = forms.TrackCodeForm(prefix="m", initial={
        "tracking_code": group_code(data["tracking_code"]), "mobile": to_persian_digits(data["mobile"])})
    return _track_page(request, code_form=code_form, sent=(
        "اگر این شماره، تلفن همراه متقاضی همین درخواست باشد، کدی شش‌رقمی به آن پیامک شد؛"
        f" آن را تا {otp_validity_text()} دیگر وارد کنید."))


def _track_verify_code(request):
    from .. import services

    form = forms.TrackCodeForm(request.POST, prefix="m")
    if not form.is_valid():
        return _track_page(request, 400, code_form=form)
    data = form.cleaned_data
    try:
        found = services.track_with_otp(tracking_code=data["tracking_code"], mobile=data["mobile"], code=data["code"])
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _track_page(request, exc.status if exc.status in (404, 429) else 400, code_form=form)
    return _track_result(request, found)

