"""Checking a request form against its service's definition, field by field, in Persian.

    clean, files = validate_answers(definition, request.POST-like dict, {"field_or_document": [Upload, ...]})

Every refusal is a DomainError whose `field` is the form field's name (or the document's code), and
whose message names the field by its label, so a page can show it next to the input and keep the
rest of what was typed.
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from dabir.core.errors import DomainError
from dabir.core.jalali import parse_date, persian
from dabir.core.jalali_forms import check_bounds
from dabir.core.text import to_latin_digits, to_persian_digits
from dabir.core.validators import validate_mobile, validate_national_code, validate_postal_code
from dabir.letters import attachments as files_check
from dabir.letters.services import Upload

from .definition import Definition, DocumentSpec, FormField, parse_definition

TEXT_LIMIT = 500
TEXTAREA_LIMIT = 5000
MAX_FILES_PER_INPUT = 5
# The extensions a content type may be listed under in a definition's file_types.
_TYPE_NAMES = {
    "application/pdf": {"pdf"},
    "image/jpeg": {"jpg", "jpeg"},
    "image/png": {"png"},
    "image/tiff": {"tif", "tiff"},
}


@dataclass
class CheckedUpload:
    """A file that passed its field's checks: `code` is the form field or document it answers."""

    code: str
    label: str
    file: files_check.CheckedFile


def as_definition(definition) -> Definition:
    if isinstance(definition, Definition):
        return definition
    return parse_definition(definition)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return str(value).strip()


def _fail(spec, message: str) -> DomainError:
    name = getattr(spec, "name", None) or getattr(spec, "code", None)
    return DomainError(f"«{spec.label}»: {message}", field=name)


def _relabel(spec, exc: DomainError) -> DomainError:
    return _fail(spec, exc.message)


def _number(spec: FormField, raw: str):
    text = to_latin_digits(raw).replace("٫", ".").replace(",", "").replace("٬", "")
    try:
        value = float(text)
    except ValueError:
        raise _fail(spec, "باید عدد باشد.") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise _fail(spec, "باید عدد باشد.")
    if spec.min is not None and value < spec.min:
        raise _fail(spec, f"نباید کمتر از {to_persian_digits(_plain(spec.min))} باشد.")
    if spec.max is not None and value > spec.max:
        raise _fail(spec, f"نباید بیشتر از {to_persian_digits(_plain(spec.max))} باشد.")
    return _plain(value)


def _plain(value: float):
    return int(value) if float(value).is_integer() else value


def _field(spec: FormField, raw: str):
    kind = spec.type
    if kind in ("text", "textarea"):
        limit = spec.max_length or (TEXTAREA_LIMIT if kind == "textarea" else TEXT_LIMIT)
        if "\x00" in raw:
            raise _fail(spec, "نویسه نامعتبر دارد.")
        if len(raw) > limit:
            raise _fail(spec, f"بیش از {to_persian_digits(limit)} نویسه است.")
        if spec.pattern and not re.fullmatch(spec.pattern, to_latin_digits(raw)):
            raise _fail(spec, "قالب آن درست نیست." + (f" {spec.help}" if spec.help else ""))
        return raw
    if kind == "number":
        return _number(spec, raw)
    try:
        if kind == "national_code":
            return validate_national_code(raw)
        if kind == "mobile":
            return validate_mobile(raw)
        if kind == "postal_code":
            return validate_postal_code(raw)
        if kind == "jalali_date":
            day = parse_date(raw, field=spec.name)
            try:
                check_bounds(day, min_date=spec.not_before, max_date=spec.not_after)
            except ValidationError as exc:
                raise _fail(spec, exc.messages[0]) from None
            return day.isoformat()
    except DomainError as exc:
        raise _relabel(spec, exc) from None
    if kind == "choice":
        if raw not in spec.choices:
            raise _fail(spec, "یکی از گزینه‌های فهرست را انتخاب کنید.")
        return raw
    if kind == "email":
        try:
            validate_email(raw)
        except ValidationError:
            raise _fail(spec, "نشانی پست الکترونیکی درست نیست.") from None
        return raw
    raise _fail(spec, "نوع این فیلد پشتیبانی نمی‌شود.")  # pragma: no cover - the schema allows no other


