"""Citizen pages of the service desk: sign-in with national code, mobile and an SMS code.

GET/POST /citizen/login/   step 1: the numbers → a code is sent; step 2: the code → signed in
GET/POST /citizen/logout/  a confirmation page; POST signs the citizen out
GET      /citizen/         the citizen's home (links to their requests once the desk has them)

Thin: a form checks the input, one service acts, a DomainError goes back onto the form with what
was typed (status 400, or 429 for a rate limit); never a 500.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dabir.core.errors import DomainError
from dabir.core.jalali import TEHRAN
from dabir.core.ratelimit import client_ip
from dabir.core.text import to_persian_digits
from dabir.core.validators import mask_mobile

from . import forms, services
from .decorators import citizen_required, is_citizen

PENDING = "citizen_otp"  # session key: the numbers a code was sent for, and where to go after


def _safe_next(request, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _after_login(request, next_url: str) -> str:
    return next_url or reverse("citizen_home")


def _attach(form, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


def _render(request, context: dict, status: int = 200):
    pending = request.session.get(PENDING) or {}
    context.setdefault("next", pending.get("next", ""))
    context.setdefault("ttl_text", services.otp_validity_text())
    return render(request, "accounts/citizen_login.html", context, status=status)


def _code_step(request, form=None, status: int = 200, error: str = ""):
    pending = request.session.get(PENDING) or {}
    # The countdown to «ارسال دوباره»: the server's own rate rules say when a new code may be asked for.
    wait = services.otp_resend_wait(mobile=pending.get("mobile", ""), ip=client_ip(request)) if pending else 0
    return _render(request, {
        "step": "code", "form": form or forms.CodeForm(), "error": error,
        "masked_mobile": mask_mobile(pending.get("mobile", "")),
        "national_code": pending.get("national_code", ""),
        "resend_wait": wait,
        "resend_at": timezone.localtime(timezone.now() + dt.timedelta(seconds=wait), TEHRAN) if wait else None,
    }, status)


def _numbers_step(request, form=None, status: int = 200, next_url: str = ""):
    pending = request.session.get(PENDING) or {}
    if form is None:
        initial = {k: to_persian_digits(pending[k]) for k in ("national_code", "mobile") if pending.get(k)}
        form = forms.NumbersForm(initial=initial)
    return _render(request, {"step": "numbers", "form": form, "next": next_url or pending.get("next", "")}, status)


def _status(exc: DomainError) -> int:
    return exc.status if exc.status in (400, 403, 429) else 400


@never_cache
@require_http_methods(["GET", "POST"])
def citizen_login(request):
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    pending = request.session.get(PENDING)
    if request.method == "GET":
        if is_citizen(request.user) and not request.GET.get("step"):
            return redirect(_after_login(request, next_url))
        if request.GET.get("step") == "code" and pending:
            return _code_step(request)
        return _numbers_step(request, next_url=next_url)

    action = request.POST.get("action", "request")
    if action == "request":
        form = forms.NumbersForm(request.POST)
        if not form.is_valid():
            return _numbers_step(request, form, 400, next_url=next_url)
        data = form.cleaned_data
        try:
            services.request_otp(national_code=data["national_code"], mobile=data["mobile"], ip=client_ip(request))
        except DomainError as exc:
            _attach(form, exc)
            response = _numbers_step(request, form, _status(exc), next_url=next_url)
            if isinstance(exc, services.TooManyRequests):
                response["Retry-After"] = str(exc.retry_after)
            return response
        request.session[PENDING] = {
            "national_code": data["national_code"], "mobile": data["mobile"],
            "next": next_url or (pending or {}).get("next", ""),
        }
        return redirect(reverse("citizen_login") + "?step=code")

    if not pending:
        # The session ended (or never began) between the steps: start again, nothing is lost but the code.
        messages.warning(request, "نشست شما پایان یافته است؛ کد ملی و شماره همراه را دوباره وارد کنید.")
        return redirect("citizen_login")

    if action == "resend":
        try:
            services.request_otp(
                national_code=pending["national_code"], mobile=pending["mobile"], ip=client_ip(request)
            )
        except DomainError as exc:
            response = _code_step(request, status=_status(exc), error=exc.message)
            if isinstance(exc, services.TooManyRequests):
                response["Retry-After"] = str(exc.retry_after)
            return response
        messages.success(request, "کد تازه فرستاده شد.")
        return redirect(reverse("citizen_login") + "?step=code")

    form = forms.CodeForm(request.POST)
    if not form.is_valid():
        return _code_step(request, form, 400)
    try:
        user = services.verify_otp(
            national_code=pending["national_code"], mobile=pending["mobile"], code=form.cleaned_data["code"]
        )
    except DomainError as exc:
        _attach(form, exc)
        return _code_step(request, form, _status(exc))
    target = _after_login(request, pending.get("next", ""))
    login(request, user, backend="dabir.accounts.backends.ThrottledModelBackend")  # a new session key
    request.session.pop(PENDING, None)
    return redirect(target)


@never_cache
@require_http_methods(["GET", "POST"])
def citizen_logout(request):
    if request.method == "POST":
        logout(request)
        messages.info(request, "از میز خدمت خارج شدید.")
        return redirect("citizen_login")
    return render(request, "accounts/citizen_logout.html", {})


class StaffSignInView(LoginView):
    """The staff sign-in page; a locked account or address answers 429 with Retry-After."""

    template_name = "accounts/login.html"
    authentication_form = forms.StaffSignInForm

    def get_success_url(self):
        # A page asked for (?next=) wins, except the inbox itself: an account without a position has
        # none, and lands where its app says (accounts.landing).
        from .landing import landing_url

        asked = self.get_redirect_url()
        default = self.get_default_redirect_url()
        if asked and asked != default:
            return asked
        return landing_url(self.request.user) or default

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.locked is not None:
            response.status_code = 429
            response["Retry-After"] = str(form.locked.retry_after)
        return response


@citizen_required
def citizen_home(request):
    try:
        my_requests_url = reverse("desk:my_requests")
    except NoReverseMatch:
        my_requests_url = None
    return render(request, "accounts/citizen_home.html", {
        "my_requests_url": my_requests_url,
        "masked_mobile": mask_mobile(request.user.mobile),
    })
