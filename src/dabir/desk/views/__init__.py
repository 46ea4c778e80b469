"""Citizen pages of the service desk, mounted at /services/.

GET       /services/                               the catalogue: search, agency and category filters
GET       /services/<code>/                        a service's public profile (شناسنامه خدمت)
GET/POST  /services/<code>/apply/                  the request form (signed-in citizens); ?key= reopens a draft
GET/POST  /services/<code>/apply/<key>/check/      «check your answers»; POST submits the request
GET       /services/my/                            the citizen's requests
GET       /services/my/<tracking>/                 a request: status, timeline, documents, result, rating
GET       /services/my/<tracking>/done/            the confirmation with the tracking code
POST      /services/my/<tracking>/documents/       upload the documents staff asked for
POST      /services/my/<tracking>/rate/            rate a finished request
POST      /services/my/<tracking>/cancel/          cancel an open request
POST      /services/my/<tracking>/pay/             pay the fee (to the bank and back)
GET       /services/my/<tracking>/paid/            the bank's return
GET       /services/my/<tracking>/result.pdf       the signed result document
GET/POST  /services/track/                         public tracking: tracking code + national code, or
                                                   tracking code + mobile and an SMS code (step=send, verify)
GET/POST  /services/complaints/new/                file a complaint
GET       /services/complaints/<tracking>/         a complaint's status
GET       /services/manifest.webmanifest, /services/sw.js, /services/offline/   the installable web app

Thin: the pages read and keep what the citizen typed; one service acts; a DomainError goes back
onto the page with the typed values (status 400, 429 for the tracking limit); never a 500.

Uploaded files survive a refused form: each upload is stored at once under the draft's one-time
submission key (MEDIA_ROOT/desk-drafts/<key>/), and the session keeps the draft (typed values and
the stored files), so a citizen corrects a field without choosing the files again. The draft and
its files go away when the request is submitted.
"""

import json
import re
import secrets
import time

from django.conf import settings
from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dabir.accounts.decorators import citizen_required
from dabir.core import ratelimit
from dabir.core.calendar import add_working_days
from dabir.core.errors import DomainError
from dabir.core.jalali import local, persian
from dabir.core.text import normalize, to_latin_digits, to_persian_digits
from dabir.core.validators import validate_mobile
from dabir.letters.services import Upload
from dabir.orgs.models import Agency

from .. import codes, forms
from ..definition import parse_definition
from ..models import OPEN_REQUEST, Category, Complaint, RequestStatus, Service, ServiceRequest

DRAFTS = "desk_drafts"  # session key: submission_key → the draft of a request form
MAX_DRAFTS = 5  # drafts kept per session; the oldest (and its files) go first
HARD_MAX_UPLOAD = 20 * 1024 * 1024  # the largest max_mb a definition may set
KEY_RE = re.compile(r"^[0-9a-f]{32}$")
CHANNEL_LABELS = {"online": "برخط (وب و تلفن همراه)", "counter": "دفتر پیشخوان", "in_person": "حضوری",
                  "phone": "تلفنی"}
STATUS_STYLE = {
    RequestStatus.AWAITING_PAYMENT: "warning", RequestStatus.SUBMITTED: "info",
    RequestStatus.IN_PROGRESS: "primary", RequestStatus.AWAITING_DOCUMENTS: "warning",
    RequestStatus.APPROVED: "success", RequestStatus.COMPLETED: "success",
    RequestStatus.REJECTED: "danger", RequestStatus.CANCELLED: "secondary",
}


# ---------------------------------------------------------------- helpers


def group_code(code: str) -> str:
    """A tracking code as people read it aloud, 123-456-7890; templates show it with the `code` filter."""
    return codes.display(code or "")


def amount(rials: int) -> dict:
    from dabir.payments.money import rials_and_tomans

    return rials_and_tomans(rials)


def _definition(service: Service):
    if service.current_version is None:
        raise Http404
    return parse_definition(service.current_version.definition)


def _active_service(code: str) -> Service:
    service = (Service.objects.select_related("agency", "category", "current_version")
               .filter(code=code, active=True, current_version__isnull=False).first())
    if service is None:
        raise Http404("خدمتی با این کد یافت نشد.")
    return service


def _own_request(request, tracking_code: str) -> ServiceRequest:
    """The signed-in citizen's request, or 404: another citizen's request does not exist for them."""
    from .. import selectors

    try:
        req = selectors.request_of_citizen(request.user, to_latin_digits(tracking_code))
    except DomainError:
        raise Http404 from None
    if req is None:
        raise Http404
    return req


