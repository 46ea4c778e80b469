"""Open311 GeoReport v2 on the service desk, for existing Open311 clients.

Mounted at /open311/v2/ (see docs/open311.md for the full mapping and curl examples):

GET   services.json                    the catalogue: service_code = Service.code, group = category
GET   services/<code>.json             a service definition: the form fields as attributes
POST  requests.json                    submit a request (api_key required); returns the tracking code
GET   requests.json                    without api_key: every request, public fields only; with one:
                                       the requests its owner may see, in full (filters of the spec)
GET   requests/<id>.json               one request: public fields, or in full for an api_key that may see it
GET   tokens/<token>.json              tokens are never issued (we register synchronously); a
                                       tracking code given as a token answers with itself
Any other path under /open311/v2/, and any id that names no request, is a 404 error list.

Every resource also answers in XML with the .xml suffix. Errors are the spec's list of
{"code": <HTTP status>, "description": "<Persian message>"} with that HTTP status.

Identity: a citizen's API token submits for that citizen (channel online); any other token is a
counter operator (channel counter, or `channel=phone|in_person` for a call centre or an office desk) and names the applicant with `national_code` and `mobile`,
given as attributes (attribute[national_code]) or plain parameters; `phone` is read as the mobile
when `mobile` is absent; first_name + last_name make the applicant's name. Files (form fields of
type file and the service's documents) are attributes of the definition like any other, with
`required` as the service demands: a plain client sends attribute[<code>]=data:<type>;base64,<data>
(an RFC 2397 data URL, a string); multipart parts named attribute[<code>] or document[<code>] work too.
Public rows leave out everything personal (applicant, free text, reasons); see request_row.

Thin: parse the Open311 parameters, call desk.services.submit_request, render. Reads go through
the desk's selectors, so an api_key sees exactly what its owner sees in the pages.
"""

import base64
import binascii
import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from urllib.parse import unquote

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from dabir.accounts.auth import TokenAuth
from dabir.core import ratelimit
from dabir.core.errors import DomainError, NotFound
from dabir.core.jalali import TEHRAN
from dabir.core.text import to_latin_digits, to_persian_digits
from dabir.letters.services import Upload

from . import answers, codes
from .definition import version_definition
from .models import OPEN_REQUEST, Channel, RequestStatus, Service, ServiceRequest
from .policy import visible_requests

# Our form field types → Open311 datatypes (no type of ours takes several values: no multivaluelist).
DATATYPES = {
    "text": "string", "textarea": "text", "number": "number", "national_code": "string", "mobile": "string",
    "postal_code": "string", "email": "string", "jalali_date": "datetime", "choice": "singlevaluelist",
}
DATATYPE_HINTS = {
    "text": "متن کوتاه",
    "textarea": "متن بلند",
    "number": "عدد (رقم‌های فارسی یا لاتین)",
    "national_code": "کد ملی ۱۰ رقمی با رقم کنترل درست",
    "mobile": "شماره تلفن همراه ۱۱ رقمی که با ۰۹ آغاز می‌شود",
    "postal_code": "کد پستی ۱۰ رقمی",
    "email": "نشانی پست الکترونیکی",
    "jalali_date": "تاریخ شمسی مانند 1405/02/15، یا تاریخ میلادی ISO 8601 مانند 2026-05-05",
    "choice": "یکی از مقدارهای فهرست (key)",
}
IDENTITY = [
    ("national_code", "کد ملی متقاضی", "national_code"),
    ("mobile", "تلفن همراه متقاضی (پیامک‌های پیگیری به این شماره می‌رسد)", "mobile"),
]
# Where an operator's request comes in: a counter office by default, a call centre, an office desk.
OPERATOR_CHANNELS = (Channel.COUNTER, Channel.PHONE, Channel.IN_PERSON)
CLOSED = {RequestStatus.REJECTED, RequestStatus.COMPLETED, RequestStatus.CANCELLED}
ATTRIBUTE_RE = re.compile(r"^attribute\[([^\[\]]{1,64})\](\[\])?$")
DOCUMENT_RE = re.compile(r"^document\[([^\[\]]{1,64})\]$")
SERVICE_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
# RFC 2397: data:[<media type>][;name=value]*;base64,<data> — the string form of a file.
DATA_URL_RE = re.compile(r"^data:(?P<type>[\w.+-]+/[\w.+-]+)?(?P<params>(?:;[\w.+-]+=[^;,]*)*);base64,(?P<data>.*)$",
                         re.DOTALL | re.IGNORECASE)
