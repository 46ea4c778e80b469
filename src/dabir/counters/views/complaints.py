"""Complaints about counter offices: the public form (/counters/complaint/) with its confirmation and public
tracking, the regulator's list, answer page and the 195 line's form, and the office manager's read-only
view (the complainant's personal data masked). Views stay thin: who sees what is asked of policy.py
(through the selectors), every write is a service."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.html import format_html
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dabir.core import ratelimit
from dabir.core.errors import DomainError, NotAllowed
from dabir.core.jalali import today
from dabir.core.templatetags.persian import code as code_html
from dabir.core.text import to_latin_digits, to_persian_digits
from dabir.core.validators import validate_national_code
from dabir.desk import codes as desk_codes

from .. import policy, selectors, services
from ..models import OfficeComplaint

PAGE_SIZE = 25
FILED_KEY = "counters_complaint_filed"
NOT_FOUND = "شکایتی با این کد رهگیری و کد ملی یافت نشد؛ هر دو را دوباره بررسی کنید."
STATUS_STYLE = {OfficeComplaint.Status.SUBMITTED: "info", OfficeComplaint.Status.ANSWERED: "success"}


def _domain(fn, value):
    try:
        return fn(value)
    except DomainError as exc:
        raise forms.ValidationError(exc.message) from None


# ---------------------------------------------------------------- forms


class ComplaintForm(forms.Form):
    """The complaint form (public, and the 195 line's): the office picked by city then office, or typed by
    its code; the rest is checked by services.file_complaint, whose refusals land on their fields."""

    city = forms.ChoiceField(label="شهر یا روستا", required=False,
                             error_messages={"invalid_choice": "شهر را از فهرست برگزینید."})
    office = forms.TypedChoiceField(label="دفتر پیشخوان", coerce=int, required=False,
                                    error_messages={"invalid_choice": "دفتر را از فهرست برگزینید."})
    office_code = forms.CharField(label="یا کد دفتر", max_length=16, required=False)
    tracking_code = forms.CharField(label="کد رهگیری ثبت در دفتر", max_length=40, required=False)
    operator_name = forms.CharField(label="نام کارمند دفتر", max_length=200, required=False)
    text = forms.CharField(label="شرح شکایت", max_length=5000, widget=forms.Textarea,
                           error_messages={"required": "شرح شکایت را بنویسید.",
                                           "max_length": "شرح شکایت بیش از ۵۰۰۰ نویسه است."})
    name = forms.CharField(label="نام و نام خانوادگی", max_length=200, required=False)
    national_code = forms.CharField(label="کد ملی", max_length=30,
                                    error_messages={"required": "کد ملی خود را وارد کنید."})
    mobile = forms.CharField(label="تلفن همراه", max_length=30,
                             error_messages={"required": "شماره تلفن همراه خود را وارد کنید."})

    def __init__(self, *args, offices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.offices = offices  # the offices this form may name (None: all)
        cities = selectors.complaint_cities()
        if offices is not None:
            allowed = set(offices.values_list("city", flat=True))
            cities = [(p, c) for p, c in cities if c in allowed]
        seen, choices = set(), [("", "— شهر را برگزینید —")]
        for province, city in cities:
            if city not in seen:
                seen.add(city)
                choices.append((city, f"{city} ({province})"))
        self.fields["city"].choices = choices
        self.city = (self.data.get("city") if self.is_bound else self.initial.get("city")) or ""
        in_city = selectors.offices_in_city(self.city)
        if offices is not None:
            in_city = in_city.filter(pk__in=offices.values("pk"))
        self.city_offices = list(in_city)
        self.fields["office"].choices = [("", "— دفتر را برگزینید —")] + [
            (o.pk, f"{o.name} — کد {to_persian_digits(o.code)}") for o in self.city_offices]

    def clean(self):
        data = super().clean()
        picked = next((o for o in self.city_offices if o.pk == data.get("office")), None)
        typed = to_latin_digits(data.get("office_code") or "").strip()
        if picked is not None and typed and typed != picked.code:
            self.add_error("office_code", "دفتر برگزیده و کد دفتر با هم نمی‌خوانند؛ یکی را خالی بگذارید.")
        elif picked is None and not typed and "office" not in self.errors:
            self.add_error("office", "دفتری را که از آن شکایت دارید برگزینید یا کد آن را بنویسید.")
        data["office_code"] = picked.code if picked is not None else typed
        return data

    def apply(self, exc: DomainError) -> None:
        """A service's refusal, on the field it names (the office's code on whichever way it was given)."""
        field = exc.field
        if field == "office_code" and not (self.data.get("office_code") or "").strip():
            field = "office"
        self.add_error(field if field in self.fields else None, exc.message)


class TrackForm(forms.Form):
    tracking_code = forms.CharField(label="کد رهگیری شکایت", max_length=40,
                                    error_messages={"required": "کد رهگیری را وارد کنید."})
    national_code = forms.CharField(label="کد ملی شاکی", max_length=30,
                                    error_messages={"required": "کد ملی را وارد کنید."})

    def clean_tracking_code(self):  # a mistyped code is refused by its check digit, before any lookup
        return _domain(desk_codes.clean_tracking_code, self.cleaned_data["tracking_code"])

    def clean_national_code(self):
        return _domain(validate_national_code, self.cleaned_data["national_code"])


class FilterForm(forms.Form):
    status = forms.ChoiceField(label="وضعیت", required=False,
                               choices=[("", "همه")] + list(OfficeComplaint.Status.choices))
    office = forms.ChoiceField(label="دفتر", required=False)
    overdue = forms.BooleanField(label="فقط دیرکرده", required=False)

    def __init__(self, *args, offices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].choices = [("", "همه دفاتر")] + [
            (o.code, f"{o.name} — {to_persian_digits(o.code)}") for o in offices]


class AnswerForm(forms.Form):
    verdict = forms.ChoiceField(label="نتیجه رسیدگی", choices=OfficeComplaint.Verdict.choices,
                                widget=forms.RadioSelect,
                                error_messages={"required": "نتیجه رسیدگی را برگزینید: وارد است یا وارد نیست.",
                                                "invalid_choice": "نتیجه رسیدگی را از گزینه‌ها برگزینید."})
    answer = forms.CharField(label="پاسخ به شاکی", max_length=5000, widget=forms.Textarea,
                             error_messages={"required": "پاسخ را بنویسید.",
                                             "max_length": "پاسخ بیش از ۵۰۰۰ نویسه است."})


# ---------------------------------------------------------------- the citizen's pages


def _limited(request, bucket: str) -> bool:
    limit, window = settings.DABIR_DESK_TRACK_RATE
    return not ratelimit.hit(f"{bucket}:{ratelimit.client_ip(request)}", limit=limit, window=window)


def _limited_message() -> str:
    window = settings.DABIR_DESK_TRACK_RATE[1]
    return f"تعداد درخواست‌های شما از حد مجاز گذشته است؛ {to_persian_digits(max(1, window // 60))} دقیقه دیگر دوباره تلاش کنید."


def _form_page(request, form, status=200, *, phone=False):
    template = "counters/complaints/phone.html" if phone else "counters/complaints/new.html"
    return render(request, template, {"form": form}, status=status)


def _file(request, form, *, phone: bool):
    data = form.cleaned_data
    try:
        return services.file_complaint(
            office_code=data["office_code"], national_code=data["national_code"], mobile=data["mobile"],
            text=data["text"], name=data.get("name") or "", operator_name=data.get("operator_name") or "",
            tracking_code=data.get("tracking_code") or None,
            channel=OfficeComplaint.Channel.PHONE_195 if phone else OfficeComplaint.Channel.WEB,
            taken_by=request.user if phone else None,
        )
    except DomainError as exc:
        form.apply(exc)
        return None


@never_cache
@require_http_methods(["GET", "POST"])
def complaint_new(request):
    """The public complaint form; «نمایش دفاتر» (or the city select, through htmx) lists the city's offices."""
    if request.method == "GET":
        return _form_page(request, ComplaintForm(initial={"city": request.GET.get("city", "")[:100]}))
    if request.POST.get("pick"):  # only the city changed: the same form, its offices listed, nothing checked
        return _form_page(request, ComplaintForm(initial=request.POST.dict()))
    form = ComplaintForm(request.POST)
    if _limited(request, "counters-complaint"):
        form.is_valid()
        response = render(request, "counters/complaints/new.html", {"form": form, "limited": _limited_message()},
                          status=429)
        response["Retry-After"] = str(settings.DABIR_DESK_TRACK_RATE[1])
        return response
    if not form.is_valid():
        return _form_page(request, form, 400)
    complaint = _file(request, form, phone=False)
    if complaint is None:
        return _form_page(request, form, 400)
    request.session[FILED_KEY] = complaint.tracking_code
    return redirect("counters:complaint_filed")