def _expected_date(req: ServiceRequest, definition=None):
    if req.due:
        return req.due
    definition = definition or parse_definition(req.version.definition)
    return add_working_days(local(req.submitted_at).date(), definition.profile.duration_days)


def _status_context(req: ServiceRequest) -> dict:
    return {"status_label": RequestStatus(req.status).label, "status_style": STATUS_STYLE.get(req.status, "secondary")}


def _timeline(req: ServiceRequest):
    from .. import selectors

    return list(selectors.timeline(req, public_only=True))


def _fees(definition) -> list[dict]:
    rows = []
    for channel in definition.profile.channels:
        rials = getattr(definition.fees, channel, 0) if channel != "phone" else 0
        rows.append({"channel": CHANNEL_LABELS.get(channel, channel), "rials": rials, "amount": amount(rials)})
    return rows


# ---------------------------------------------------------------- catalogue and profile


CATALOGUE_PAGE = 24


@require_GET
def catalogue(request):
    from .. import selectors

    q = (request.GET.get("q") or "")[:200]
    agency = _int(request.GET.get("agency"))
    category = _int(request.GET.get("category"))
    category_obj = Category.objects.filter(pk=category).first() if category else None
    found = ([] if category and category_obj is None
             else selectors.catalogue(q=q, agency=agency, category=category_obj))
    page = Paginator(found, CATALOGUE_PAGE).get_page(request.GET.get("page"))
    for service in page.object_list:
        # The definition was validated when it was published: read the card's few fields as they are.
        d = service.current_version.definition
        profile, online_fee = d.get("profile", {}), d.get("fees", {}).get("online", 0)
        channels = profile.get("channels", ["online"])
        service.card = {
            "duration": profile.get("duration_days", 10),
            "fee": amount(online_fee),
            "fee_rials": online_fee,
            "channels": [CHANNEL_LABELS.get(c, c) for c in channels],
            "online": "online" in channels,
            "summary": profile.get("description", ""),
        }
    agencies = Agency.objects.filter(services__active=True).distinct().order_by("name")
    return render(request, "desk/catalogue.html", {
        "services": page.object_list, "page": page, "q": q, "agency": agency, "category": category,
        "agencies": agencies, "categories": Category.objects.filter(services__active=True).distinct(),
        "filtered": bool(normalize(q) or agency or category),
    })


def _int(value) -> int | None:
    text = to_latin_digits(str(value or "")).strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


@require_GET
def service_profile(request, code: str):
    service = _active_service(code)
    definition = _definition(service)
    return render(request, "desk/service.html", {
        "service": service, "d": definition, "fees": _fees(definition),
        "channels": [CHANNEL_LABELS.get(c, c) for c in definition.profile.channels],
        "online": "online" in definition.profile.channels,
        "version": service.current_version,
    })


# ---------------------------------------------------------------- the request form and its draft


def _drafts(request) -> dict:
    return request.session.setdefault(DRAFTS, {})


def _new_draft(request, service: Service) -> tuple[str, dict]:
    drafts = _drafts(request)
    while len(drafts) >= MAX_DRAFTS:
        oldest = min(drafts, key=lambda k: drafts[k].get("created", 0))
        _discard(request, oldest)
    key = secrets.token_hex(16)
    user = request.user
    drafts[key] = {
        "service": service.code, "version": service.current_version_id, "created": time.time(),
        "data": {}, "files": {}, "checked": False, "error": None,
        "applicant_name": user.get_full_name() or _last_applicant_name(user),
        "mobile": to_persian_digits(user.mobile),
    }
    request.session.modified = True
    return key, drafts[key]


def _last_applicant_name(user) -> str:
    last = ServiceRequest.objects.filter(applicant=user).exclude(applicant_name="").values_list(
        "applicant_name", flat=True).first()
    return last or ""


def _discard(request, key: str) -> None:
    draft = _drafts(request).pop(key, None)
    request.session.modified = True
    for stored in (draft or {}).get("files", {}).values():
        for item in stored:
            _delete_file(item["path"])


def _delete_file(path: str) -> None:
    try:
        default_storage.delete(path)
    except OSError:
        pass