MEDIA_EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/jpg": "jpg", "image/png": "png"}
FILE_HINT = ("پرونده به صورت data URL در یک رشته: data:application/pdf;base64,… (یا image/jpeg، image/png)؛ "
             "یا بخش multipart با نام attribute[{code}]. گونه‌های پذیرفته: {types}؛ حداکثر {mb} مگابایت.")
LIST_LIMIT = 1000  # the spec's default: the first 1000 requests …
LIST_DAYS = 90  # … of the last 90 days, whichever is smaller


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


# ---------------------------------------------------------------- rendering


def _xml(value, tag: str) -> ET.Element:
    element = ET.Element(tag)
    if isinstance(value, dict):
        for key, item in value.items():
            element.append(_xml(item, key))
    elif isinstance(value, list):
        child = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format"}.get(
            tag, "item"
        )
        for item in value:
            element.append(_xml(item, child))
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)
    return element


def respond(data, fmt: str, *, status: int = 200, root: str = "", item: str = "") -> HttpResponse:
    """JSON as is (Persian kept as text), or XML with the spec's element names."""
    if fmt == "xml":
        if isinstance(data, list):
            element = ET.Element(root)
            for row in data:
                element.append(_xml(row, item))
        else:
            element = _xml(data, root)
        body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(element, encoding="utf-8", xml_declaration=False)
        return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")
    return HttpResponse(
        json.dumps(data, ensure_ascii=False), status=status, content_type="application/json; charset=utf-8"
    )


def error(fmt: str, status: int, description: str, *, headers: dict | None = None) -> HttpResponse:
    response = respond([{"code": status, "description": description}], fmt, status=status, root="errors",
                       item="error")
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(TEHRAN).isoformat(timespec="seconds") if value else None


def _fmt(fmt: str) -> str:
    if fmt not in ("json", "xml"):
        raise Open311Error(404, "قالب پاسخ پشتیبانی نمی‌شود؛ ‎.json یا ‎.xml را به کار ببرید.")
    return fmt


def endpoint(*methods: str):
    """Method check, Open311 errors and DomainErrors as the spec's error list; never a 500 for bad input."""

    def wrap(view):
        @csrf_exempt
        def run(request, *args, fmt="json", **kwargs):
            shown = fmt if fmt in ("json", "xml") else "json"
            if request.method not in methods:
                response = error(shown, 405, "این روش درخواست برای این نشانی پذیرفته نیست.")
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, *args, fmt=_fmt(fmt), **kwargs)
            except Open311Error as exc:
                return error(shown, exc.status, exc.description)
            except DomainError as exc:
                return error(shown, exc.status, exc.message)
            except (RequestDataTooBig, TooManyFieldsSent):
                return error(shown, 413, "بدنه درخواست بیش از اندازه است؛ پرونده‌های بزرگ را در درخواست "
                                         "multipart بفرستید.")

        run.__name__ = view.__name__
        run.__doc__ = view.__doc__
        return run

    return wrap


# ---------------------------------------------------------------- reading parameters


def _param(request, name: str) -> str:
    value = request.POST.get(name) if request.method == "POST" else None
    if value is None:
        value = request.GET.get(name, "")
    return (value or "").strip()


def api_user(request, *, required: bool):
    """The owner of the api_key (parameter, or `Authorization: Bearer`); a wrong key is a 403."""
    key = _param(request, "api_key")
    if not key:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header.lower().startswith("bearer "):
            key = header[7:].strip()
    if not key:
        if required:
            raise Open311Error(403, "کلید API (api_key) لازم است.")
        return None
    user = TokenAuth().authenticate(request, key)
    if user is None:
        raise Open311Error(403, "کلید API (api_key) نادرست یا باطل شده است.")
    return user


def _service(code: str) -> Service:
    code = (code or "").strip()
    if not code:
        raise Open311Error(400, "کد خدمت (service_code) را بفرستید.")
    service = None
    if SERVICE_CODE_RE.match(code):
        service = (
            Service.objects.select_related("agency", "category", "current_version")
            .filter(code=code, active=True, current_version__isnull=False)
            .first()
        )
    if service is None:
        raise Open311Error(404, f"خدمتی با کد «{code}» یافت نشد.")
    return service


def _definition(service: Service):
    return version_definition(service.current_version)


# ---------------------------------------------------------------- services


