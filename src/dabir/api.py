"""The JSON API: one NinjaAPI, routers from each app, problem+json errors in Persian.

Authentication: `Authorization: Bearer dbr_...` (accounts.auth.TokenAuth) or the browser
session with its CSRF token (accounts.auth.SessionAuth). Docs at /api/docs use the Swagger UI
files bundled with django-ninja, served from here: no CDN is needed.
"""

import logging
from pathlib import Path

import ninja
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import FileResponse, Http404, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import escape, json_script
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from dabir.accounts.api import router as accounts_router
from dabir.accounts.auth import api_auth
from dabir.core.errors import DomainError
from dabir.core.problems import TITLES, document_problems, problem
from dabir.core.text import to_persian_digits
from dabir.letters.api import router as letters_router
from dabir.orgs.api import router as orgs_router

logger = logging.getLogger("dabir.api")

_NINJA_STATIC = Path(ninja.__file__).parent / "static" / "ninja"
_DOC_ASSETS = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-init.js": "text/javascript",
    "favicon.svg": "image/svg+xml",
    "favicon.png": "image/png",
}


class LocalSwagger(Swagger):
    """Swagger UI from django-ninja's bundled files (agencies' networks are closed: no CDN)."""

    def render_page(self, request, api, **kwargs):
        if "ninja" in settings.INSTALLED_APPS:
            return super().render_page(request, api, **kwargs)
        self.settings["url"] = self.get_openapi_url(api, kwargs)

        def asset(name):
            return escape(reverse(f"{api.urls_namespace}:docs_asset", kwargs={"name": name}))

        html = f"""<!DOCTYPE html>
<html lang="fa">
<head>
<meta charset="utf-8">
<title>{escape(api.title)}</title>
<link rel="stylesheet" href="{asset("swagger-ui.css")}">
<link rel="icon" href="{asset("favicon.svg")}" type="image/svg+xml">
</head>
<body data-csrf-token="{escape(get_token(request))}" data-api-csrf="true">
{json_script(self.settings, "swagger-settings")}
<div id="swagger-ui"></div>
<script src="{asset("swagger-ui-bundle.js")}"></script>
<script src="{asset("swagger-ui-init.js")}"></script>
</body>
</html>"""
        return HttpResponse(html)


class _NotAnObject(ValueError):
    pass


class ObjectBodyParser(Parser):
    """Every JSON body of the API is an object. `null`, a list or a bare value is refused with a 422;
    where a body is optional, leave it out (an empty body is the same as none)."""

    def parse_body(self, request):
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise _NotAnObject
        return data


class DabirAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        # Every operation's problem+json answers are documented here, by rule, not per handler.
        return document_problems(super().get_openapi_schema(**kwargs))


api = DabirAPI(
    title="Dabir API",
    version="1",
    description=(
        "دبیر: دبیرخانه الکترونیک و اتوماسیون اداری. احراز هویت با `Authorization: Bearer dbr_...` یا نشست مرورگر "
        "(با CSRF)؛ سمت اقدام‌کننده با سرآیند `X-Dabir-Position`. خطاها به شکل application/problem+json."
    ),
    auth=api_auth(),
    docs=LocalSwagger(),
    parser=ObjectBodyParser(),
    urls_namespace="api",  # apps reverse their operations as "api:<name>" without importing this module
)

api.add_router("/", accounts_router)
api.add_router("/", orgs_router)
api.add_router("/", letters_router)


# ---------------------------------------------------------------- errors as Persian problem+json

_MESSAGES = {
    "missing": "این فیلد لازم است.",
    "int_parsing": "باید عدد صحیح باشد.",
    "int_type": "باید عدد صحیح باشد.",
    "int_from_float": "باید عدد صحیح باشد.",
    "string_type": "باید متن باشد.",
    "bool_parsing": "باید true یا false باشد.",
    "bool_type": "باید true یا false باشد.",
    "list_type": "باید فهرست (آرایه JSON) باشد.",
    "model_type": "باید شیء JSON باشد.",
    "dict_type": "باید شیء JSON باشد.",
    "model_attributes_type": "باید شیء JSON باشد.",
    "date_parsing": "تاریخ نامعتبر است؛ آن را به شکل ۱۴۰۵/۰۱/۱۵ وارد کنید.",
    "date_from_datetime_parsing": "تاریخ نامعتبر است؛ آن را به شکل ۱۴۰۵/۰۱/۱۵ وارد کنید.",
    "datetime_parsing": "زمان نامعتبر است.",
    "datetime_from_date_parsing": "زمان نامعتبر است.",
    "greater_than_equal": "مقدار کمتر از حد مجاز است.",
    "greater_than": "مقدار کمتر از حد مجاز است.",
    "less_than_equal": "مقدار بیشتر از حد مجاز است.",
    "less_than": "مقدار بیشتر از حد مجاز است.",
    "too_long": "تعداد موارد بیش از حد مجاز است.",
    "json_invalid": "بدنه درخواست JSON معتبر نیست.",
    "json_type": "بدنه درخواست JSON معتبر نیست.",
    "union_tag_invalid": "مقدار این فیلد نامعتبر است.",
    "enum": "مقدار این فیلد از گزینه‌های مجاز نیست.",
}
_SOURCES = ("body", "query", "path", "payload", "form", "file", "header", "cookie", "filters")


