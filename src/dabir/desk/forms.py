"""Forms of the citizen desk pages: they read and keep what was typed; the rules live in the services.

The request form itself is built from the service's definition (see views.apply) and checked by
desk.answers.validate_answers; the forms here are the fixed ones: tracking, complaint, rating.
"""

from django import forms

from dabir.core.errors import DomainError
from dabir.core.text import to_latin_digits
from dabir.core.validators import validate_mobile, validate_national_code

from .models import Complaint


def _domain(fn, value):
    """Run a validator that raises DomainError and turn its message into a form error."""
    try:
        return fn(value)
    except DomainError as exc:
        raise forms.ValidationError(exc.message) from None


class TrackForm(forms.Form):
    tracking_code = forms.CharField(label="کد رهگیری", max_length=40,
                                    error_messages={"required": "کد رهگیری را وارد کنید."})
    national_code = forms.CharField(label="کد ملی متقاضی", max_length=30,
                                    error_messages={"required": "کد ملی متقاضی را وارد کنید."})

    def clean_tracking_code(self):
        from .codes import clean_tracking_code

        # A mistyped code is refused here, by its check digit, before anything is looked up.
        return _domain(clean_tracking_code, self.cleaned_data["tracking_code"])

    def clean_national_code(self):
        return _domain(validate_national_code, self.cleaned_data["national_code"])


class TrackByMobileForm(forms.Form):
    """The second way to track: the tracking code and the applicant's mobile; an SMS code follows."""

    tracking_code = forms.CharField(label="کد رهگیری", max_length=40,
                                    error_messages={"required": "کد رهگیری را وارد کنید."})
    mobile = forms.CharField(label="تلفن همراه متقاضی", max_length=30,
                             error_messages={"required": "شماره تلفن همراه متقاضی را وارد کنید."})

    def clean_tracking_code(self):
        from .codes import clean_tracking_code

        return _domain(clean_tracking_code, self.cleaned_data["tracking_code"])

    def clean_mobile(self):
        return _domain(validate_mobile, self.cleaned_data["mobile"])


class TrackCodeForm(TrackByMobileForm):
    """…then the six-digit code that was sent by SMS."""

    code = forms.CharField(label="کد پیامک‌شده", max_length=20,
                           error_messages={"required": "کد شش‌رقمی پیامک‌شده را وارد کنید."})

    def clean_code(self):
        code = to_latin_digits(self.cleaned_data["code"]).strip()
        if len(code) != 6 or not code.isascii() or not code.isdigit():
            raise forms.ValidationError("کد پیامک‌شده شش رقم است.")
        return code


class ComplaintForm(forms.Form):
    about = forms.ChoiceField(label="شکایت درباره", choices=Complaint.About.choices, widget=forms.RadioSelect,
                              error_messages={"required": "موضوع شکایت را برگزینید.",
                                              "invalid_choice": "موضوع شکایت را از فهرست برگزینید."})
    agency = forms.TypedChoiceField(label="دستگاه", coerce=int, required=False,
                                    error_messages={"invalid_choice": "دستگاه را از فهرست برگزینید."})
    request_code = forms.ChoiceField(label="درخواست", required=False,
                                     error_messages={"invalid_choice": "درخواست را از فهرست درخواست‌های خود برگزینید."})
    employee_name = forms.CharField(label="نام یا سمت کارمند", max_length=200, required=False)
    text = forms.CharField(label="شرح شکایت", max_length=5000, widget=forms.Textarea(attrs={"rows": 6}),
                           error_messages={"required": "شرح شکایت را بنویسید.",
                                           "max_length": "شرح شکایت بیش از ۵۰۰۰ نویسه است."})

    def __init__(self, *args, agencies=(), requests=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", "— دستگاه را برگزینید —")] + [(a.pk, a.name) for a in agencies]
        self.fields["request_code"].choices = [("", "— درخواست را برگزینید —")] + [
            (r.tracking_code, f"{r.service.title} — {r.tracking_code}") for r in requests
        ]
        self._requests = {r.tracking_code: r for r in requests}

    def clean_text(self):
        text = self.cleaned_data["text"].strip()
        if len(text) < 10:
            raise forms.ValidationError("شرح شکایت کوتاه است؛ دست‌کم چند کلمه بنویسید.")
        return text

    def clean(self):
        data = super().clean()
        about = data.get("about")
        request = self._requests.get(data.get("request_code") or "")
        data["request"] = request
        if about == Complaint.About.REQUEST and request is None and "request_code" not in self.errors:
            self.add_error("request_code", "درخواستی را که از آن شکایت دارید برگزینید.")
        if about == Complaint.About.EMPLOYEE and not (data.get("employee_name") or "").strip():
            self.add_error("employee_name", "نام یا سمت کارمند را بنویسید.")
        if request is not None:
            data["agency"] = request.service.agency_id
        elif about and not data.get("agency") and "agency" not in self.errors:
            self.add_error("agency", "دستگاهی را که از آن شکایت دارید برگزینید.")
        return data


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(label="امتیاز", coerce=int, widget=forms.RadioSelect,
                                   choices=[(i, str(i)) for i in range(5, 0, -1)],
                                   error_messages={"required": "امتیازی از ۱ تا ۵ برگزینید.",
                                                   "invalid_choice": "امتیاز باید از ۱ تا ۵ باشد."})
    comment = forms.CharField(label="نظر شما", max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              error_messages={"max_length": "نظر شما بیش از ۲۰۰۰ نویسه است."})

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and data.get("score"):
            data = data.copy()
            data["score"] = to_latin_digits(str(data["score"]))
        super().__init__(data, *args, **kwargs)