def _store(key: str, upload) -> dict:
    """Keep an uploaded file under the draft's key; the content check comes with the answers."""
    name = (upload.name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200] or "پرونده"
    content = upload.read()
    path = default_storage.save(f"desk-drafts/{key}/{secrets.token_hex(8)}", ContentFile(content))
    return {"name": name, "path": path, "size": len(content)}


def _uploads(draft: dict) -> dict[str, list[Upload]]:
    files = {}
    for name, stored in draft["files"].items():
        items = []
        for item in stored:
            try:
                with default_storage.open(item["path"], "rb") as fh:
                    items.append(Upload(name=item["name"], content=fh.read()))
            except OSError:
                continue  # the stored copy is gone: the answer check says the file is missing
        if items:
            files[name] = items
    return files


def _form_context(service, definition, key, draft, *, errors=None, applicant_errors=None):
    errors = errors or {}
    fields = [{
        "spec": f, "input": f"f-{f.name}", "value": draft["data"].get(f.name, ""),
        "files": draft["files"].get(f.name, []), "error": errors.get(f.name),
        "accept": ",".join(f".{t}" for t in f.file_types),
    } for f in definition.form]
    documents = [{
        "spec": d, "input": f"d-{d.code}", "files": draft["files"].get(d.code, []), "error": errors.get(d.code),
        "accept": ",".join(f".{t}" for t in d.file_types),
    } for d in definition.documents]
    known = {f.name for f in definition.form} | {d.code for d in definition.documents}
    stray = [msg for name, msg in errors.items() if name not in known]
    return {
        "service": service, "d": definition, "key": key, "draft": draft, "fields": fields,
        "documents": documents, "errors": errors, "stray_errors": stray,
        "applicant_errors": applicant_errors or {},
        "fee": amount(definition.fees.online), "fee_rials": definition.fees.online,
    }


def _read_post(request, definition, key: str, draft: dict) -> dict:
    """Take the typed values and the new files into the draft; returns errors found at the edge."""
    errors = {}
    for f in definition.form:
        if f.type == "file":
            continue
        raw = request.POST.get(f"f-{f.name}", "")
        draft["data"][f.name] = raw[:5000]
    specs = [(f.name, f.max_mb) for f in definition.form if f.type == "file"]
    specs += [(d.code, d.max_mb) for d in definition.documents]
    for name, max_mb in specs:
        incoming = request.FILES.getlist(f"f-{name}") + request.FILES.getlist(f"d-{name}")
        if not incoming:
            continue
        too_big = [u for u in incoming if u.size > min(max_mb * 1024 * 1024, HARD_MAX_UPLOAD)]
        if too_big:
            errors[name] = (f"حجم پرونده «{too_big[0].name}» بیش از {to_persian_digits(max_mb)} مگابایت است؛"
                            " پرونده‌ای کوچک‌تر بفرستید.")
            continue
        for item in draft["files"].get(name, []):  # a newly chosen file replaces the kept one
            _delete_file(item["path"])
        draft["files"][name] = [_store(key, u) for u in incoming[:10]]
    draft["applicant_name"] = (request.POST.get("applicant_name") or "").strip()[:200]
    draft["mobile"] = (request.POST.get("mobile") or "").strip()[:30]
    request.session.modified = True
    return errors


def _check_applicant(draft: dict) -> dict:
    errors = {}
    if len(draft["applicant_name"]) < 3:
        errors["applicant_name"] = "نام و نام خانوادگی متقاضی را بنویسید."
    try:
        draft["mobile_clean"] = validate_mobile(draft["mobile"])
    except DomainError as exc:
        errors["mobile"] = exc.message
    return errors


def _errors_of(exc: DomainError) -> dict:
    """A DomainError (or one carrying several, as `errors`) as {field: message}."""
    many = getattr(exc, "errors", None)
    if isinstance(many, dict) and many:
        return {str(k): str(v) for k, v in many.items()}
    return {exc.field or "__all__": exc.message}


def _drop_refused_files(draft: dict, errors: dict) -> None:
    """A file the check refused (type, size, content) is not kept: the citizen must choose another."""
    for name in errors:
        stored = draft["files"].get(name)
        if stored:
            for item in stored:
                _delete_file(item["path"])
            draft["files"].pop(name, None)


def _already_submitted(request, key: str):
    req = ServiceRequest.objects.filter(submission_key=key, applicant=request.user).first()
    if req is None:
        return None
    messages.info(request, "این درخواست پیش‌تر ثبت شده است؛ دوباره ثبت نشد.")
    return redirect("desk:confirmation", tracking_code=req.tracking_code)


