"""The schema of a service definition: one JSON (or YAML) document an agency can export and share.

`Definition.model_json_schema()` is the published schema (served at /api/desk/definition-schema.json).
"""

import copy
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dabir.core.errors import DomainError
from dabir.core.jalali_forms import resolve_bound

SLUG = r"^[a-z][a-z0-9_]{0,63}$"
FieldType = Literal[
    "text", "textarea", "number", "national_code", "mobile", "postal_code", "jalali_date", "choice", "file", "email",
]
ChannelName = Literal["online", "counter", "in_person", "phone"]
TERMINAL = {"approve", "reject"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FormField(_Strict):
    name: str = Field(pattern=SLUG, description="machine name, e.g. parcel_number")
    label: str = Field(min_length=1, max_length=200)
    type: FieldType = "text"
    required: bool = True
    help: str = ""
    choices: list[str] = Field(default_factory=list, description="for type choice")
    min: float | None = None
    max: float | None = None
    max_length: int | None = Field(default=None, ge=1, le=5000)
    pattern: str | None = Field(default=None, description="a regular expression the answer must match")
    example: str = Field(default="", max_length=200, description="an answer that passes, shown to API clients")
    file_types: list[str] = Field(default_factory=lambda: ["pdf", "jpg", "png"], description="for type file")
    max_mb: int = Field(default=5, ge=1, le=20)
    not_before: str | None = Field(
        default=None, max_length=20,
        description="for type jalali_date: the earliest day allowed — today, today+N, today-N or a Jalali date 1405/01/01")
    not_after: str | None = Field(
        default=None, max_length=20, description="for type jalali_date: the latest day allowed, spelled as not_before")

    @model_validator(mode="after")
    def _check(self):
        if self.type == "choice" and not self.choices:
            raise ValueError(f"field {self.name}: a choice field needs choices")
        if (self.not_before or self.not_after) and self.type != "jalali_date":
            raise ValueError(f"field {self.name}: not_before and not_after are for jalali_date fields")
        for bound in (self.not_before, self.not_after):
            resolve_bound(bound)  # a ValueError names the spellings allowed
        if self.pattern:
            re.compile(self.pattern)
        return self


class DocumentSpec(_Strict):
    code: str = Field(pattern=SLUG)
    label: str = Field(min_length=1, max_length=200)
    required: bool = True
    file_types: list[str] = Field(default_factory=lambda: ["pdf", "jpg", "png"])
    max_mb: int = Field(default=5, ge=1, le=20)


class Outcome(_Strict):
    code: str = Field(pattern=SLUG)
    label: str = Field(min_length=1, max_length=200)
    next: str = Field(description="the next stage's code, or 'approve' / 'reject'")


class InquiryStep(_Strict):
    """A stage that asks another agency by itself (an exchange inquiry) when a request reaches it."""

    type: str = Field(min_length=1, max_length=64, description="code of the exchange inquiry type, e.g. civil.identity")
    question: dict[str, str] = Field(
        min_length=1, description="question field → where its value comes from: a form field's name, or national_code")
    on_match: str = Field(default="match", pattern=SLUG,
                          description="the outcome taken by itself when the answer's `match` is true")


class Stage(_Strict):
    code: str = Field(pattern=SLUG)
    title: str = Field(min_length=1, max_length=200)
    position: str = Field(min_length=1, description="code of the responsible orgs.Position")
    deadline_days: int = Field(ge=1, le=365, description="working days")
    outcomes: list[Outcome] = Field(min_length=1)
    inquiry: InquiryStep | None = Field(
        default=None, description="an inquiry stage: the position decides only when the answer does not match")

    @model_validator(mode="after")
    def _inquiry_outcome(self):
        if self.inquiry is not None:
            chosen = next((o for o in self.outcomes if o.code == self.inquiry.on_match), None)
            if chosen is None:
                raise ValueError(f"stage {self.code}: the inquiry's on_match {self.inquiry.on_match} is not an outcome")
            if chosen.next in TERMINAL:
                raise ValueError(f"stage {self.code}: the inquiry's on_match outcome must lead to another stage")
        return self


class Fees(_Strict):
    online: int = Field(default=0, ge=0, description="Rials")
    counter: int = Field(default=0, ge=0)
    in_person: int = Field(default=0, ge=0)


class FAQ(_Strict):
    question: str
    answer: str


class Profile(_Strict):
    description: str = Field(min_length=1)
    eligibility: str = ""
    steps: list[str] = Field(default_factory=list)
    laws: list[str] = Field(default_factory=list)
    faq: list[FAQ] = Field(default_factory=list)
    duration_days: int = Field(default=10, ge=1, description="expected duration in working days")
    complaint_procedure: str = ""
    channels: list[ChannelName] = Field(default_factory=lambda: ["online"])
    in_person_visits: int = Field(default=0, ge=0)
    responsible_unit: str = ""
    contact: str = ""
    result_delivery: str = "دریافت الکترونیکی از صفحه درخواست"


class Result(_Strict):
    title: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, description="text with {field_name} placeholders and {tracking_code}, {applicant_name}")
    signer_position: str = Field(min_length=1, description="code of the signing orgs.Position")


