"""RFC 9457 problem+json answers, in Persian."""

from django.http import JsonResponse

TITLES = {
    400: "درخواست نامعتبر",
    401: "ورود لازم است",
    403: "دسترسی ندارید",
    404: "پیدا نشد",
    405: "این روش پشتیبانی نمی‌شود",
    409: "ناسازگاری با وضعیت کنونی",
    413: "حجم درخواست بیش از حد مجاز است",
    422: "داده‌ها نامعتبرند",
    429: "درخواست‌ها بیش از حد مجاز است",
    500: "خطای داخلی",
}


def problem(status: int, detail: str, *, code: str = "", errors: list[dict] | None = None) -> JsonResponse:
    body = {
        "type": f"https://dabir.example/problems/{code or status}",
        "title": TITLES.get(status, "خطا"),
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return JsonResponse(
        body, status=status, content_type="application/problem+json", json_dumps_params={"ensure_ascii": False}
    )


# ---------------------------------------------------------------- in the OpenAPI document

PROBLEM_SCHEMA = {
    "title": "Problem",
    "description": "RFC 9457 problem details, in Persian. `errors` names each refused field.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

_WHY = {
    400: "درخواست نادرست است: بدنه خوانا نیست (JSON یا multipart خراب) یا قاعده‌ای آن را نمی‌پذیرد.",
    401: "ورود لازم است: توکن Bearer یا نشست مرورگر.",
    403: "اجازه این کار را ندارید (سمت، نقش یا نشانه CSRF).",
    404: "پیدا نشد، یا اجازه دیدن آن را ندارید (هر دو یک پاسخ).",
    409: "با وضعیت کنونی ناسازگار است (مثلاً نامه در این وضعیت این کار را نمی‌پذیرد).",
    413: "حجم درخواست بیش از حد مجاز است.",
    422: "داده‌های فرستاده‌شده نامعتبر یا ناقص است؛ `errors` هر فیلد را نام می‌برد.",
    429: "درخواست‌ها بیش از حد مجاز است؛ سرآیند Retry-After زمان انتظار را می‌گوید.",
}


def problem_statuses(method: str, operation: dict) -> set[int]:
    """The error statuses an operation can answer, from what the document says of it: any input can
    be refused (422 by its type, 400 by a rule of the service, or a malformed body), a secured one
    needs sign-in and permission and names objects that may be missing or hidden, a secured write
    can meet a state conflict. Statuses a handler declares itself (429...) are kept."""
    params = operation.get("parameters", [])
    body = operation.get("requestBody", {}).get("content", {})
    secured = bool(operation.get("security"))
    statuses = set()
    if params or body:
        statuses |= {400, 422}
    if "multipart/form-data" in body:
        statuses.add(413)
    if secured:
        statuses |= {401, 403, 404}
        if method.lower() != "get":
            statuses.add(409)
    if any(p.get("in") == "path" for p in params):
        statuses.add(404)
    return statuses


def document_problems(openapi: dict) -> dict:
    """Add the problem+json answers every operation can give, in one place, to the document."""
    openapi.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    ref = {"$ref": "#/components/schemas/Problem"}
    for methods in openapi.get("paths", {}).values():
        for method, operation in methods.items():
            responses = operation.setdefault("responses", {})
            declared = {int(code) for code in responses if str(code).isdigit() and int(code) >= 400}
            for status in sorted(declared | problem_statuses(method, operation)):
                entry = responses.get(status) or responses.get(str(status)) or {}
                responses.pop(str(status), None)
                responses[status] = {
                    "description": _WHY.get(status) or entry.get("description") or TITLES.get(status, "خطا"),
                    "content": {"application/problem+json": {"schema": ref}},
                }
    return openapi
