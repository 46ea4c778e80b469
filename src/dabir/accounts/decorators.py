"""`citizen_required`: the view is for signed-in citizens; anyone else goes to the citizen sign-in."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.urls import reverse


def is_citizen(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and getattr(user, "is_citizen", False))


def citizen_required(view):
    """Redirect to citizen_login (with ?next=) unless the user is a signed-in citizen.

    Staff accounts are not citizens: they are sent to the citizen sign-in too.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if is_citizen(request.user):
            return view(request, *args, **kwargs)
        return redirect_to_login(request.get_full_path(), reverse("citizen_login"))

    return wrapper
