"""The preferences form: two checkboxes per declared notice kind, the digest and its hour."""

from django import forms

from dabir.core import labels
from dabir.core.text import to_latin_digits, to_persian_digits

HOURS = [(h, f"ساعت {to_persian_digits(h)}") for h in range(24)]


class HourField(forms.TypedChoiceField):
    """An hour of the day; Persian or Arabic digits typed by a client that posts by hand are accepted."""

    def to_python(self, value):
        return super().to_python(to_latin_digits(str(value)).strip() if value not in (None, "") else value)


class PreferencesForm(forms.Form):
    digest = forms.BooleanField(label="به جای پیام‌های تکی، روزی یک خلاصه بفرست", required=False,
                                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
    digest_hour = HourField(
        label="ساعت ارسال خلاصه", choices=HOURS, coerce=int, initial=7,
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"invalid_choice": "ساعتی از ۰ تا ۲۳ را برگزینید.", "required": "ساعت خلاصه را برگزینید."},
    )

    def __init__(self, *args, choices: dict[str, tuple[bool, bool]], **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = labels.choices(labels.NOTICE_KIND)
        for kind, _name in self.kinds:
            sms, email = choices.get(kind, (False, False))
            self.fields[f"sms:{kind}"] = forms.BooleanField(required=False, initial=sms, label="پیامک")
            self.fields[f"email:{kind}"] = forms.BooleanField(required=False, initial=email, label="رایانامه")

    def rows(self):
        """(kind's name, its SMS field, its e-mail field) for the table."""
        return [(name, self[f"sms:{kind}"], self[f"email:{kind}"]) for kind, name in self.kinds]

    def chosen(self) -> dict[str, tuple[bool, bool]]:
        data = self.cleaned_data
        return {kind: (data[f"sms:{kind}"], data[f"email:{kind}"]) for kind, _ in self.kinds}