@never_cache
@citizen_required
@require_http_methods(["GET", "POST"])
def apply(request, code: str):
    service = _active_service(code)
    definition = _definition(service)
    if "online" not in definition.profile.channels:
        messages.warning(request, "این خدمت به‌صورت برخط ارائه نمی‌شود؛ مجراهای ارائه را در شناسنامه خدمت ببینید.")
        return redirect("desk:service", code=service.code)
    key = request.POST.get("submission_key") if request.method == "POST" else request.GET.get("key")
    key = key if key and KEY_RE.match(key) else None
    if key and (done := _already_submitted(request, key)):
        _discard(request, key)
        return done
    draft = _drafts(request).get(key) if key else None
    if draft is None or draft.get("service") != service.code:
        if request.method == "POST" and key:
            messages.warning(request, "نشست فرم پایان یافته بود؛ فرم را دوباره پر کنید.")
        key, draft = _new_draft(request, service)
        if request.method == "POST":
            return render(request, "desk/apply.html", _form_context(service, definition, key, draft), status=400)

    if request.method == "GET":
        error = draft.pop("error", None)  # a refusal at submission time, brought back to the form
        request.session.modified = True
        errors = {error["field"]: error["message"]} if error else None
        return render(request, "desk/apply.html", _form_context(service, definition, key, draft, errors=errors),
                      status=400 if error else 200)

    edge_errors = _read_post(request, definition, key, draft)
    remove = request.POST.get("remove", "")
    if remove:  # «حذف» next to a kept file: drop it and show the form again
        for item in draft["files"].pop(remove, []):
            _delete_file(item["path"])
        request.session.modified = True
        return render(request, "desk/apply.html", _form_context(service, definition, key, draft, errors=edge_errors))

    applicant_errors = _check_applicant(draft)
    errors = dict(edge_errors)
    if not errors:
        from ..answers import validate_answers

        try:
            validate_answers(definition, dict(draft["data"]), _uploads(draft))
        except DomainError as exc:
            errors = _errors_of(exc)
            _drop_refused_files(draft, errors)
    if errors or applicant_errors:
        draft["checked"] = False
        request.session.modified = True
        return render(request, "desk/apply.html", _form_context(
            service, definition, key, draft, errors=errors, applicant_errors=applicant_errors), status=400)
    draft["checked"] = True
    request.session.modified = True
    return redirect("desk:check", code=service.code, key=key)


def _review_rows(definition, draft) -> list[dict]:
    rows = []
    for f in definition.form:
        if f.type == "file":
            value = "، ".join(item["name"] for item in draft["files"].get(f.name, [])) or "—"
        else:
            value = draft["data"].get(f.name, "") or "—"
            if f.type != "email":
                value = persian(value)
        rows.append({"label": f.label, "value": value, "anchor": f"f-{f.name}"})
    for d in definition.documents:
        names = [item["name"] for item in draft["files"].get(d.code, [])]
        rows.append({"label": d.label, "value": "، ".join(names) or "—", "anchor": f"d-{d.code}", "document": True})
    return rows


@never_cache
@citizen_required
@require_http_methods(["GET", "POST"])
def check_answers(request, code: str, key: str):
    service = _active_service(code)
    if not KEY_RE.match(key):
        raise Http404
    if done := _already_submitted(request, key):
        _discard(request, key)
        return done
    draft = _drafts(request).get(key)
    if draft is None or draft.get("service") != service.code:
        messages.warning(request, "نشست فرم پایان یافته بود؛ فرم را دوباره پر کنید.")
        return redirect("desk:apply", code=service.code)
    form_url = reverse("desk:apply", kwargs={"code": service.code}) + f"?key={key}"
    if not draft.get("checked"):
        return redirect(form_url)
    definition = _definition(service)
    if request.method == "GET":
        return render(request, "desk/check.html", {
            "service": service, "d": definition, "key": key, "draft": draft, "form_url": form_url,
            "rows": _review_rows(definition, draft), "fee": amount(definition.fees.online),
            "fee_rials": definition.fees.online, "national_code": request.user.national_code,
        })

    from .. import services

    try:
        req = services.submit_request(
            service=service, channel="online", national_code=request.user.national_code,
            mobile=draft.get("mobile_clean") or validate_mobile(draft["mobile"]), data=dict(draft["data"]),
            uploads=_uploads(draft), applicant=request.user, applicant_name=draft["applicant_name"],
            submission_key=key,
        )
    except DomainError as exc:
        first = next(iter(_errors_of(exc).items()))
        draft["error"] = {"field": first[0], "message": first[1]}
        draft["checked"] = False
        _drop_refused_files(draft, dict([first]))
        request.session.modified = True
        return redirect(form_url)
    _discard(request, key)
    if req.status == RequestStatus.AWAITING_PAYMENT:
        return _to_bank(request, req)
    return redirect("desk:confirmation", tracking_code=req.tracking_code)


