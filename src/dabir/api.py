"""The JSON API: one NinjaAPI, routers from each app, problem+json errors in Persian."""

from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from dabir.core.errors import DomainError
from dabir.core.problems import problem

api = NinjaAPI(title="Dabir API", version="1", description="دبیر: دبیرخانه الکترونیک و اتوماسیون اداری")


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    errors = [{"field": exc.field, "message": exc.message}] if exc.field else None
    return problem(exc.status, exc.message, code=exc.code, errors=errors)


@api.exception_handler(NinjaValidationError)
def validation_error(request, exc: NinjaValidationError):
    errors = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload", "form")]
        errors.append({"field": ".".join(loc), "message": "مقدار این فیلد نامعتبر یا ناقص است."})
    return problem(422, "داده‌های فرستاده‌شده نامعتبر یا ناقص است.", code="validation", errors=errors)


@api.exception_handler(AuthenticationError)
def auth_error(request, exc):
    return problem(401, "برای این درخواست باید وارد شوید یا توکن معتبر بفرستید.", code="unauthenticated")


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    return problem(exc.status_code, str(exc.message), code=str(exc.status_code))


@api.get("/ping", auth=None, tags=["system"])
def ping(request):
    return {"ok": True}