def service_row(service: Service, definition) -> dict:
    return {
        "service_code": service.code,
        "service_name": service.title,
        "description": definition.profile.description,
        "metadata": bool(definition.form or definition.documents),
        "type": "realtime",
        "keywords": ",".join(definition.keywords),
        "group": service.category.name if service.category else "",
    }


@endpoint("GET")
def services(request, *, fmt):
    """GET services.json — the active services with a published version; jurisdiction_id may name an agency."""
    rows = (
        Service.objects.filter(active=True, current_version__isnull=False)
        .select_related("agency", "category", "current_version")
        .order_by("agency__name", "title")
    )
    jurisdiction = _param(request, "jurisdiction_id")
    if jurisdiction and rows.filter(agency__code=jurisdiction).exists():
        rows = rows.filter(agency__code=jurisdiction)
    data = [service_row(service, _definition(service)) for service in rows]
    return respond(data, fmt, root="services", item="service")


# Answers of each type that pass our checks, ending datatype_description as «مثال: …» so that a client
# (or the person it asks) knows a value the server accepts; a field's own `example` comes first.
EXAMPLES = {
    "national_code": "0012345679", "mobile": "09121234567", "postal_code": "1193653471",
    "email": "name@example.com", "jalali_date": "1405/02/15",
}
MEDIA_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png"}


def _example(spec) -> str:
    """An answer to the field that its own check accepts, or "" when none is known."""
    if spec.example:
        candidate = spec.example
    elif spec.type == "number":
        low = spec.min if spec.min is not None else min(1, spec.max) if spec.max is not None else 1
        candidate = str(int(low) if float(low).is_integer() else low)
    elif spec.type == "choice":
        candidate = spec.choices[0]
    else:
        candidate = EXAMPLES.get(spec.type, "")
    if not candidate:
        return ""
    try:
        answers._field(spec, candidate)  # exactly the check a submission gets
    except DomainError:
        return ""
    return candidate


def _hint(text: str, example: str) -> str:
    return f"{text} — مثال: {example}" if example else text


def attributes(definition) -> list[dict]:
    """The service definition's attributes: the applicant's identity, then the form, then notes on files."""
    rows = []
    form_names = {spec.name for spec in definition.form}
    for code, label, kind in IDENTITY:
        if code in form_names:
            continue
        rows.append({
            "variable": True, "code": code, "datatype": "string", "required": True,
            "datatype_description": _hint(DATATYPE_HINTS[kind], EXAMPLES[kind]), "order": len(rows) + 1,
            "description": label + " — برای کلید API شهروند از حساب او خوانده می‌شود.",
        })
    for spec in definition.form:
        if spec.type == "file":
            continue
        row = {
            "variable": True, "code": spec.name, "datatype": DATATYPES[spec.type], "required": spec.required,
            "datatype_description": _hint(spec.help or DATATYPE_HINTS[spec.type], _example(spec)),
            "order": len(rows) + 1,
            "description": spec.label,
        }
        if spec.type == "choice":
            row["values"] = [{"key": choice, "name": choice} for choice in spec.choices]
        rows.append(row)
    # A file the service demands is a required attribute a plain client can fill: a data URL string.
    for spec in [s for s in definition.form if s.type == "file"] + list(definition.documents):
        code = getattr(spec, "name", None) or spec.code
        media = MEDIA_TYPES.get(spec.file_types[0].lower(), "application/octet-stream") if spec.file_types else ""
        hint = FILE_HINT.format(code=code, types="، ".join(spec.file_types), mb=to_persian_digits(spec.max_mb))
        rows.append({
            "variable": True, "code": code, "datatype": "string", "required": spec.required,
            "datatype_description": _hint(hint, f"data:{media};base64,<محتوای پرونده>" if media else ""),
            "order": len(rows) + 1, "description": spec.label,
        })
    return rows


@endpoint("GET")
def service_definition(request, code: str, *, fmt):
    """GET services/<code>.json — the attributes of a service's current version."""
    service = _service(code)
    data = {"service_code": service.code, "attributes": attributes(_definition(service))}
    return respond(data, fmt, root="service_definition")


# ---------------------------------------------------------------- requests