# ---------------------------------------------------------------- payment


def _to_bank(request, req: ServiceRequest):
    from .. import services

    callback = request.build_absolute_uri(reverse("desk:paid", kwargs={"tracking_code": req.tracking_code}))
    try:
        url = services.start_fee_payment(user=request.user, request=req, callback_url=callback)
    except DomainError as exc:
        messages.error(request, f"اتصال به درگاه پرداخت انجام نشد: {exc.message}")
        return redirect("desk:my_request", tracking_code=req.tracking_code)
    return redirect(url)


@never_cache
@citizen_required
@require_POST
def pay(request, tracking_code: str):
    req = _own_request(request, tracking_code)
    if req.status != RequestStatus.AWAITING_PAYMENT or req.paid:
        messages.info(request, "این درخواست پرداخت معوقی ندارد.")
        return redirect("desk:my_request", tracking_code=req.tracking_code)
    return _to_bank(request, req)


@never_cache
@require_GET
def paid(request, tracking_code: str):
    """The bank sends the payer back here; the payment is verified with the bank, then counted once."""
    from dabir.payments.services import complete_payment

    try:
        payment = complete_payment(payment_token=request.GET.get("token", ""), params=request.GET.dict())
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("desk:my_request", tracking_code=to_latin_digits(tracking_code)[:16])
    if payment.is_paid:
        messages.success(request, "پرداخت تأیید شد و درخواست شما ثبت شد.")
        return redirect("desk:confirmation", tracking_code=to_latin_digits(tracking_code)[:16])
    messages.error(request, "پرداخت انجام نشد؛ درخواست شما هنوز پرداخت‌نشده است و می‌توانید دوباره پرداخت کنید.")
    return redirect("desk:my_request", tracking_code=to_latin_digits(tracking_code)[:16])


# ---------------------------------------------------------------- the citizen's requests


@never_cache
@citizen_required
@require_GET
def confirmation(request, tracking_code: str):
    req = _own_request(request, tracking_code)
    definition = parse_definition(req.version.definition)
    first_stage = definition.stages[0] if definition.stages else None
    return render(request, "desk/confirmation.html", {
        "req": req, "d": definition, "grouped": group_code(req.tracking_code),
        "expected": _expected_date(req, definition), "first_stage": first_stage,
        "sms_sent": bool(req.mobile), "unpaid": req.status == RequestStatus.AWAITING_PAYMENT,
        "fee": amount(req.fee_rials), **_status_context(req),
    })


@never_cache
@citizen_required
@require_GET
def my_requests(request):
    from .. import selectors

    rows = []
    for req in selectors.requests_of(request.user):
        rows.append({"req": req, "grouped": group_code(req.tracking_code), **_status_context(req)})
    complaints = selectors.complaints_of(request.user)[:50]
    return render(request, "desk/my_requests.html", {"rows": rows, "complaints": complaints})


def _result_version(req: ServiceRequest):
    if req.result_letter_id is None or req.status != RequestStatus.COMPLETED:
        return None
    from dabir.signing.services import current_version

    return current_version(req.result_letter)


def _request_page(request, req: ServiceRequest, *, status=200, doc_error="", rating_form=None):
    from .. import selectors

    definition = parse_definition(req.version.definition)
    stage = definition.stage(req.stage_code) if req.stage_code else None
    requested = []
    if req.status == RequestStatus.AWAITING_DOCUMENTS:
        specs = {d.code: d for d in definition.documents}
        for code in req.requested_documents or []:
            spec = specs.get(code)
            requested.append({"code": code, "label": spec.label if spec else code,
                              "accept": ",".join(f".{t}" for t in (spec.file_types if spec else ["pdf", "jpg", "png"])),
                              "max_mb": spec.max_mb if spec else 5})
    finished = req.status in (RequestStatus.COMPLETED, RequestStatus.REJECTED)
    rating = getattr(req, "rating", None) if finished else None
    version = _result_version(req)
    request_note = req.events.filter(kind="documents_requested", public=True).order_by("-at", "-id").first()
    return render(request, "desk/request.html", {
        "req": req, "d": definition, "stage": stage, "grouped": group_code(req.tracking_code),
        "events": _timeline(req), "expected": _expected_date(req, definition),
        "requested": requested, "request_note": request_note, "doc_error": doc_error,
        "can_cancel": req.status in OPEN_REQUEST and req.status != RequestStatus.APPROVED,
        "can_rate": finished and rating is None, "rating": rating,
        "rating_form": rating_form or forms.RatingForm(), "result_version": version,
        "documents": list(req.documents.all()), "fee": amount(req.fee_rials),
        "payment_message": selectors.payment_message(req),
        **_status_context(req),
    }, status=status)


