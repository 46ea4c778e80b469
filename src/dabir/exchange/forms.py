"""Forms of the secretariat's exchange pages; the referral fields are the incoming form's own."""

from django import forms

from dabir.letters.forms import (
    BootstrapMixin,
    FirstReferralForm,
    apply_error,
)

from .selectors import ARRIVAL_STATES, SENT_STATES
from .services.arrivals import RETURN_REASONS

ALL = [("", "— همه —")]

# A service's DomainError names its input; these are the names of the same inputs here.
ACCEPT_ALIASES = {"refer_to": "refer_position", "to_position": "refer_position", "note": "refer_note",
                  "deadline": "refer_deadline", "action": "refer_action"}

__all__ = ["ACCEPT_ALIASES", "AcceptForm", "ArrivalFilterForm", "ReturnForm", "SentFilterForm", "apply_error"]


class AcceptForm(BootstrapMixin, FirstReferralForm):
    """Register the arrival in one of the clerk's secretariats of the receiving agency, with a first referral."""

    secretariat = forms.TypedChoiceField(
        label="دبیرخانه ثبت", coerce=int,
        error_messages={"invalid_choice": "دبیرخانه‌ای از دستگاه گیرنده را برگزینید که در آن کار می‌کنید.",
                        "required": "دبیرخانه ثبت را برگزینید."},
    )

    def __init__(self, *args, secretariats=(), positions=(), absences=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["secretariat"].choices = [(s.id, s.name) for s in secretariats]
        self.set_positions(positions, absences)


class ReturnForm(BootstrapMixin, forms.Form):
    reason = forms.ChoiceField(
        label="علت برگشت", choices=[("", "— برگزینید —"), *RETURN_REASONS.items()],
        error_messages={"required": "علت برگشت را برگزینید.", "invalid_choice": "علت برگشت را برگزینید."},
    )
    note = forms.CharField(label="توضیح", required=False, max_length=400, widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"max_length": "توضیح بیش از ۴۰۰ نویسه است."})


class ArrivalFilterForm(BootstrapMixin, forms.Form):
    state = forms.ChoiceField(label="وضعیت", required=False, choices=ALL + ARRIVAL_STATES)


class SentFilterForm(BootstrapMixin, forms.Form):
    state = forms.ChoiceField(label="وضعیت", required=False, choices=ALL + SENT_STATES)
