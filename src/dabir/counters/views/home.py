"""«دفاتر پیشخوان»: where each role starts — the operator's desk, the office's page, the regulator's registry."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path, reverse

from .. import policy


def roles(user) -> dict:
    """What the user is in the counter offices (the navbar and the home page show links by it)."""
    staff = policy.staff_of(user)
    return {
        "staff": staff,
        "is_operator": staff is not None,
        "is_office_manager": staff is not None and staff.role == staff.Role.MANAGER,
        "is_regulator": policy.is_regulator(user),
        "is_agency_admin": bool(user.is_authenticated and (user.is_superuser or user.administered_agencies.exists())),
    }


def landing(user) -> str | None:
    """Where a counter account lands after signing in (accounts.landing): an operator at the desk, an office
    manager or a regulator without a position here; anyone with a position keeps their inbox."""
    from dabir.orgs.selectors import seats_of

    if user.is_superuser or seats_of(user):
        return None
    staff = policy.staff_of(user)
    if staff is not None and staff.role == staff.Role.OPERATOR:
        return reverse("counters:desk")
    if staff is not None or policy.regulator_of(user) is not None:
        return reverse("counters:home")
    return None


@login_required
def home(request):
    context = roles(request.user)
    if context["staff"] is not None:
        context["block_reason"] = policy.block_reason(context["staff"].office)
    return render(request, "counters/home.html", context)


urlpatterns = [path("", home, name="home")]
