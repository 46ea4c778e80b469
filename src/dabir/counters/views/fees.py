"""Fee schedules «تعرفه کارمزد دفاتر»: the regulator's list of years, a schedule's table (beside last year's
fees for a draft), the draft's whole-table edit form, a new year's draft from the last by an inflation
percentage, and the review-then-approve step. An office's staff see the schedule in force, read-only.
Views stay thin: who may see what is policy's, every write a service of services/fees.py."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path

from dabir.core.errors import Conflict, DomainError, NotAllowed, NotFound
from dabir.core.text import to_persian_digits

from .. import policy, selectors, services
from ..models import FeeSchedule
from ..services.fees import sealed_message

NOT_FEES = "تعرفه کارمزد دفاتر را ناظر دفاتر پیشخوان و کارکنان دفاتر می‌بینند."


def _viewer(user) -> None:
    if not policy.can_manage_fees(user) and policy.staff_of(user) is None:
        raise NotAllowed(NOT_FEES)


def _schedule(user, year: int) -> FeeSchedule:
    _viewer(user)
    schedule = FeeSchedule.objects.select_related("based_on", "approved_by", "created_by").filter(year=year).first()
    if schedule is None or not policy.can_see_schedule(user, schedule):
        raise NotFound(f"تعرفه‌ای برای سال {to_persian_digits(year)} پیدا نشد.")
    return schedule


def _apply(form: forms.Form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


class DraftForm(forms.Form):
    year = forms.CharField(label="سال", max_length=8)
    from_schedule = forms.TypedChoiceField(label="برگرفته از", required=False, coerce=int, empty_value=None)
    inflation_percent = forms.CharField(label="درصد افزایش", max_length=12, required=False)
    letter_fee_rials = forms.CharField(label="کارمزد ثبت نامه (ریال)", max_length=24, required=False,
                                       help_text="خالی بگذارید تا از تعرفه مبنا با همان درصد افزایش گرفته شود.")
    note = forms.CharField(label="توضیح", max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_schedule"].choices = [("", "— پیش‌نویس خالی —")] + [
            (s.pk, f"{s} ") for s in FeeSchedule.objects.order_by("-year")]


class TableForm(forms.Form):
    """One field per service of the table (fee_<service id>), the letter fee and the note."""

    letter_fee_rials = forms.CharField(label="کارمزد ثبت نامه (ریال)", max_length=24)
    note = forms.CharField(label="توضیح", max_length=500, required=False)

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            self.fields[f"fee_{row.service.pk}"] = forms.CharField(
                label=row.service.title, max_length=24, required=False)

    def fees(self) -> dict:
        return {row.service.pk: self.cleaned_data.get(f"fee_{row.service.pk}", "") for row in self.rows}

    def lines(self):
        return [(row, self[f"fee_{row.service.pk}"]) for row in self.rows]


@login_required
def schedules(request):
    """The regulator's years; an office's staff go straight to the schedule in force."""
    if not policy.can_manage_fees(request.user):
        _viewer(request.user)
        in_force = selectors.schedule_in_force()
        if in_force is None:
            raise NotFound("هنوز تعرفه مصوبی برای دفاتر نیست.")
        return redirect("counters:fee_schedule", year=in_force.year)
    in_force = selectors.schedule_in_force()
    return render(request, "counters/fees/list.html", {
        "schedules": selectors.schedules_overview(), "in_force": in_force,
        "form": DraftForm(initial=_draft_initial(in_force)),
    })


def _draft_initial(in_force) -> dict:
    last = FeeSchedule.objects.order_by("-year").first()
    base = FeeSchedule.objects.filter(state=FeeSchedule.State.APPROVED).order_by("-year").first()
    return {"year": to_persian_digits(last.year + 1) if last else "",
            "from_schedule": base.pk if base else None}


@login_required
def schedule_detail(request, year):
    schedule = _schedule(request.user, year)
    rows = selectors.schedule_rows(schedule)
    return render(request, "counters/fees/detail.html", {
        "schedule": schedule, "rows": rows, "previous": selectors.previous_schedule(schedule),
        "in_force": selectors.schedule_in_force(), "can_manage": policy.can_manage_fees(request.user),
        "is_draft": schedule.state == FeeSchedule.State.DRAFT,
    })


@login_required
def new_draft(request):
    policy.check_fee_regulator(request.user)
    form = DraftForm(request.POST or None, initial=_draft_initial(selectors.schedule_in_force()))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            draft = services.draft_schedule(user=request.user, year=d["year"], from_schedule=d.get("from_schedule"),
                                            inflation_percent=d.get("inflation_percent") or None,
                                            letter_fee_rials=d.get("letter_fee_rials") or None, note=d.get("note", ""))
        except DomainError as exc:
            _apply(form, exc)
        else:
            messages.success(request, f"پیش‌نویس تعرفه سال {to_persian_digits(draft.year)} ساخته شد؛ "
                                      "کارمزدها را بازبینی و سپس تصویب کنید.")
            return redirect("counters:fee_schedule", year=draft.year)
    status = 400 if request.method == "POST" else 200
    return render(request, "counters/fees/new.html", {"form": form}, status=status)


@login_required
def edit(request, year):
    policy.check_fee_regulator(request.user)
    schedule = _schedule(request.user, year)
    if schedule.state != FeeSchedule.State.DRAFT:
        raise Conflict(sealed_message(schedule))
    rows = selectors.schedule_rows(schedule, candidates=True)
    initial = {"letter_fee_rials": to_persian_digits(schedule.letter_fee_rials), "note": schedule.note}
    initial.update({f"fee_{r.service.pk}": to_persian_digits(r.counter_fee_rials)
                    for r in rows if r.counter_fee_rials is not None})
    form = TableForm(request.POST or None, rows=rows, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_fees(user=request.user, schedule=schedule, fees=form.fees(),
                              letter_fee_rials=form.cleaned_data["letter_fee_rials"], note=form.cleaned_data["note"])
        except DomainError as exc:
            _apply(form, exc)
        else:
            messages.success(request, "کارمزدهای پیش‌نویس ذخیره شد.")
            return redirect("counters:fee_schedule", year=schedule.year)
    status = 400 if request.method == "POST" else 200
    return render(request, "counters/fees/edit.html", {
        "schedule": schedule, "form": form, "previous": selectors.previous_schedule(schedule)}, status=status)


@login_required
def approve(request, year):
    """Review, then approve: the page shows the whole table once more and asks for a confirmation."""
    policy.check_fee_regulator(request.user)
    schedule = _schedule(request.user, year)
    error = ""
    if request.method == "POST":
        if request.POST.get("confirm") != "1":
            error = "برای تصویب، درستی کارمزدها را تأیید کنید."
        else:
            try:
                services.approve_schedule(user=request.user, schedule=schedule)
            except DomainError as exc:
                error = exc.message
            else:
                messages.success(request, f"تعرفه سال {to_persian_digits(schedule.year)} تصویب شد و از این پس "
                                          "تغییر نمی‌کند.")
                return redirect("counters:fee_schedule", year=schedule.year)
    elif schedule.state != FeeSchedule.State.DRAFT:
        raise Conflict(sealed_message(schedule))
    status = 409 if error and schedule.state != FeeSchedule.State.DRAFT else (400 if error else 200)
    return render(request, "counters/fees/approve.html", {
        "schedule": schedule, "rows": selectors.schedule_rows(schedule),
        "previous": selectors.previous_schedule(schedule), "error": error,
    }, status=status)


urlpatterns = [
    path("fees/", schedules, name="fees"),
    path("fees/new/", new_draft, name="fee_new"),
    path("fees/<int:year>/", schedule_detail, name="fee_schedule"),
    path("fees/<int:year>/edit/", edit, name="fee_edit"),
    path("fees/<int:year>/approve/", approve, name="fee_approve"),
]
