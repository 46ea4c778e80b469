"""Public verification pages (no sign-in) and the staff PDF download. Thin: parse, call, render.

GET  /verify/                 a form to type the code (or paste the scanned address)
GET  /verify/<code>           what the QR code points to: is the letter genuine, and its header
POST /verify/pdf              an uploaded PDF: is it the genuine, unaltered issued file?
GET  /verify/letters/<id>.pdf the letter's PDF for staff who may see the letter
GET  /verify/crl/<agency>.crl the agency CA's revocation list (the address written in certificates)

Lookups are rate-limited per client address; every bad input gets a Persian page, never a 500.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from dabir.core import ratelimit
from dabir.core.errors import DomainError
from dabir.letters.models import Classification, Status
from dabir.letters.selectors import get_visible_letter
from dabir.orgs.models import Agency

from . import forms, pdf, selectors

TOO_MANY = "تعداد درخواست‌های صحت‌سنجی از نشانی شما بیش از حد مجاز است؛ چند دقیقه دیگر دوباره بکوشید."


def _rate() -> tuple[int, int]:
    limit, window = settings.DABIR_VERIFY_RATE
    return int(limit), int(window)


def _max_pdf_bytes() -> int:
    return int(settings.DABIR_VERIFY_MAX_PDF_BYTES)


def _page(request, template: str, context: dict | None = None, status: int = 200) -> HttpResponse:
    ctx = {
        "code_form": forms.CodeForm(), "pdf_form": forms.PdfForm(),
        "max_pdf_mb": _max_pdf_bytes() // (1024 * 1024), **(context or {}),
    }
    return render(request, template, ctx, status=status)


def _error(request, message: str, status: int, **context) -> HttpResponse:
    return _page(request, "signing/verify_form.html", {"error": message, **context}, status=status)


def _throttled(request) -> HttpResponse | None:
    limit, window = _rate()
    if ratelimit.hit(f"verify:{ratelimit.client_ip(request)}", limit, window):
        return None
    response = _error(request, TOO_MANY, 429)
    response["Retry-After"] = str(window)
    return response


@require_GET
@never_cache
def verify_home(request):
    """The form; a submitted code (?code=…) goes on to its own address, the one the QR holds."""
    if "code" in request.GET:
        form = forms.CodeForm(request.GET)
        if not form.is_valid():
            return _error(request, form.errors["code"][0], 400, code_form=form)
        try:
            code = selectors.parse_code(forms.code_from_input(form.cleaned_data["code"]))
        except DomainError as exc:
            return _error(request, exc.message, exc.status, code_form=form)
        return redirect("verify_code", code=code)
    return _page(request, "signing/verify_form.html")


def _signers(report) -> list[dict]:
    rows = []
    for s in report.signatures:
        sig = s.signature
        rows.append({
            "name": str(sig.user), "title": sig.position.title, "unit": sig.position.unit.name,
            "acting": sig.as_acting, "signed_at": s.signed_at, "timestamped": s.timestamped, "ok": s.ok,
            "status_then": s.certificate_status, "status_now": s.status_now, "revoked_at": s.revoked_at,
            "not_after": sig.certificate.not_after, "message": s.message,
        })
    return rows


@require_GET
@never_cache
def verify_code(request, code: str):
    """What the QR code points to: genuine or not, and the letter's header (all of it if unclassified)."""
    if (refused := _throttled(request)) is not None:
        return refused
    raw = forms.code_from_input(code)
    form = forms.CodeForm(initial={"code": raw[: forms.MAX_CODE_INPUT]})
    if len(raw) > forms.MAX_CODE_INPUT:
        return _error(request, "کد واردشده بیش از حد بلند است.", 400, code_form=form)
    try:
        version = selectors.version_by_code(raw)
    except DomainError as exc:
        return _error(request, exc.message, exc.status, code_form=form)

    from .verify import verify_version

    report = verify_version(version)
    letter = version.letter
    classified = letter.classification != Classification.UNCLASSIFIED
    newer = letter.versions.filter(number__gt=version.number).order_by("-number").first()
    context = {
        "version": version, "letter": letter, "agency": letter.agency, "report": report,
        "genuine": report.ok, "classified": classified,
        "classification": Classification(letter.classification).label,
        "void": letter.status == Status.VOID, "newer": newer,
        "signers": [] if classified else _signers(report),
        "checks": [] if classified else report.checks,
        "failed_parts": report.failed(),
    }
    return _page(request, "signing/verify_result.html", context)