@never_cache
@citizen_required
@require_GET
def my_request(request, tracking_code: str):
    return _request_page(request, _own_request(request, tracking_code))


@never_cache
@citizen_required
@require_POST
def add_documents(request, tracking_code: str):
    req = _own_request(request, tracking_code)
    if req.status != RequestStatus.AWAITING_DOCUMENTS:
        messages.info(request, "این درخواست در انتظار مدرکی نیست.")
        return redirect("desk:my_request", tracking_code=req.tracking_code)
    uploads: dict[str, list[Upload]] = {}
    for code in req.requested_documents or []:
        files = request.FILES.getlist(f"d-{code}")
        big = next((f for f in files if f.size > HARD_MAX_UPLOAD), None)
        if big is not None:
            return _request_page(request, req, status=400, doc_error=f"حجم پرونده «{big.name}» بیش از اندازه است.")
        if files:
            uploads[code] = [Upload(name=f.name, content=f.read()) for f in files[:10]]
    if not uploads:
        return _request_page(request, req, status=400, doc_error="مدرک خواسته‌شده را انتخاب کنید.")
    from .. import services

    try:
        services.add_documents(user=request.user, request=req, uploads=uploads)
    except DomainError as exc:
        return _request_page(request, req, status=exc.status if exc.status in (400, 403, 409) else 400,
                             doc_error=exc.message)
    messages.success(request, "مدارک بارگذاری شد و درخواست شما دوباره در جریان بررسی است.")
    return redirect("desk:my_request", tracking_code=req.tracking_code)


@never_cache
@citizen_required
@require_POST
def rate(request, tracking_code: str):
    req = _own_request(request, tracking_code)
    form = forms.RatingForm(request.POST)
    if not form.is_valid():
        return _request_page(request, req, status=400, rating_form=form)
    from .. import services

    try:
        services.rate_request(user=request.user, request=req, score=form.cleaned_data["score"],
                              comment=form.cleaned_data["comment"])
    except DomainError as exc:
        form.add_error(None, exc.message)
        if getattr(req, "rating", None) is not None or req.status not in (RequestStatus.COMPLETED, RequestStatus.REJECTED):
            messages.error(request, exc.message)  # no rating form on the page to carry it
        return _request_page(request, req, status=400, rating_form=form)
    messages.success(request, "از نظر شما سپاسگزاریم.")
    return redirect("desk:my_request", tracking_code=req.tracking_code)


@never_cache
@citizen_required
@require_POST
def cancel(request, tracking_code: str):
    req = _own_request(request, tracking_code)
    from .. import services

    try:
        services.cancel_request(user=request.user, request=req)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("desk:my_request", tracking_code=req.tracking_code)
    messages.info(request, "درخواست لغو شد.")
    return redirect("desk:my_request", tracking_code=req.tracking_code)


@never_cache
@citizen_required
@require_GET
def result_pdf(request, tracking_code: str):
    req = _own_request(request, tracking_code)
    from .. import selectors

    found = selectors.result_pdf(req)
    if found is None:
        raise Http404("نتیجه این درخواست هنوز آماده نیست.")
    data, _code = found
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="result-{req.tracking_code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------- public tracking


def _track_limited(request) -> bool:
    limit, window = settings.DABIR_DESK_TRACK_RATE
    return not ratelimit.hit(f"desk-track:{ratelimit.client_ip(request)}", limit=limit, window=window)


def _track_page(request, status: int = 200, **context):
    """The tracking page; the two ways (national code, mobile + SMS code) start blank unless given."""
    context.setdefault("form", forms.TrackForm())
    if "code_form" not in context:
        context.setdefault("mobile_form", forms.TrackByMobileForm(prefix="m"))
    return render(request, "desk/track.html", context, status=status)


