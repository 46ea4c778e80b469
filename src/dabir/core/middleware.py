from django.shortcuts import render

from .errors import DomainError
from .problems import problem


class ProblemMiddleware:
    """A DomainError that escapes a view becomes problem+json (API) or a Persian error page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code in (404, 405)
            and "json" not in response.get("Content-Type", "")
        ):
            # Unknown API routes and wrong methods answer in the API's own format too.
            detail = "این نشانی در API وجود ندارد." if response.status_code == 404 else "این روش برای این نشانی پشتیبانی نمی‌شود."
            return problem(response.status_code, detail)
        return response

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError):
            return None
        if request.path.startswith("/api/"):
            errors = [{"field": exception.field, "message": exception.message}] if exception.field else None
            response = problem(exception.status, exception.message, code=exception.code, errors=errors)
        else:
            response = render(request, "error.html", {"message": exception.message}, status=exception.status)
        if getattr(exception, "retry_after", None):  # a rate limit says when to try again
            response["Retry-After"] = str(exception.retry_after)
        return response