@csrf_exempt  # public, no session, no side effect: anyone may ask whether a file is genuine
@require_http_methods(["GET", "POST"])
@never_cache
def verify_pdf(request):
    """An uploaded PDF: is it byte for byte an issued letter, and are its PAdES signatures intact?"""
    if request.method == "GET":
        return redirect("verify_home")
    if (refused := _throttled(request)) is not None:
        return refused
    limit = _max_pdf_bytes()
    too_big = f"حجم پرونده بیش از {limit // (1024 * 1024)} مگابایت است؛ نامه‌های صادرشده کوچک‌ترند."
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit + 64 * 1024:  # refused before the body is read
        return _error(request, too_big, 400)
    form = forms.PdfForm(request.POST, request.FILES)
    if not form.is_valid():
        return _error(request, form.errors.get("pdf", ["پرونده PDF را انتخاب کنید."])[0], 400, pdf_form=form)
    upload = form.cleaned_data["pdf"]
    if upload.size > limit:
        return _error(request, too_big, 400)
    content = upload.read(limit + 1)
    if not content.startswith(pdf.PDF_MAGIC):
        return _error(request, "پرونده فرستاده‌شده PDF نیست؛ نسخه PDF نامه را بارگذاری کنید.", 400)
    report = pdf.check_uploaded_pdf(content)
    if report.failed() == ["file"]:
        return _error(request, report.checks[0][2], 400)
    version = report.version
    letter = version.letter if version is not None else None
    classified = bool(letter and letter.classification != Classification.UNCLASSIFIED)
    context = {
        "report": report, "genuine": report.ok, "version": version, "letter": letter,
        "classified": classified, "file_name": upload.name[:120],
        "classification": Classification(letter.classification).label if letter else "",
        "void": bool(letter and letter.status == Status.VOID),
        "checks": [c for c in report.checks if not classified or c[0] in ("file", "pades", "issued")],
    }
    return _page(request, "signing/verify_pdf_result.html", context)


@require_GET
def crl(request, agency_code: str):
    """The agency CA's certificate revocation list, at the address written in its certificates."""
    if not ratelimit.hit(f"crl:{ratelimit.client_ip(request)}", 120, 300):
        return HttpResponse(TOO_MANY, status=429, content_type="text/plain; charset=utf-8")
    agency = Agency.objects.filter(code=agency_code).first()
    if agency is None:
        return _error(request, "دستگاهی با این شناسه پیدا نشد.", 404)
    from .services import crl_der

    try:
        data = crl_der(agency)
    except DomainError as exc:
        return _error(request, exc.message, exc.status)
    response = HttpResponse(data, content_type="application/pkix-crl")
    response["Content-Disposition"] = f'inline; filename="{agency.code}.crl"'
    return response


@login_required
@require_GET
def letter_pdf_download(request, letter_id: int):
    """The letter's PDF for a member of staff who may see it: the signed one once it is signed."""
    letter = get_visible_letter(request.user, letter_id)  # NotFound → the Persian 404 page
    version = letter.versions.order_by("-number").first()
    if version is not None and version.signatures.exists():
        data = pdf.letter_pdf(version)
        signed = True
    else:
        data = pdf.render_letter(letter)
        signed = False
    name = (letter.number or f"draft-{letter.pk}").replace("/", "-")
    response = HttpResponse(data, content_type="application/pdf")
    ascii_name = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in name)
    response["Content-Disposition"] = f"inline; filename=\"letter-{ascii_name}.pdf\""
    response["X-Dabir-Signed"] = "1" if signed else "0"
    response["Cache-Control"] = "private, no-store"
    return response


