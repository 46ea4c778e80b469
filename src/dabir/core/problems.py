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