class Definition(_Strict):
    schema_version: Literal[1] = 1
    code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
    title: str = Field(min_length=1, max_length=300)
    agency: str = Field(description="code of the orgs.Agency offering it")
    category: str = ""
    national_id: str = Field(default="", pattern=r"^(\d{11})?$")
    keywords: list[str] = Field(default_factory=list)
    profile: Profile
    form: list[FormField] = Field(default_factory=list)
    documents: list[DocumentSpec] = Field(default_factory=list)
    stages: list[Stage] = Field(min_length=1)
    fees: Fees = Field(default_factory=Fees)
    result: Result

    @field_validator("form")
    @classmethod
    def _unique_fields(cls, value):
        names = [f.name for f in value]
        if len(names) != len(set(names)):
            raise ValueError("form field names must be unique")
        return value

    @model_validator(mode="after")
    def _one_name_per_answer(self):
        # Files of form fields and documents share one namespace (uploads, Open311 attribute codes).
        taken = {f.name for f in self.form} | {"national_code", "mobile"}
        for doc in self.documents:
            if doc.code in taken:
                raise ValueError(f"document {doc.code}: its code is already a form field's name")
            taken.add(doc.code)
        return self

    @model_validator(mode="after")
    def _inquiry_sources(self):
        sources = {f.name for f in self.form if f.type != "file"} | {"national_code", "mobile"}
        for stage in self.stages:
            for key, source in (stage.inquiry.question.items() if stage.inquiry else ()):
                if source not in sources:
                    raise ValueError(f"stage {stage.code}: inquiry question {key} comes from unknown field {source}")
        return self

    @model_validator(mode="after")
    def _stages_connect(self):
        codes = [s.code for s in self.stages]
        if len(codes) != len(set(codes)):
            raise ValueError("stage codes must be unique")
        for stage in self.stages:
            for outcome in stage.outcomes:
                if outcome.next not in TERMINAL and outcome.next not in codes:
                    raise ValueError(f"stage {stage.code}: outcome {outcome.code} leads to unknown stage {outcome.next}")
        return self

    def stage(self, code: str) -> Stage | None:
        return next((s for s in self.stages if s.code == code), None)


def parse_definition(data: dict) -> Definition:
    """Validate a definition; the errors come back as one Persian message naming the places at fault."""
    try:
        return Definition.model_validate(data)
    except ValidationError as exc:
        places = "؛ ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'تعریف'}: {err['msg']}" for err in exc.errors()[:10]
        )
        raise DomainError(f"تعریف خدمت نامعتبر است — {places}", field="definition") from None


# Published versions never change, so each is validated once per process. Kept by version id with the
# document it was parsed from: a stored document that differs (edited by hand) is parsed again.
_PARSED: dict[int, tuple[dict, Definition]] = {}
_PARSED_MAX = 4096


def version_definition(version) -> Definition:
    """A ServiceVersion's definition, validated once per process (see above)."""
    raw = version.definition
    kept = _PARSED.get(version.pk)
    if kept is not None and kept[0] == raw:
        return kept[1]
    parsed = parse_definition(raw)
    if version.pk is not None:
        if len(_PARSED) >= _PARSED_MAX:  # a bound, not an LRU: more live versions than this are rare
            _PARSED.clear()
        _PARSED[version.pk] = (copy.deepcopy(raw), parsed)
    return parsed