def _track_result(request, found):
    """A found request's (or complaint's) status and public timeline; nothing personal."""
    if isinstance(found, Complaint):
        styles = {"submitted": "info", "in_progress": "primary", "answered": "success", "closed": "secondary"}
        return _track_page(request, complaint=found, grouped=group_code(found.tracking_code),
                           status_label=found.get_status_display(),
                           status_style=styles.get(found.status, "secondary"))
    definition = parse_definition(found.version.definition)
    stage = definition.stage(found.stage_code) if found.stage_code else None
    return _track_page(request, req=found, grouped=group_code(found.tracking_code), stage=stage,
                       events=_timeline(found), expected=_expected_date(found, definition), **_status_context(found))


def _track_limited_page(request):
    window = settings.DABIR_DESK_TRACK_RATE[1]
    step = request.POST.get("step", "")
    kept = ({"code_form": forms.TrackCodeForm(request.POST, prefix="m")} if step == "verify"
            else {"mobile_form": forms.TrackByMobileForm(request.POST, prefix="m")} if step == "send"
            else {"form": forms.TrackForm(request.POST)})
    response = _track_page(
        request, 429, limited=f"تعداد جست‌وجوهای شما از حد مجاز گذشته است؛ {to_persian_digits(max(1, window // 60))}"
                              " دقیقه دیگر دوباره تلاش کنید.", **kept)
    response["Retry-After"] = str(window)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def track(request):
    """Public tracking, two ways: tracking code + national code, or tracking code + mobile and then the
    code sent to that mobile by SMS (`step` = send, then verify)."""
    if request.method == "GET":
        code = to_persian_digits(request.GET.get("code", "")[:40])
        return _track_page(request, form=forms.TrackForm(initial={"tracking_code": code}),
                           mobile_form=forms.TrackByMobileForm(prefix="m", initial={"tracking_code": code}))
    if _track_limited(request):
        return _track_limited_page(request)
    step = request.POST.get("step", "")
    if step == "send":
        return _track_send_code(request)
    if step == "verify":
        return _track_verify_code(request)
    form = forms.TrackForm(request.POST)
    if not form.is_valid():
        return _track_page(request, 400, form=form)
    from .. import selectors

    found = selectors.public_status(form.cleaned_data["tracking_code"], form.cleaned_data["national_code"])
    if found is None:
        return _track_page(request, 404, form=form,
                           not_found="درخواستی با این کد رهگیری و کد ملی یافت نشد؛ هر دو را دوباره بررسی کنید.")
    return _track_result(request, found)


def _track_send_code(request):
    from dabir.accounts.services import TooManyRequests, otp_validity_text

    from .. import services

    form = forms.TrackByMobileForm(request.POST, prefix="m")
    if not form.is_valid():  # a mistyped tracking code is refused here, before anything is looked up
        return _track_page(request, 400, mobile_form=form)
    data = form.cleaned_data
    try:
        services.request_tracking_otp(tracking_code=data["tracking_code"], mobile=data["mobile"],
                                      ip=ratelimit.client_ip(request))
    except TooManyRequests as exc:
        form.add_error("mobile" if exc.field == "mobile" else None, exc.message)
        response = _track_page(request, 429, mobile_form=form)
        response["Retry-After"] = str(exc.retry_after)
        return response
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _track_page(request, 400, mobile_form=form)
    code_form = forms.TrackCodeForm(prefix="m", initial={
        "tracking_code": group_code(data["tracking_code"]), "mobile": to_persian_digits(data["mobile"])})
    return _track_page(request, code_form=code_form, sent=(
        "اگر این شماره، تلفن همراه متقاضی همین درخواست باشد، کدی شش‌رقمی به آن پیامک شد؛"
        f" آن را تا {otp_validity_text()} دیگر وارد کنید."))


def _track_verify_code(request):
    from .. import services

    form = forms.TrackCodeForm(request.POST, prefix="m")
    if not form.is_valid():
        return _track_page(request, 400, code_form=form)
    data = form.cleaned_data
    try:
        found = services.track_with_otp(tracking_code=data["tracking_code"], mobile=data["mobile"], code=data["code"])
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _track_page(request, exc.status if exc.status in (404, 429) else 400, code_form=form)
    return _track_result(request, found)


# ---------------------------------------------------------------- complaints