def check_files(spec: FormField | DocumentSpec, uploads) -> list[CheckedUpload]:
    """Each file checked by its content (letters.attachments), then against the spec's types and size."""
    code = getattr(spec, "name", None) or spec.code
    uploads = list(uploads or [])
    if len(uploads) > MAX_FILES_PER_INPUT:
        raise _fail(spec, f"بیش از {to_persian_digits(MAX_FILES_PER_INPUT)} پرونده فرستاده شده است.")
    allowed = {t.lower().lstrip(".") for t in spec.file_types}
    checked = []
    for up in uploads:
        if not isinstance(up, Upload):
            raise _fail(spec, "پرونده خوانده نشد.")
        if len(up.content) > spec.max_mb * 1024 * 1024:
            raise _fail(spec, f"حجم پرونده «{up.name}» بیش از {to_persian_digits(spec.max_mb)} مگابایت است.")
        try:
            checked_file = files_check.check(up.name, up.content)
        except DomainError as exc:
            raise _relabel(spec, exc) from None
        if not (_TYPE_NAMES.get(checked_file.content_type, set()) & allowed):
            kinds = "، ".join(sorted(t.upper() for t in allowed))
            raise _fail(spec, f"پرونده «{checked_file.name}» از نوع پذیرفته نیست؛ فقط {kinds}.")
        checked.append(CheckedUpload(code=code, label=spec.label, file=checked_file))
    return checked


def validate_answers(definition, data: dict | None, files: dict | None = None):
    """The cleaned answers (Latin digits, ISO dates, numbers) and the checked files, or a DomainError.

    Every field is checked: the error raised is the first one (its `field` and `message`, as the API
    reports it), and carries them all as `errors` ({field or document: message}, in the form's order),
    so a page lists every mistake at once."""
    definition = as_definition(definition)
    data = data or {}
    files = files or {}
    if not hasattr(data, "get"):
        raise DomainError("پاسخ‌های فرم باید به شکل نام فیلد و مقدار باشد.", field="data")
    clean: dict = {}
    uploads: list[CheckedUpload] = []
    errors: dict[str, DomainError] = {}

    def check(name, run):
        try:
            run()
        except DomainError as exc:
            errors.setdefault(exc.field or name, exc)

    def answer_file(spec):
        got = check_files(spec, files.get(spec.name))
        if spec.required and not got:
            raise _fail(spec, "پرونده را بارگذاری کنید.")
        uploads.extend(got)

    def answer(spec):
        raw = _text(data.get(spec.name))
        if not raw:
            if spec.required:
                verb = "را انتخاب کنید." if spec.type == "choice" else "را وارد کنید."
                raise DomainError(f"«{spec.label}» {verb}", field=spec.name)
            return
        clean[spec.name] = _field(spec, raw)

    def document(doc):
        got = check_files(doc, files.get(doc.code))
        if doc.required and not got:
            raise _fail(doc, "این مدرک لازم است؛ آن را بارگذاری کنید.")
        uploads.extend(got)

    for spec in definition.form:
        check(spec.name, (lambda s=spec: answer_file(s)) if spec.type == "file" else (lambda s=spec: answer(s)))
    for doc in definition.documents:
        check(doc.code, lambda d=doc: document(d))
    if errors:
        first = next(iter(errors.values()))
        refusal = DomainError(first.message, field=first.field, code=first.code)
        refusal.errors = {name: exc.message for name, exc in errors.items()}
        raise refusal
    return clean, uploads


def answer_text(spec: FormField | None, value) -> str:
    """A stored answer as a letter, PDF or page shows it: Jalali date, Persian digits (core.jalali.persian).

    Answers are stored as the API speaks them (ISO dates, Latin digits); a date field's answer is read
    as a date, and an e-mail address keeps its own characters.
    """
    if spec is not None and spec.type == "email":
        return str(value)
    if spec is not None and spec.type == "jalali_date" and isinstance(value, str):
        try:
            return persian(dt.date.fromisoformat(value))
        except ValueError:
            pass
    return persian(value)


def answer_rows(definition, data: dict) -> list[tuple[str, str]]:
    """(label, shown value) for each answered field, in the form's order; answers to fields the
    service no longer has come last under their stored names."""
    definition = as_definition(definition)
    specs = {f.name: f for f in definition.form}
    rows = [(f.label, answer_text(f, data[f.name])) for f in definition.form if f.name in data]
    rows += [(name, answer_text(None, value)) for name, value in data.items() if name not in specs]
    return rows