def _answers(request, definition) -> tuple[dict, dict[str, list[Upload]]]:
    """attribute[code]=value pairs, plus files under attribute[field] and document[code]."""
    data: dict = {}
    source = request.POST if request.method == "POST" else request.GET
    for key in source:
        match = ATTRIBUTE_RE.match(key)
        if match:
            values = [v.strip() for v in source.getlist(key) if v.strip()]
            if values:
                data[match.group(1)] = values[0] if len(values) == 1 else values
    kinds = {spec.name: spec.type for spec in definition.form}
    for name, value in list(data.items()):
        if kinds.get(name) == "jalali_date" and isinstance(value, str):
            data[name] = _date_text(value)
    # Plain Open311 fields the form may also have.
    for name, param in (("description", "description"), ("email", "email")):
        if name in kinds and name not in data and _param(request, param):
            data[name] = _param(request, param)
    files: dict[str, list[Upload]] = {}
    for key in request.FILES:
        match = ATTRIBUTE_RE.match(key) or DOCUMENT_RE.match(key)
        if match:
            files[match.group(1)] = [Upload(name=f.name, content=f.read()) for f in request.FILES.getlist(key)]
    labels = {spec.name: spec.label for spec in definition.form if spec.type == "file"}
    labels.update({doc.code: doc.label for doc in definition.documents})
    for name in [n for n in data if n in labels]:
        values = data.pop(name)
        for value in values if isinstance(values, list) else [values]:
            files.setdefault(name, []).append(_data_url(name, labels[name], value))
    return data, files


def _data_url(code: str, label: str, value: str) -> Upload:
    """A file sent as a string attribute: an RFC 2397 data URL with base64 content."""
    match = DATA_URL_RE.match(value)
    if value.lower().startswith(("http://", "https://")):
        raise DomainError(f"پرونده «{label}» را خود بفرستید، نه نشانی اینترنتی آن: data:<نوع>;base64,<محتوا> "
                          "یا بخش multipart.", field=code)
    content = None
    if match:
        try:
            content = base64.b64decode(re.sub(r"\s+", "", match.group("data")), validate=True)
        except (binascii.Error, ValueError):
            content = None
    if not content:
        raise DomainError(f"پرونده «{label}» باید data URL با محتوای base64 باشد، مانند "
                          "data:application/pdf;base64,JVBERi0…", field=code)
    params = dict(p.split("=", 1) for p in match.group("params").split(";") if "=" in p)
    name = unquote(params.get("name", "")).replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name:
        extension = MEDIA_EXTENSIONS.get((match.group("type") or "").lower(), "")
        name = f"{code}.{extension}" if extension else code
    return Upload(name=name[:100], content=content)


def _date_text(value: str) -> str:
    """An ISO 8601 date-time from an Open311 client becomes its Tehran date; anything else is left as typed."""
    text = to_latin_digits(value).strip()
    if "T" in text:
        try:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return value
        if moment.tzinfo is not None:
            moment = moment.astimezone(TEHRAN)
        return moment.date().isoformat()
    return value


def _identity(request, user, data: dict) -> dict:
    """Who the request is for: the citizen of a citizen token, else the applicant the operator names."""
    name = " ".join(p for p in (_param(request, "first_name"), _param(request, "last_name")) if p)
    if user.is_citizen:
        return {
            "channel": Channel.ONLINE, "applicant": user, "operator": None,
            "national_code": user.national_code, "mobile": user.mobile,
            "applicant_name": name or user.get_full_name(),
        }
    national_code = data.get("national_code") or _param(request, "national_code")
    mobile = data.get("mobile") or _param(request, "mobile") or _param(request, "phone")
    if not national_code:
        raise DomainError("کد ملی متقاضی را بفرستید (attribute[national_code] یا national_code).",
                          field="national_code")
    if not mobile:
        raise DomainError("تلفن همراه متقاضی را بفرستید (attribute[mobile]، mobile یا phone).", field="mobile")
    channel = _param(request, "channel") or Channel.COUNTER
    if channel not in OPERATOR_CHANNELS:
        raise DomainError("مجرای ثبت (channel) باید counter، phone یا in_person باشد.", field="channel")
    return {
        "channel": channel, "applicant": None, "operator": user,
        "national_code": national_code, "mobile": mobile, "applicant_name": name,
    }


def _notice(req: ServiceRequest, definition) -> str:
    code = codes.display(req.tracking_code)
    text = f"درخواست شما با کد رهگیری {code} ثبت شد."
    if req.status == RequestStatus.AWAITING_PAYMENT:
        amount = to_persian_digits(f"{req.fee_rials:,}").replace(",", "٬")
        text += f" پیش از رسیدگی، هزینه خدمت ({amount} ریال) باید پرداخت شود."
    else:
        days = to_persian_digits(definition.profile.duration_days)
        text += f" زمان پیش‌بینی‌شده رسیدگی {days} روز کاری است؛ هر مرحله با پیامک اطلاع داده می‌شود."
    return text


