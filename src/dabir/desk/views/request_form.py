"""The request form and «check your answers»: the citizen's draft is kept in the session (typed
values and the files stored at once under the draft's submission key), so a refused form loses
nothing; the check page submits the request (and sends it to the bank when it has a fee)."""

import re
import secrets
import time

from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dabir.accounts.decorators import citizen_required
from dabir.core.errors import DomainError
from dabir.core.jalali import persian
from dabir.core.text import to_persian_digits
from dabir.core.validators import validate_mobile
from dabir.letters.services import Upload

from ..models import RequestStatus, Service, ServiceRequest
from ._shared import HARD_MAX_UPLOAD, _active_service, _definition, _to_bank, amount

DRAFTS = "desk_drafts"  # session key: submission_key → the draft of a request form
MAX_DRAFTS = 5  # drafts kept per session; the oldest (and its files) go first
KEY_RE = re.compile(r"^[0-9a-f]{32}$")


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