@require_GET
def complaint_offices(request):
    """The office select of a city (htmx swaps it into the form when the city changes)."""
    form = ComplaintForm(initial={"city": request.GET.get("city", "")[:100]})
    return render(request, "counters/complaints/_office_field.html", {"form": form})


@never_cache
@require_GET
def complaint_filed(request):
    """The confirmation: the tracking code of the complaint this browser has just filed (kept in its session,
    so the page shows nothing to anyone else)."""
    code = request.session.get(FILED_KEY)
    complaint = OfficeComplaint.objects.select_related("office").filter(tracking_code=code).first() if code else None
    if complaint is None:
        return redirect("counters:complaint_new")
    return render(request, "counters/complaints/filed.html", {"complaint": complaint})


def _track_page(request, status=200, **context):
    context.setdefault("form", TrackForm())
    return render(request, "counters/complaints/track.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def complaint_track(request):
    """Public tracking: the complaint's tracking code and the complainant's national code; nothing else is
    shown without both, and a wrong national code reads exactly like an unknown code."""
    if request.method == "GET":
        code = to_persian_digits(request.GET.get("code", "")[:40])
        return _track_page(request, form=TrackForm(initial={"tracking_code": code}))
    form = TrackForm(request.POST)
    if _limited(request, "counters-complaint-track"):
        response = _track_page(request, 429, form=form, limited=_limited_message())
        response["Retry-After"] = str(settings.DABIR_DESK_TRACK_RATE[1])
        return response
    if not form.is_valid():
        return _track_page(request, 400, form=form)
    found = selectors.public_complaint(form.cleaned_data["tracking_code"], form.cleaned_data["national_code"])
    if found is None:
        return _track_page(request, 404, form=form, not_found=NOT_FOUND)
    return _track_page(request, complaint=found, status_style=STATUS_STYLE.get(found.status, "secondary"))


# ---------------------------------------------------------------- the regulator's and the manager's pages


@login_required
@require_GET
def complaint_list(request):
    viewer = policy.check_complaint_viewer(request.user)
    offices = policy.offices_for(request.user).order_by("name") if viewer == policy.COMPLAINT_REGULATOR else []
    form = FilterForm(request.GET or None, offices=offices)
    data = form.cleaned_data if form.is_valid() else {}
    found = selectors.complaints_list(request.user, status=data.get("status", ""),
                                      office_code=data.get("office", ""), overdue=bool(data.get("overdue")))
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.shown_complaints(request.user, page.object_list)
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "counters/complaints/list.html", {
        "page": page, "filter_form": form, "querystring": params.urlencode(), "today": today(),
        "is_regulator": viewer == policy.COMPLAINT_REGULATOR, "office": policy.staff_of(request.user),
    })