def submit(request, fmt):
    from . import services as desk_services

    user = api_user(request, required=True)
    service = _service(_param(request, "service_code"))
    definition = _definition(service)
    data, files = _answers(request, definition)
    who = _identity(request, user, data)
    key = _param(request, "idempotency_key") or request.META.get("HTTP_IDEMPOTENCY_KEY", "")
    submission_key = None
    if key:
        if len(key) > 40:
            raise DomainError("کلید یکتایی (idempotency_key) حداکثر ۴۰ نویسه است.", field="idempotency_key")
        submission_key = f"o311:{user.pk}:{key}"
    req = desk_services.submit_request(
        service=service, channel=who["channel"], national_code=who["national_code"], mobile=who["mobile"],
        data=data, uploads=files, applicant=who["applicant"], applicant_name=who["applicant_name"],
        submission_key=submission_key, operator=who["operator"],
    )
    rows = [{"service_request_id": req.tracking_code, "service_notice": _notice(req, definition), "account_id": None}]
    return respond(rows, fmt, status=201, root="service_requests", item="request")



def request_row(req: ServiceRequest, *, full: bool, definitions: dict | None = None) -> dict:
    """The spec's fields for a request. Public (`full` False): nothing about the applicant, no free
    text of theirs, no reasons written to them. In full, for a reader allowed to see the request,
    the description, reasons and (extension fields) the applicant's name, national code and mobile.
    `definitions` keeps each version's parsed definition across the rows of one list."""
    stage_title = ""
    if req.stage_code:
        definitions = {} if definitions is None else definitions
        if req.version_id not in definitions:
            definitions[req.version_id] = version_definition(req.version)
        stage = definitions[req.version_id].stage(req.stage_code)
        stage_title = stage.title if stage else ""
    notes = req.get_status_display()
    if stage_title and req.status not in CLOSED:
        notes += f" — مرحله: {stage_title}"
    if full and req.status == RequestStatus.REJECTED and req.rejection_reason:
        notes += f" — علت: {req.rejection_reason}"
    expected = None
    if req.due and req.status not in CLOSED:
        expected = _iso(dt.datetime.combine(req.due, dt.time(23, 59, 59), tzinfo=TEHRAN))
    row = {
        "service_request_id": req.tracking_code,
        "status": "closed" if req.status in CLOSED else "open",
        "status_notes": notes,
        "service_name": req.service.title,
        "service_code": req.service.code,
        "description": str(req.data.get("description", "")) if full and isinstance(req.data, dict) else "",
        "agency_responsible": req.service.agency.name,
        "service_notice": "",
        "requested_datetime": _iso(req.submitted_at),
        "updated_datetime": _iso(req.updated_at),
        "expected_datetime": expected,
        "address": "",
        "address_id": "",
        "zipcode": "",
        "lat": None,
        "long": None,
        "media_url": "",
    }
    if full:
        row.update(applicant_name=req.applicant_name, national_code=req.national_code, mobile=req.mobile)
    return row


def _moment(request, name: str) -> dt.datetime | None:
    text = to_latin_digits(_param(request, name))
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise DomainError(f"{name} باید تاریخ و زمان ISO 8601 باشد، مانند 2026-05-05T08:00:00+03:30.",
                          field=name) from None
    return value if value.tzinfo else value.replace(tzinfo=TEHRAN)


def _list(request, name: str) -> list[str]:
    return [part.strip() for part in _param(request, name).split(",") if part.strip()]


def _tracking_code(text: str) -> str | None:
    try:
        return codes.clean_tracking_code(text)
    except DomainError:
        return None


