"""Referral pages: refer a letter to positions, and the sender's withdraw and reassign from the sent tab."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from dabir.core.errors import DomainError, NotFound
from dabir.orgs import selectors as org_selectors

from .. import forms as F
from .. import selectors, services
from ..models import Referral
from ._shared import _agency_positions, _page, _require_seat


@login_required
@require_POST
def referral_withdraw(request, referral_id):
    seat = _require_seat(request)
    referral = get_object_or_404(Referral.objects.select_related("parent"), pk=referral_id)
    try:
        services.withdraw(user=request.user, seat=seat, referral=referral)
        messages.success(request, "ارجاع پس گرفته شد.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(f"{reverse('inbox')}?tab=sent")


@login_required
@require_POST
def referral_reassign(request, referral_id):
    seat = _require_seat(request)
    referral = get_object_or_404(Referral.objects.select_related("parent", "letter__agency"), pk=referral_id)
    form = F.ReassignForm(request.POST, positions=_agency_positions(seat))
    if not form.is_valid():
        messages.error(request, "سمت جایگزین را انتخاب کنید.")
    else:
        try:
            services.reassign(
                user=request.user, seat=seat, referral=referral, to_position_id=form.cleaned_data["to_position"]
            )
            messages.success(request, "ارجاع به سمت دیگری سپرده شد.")
        except DomainError as exc:
            messages.error(request, exc.message)
    return redirect(f"{reverse('inbox')}?tab=sent")


@login_required
def refer(request, letter_id):
    seat = _require_seat(request)
    letter = selectors.get_visible_letter(request.user, letter_id)
    positions = [p for p in _agency_positions(seat) if p.id != seat.position.id]
    absences = org_selectors.absences([p.id for p in positions])
    form_kwargs = {"positions": positions, "absences": absences}
    if request.method == "POST":
        formset = F.ReferFormSet(request.POST, prefix="t", form_kwargs=form_kwargs)
        if formset.is_valid():
            targets = [
                services.ReferralSpec(
                    position_id=f.cleaned_data["position"], action=f.cleaned_data["action"],
                    note=f.cleaned_data.get("note") or "", deadline=f.cleaned_data.get("deadline"),
                )
                for f in formset.forms
                if f.cleaned_data.get("position")
            ]
            try:
                services.refer(user=request.user, seat=seat, letter=letter, targets=targets)
            except DomainError as exc:
                if isinstance(exc, NotFound):
                    raise
                _formset_error(formset, exc)
            else:
                messages.success(request, "نامه ارجاع شد.")
                return redirect("letter_detail", letter_id=letter.id)
        return _page(request, "letters/refer.html", {"formset": formset, "letter": letter, "seat": seat},
                     status=400)
    formset = F.ReferFormSet(prefix="t", form_kwargs=form_kwargs)
    return _page(request, "letters/refer.html", {"formset": formset, "letter": letter, "seat": seat})


def _formset_error(formset, exc: DomainError) -> None:
    aliases = {"to_position": "position"}
    field = aliases.get(exc.field, exc.field)
    for form in formset.forms:
        if form.cleaned_data.get("position") and field in form.fields:
            F.apply_error(form, DomainError(exc.message, field=field))
            return
    formset._non_form_errors = formset.error_class([exc.message])
