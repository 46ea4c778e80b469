"""The one authentication backend: Django's password check, throttled per account and per address.

Every password entry point (the staff sign-in page, the Django admin's login, `authenticate()`
from anywhere else) reaches this backend, so none of them can skip the throttle. While the
account or the address is locked it raises services.SignInLocked (a DomainError with status
429): the sign-in forms show its Persian message; anywhere else ProblemMiddleware answers 429.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from dabir.core.ratelimit import client_ip

from . import services


class ThrottledModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        ip = client_ip(request) if request is not None else ""
        attempt = services.begin_sign_in(username=username, ip=ip)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            services.sign_in_failed(attempt)
            return None
        services.sign_in_succeeded(attempt, user=user)
        return user
