"""The suggested first recipients, asked by the register page while the clerk types (htmx GET → partial)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dabir.orgs import selectors as org_selectors

from .. import forms as F
from .. import suggestions
from ._shared import current_seat


@login_required
@require_GET
def suggest_recipients(request):
    # A page whose form has a prefix sends its own names (register-sender_name): the field follows the dash.
    form = F.SuggestForm({key.rsplit("-", 1)[-1]: value for key, value in request.GET.items()})
    if not form.is_valid():
        errors = [e for field in form.errors.values() for e in field]
        return render(request, "letters/partials/suggestions.html", {"errors": errors}, status=400)
    d = form.cleaned_data
    # Without a secretariat named (a page with one only), the clerk's first one; suggest() asks the policy.
    secretariat_id = d["secretariat"] or org_selectors.secretariats_of(request.user).values_list(
        "id", flat=True).first()
    items = suggestions.suggest(request.user, secretariat_id=secretariat_id, sender=d["sender_name"],
                                subject=d["subject"], seat=current_seat(request))
    return render(request, "letters/partials/suggestions.html",
                  {"suggestions": items, "asked": bool(d["sender_name"].strip() or d["subject"].strip())})
