"""Forms of the intake queue's pages (channels.forms is shared by the other parts)."""

from django import forms

from dabir.letters.forms import (
    BootstrapMixin,
    FirstReferralForm,
    JalaliDateField,
)
from dabir.letters.models import Classification, Urgency

from .models import IntakeItem
from .services.intake import DISCARD_REASONS

ALL = [("", "— همه —")]

# A service's DomainError names its input; these are the names of the same inputs on the form.
REGISTER_ALIASES = {"refer_to": "refer_position", "to_position": "refer_position", "note": "refer_note",
                    "deadline": "refer_deadline", "action": "refer_action", "attachments": "files"}


class FilterForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(required=False, choices=ALL + IntakeItem.Kind.choices)
    state = forms.ChoiceField(label="وضعیت", required=False, choices=ALL + IntakeItem.State.choices)


class RegisterForm(BootstrapMixin, FirstReferralForm):
    """Register the e-mail or fax in one of the clerk's secretariats of the agency, with a first referral."""

    secretariat = forms.TypedChoiceField(
        label="دبیرخانه ثبت", coerce=int,
        error_messages={"invalid_choice": "دبیرخانه‌ای از همین دستگاه را برگزینید که در آن کار می‌کنید.",
                        "required": "دبیرخانه ثبت را برگزینید."},
    )
    subject = forms.CharField(label="موضوع", max_length=500,
                              error_messages={"required": "موضوع نامه را وارد کنید.",
                                              "max_length": "موضوع بیش از ۵۰۰ نویسه است."})
    sender_name = forms.CharField(label="فرستنده", max_length=300,
                                  error_messages={"required": "فرستنده را وارد کنید.",
                                                  "max_length": "نام فرستنده بیش از ۳۰۰ نویسه است."})
    sender_number = forms.CharField(label="شماره نامه فرستنده", required=False, max_length=64,
                                    widget=forms.TextInput(attrs={"dir": "ltr"}))
    sender_date = JalaliDateField(label="تاریخ نامه فرستنده", future_ok=False)
    urgency = forms.ChoiceField(label="فوریت", choices=Urgency.choices, initial=Urgency.NORMAL)
    classification = forms.ChoiceField(label="طبقه‌بندی", choices=Classification.choices,
                                       initial=Classification.UNCLASSIFIED)
    keywords = forms.CharField(label="کلیدواژه‌ها", required=False, max_length=500)
    files = forms.TypedMultipleChoiceField(
        label="پیوست‌هایی که با نامه ثبت شوند", required=False, coerce=int, widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "پیوستی که برگزیده‌اید از این ایمیل یا نمابر نیست."},
    )

    def __init__(self, *args, secretariats=(), positions=(), absences=None, files=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["secretariat"].choices = [(s.id, s.name) for s in secretariats]
        self.fields["files"].choices = [(f.id, f.name) for f in files]
        self.fields["files"].widget.attrs["class"] = "form-check-input"
        self.set_positions(positions, absences)


class DiscardForm(BootstrapMixin, forms.Form):
    reason = forms.ChoiceField(
        label="علت کنار گذاشتن", choices=[("", "— برگزینید —"), *DISCARD_REASONS.items()],
        error_messages={"required": "علت کنار گذاشتن را برگزینید.", "invalid_choice": "علت کنار گذاشتن را برگزینید."},
    )
    note = forms.CharField(label="توضیح", required=False, max_length=400, widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"max_length": "توضیح بیش از ۴۰۰ نویسه است."})