@never_cache
@citizen_required
@require_http_methods(["GET", "POST"])
def complaint_new(request):
    from .. import selectors

    own = list(selectors.requests_of(request.user))
    agencies = Agency.objects.filter(desk__isnull=False).order_by("name")
    if request.method == "GET":
        initial = {}
        code = to_latin_digits(request.GET.get("request", ""))[:16]
        if any(r.tracking_code == code for r in own):
            initial = {"about": Complaint.About.REQUEST, "request_code": code}
        form = forms.ComplaintForm(initial=initial, agencies=agencies, requests=own)
        return render(request, "desk/complaint_new.html", {"form": form})
    form = forms.ComplaintForm(request.POST, agencies=agencies, requests=own)
    if not form.is_valid():
        return render(request, "desk/complaint_new.html", {"form": form}, status=400)
    data = form.cleaned_data
    agency = Agency.objects.filter(pk=data["agency"]).first()
    if agency is None:
        form.add_error("agency", "دستگاه را از فهرست برگزینید.")
        return render(request, "desk/complaint_new.html", {"form": form}, status=400)
    from .. import services

    try:
        complaint = services.file_complaint(
            user=request.user, national_code=request.user.national_code, mobile=request.user.mobile,
            about=data["about"], agency=agency, text=data["text"], request=data["request"],
            employee_name=(data.get("employee_name") or "").strip(),
        )
    except DomainError as exc:
        field = {"request": "request_code"}.get(exc.field, exc.field)
        form.add_error(field if field in form.fields else None, exc.message)
        return render(request, "desk/complaint_new.html", {"form": form}, status=400)
    messages.success(request, "شکایت شما ثبت شد.")
    return redirect("desk:complaint", tracking_code=complaint.tracking_code)


@never_cache
@citizen_required
@require_GET
def complaint_detail(request, tracking_code: str):
    from .. import selectors

    try:
        complaint = selectors.complaint_of_citizen(request.user, tracking_code)
    except DomainError:
        raise Http404 from None
    styles = {"submitted": "info", "in_progress": "primary", "answered": "success", "closed": "secondary"}
    return render(request, "desk/complaint.html", {
        "complaint": complaint, "grouped": group_code(complaint.tracking_code),
        "status_style": styles.get(complaint.status, "secondary"),
    })


# ---------------------------------------------------------------- the installable web app


@require_GET
@cache_control(max_age=3600, public=True)
def manifest(request):
    data = {
        "name": "میز خدمت دبیر",
        "short_name": "میز خدمت",
        "description": "درخواست و پیگیری خدمات الکترونیکی دستگاه‌ها",
        "lang": "fa",
        "dir": "rtl",
        "start_url": reverse("desk:catalogue"),
        "scope": reverse("desk:catalogue"),
        "id": reverse("desk:catalogue"),
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f5f7fa",
        "theme_color": "#1f4e79",
        "icons": [
            {"src": static("desk/icons/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": static("desk/icons/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": static("desk/icons/icon-maskable-512.png"), "sizes": "512x512", "type": "image/png",
             "purpose": "maskable"},
        ],
    }
    return JsonResponse(data, content_type="application/manifest+json",
                        json_dumps_params={"ensure_ascii": False, "indent": 1})


SHELL = [
    "vendor/vazirmatn/Vazirmatn-Variable-font-face.css",
    "vendor/vazirmatn/fonts/webfonts/Vazirmatn[wght].woff2",
    "vendor/bootstrap/bootstrap.rtl.min.css",
    "vendor/bootstrap/bootstrap.bundle.min.js",
    "vendor/bootstrap-icons/bootstrap-icons.min.css",
    "vendor/bootstrap-icons/fonts/bootstrap-icons.woff2",
    "dabir/dabir.css",
    "desk/desk.css",
    "desk/desk.js",
    "desk/icons/icon-192.png",
]


@require_GET
def service_worker(request):
    shell = []
    for name in SHELL:
        try:
            shell.append(static(name))
        except ValueError:  # not in the manifest of collected files: leave it out rather than fail
            continue
    shell.append(reverse("desk:offline"))
    version = settings.DABIR_VERSION or "1"
    body = render(request, "desk/sw.js", {
        "shell_json": json.dumps(shell, ensure_ascii=False), "cache_name": f"dabir-desk-{version}-{len(shell)}",
        "offline_url": json.dumps(reverse("desk:offline")),
    }).content
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("desk:catalogue")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def offline(request):
    return render(request, "desk/offline.html", {})