def _detail(request, complaint, status=200, answer_form=None):
    can_answer = (complaint.status == OfficeComplaint.Status.SUBMITTED and not complaint.masked
                  and policy.complaint_viewer(request.user) == policy.COMPLAINT_REGULATOR)
    return render(request, "counters/complaints/detail.html", {
        "complaint": complaint, "can_answer": can_answer, "today": today(),
        "answer_form": answer_form or (AnswerForm() if can_answer else None),
        "status_style": STATUS_STYLE.get(complaint.status, "secondary"),
    }, status=status)


@login_required
@require_GET
def complaint_detail(request, complaint_id: int):
    policy.check_complaint_viewer(request.user)
    return _detail(request, selectors.complaint_for(request.user, complaint_id))


@login_required
@require_POST
def complaint_answer(request, complaint_id: int):
    complaint = selectors.complaint_for(request.user, complaint_id)
    policy.check_complaint_answer(request.user, complaint)
    form = AnswerForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.answer_complaint(user=request.user, complaint=complaint, verdict=form.cleaned_data["verdict"],
                                      answer=form.cleaned_data["answer"])
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            status = exc.status
        else:
            messages.success(request, "پاسخ ثبت شد و به شاکی پیامک شد که پاسخ آماده است.")
            return redirect("counters:complaint_detail", complaint_id=complaint.pk)
    complaint = selectors.complaint_for(request.user, complaint_id)
    return _detail(request, complaint, status=status, answer_form=form)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def complaint_phone(request):
    """The 195 line: the regulator's staff file a complaint taken on the phone, for an office of their province."""
    if not policy.is_regulator(request.user):
        raise NotAllowed(policy.NOT_REGULATOR)
    offices = policy.offices_for(request.user)
    if request.method == "GET":
        return _form_page(request, ComplaintForm(offices=offices, initial={"city": request.GET.get("city", "")[:100]}),
                          phone=True)
    if request.POST.get("pick"):
        return _form_page(request, ComplaintForm(offices=offices, initial=request.POST.dict()), phone=True)
    form = ComplaintForm(request.POST, offices=offices)
    complaint = _file(request, form, phone=True) if form.is_valid() else None
    if complaint is None:
        return _form_page(request, form, 400, phone=True)
    messages.success(request, format_html("شکایت تلفنی ثبت شد؛ کد رهگیری را برای شاکی بخوانید: {}",
                                          code_html(desk_codes.display(complaint.tracking_code))))
    return redirect("counters:complaint_detail", complaint_id=complaint.pk)


urlpatterns = [
    path("complaint/", complaint_new, name="complaint_new"),
    path("complaint/offices/", complaint_offices, name="complaint_offices"),
    path("complaint/filed/", complaint_filed, name="complaint_filed"),
    path("complaint/track/", complaint_track, name="complaint_track"),
    path("complaints/", complaint_list, name="complaints"),
    path("complaints/195/", complaint_phone, name="complaint_phone"),
    path("complaints/<int:complaint_id>/", complaint_detail, name="complaint_detail"),
    path("complaints/<int:complaint_id>/answer/", complaint_answer, name="complaint_answer"),
]
