"""The exchange's HTTP face for other servers (docs/exchange.md):

POST /exchange/v1/messages   a signed Message in; its signed delivery receipt out (200), or a
                             problem+json refusal (400/413/415) naming the failed check
GET  /exchange/v1/directory  the signed directory, on the directory authority

No session, no CSRF token: the signature is the authentication. The body is read only up to the
size limit, so an oversized message is refused before it is parsed.
"""

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from dabir.core.errors import DomainError
from dabir.core.problems import problem

from . import envelope
from .services import directory, receive


def _client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "")[:64]


@csrf_exempt
@require_POST
def messages(request):
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    limit = settings.DABIR_EXCHANGE_MAX_BYTES
    if length > limit:
        return problem(413, f"پیام بزرگ‌تر از {limit // (1024 * 1024)} مگابایت است.", code="too_large")
    content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip()
    if content_type not in (envelope.CONTENT_TYPE, "application/xml", "text/xml"):
        return problem(415, f"نوع محتوا باید {envelope.CONTENT_TYPE} باشد.", code="content_type")
    raw = request.read(limit + 1)
    if len(raw) > limit:
        return problem(413, f"پیام بزرگ‌تر از {limit // (1024 * 1024)} مگابایت است.", code="too_large")
    try:
        receipt = receive(raw, address=_client_address(request))
    except DomainError as exc:
        return problem(exc.status if exc.status != 404 else 400, exc.message, code=exc.code)
    return HttpResponse(receipt, content_type=envelope.CONTENT_TYPE)


@require_GET
def directory_document(request):
    try:
        data = directory.publish_directory()
    except DomainError as exc:
        return problem(404, exc.message, code=exc.code)
    response = HttpResponse(data, content_type=envelope.CONTENT_TYPE)
    response["Cache-Control"] = "no-cache"
    return response