def _message(err: dict) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "value_error" and ctx.get("error"):
        return str(ctx["error"])
    if kind == "string_too_long" and "max_length" in ctx:
        return f"این متن بیش از {to_persian_digits(ctx['max_length'])} نویسه است."
    if kind == "string_too_short":
        return "این فیلد نباید خالی باشد."
    return _MESSAGES.get(kind, "مقدار این فیلد نامعتبر یا ناقص است.")


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    errors = [{"field": exc.field, "message": exc.message}] if exc.field else None
    return problem(exc.status, exc.message, code=exc.code, errors=errors)


@api.exception_handler(NinjaValidationError)
def validation_error(request, exc: NinjaValidationError):
    errors = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in _SOURCES]
        errors.append({"field": ".".join(loc) or "body", "message": _message(err)})
    if any(err.get("type") in ("json_invalid", "json_type") for err in exc.errors):
        return problem(400, "بدنه درخواست JSON معتبر نیست.", code="malformed_body", errors=errors)
    return problem(422, "داده‌های فرستاده‌شده نامعتبر یا ناقص است.", code="validation", errors=errors)


@api.exception_handler(AuthenticationError)
def auth_error(request, exc):
    response = problem(401, "برای این درخواست باید وارد شوید یا توکن معتبر بفرستید.", code="unauthenticated")
    response["WWW-Authenticate"] = 'Bearer realm="dabir"'
    return response


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    message = str(exc.message)
    if exc.status_code == 400 and isinstance(exc.__cause__, _NotAnObject):
        detail = "بدنه درخواست باید یک شیء JSON باشد ({...})؛ فیلدی را که نمی‌فرستید بیرون بگذارید."
        return problem(422, detail, code="validation", errors=[{"field": "body", "message": detail}])
    if exc.status_code == 400 and message.startswith("Cannot parse request body"):
        return problem(400, "بدنه درخواست را نمی‌توان خواند؛ JSON معتبر بفرستید.", code="malformed_body")
    if exc.status_code == 403 and "csrf" in message.lower():
        return problem(403, "نشانه CSRF فرستاده نشده یا نامعتبر است؛ سرآیند X-CSRFToken را بفرستید.", code="csrf")
    return problem(exc.status_code, TITLES.get(exc.status_code, "خطا"), code=str(exc.status_code))


@api.exception_handler(Http404)
def not_found(request, exc):
    return problem(404, "پیدا نشد.", code="not_found")


@api.exception_handler(RequestDataTooBig)
def too_big(request, exc):
    return problem(413, "حجم درخواست بیش از حد مجاز است.", code="too_large")


@api.exception_handler(MultiPartParserError)
def bad_multipart(request, exc):
    return problem(400, "بدنه چندبخشی (multipart) درخواست خراب است.", code="malformed_body")


@api.exception_handler(SuspiciousOperation)
def suspicious(request, exc):
    return problem(400, "درخواست نامعتبر است.", code="bad_request")


@api.exception_handler(Exception)
def unexpected(request, exc):
    logger.exception("API error on %s %s", request.method, request.path)
    return problem(500, "خطای پیش‌بینی‌نشده‌ای رخ داد؛ دوباره تلاش کنید یا با پشتیبانی تماس بگیرید.", code="server")


# ---------------------------------------------------------------- system


@api.get("/ping", auth=None, tags=["system"])
def ping(request):
    return {"ok": True}


@api.get("/docs/assets/{name}", auth=None, include_in_schema=False, url_name="docs_asset")
def docs_asset(request, name: str):
    if name not in _DOC_ASSETS:
        return problem(404, "پیدا نشد.", code="not_found")
    response = FileResponse((_NINJA_STATIC / name).open("rb"), content_type=_DOC_ASSETS[name])
    response["Cache-Control"] = "public, max-age=86400"
    return response
