"""Forms of the letters filed at the counter: the operator's identify/code/letter steps, the clerk's register
and return decisions. They check input at the edge; the services check the rules (see services/letters.py)."""

from django import forms

from dabir.letters.forms import (
    BootstrapMixin,
    FirstReferralForm,
    MultipleFileField,
    apply_error,
)

from ..models import CounterLetter

# A service's DomainError names its input; these are the names of the same inputs in these forms.
REGISTER_ALIASES = {"refer_to": "refer_position", "to_position": "refer_position", "note": "refer_note",
                    "deadline": "refer_deadline", "action": "refer_action"}

__all__ = ["IdentifyForm", "CodeForm", "LetterForm", "RegisterForm", "ReturnForm", "StateFilterForm",
           "REGISTER_ALIASES", "apply_error"]


class IdentifyForm(BootstrapMixin, forms.Form):
    """The citizen who brought the letter: the consent code goes to their own mobile."""

    national_code = forms.CharField(label="کد ملی", max_length=30,
                                    error_messages={"required": "کد ملی فرستنده را وارد کنید."},
                                    widget=forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr",
                                                                  "autocomplete": "off", "autofocus": True}))
    mobile = forms.CharField(label="تلفن همراه", max_length=30,
                             error_messages={"required": "شماره تلفن همراه فرستنده را وارد کنید."},
                             widget=forms.TextInput(attrs={"inputmode": "tel", "dir": "ltr", "autocomplete": "off"}))
    name = forms.CharField(label="نام و نام خانوادگی", max_length=200,
                           error_messages={"required": "نام فرستنده نامه را وارد کنید."})


class CodeForm(BootstrapMixin, forms.Form):
    code = forms.CharField(label="کد پیامک‌شده به متقاضی", max_length=20,
                           error_messages={"required": "کدی را که متقاضی می‌خواند وارد کنید."},
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr",
                                                         "autocomplete": "one-time-code", "autofocus": True}))


class LetterForm(BootstrapMixin, forms.Form):
    agency = forms.TypedChoiceField(label="دستگاه گیرنده", coerce=int,
                                    error_messages={"required": "دستگاه گیرنده نامه را برگزینید.",
                                                    "invalid_choice": "دستگاه گیرنده را از فهرست برگزینید."})
    citizen_name = forms.CharField(label="نام فرستنده", max_length=200,
                                   error_messages={"required": "نام فرستنده نامه را وارد کنید."})
    subject = forms.CharField(label="موضوع نامه", max_length=500,
                              error_messages={"required": "موضوع نامه را وارد کنید.",
                                              "max_length": "موضوع نامه بیش از ۵۰۰ نویسه است."})
    text = forms.CharField(label="خلاصه نامه (اختیاری)", required=False, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 4}),
                           error_messages={"max_length": "خلاصه نامه بیش از ۵۰۰۰ نویسه است."})
    scans = MultipleFileField(label="اسکن نامه (PDF، JPEG یا PNG؛ چند پرونده)",
                              help_text="همه برگه‌های نامه و پیوست‌های آن را اسکن کنید.")
    expected_total = forms.CharField(required=False, widget=forms.HiddenInput)
    submission_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", "— برگزینید —")] + [(a.pk, a.name) for a in agencies]
        self.fields["scans"].widget.attrs["accept"] = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


class RegisterForm(BootstrapMixin, FirstReferralForm):
    """Register the counter letter in its secretariat with a first referral inside the agency."""


    def __init__(self, *args, positions=(), absences=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_positions(positions, absences)


class ReturnForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label="علت برگشت (برای فرستنده پیامک می‌شود)", max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": "علت برگشت را بنویسید.",
                                             "max_length": "علت برگشت بیش از ۵۰۰ نویسه است."})


class StateFilterForm(BootstrapMixin, forms.Form):
    state = forms.ChoiceField(label="وضعیت", required=False, choices=[("", "— همه —"), *CounterLetter.State.choices])
