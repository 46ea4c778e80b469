"""«نظارت»: where supervisors and agency managers start, and where a supervisor lands after signing in."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import path, reverse

from dabir.core.errors import NotAllowed

from .. import policy


def landing(user) -> str | None:
    """A supervisor who holds no position lands on the dashboard (accounts.landing)."""
    from dabir.orgs.selectors import seats_of

    if user.is_superuser or seats_of(user) or not policy.supervisor_of(user):
        return None
    return reverse("stats:dashboard")


@login_required
def home(request):
    user = request.user
    if policy.is_supervisor(user):
        return redirect("stats:dashboard")
    managed = sorted(policy.managed_agency_ids(user))
    if managed:
        return redirect("stats:agency", agency_id=managed[0])
    raise NotAllowed(policy.NOT_ALLOWED)


urlpatterns = [path("", home, name="home")]
