"""Forms for inquiries: the question or answer form built from an inquiry type's JSON Schema.

Only what inquiry schemas use is understood: an object whose properties are strings (with
`pattern`, `enum`, `maxLength`, or `format: date` typed as a Jalali date and sent as ISO), integers
and booleans, each labelled by its `title`. The service checks the whole schema again; its
refusal comes back as a form error.
"""

import re

from django import forms

from dabir.core.jalali_forms import JalaliDateField
from dabir.core.text import to_latin_digits
from dabir.letters import policy as letters_policy


def _field(spec: dict, required: bool) -> forms.Field:
    label = spec.get("title") or ""
    help_text = spec.get("description") or ""
    kind = spec.get("type")
    if kind == "boolean":
        return forms.BooleanField(label=label, help_text=help_text, required=False)
    if kind == "integer":
        # A text input, not type=number: browsers refuse the Persian digits a Persian keyboard types.
        return forms.IntegerField(label=label, help_text=help_text, required=required,
                                  widget=forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr"}),
                                  min_value=spec.get("minimum"), max_value=spec.get("maximum"),
                                  error_messages={"invalid": "یک عدد درست بنویسید."})
    if spec.get("format") == "date":
        return JalaliDateField(label=label, help_text=help_text, required=required)
    if spec.get("enum"):
        choices = [("", "—")] * (not required) + [(str(v), str(v)) for v in spec["enum"]]
        return forms.ChoiceField(label=label, help_text=help_text, required=required, choices=choices)
    return forms.CharField(label=label, help_text=help_text, required=required, max_length=spec.get("maxLength"),
                           strip=True)


class SchemaForm(forms.Form):
    """A form whose fields are the properties of a JSON Schema; `payload()` is the JSON to send."""

    def __init__(self, schema: dict, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.schema = schema if isinstance(schema, dict) else {}
        required = set(self.schema.get("required") or [])
        for name, spec in (self.schema.get("properties") or {}).items():
            if isinstance(spec, dict):
                self.fields[name] = _field(spec, name in required)
                self.fields[name].widget.attrs.setdefault("class", "form-control")
        for field in self.fields.values():
            if isinstance(field, forms.BooleanField):
                field.widget.attrs["class"] = "form-check-input"

    def full_clean(self):
        if self.data:
            data = self.data.copy()
            for name, field in self.fields.items():
                if isinstance(field, forms.IntegerField) and name in data:
                    data[name] = to_latin_digits(data[name])
            self.data = data
        super().full_clean()

    def clean(self):
        cleaned = super().clean()
        for name, spec in (self.schema.get("properties") or {}).items():
            value = cleaned.get(name)
            pattern = spec.get("pattern") if isinstance(spec, dict) else None
            if isinstance(value, str) and value and pattern and spec.get("format") != "date":
                value = cleaned[name] = to_latin_digits(value)  # a code typed in Persian digits goes in Latin
                if not re.search(pattern, value):
                    self.add_error(name, "این مقدار شکل درستی ندارد.")
        return cleaned

    def payload(self) -> dict:
        """The cleaned values as JSON: dates in ISO, empty optional values left out."""
        out = {}
        for name in self.fields:
            value = self.cleaned_data.get(name)
            if value is None or value == "":
                continue
            out[name] = value.isoformat() if hasattr(value, "isoformat") else value
        return out

    def add_refusal(self, exc) -> None:
        """A refusal of the service (a DomainError) as an error on the form."""
        self.add_error(None, exc.message)


def titles(schema: dict, document) -> list[tuple[str, object]]:
    """A question or answer as (label, value) rows, labelled by the schema's titles."""
    if not isinstance(document, dict):
        return []
    props = (schema or {}).get("properties") or {}
    rows = [((props.get(k) or {}).get("title") or k, v) for k, v in document.items() if k in props]
    rows += [(k, v) for k, v in document.items() if k not in props]
    return rows


class LetterField(forms.CharField):
    """An optional letter the inquiry is about, by id; only one the user may see."""

    def __init__(self, *, user, **kwargs):
        self.user = user
        super().__init__(label="نامه مرتبط (شناسه)", required=False, **kwargs)

    def clean(self, value):
        text = to_latin_digits(super().clean(value) or "").strip()
        if not text:
            return None
        letter = None
        if text.isdigit() and len(text) < 19:
            letter = letters_policy.visible_letters(self.user).filter(pk=int(text)).first()
        if letter is None:
            raise forms.ValidationError("نامه‌ای با این شناسه یافت نشد یا به آن دسترسی ندارید.")
        return letter


class AskForm(SchemaForm):
    """The question of a new inquiry, and the letter it is about."""

    LETTER = "_letter"  # not a name a schema property would take

    def __init__(self, schema: dict, *args, user, **kwargs):
        super().__init__(schema, *args, **kwargs)
        self.fields[self.LETTER] = LetterField(user=user)
        self.fields[self.LETTER].widget.attrs.update({"class": "form-control", "dir": "ltr", "inputmode": "numeric"})

    def payload(self) -> dict:
        out = super().payload()
        out.pop(self.LETTER, None)
        return out