def search(request, fmt):
    """Without api_key every request in its public form; with one, those its owner may see, in full."""
    user = api_user(request, required=False)
    if user is None:
        _limited(request)
        rows = ServiceRequest.objects.all()
    else:
        rows = visible_requests(user)
    rows = rows.select_related("service", "service__agency", "version")
    ids = _list(request, "service_request_id")
    if ids:
        # The spec: with ids, every other filter is ignored. An id that names no request finds none.
        rows = rows.filter(tracking_code__in=[c for c in map(_tracking_code, ids[:LIST_LIMIT]) if c])
    else:
        service_codes = _list(request, "service_code")
        if service_codes:
            rows = rows.filter(service__code__in=service_codes)
        start, end = _moment(request, "start_date"), _moment(request, "end_date")
        if start and end and start > end:
            raise DomainError("start_date نباید پس از end_date باشد.", field="start_date")
        if start is None and end is None:
            start = timezone.now() - dt.timedelta(days=LIST_DAYS)
        if start:
            rows = rows.filter(submitted_at__gte=start)
        if end:
            rows = rows.filter(submitted_at__lte=end)
        statuses = set(_list(request, "status"))
        if statuses - {"open", "closed"}:
            raise DomainError("status باید open یا closed (یا هر دو با ویرگول) باشد.", field="status")
        if statuses == {"open"}:
            rows = rows.filter(status__in=OPEN_REQUEST)
        elif statuses == {"closed"}:
            rows = rows.filter(status__in=CLOSED)
    parsed: dict = {}
    data = [request_row(req, full=user is not None, definitions=parsed)
            for req in rows.order_by("-submitted_at", "-id")[:LIST_LIMIT]]
    return respond(data, fmt, root="service_requests", item="request")


@endpoint("GET", "POST")
def requests_collection(request, *, fmt):
    """POST requests.json submits a request; GET requests.json lists what the api_key's owner may see."""
    if request.method == "POST":
        return submit(request, fmt)
    return search(request, fmt)


def _limited(request) -> None:
    limit, window = settings.DABIR_DESK_TRACK_RATE
    if not ratelimit.hit(f"open311:{ratelimit.client_ip(request)}", limit, window):
        raise Open311Error(429, "درخواست‌های پیگیری از این نشانی بیش از اندازه است؛ چند دقیقه دیگر دوباره بکوشید.")


def lookup(request, tracking_code: str) -> tuple[ServiceRequest, bool]:
    """One request by its tracking code, and whether the reader may see it in full (an api_key whose
    owner may see it). Anyone may read its public form; a `national_code` given must be the applicant's.

    An id that names no request — mistyped, malformed or unknown — is a 404, refused before any lookup
    when its check digit is wrong; lookups are rate-limited per client address."""
    _limited(request)
    code = _tracking_code(tracking_code)
    if code is None:
        raise NotFound(codes.WRONG_CODE)
    user = api_user(request, required=False)
    req = ServiceRequest.objects.select_related("service", "service__agency", "version").filter(
        tracking_code=code).first()
    national_code = to_latin_digits(_param(request, "national_code"))
    if req is not None and user is None and national_code and national_code != req.national_code:
        req = None
    if req is None:
        raise NotFound("درخواستی با این کد رهگیری یافت نشد.")
    return req, user is not None and visible_requests(user).filter(pk=req.pk).exists()


@endpoint("GET")
def request_detail(request, tracking_code: str, *, fmt):
    """GET requests/<id>.json — a list of one request, as the spec has it."""
    req, full = lookup(request, tracking_code)
    return respond([request_row(req, full=full)], fmt, root="service_requests", item="request")


@endpoint("GET")
def token_detail(request, token: str, *, fmt):
    """GET tokens/<token>.json — we answer POST with the id at once, so a token is only ever a tracking code."""
    req, _full = lookup(request, token)
    rows = [{"service_request_id": req.tracking_code, "token": token}]
    return respond(rows, fmt, root="service_requests", item="request")


@endpoint("GET")
def discovery(request, *, fmt):
    """GET discovery.json — the Open311 service discovery document for this endpoint."""
    base = request.build_absolute_uri("/open311/v2/")
    data = {
        "changeset": "2026-01-01T00:00:00+03:30",
        "contact": "دبیرخانه میز خدمت — " + settings.DABIR_PUBLIC_URL,
        "key_service": "کلید API از صفحه حساب کاربری یا با فرمان dabir issue-token صادر می‌شود.",
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2", "url": base,
            "changeset": "2026-01-01T00:00:00+03:30", "type": "production", "formats": ["application/json", "text/xml"],
        }],
    }
    return respond(data, fmt, root="discovery")


@csrf_exempt
def unknown(request):
    """Any other path under /open311/v2/: the spec's error list, not the site's HTML 404."""
    fmt = "xml" if request.path.lower().endswith(".xml") else "json"
    return error(fmt, 404, "چنین نشانی‌ای در Open311 نیست؛ discovery.json فهرست منابع را دارد.")
