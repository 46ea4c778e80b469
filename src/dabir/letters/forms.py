"""Forms of the correspondence pages: they check input at the edge, the services check the rules.

Typed dates are Jalali (Persian or Latin digits) and go through dabir.core.jalali.parse_date;
a DomainError raised by a service is put back on the field it names (see `apply_error`).
"""

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError

from dabir.core.errors import DomainError
from dabir.core.jalali import format_date, parse_date, today
from dabir.core.jalali_forms import JalaliDateInput
from dabir.core.text import ltr_number, to_latin_digits, to_persian_digits

from . import address_book, outlets
from .models import REFERRABLE_ACTIONS, Action, Channel, Classification, Kind, Letter, Urgency

BLANK = [("", "— همه —")]


def position_label(position, absences: dict | None = None) -> str:
    label = f"{position.title} — {position.unit.name}"
    absent = (absences or {}).get(position.id)
    if absent:
        label += f" (غایب — جانشین: {absent['acting_user']})"
    return label


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the view reads them with request.FILES.getlist()."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class PositionSelect(forms.Select):
    """A select whose options carry data-absent="…" when the position's holder is away."""

    def __init__(self, *args, absences=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.absences = absences or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        try:
            absent = self.absences.get(int(str(value)))
        except (TypeError, ValueError):
            absent = None
        if absent:
            option["attrs"]["data-absent"] = f"دارنده این سمت غایب است؛ جانشین: {absent['acting_user']}"
        return option


class JalaliDateField(forms.Field):
    """A date typed in the Jalali calendar (۱۴۰۵/۰۱/۱۵ or 1405-01-15); cleans to a datetime.date."""

    widget = JalaliDateInput  # core's: the Jalali date picker and an example in this year

    def __init__(self, *args, past_ok=True, future_ok=True, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.past_ok, self.future_ok = past_ok, future_ok
        self.widget.attrs.update({"inputmode": "numeric", "dir": "ltr", "maxlength": "20", "autocomplete": "off",
                                  "class": "form-control jalali-date"})
        self.widget.min_date = None if past_ok else "today"
        self.widget.max_date = None if future_ok else "today"

    def to_python(self, value):
        value = (value or "").strip() if isinstance(value, str) else value
        if not value:
            return None
        if isinstance(value, dt.date):
            return value
        if len(value) > 20:
            raise ValidationError("تاریخ نامعتبر است؛ آن را به شکل ۱۴۰۵/۰۱/۱۵ وارد کنید.")
        try:
            date = parse_date(value)
        except DomainError as exc:
            raise ValidationError(exc.message) from None
        if not self.past_ok and date < today():
            raise ValidationError("این تاریخ نمی‌تواند در گذشته باشد.")
        if not self.future_ok and date > today():
            raise ValidationError("این تاریخ نمی‌تواند در آینده باشد.")
        return date

    def prepare_value(self, value):
        if isinstance(value, dt.date):
            return format_date(value)
        return value


class FirstReferralForm(forms.Form):
    """The first referral of a letter registered from outside (an arrival, an e-mail or fax, a counter
    letter): to a position of the receiving agency, with its action, margin note and deadline."""

    refer_position = forms.TypedChoiceField(
        label="ارجاع نخست به", coerce=int, empty_value=None,
        error_messages={"invalid_choice": "این سمت در دستگاه گیرنده نیست.",
                        "required": "نخستین ارجاع نامه را برگزینید."},
    )
    refer_action = forms.ChoiceField(label="اقدام", choices=REFERRABLE_ACTIONS, initial=Action.ACTION,
                                     error_messages={"invalid_choice": "نوع اقدام نامعتبر است."})
    refer_note = forms.CharField(label="هامش", required=False, max_length=4000,
                                 widget=forms.Textarea(attrs={"rows": 2, "data-ready-notes": "1"}))
    refer_deadline = JalaliDateField(label="مهلت (خالی: پیش‌فرض فوریت)", past_ok=False)

    def set_positions(self, positions, absences=None) -> None:
        """The agency's positions to refer to, each with its holder's absence noted."""
        self.fields["refer_position"].widget = PositionSelect(
            absences=absences, attrs={"class": "form-select", "data-absence-note": "1", "data-picker": "position"},
        )
        self.fields["refer_position"].choices = [("", "— انتخاب سمت —")] + [
            (p.id, position_label(p, absences)) for p in positions
        ]


class BootstrapMixin:
    """Bootstrap classes on every widget, and is-invalid on fields with errors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            existing = widget.attrs.get("class", "")
            if css not in existing:
                widget.attrs["class"] = f"{existing} {css}".strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"


def apply_error(form: forms.Form, exc: DomainError, aliases: dict | None = None) -> None:
    """Put a service's Persian message on the form field it names, else on the form."""
    field = (aliases or {}).get(exc.field, exc.field)
    if field in form.fields:
        form.add_error(field, exc.message)
        widget = form.fields[field].widget
        widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"
    else:
        form.add_error(None, exc.message)


# ---------------------------------------------------------------- inbox and search


class InboxFilterForm(BootstrapMixin, forms.Form):
    state = forms.ChoiceField(
        label="وضعیت", required=False,
        choices=[("open", "باز"), ("unread", "خوانده نشده"), ("done", "انجام شده / بسته")],
    )
    overdue = forms.BooleanField(label="فقط دیرکرد", required=False)
    urgency = forms.ChoiceField(label="فوریت", required=False, choices=BLANK + Urgency.choices)
    kind = forms.ChoiceField(label="نوع", required=False, choices=BLANK + Kind.choices)
    action = forms.ChoiceField(label="اقدام", required=False, choices=BLANK + Action.choices)
    date_from = JalaliDateField(label="از تاریخ")
    date_to = JalaliDateField(label="تا تاریخ")

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "«تا تاریخ» پیش از «از تاریخ» است.")
        return data


class SearchForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label="عبارت", required=False, max_length=200)
    number = forms.CharField(label="شماره نامه", required=False, max_length=64)
    date_from = JalaliDateField(label="از تاریخ")
    date_to = JalaliDateField(label="تا تاریخ")
    kind = forms.ChoiceField(label="نوع", required=False, choices=BLANK + Kind.choices)
    classification = forms.ChoiceField(label="طبقه‌بندی", required=False, choices=BLANK + Classification.choices)

    def clean_number(self):
        return to_latin_digits(self.cleaned_data.get("number") or "").strip()

    def is_empty(self) -> bool:
        return not any(self.cleaned_data.get(k) for k in self.fields)


# ---------------------------------------------------------------- compose


EARLIER_SIGNERS = 3


# Direction marks and isolates that a prefilled number carries (see reply_initial); never part of a number.
_BIDI_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def reply_initial(original) -> dict:
    """The compose form's prefill for a reply: «عطف» shows the letter's number (laid out left to right),
    the hidden `reply_to` keeps its id; a letter without a number is shown by its id."""
    shown = ltr_number(original.number) if original.number else to_persian_digits(original.id)
    return {"replies": shown, "reply_to": original.id}


class ComposeForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(
        label="نوع نامه", choices=[(Kind.INTERNAL, Kind.INTERNAL.label), (Kind.OUTGOING, Kind.OUTGOING.label)],
    )
    subject = forms.CharField(label="موضوع", max_length=500)
    body = forms.CharField(label="متن نامه", required=False, widget=forms.Textarea(attrs={"rows": 8}))
    to = forms.TypedMultipleChoiceField(label="گیرندگان (سمت‌ها)", required=False, coerce=int)
    to_outside = forms.CharField(
        label="گیرندگان بیرونی (هر سطر یک نام؛ فقط نامه صادره)", required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    cc = forms.TypedMultipleChoiceField(label="رونوشت (سمت‌ها)", required=False, coerce=int)
    cc_outside = forms.CharField(
        label="رونوشت بیرونی (هر سطر یک نام)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    signer_position = forms.TypedChoiceField(label="امضاکننده نهایی", required=False, coerce=int, empty_value=None)
    urgency = forms.ChoiceField(label="فوریت", choices=Urgency.choices, initial=Urgency.NORMAL)
    classification = forms.ChoiceField(
        label="طبقه‌بندی", choices=Classification.choices, initial=Classification.UNCLASSIFIED
    )
    keywords = forms.CharField(label="کلیدواژه‌ها", required=False, max_length=500)
    follows = forms.CharField(
        label="پیرو نامه‌های (شناسه یا شماره، با ویرگول جدا)", required=False, max_length=500,
        widget=forms.TextInput(attrs={"dir": "ltr"}),
    )
    replies = forms.CharField(
        label="عطف به نامه‌های (شناسه یا شماره، با ویرگول جدا)", required=False, max_length=500,
        widget=forms.TextInput(attrs={"dir": "ltr"}),
    )
    # «پاسخ» on a letter: its number is shown in «عطف», its id travels here.
    reply_to = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    attachments = MultipleFileField(label="پیوست‌ها")

    def __init__(self, *args, positions=(), signers=(), link_resolver=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        signer_choices = [(p.id, position_label(p)) for p in signers]
        # The signing circuit: up to EARLIER_SIGNERS positions who sign, in order, before the final signer.
        for i in range(1, EARLIER_SIGNERS + 1):
            self.fields[f"earlier_{i}"] = forms.TypedChoiceField(
                label=f"امضاکننده {to_persian_digits(i)}", required=False, coerce=int, empty_value=None,
                choices=[("", "—")] + signer_choices,
                error_messages={"invalid_choice": "این سمت اجازه امضا ندارد یا از این دستگاه نیست."},
                widget=forms.Select(attrs={"class": "form-select"}),
            )
        choices = [(p.id, position_label(p)) for p in positions]
        self.fields["to"].choices = choices
        self.fields["cc"].choices = choices
        self.fields["to"].widget.attrs.update({"size": 6, "data-picker": "position"})
        self.fields["cc"].widget.attrs.update({"size": 4, "data-picker": "position"})
        self.fields["signer_position"].choices = [("", "— بعداً انتخاب می‌شود —")] + signer_choices
        self.fields["signer_position"].error_messages["invalid_choice"] = (
            "این سمت اجازه امضا ندارد یا از این دستگاه نیست."
        )
        self.fields["body"].widget.attrs["class"] += " rich-source"
        self.link_resolver = link_resolver
        # Suggestions for the outside recipients (the exchange directory's names, registered at start).
        self.outside_names = address_book.names(user)

    @staticmethod
    def _lines(text: str) -> list[str]:
        return [line.strip() for line in (text or "").splitlines() if line.strip()]

    def _reply_target(self) -> tuple[int | None, str]:
        """The letter «پاسخ» was pressed on, when this user may still see it: (id, its number)."""
        rid = self.cleaned_data.get("reply_to")
        if not rid or self.link_resolver is None or self.link_resolver(str(rid)) != rid:
            return None, ""
        return rid, Letter.objects.filter(pk=rid).values_list("number", flat=True).first() or ""

    def _links(self, field: str, kind: str) -> list[tuple[int, str]]:
        raw = _BIDI_MARKS.sub("", to_latin_digits(self.cleaned_data.get(field) or ""))
        reply_id, reply_number = self._reply_target() if field == "replies" else (None, "")
        out = []
        for token in [t.strip() for t in raw.replace("،", ",").replace("\n", ",").split(",") if t.strip()]:
            if reply_id and token == reply_number:
                out.append((reply_id, kind))  # the shown number stands for the letter replied to
                continue
            target = self.link_resolver(token) if self.link_resolver else None
            if target is None:
                self.add_error(field, f"نامه «{token}» پیدا نشد یا اجازه دیدن آن را ندارید.")
                continue
            out.append((target, kind))
        return out

    def clean(self):
        data = super().clean()
        to_out, cc_out = self._lines(data.get("to_outside")), self._lines(data.get("cc_outside"))
        if data.get("kind") == Kind.INTERNAL and (to_out or cc_out):
            self.add_error("to_outside", "نامه داخلی گیرنده بیرونی ندارد؛ نوع نامه را «صادره» کنید.")
        data["to_all"] = [*(data.get("to") or []), *to_out]
        data["cc_all"] = [*(data.get("cc") or []), *cc_out]
        if not data["to_all"] and "to" not in self.errors:
            self.add_error("to", "دست‌کم یک گیرنده لازم است.")
        data["links"] = self._links("follows", "follows") + self._links("replies", "replies")
        data["earlier"] = self._earlier(data)
        return data

    def _earlier(self, data) -> list[int]:
        """The earlier signers in the order typed (blank slots skipped), refused when repeated."""
        seen, out = {data.get("signer_position")}, []
        for i in range(1, EARLIER_SIGNERS + 1):
            name = f"earlier_{i}"
            pid = data.get(name)
            if pid is None:
                continue
            if pid in seen:
                if pid == data.get("signer_position"):
                    self.add_error(name, "امضاکننده نهایی را در فهرست امضاکنندگان پیشین نیاورید.")
                else:
                    self.add_error(name, "این سمت دو بار در زنجیره امضا آمده است.")
                continue
            seen.add(pid)
            out.append(pid)
        if out and not data.get("signer_position") and "signer_position" not in self.errors:
            self.add_error("signer_position", "برای امضاکنندگان پیشین، امضاکننده نهایی را هم انتخاب کنید.")
        return out

    def earlier_fields(self):
        return [self[f"earlier_{i}"] for i in range(1, EARLIER_SIGNERS + 1)]

    @staticmethod
    def earlier_initial(earlier) -> dict:
        return {f"earlier_{i}": pid for i, pid in enumerate(list(earlier)[:EARLIER_SIGNERS], start=1)}

    def service_fields(self) -> dict:
        d = self.cleaned_data
        return {
            "subject": d["subject"], "body": d.get("body") or "", "to": d["to_all"], "cc": d["cc_all"],
            "signer_position_id": d.get("signer_position"), "urgency": d["urgency"],
            "classification": d["classification"], "keywords": d.get("keywords") or "", "links": d["links"],
        }


COMPOSE_ALIASES = {"signer_position": "signer_position", "to_position": "to", "positions": "earlier_1"}


# ---------------------------------------------------------------- incoming


class IncomingForm(BootstrapMixin, forms.Form):
    secretariat = forms.TypedChoiceField(label="دبیرخانه", coerce=int)
    series = forms.TypedChoiceField(label="سری شماره", required=False, coerce=int, empty_value=None)
    sender_name = forms.CharField(label="فرستنده", max_length=300)
    sender_number = forms.CharField(
        label="شماره نامه فرستنده", required=False, max_length=64, widget=forms.TextInput(attrs={"dir": "ltr"})
    )
    sender_date = JalaliDateField(label="تاریخ نامه فرستنده", future_ok=False)
    channel = forms.ChoiceField(label="روش دریافت", choices=Channel.choices, initial=Channel.POST)
    received_date = JalaliDateField(label="تاریخ دریافت (خالی: امروز)", future_ok=False)
    subject = forms.CharField(label="موضوع", max_length=500)
    body = forms.CharField(
        label="متن یا خلاصه", required=False, widget=forms.Textarea(attrs={"rows": 5, "class": "rich-source"})
    )
    keywords = forms.CharField(label="کلیدواژه‌ها", required=False, max_length=500)
    urgency = forms.ChoiceField(label="فوریت", choices=Urgency.choices, initial=Urgency.NORMAL)
    classification = forms.ChoiceField(
        label="طبقه‌بندی", choices=Classification.choices, initial=Classification.UNCLASSIFIED
    )
    paper_location = forms.CharField(label="محل نگهداری اصل کاغذی", required=False, max_length=200)
    scans = MultipleFileField(label="تصویر صفحه‌های نامه (اسکن)")
    attachments = MultipleFileField(label="پیوست‌های دیگر")
    refer_position = forms.TypedChoiceField(label="ارجاع نخست به", required=False, coerce=int, empty_value=None)
    refer_action = forms.ChoiceField(label="اقدام", choices=REFERRABLE_ACTIONS, initial=Action.ACTION, required=False)
    refer_note = forms.CharField(label="هامش", required=False, max_length=4000,
                                 widget=forms.Textarea(attrs={"rows": 2, "data-ready-notes": "1"}))
    refer_deadline = JalaliDateField(label="مهلت (خالی: پیش‌فرض فوریت)", past_ok=False)

    def __init__(self, *args, secretariats=(), series=(), positions=(), absences=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The sender suggested from the address books and the exchange directory (registered at start).
        self.sender_names = address_book.names(user)
        if self.sender_names:
            self.fields["sender_name"].widget.attrs.update({"list": "sender-names", "autocomplete": "off",
                                                            "data-picker": "names"})
        self.fields["secretariat"].choices = [(s.id, s.name) for s in secretariats]
        self.fields["series"].choices = [("", "— خودکار، بر پایه نوع نامه —")] + [
            (s.id, f"{s.name} ({s.secretariat.name})") for s in series
        ]
        widget = PositionSelect(absences=absences, attrs={"class": "form-select", "data-absence-note": "1",
                                                          "data-picker": "position"})
        self.fields["refer_position"].widget = widget
        self.fields["refer_position"].choices = [("", "— بدون ارجاع —")] + [
            (p.id, position_label(p, absences)) for p in positions
        ]


INCOMING_ALIASES = {"to_position": "refer_position", "note": "refer_note", "deadline": "refer_deadline",
                    "action": "refer_action"}


# ---------------------------------------------------------------- referrals and actions


class ReferTargetForm(BootstrapMixin, forms.Form):
    position = forms.TypedChoiceField(label="به", required=False, coerce=int, empty_value=None)
    action = forms.ChoiceField(label="اقدام", choices=REFERRABLE_ACTIONS, initial=Action.ACTION)
    note = forms.CharField(label="هامش", required=False, max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 2, "data-ready-notes": "1"}))
    deadline = JalaliDateField(label="مهلت", past_ok=False)

    def __init__(self, *args, positions=(), absences=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["position"].widget = PositionSelect(
            absences=absences, attrs={"class": "form-select", "data-absence-note": "1", "data-picker": "position"}
        )
        self.fields["position"].choices = [("", "— انتخاب سمت —")] + [
            (p.id, position_label(p, absences)) for p in positions
        ]


class BaseReferFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        chosen = [f.cleaned_data.get("position") for f in self.forms if f.cleaned_data.get("position")]
        if not chosen:
            raise ValidationError("دست‌کم یک گیرنده ارجاع را انتخاب کنید.")
        if len(set(chosen)) != len(chosen):
            raise ValidationError("یک سمت دو بار در فهرست ارجاع آمده است.")


ReferFormSet = forms.formset_factory(ReferTargetForm, formset=BaseReferFormSet, extra=3, max_num=10)


class NoteForm(BootstrapMixin, forms.Form):
    note = forms.CharField(label="یادداشت", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class RequiredNoteForm(BootstrapMixin, forms.Form):
    note = forms.CharField(label="یادداشت", max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class VoidForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label="علت ابطال", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class DispatchForm(BootstrapMixin, forms.Form):
    channel = forms.ChoiceField(label="روش ارسال", choices=Channel.choices, initial=Channel.POST)

    def __init__(self, *args, letter=None, **kwargs):
        super().__init__(*args, **kwargs)
        # A letter to known correspondents starts on their channel (outlets' choosers, registered at start).
        advice = outlets.advise(letter) if letter is not None else None
        if advice:
            self.fields["channel"].initial = advice[0]
            self.fields["channel"].help_text = advice[1]


class FileForm(BootstrapMixin, forms.Form):
    folder = forms.TypedChoiceField(label="پرونده", coerce=int)

    def __init__(self, *args, folders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["folder"].choices = [(f.id, f"{f.code} — {f.title}") for f in folders]


class ReassignForm(BootstrapMixin, forms.Form):
    to_position = forms.TypedChoiceField(label="جایگزین با", coerce=int)

    def __init__(self, *args, positions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_position"].choices = [(p.id, position_label(p)) for p in positions]


class FolderForm(BootstrapMixin, forms.Form):
    code = forms.CharField(label="کد پرونده", max_length=32, widget=forms.TextInput(attrs={"dir": "ltr"}))
    title = forms.CharField(label="عنوان", max_length=200)


class FollowupFilterForm(BootstrapMixin, forms.Form):
    unit = forms.TypedChoiceField(label="واحد", required=False, coerce=int, empty_value=None)
    position = forms.TypedChoiceField(label="سمت", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, units=(), positions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = BLANK + [(u.id, u.name) for u in units]
        self.fields["position"].choices = BLANK + [(p.id, position_label(p)) for p in positions]


# ---- BULK part (issue 13) ----


class LetterIdsField(forms.Field):
    """The letters ticked on a list (checkboxes named alike): their ids, once each, in order."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"required": "هیچ نامه‌ای انتخاب نشده است؛ دست‌کم یک نامه را علامت بزنید."}

    def to_python(self, value):
        from .services.bulk import clean_ids

        if not value:
            return []
        try:
            return clean_ids(value if isinstance(value, list | tuple) else [value])
        except DomainError as exc:
            raise ValidationError(exc.message) from None


class BulkSelectionForm(forms.Form):
    """Which act, on which letters: the inbox's or the secretariat queue's bulk bar."""

    letters = LetterIdsField()
    act = forms.ChoiceField(error_messages={"required": "اقدام گروهی را برگزینید.",
                                            "invalid_choice": "این اقدام گروهی اینجا نیست."})

    def __init__(self, *args, acts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["act"].choices = [(a, a) for a in acts]


class PositionSelectMultiple(PositionSelect, forms.SelectMultiple):
    """Several positions, each option noting its holder's absence like PositionSelect's."""


class BulkReferForm(ReferTargetForm):
    """The same action, margin note and deadline as one referral (ReferTargetForm's fields and checks),
    to one or more positions at once."""

    MAX_TARGETS = 10

    def __init__(self, *args, positions=(), absences=None, **kwargs):
        super().__init__(*args, positions=positions, absences=absences, **kwargs)
        single = self.fields.pop("position")
        choices = [c for c in single.choices if c[0] != ""]
        self.fields = {"positions": forms.TypedMultipleChoiceField(
            label="به سمت‌های", coerce=int, choices=choices,
            error_messages={"required": "دست‌کم یک گیرنده ارجاع را انتخاب کنید.",
                            "invalid_choice": "این سمت در دستگاه شما نیست یا غیرفعال است."},
            widget=PositionSelectMultiple(absences=absences, attrs={
                "class": "form-select", "size": 6, "data-picker": "position"}),
        ), **self.fields}

    def clean_positions(self):
        chosen = self.cleaned_data["positions"]
        if len(chosen) > self.MAX_TARGETS:
            raise ValidationError(f"در هر بار به بیش از {to_persian_digits(self.MAX_TARGETS)} سمت نمی‌توان ارجاع داد.")
        return chosen


class BulkDispatchForm(BootstrapMixin, forms.Form):
    channel = forms.ChoiceField(label="روش ارسال", required=False,
                                choices=[("", "— روش پیشنهادی هر نامه —"), *Channel.choices],
                                error_messages={"invalid_choice": "روش ارسال نامعتبر است."})


BULK_ALIASES = {"to_position": "positions", "position": "positions"}

# BULK-END


# ---- WRITING part (issue 13) ----
# The marks the writing part's scripts look for (set on the fields above): `data-picker="position"` on a
# select of positions and `data-picker="names"` on a name input with a <datalist> of the address book make
# a searchable picker (static/dabir/pickers.js, Tom Select); `data-ready-notes` on a margin-note textarea
# shows the ready notes as chips under it (templates/letters/partials/field.html → ready_notes.html).


class ReadyNoteForm(BootstrapMixin, forms.Form):
    text = forms.CharField(label="متن هامش", max_length=500, widget=forms.TextInput(attrs={"autocomplete": "off"}),
                           error_messages={"required": "متن هامش را بنویسید.",
                                           "max_length": "متن هامش بیش از ۵۰۰ نویسه است."})
    action = forms.ChoiceField(label="نوع ارجاع همراه (اختیاری)", required=False,
                               choices=[("", "— دست نمی‌زند —")] + REFERRABLE_ACTIONS,
                               error_messages={"invalid_choice": "نوع ارجاع نامعتبر است."})


class TemplateChoiceForm(forms.Form):
    """«شروع از الگو» on the compose page: one of the seat's agency's active templates."""

    template = forms.TypedChoiceField(label="شروع از الگو", coerce=int, empty_value=None,
                                      error_messages={"invalid_choice": "این الگو در دستگاه شما نیست.",
                                                      "required": "الگویی برگزینید."})

    def __init__(self, *args, templates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [("", "— انتخاب الگو —")] + [(t.id, t.title) for t in templates]
        self.fields["template"].widget.attrs.update({"class": "form-select form-select-sm"})


# WRITING-END


# ---- DASHBOARD part (issue 13) ----
# DASHBOARD-END


# ---- SUGGEST part (issue 13) ----


class SuggestForm(forms.Form):
    """What the register page sends while the clerk types: the secretariat, the sender and the subject."""

    secretariat = forms.IntegerField(required=False, min_value=1,
                                     error_messages={"invalid": "دبیرخانه نامعتبر است.",
                                                     "min_value": "دبیرخانه نامعتبر است."})
    sender_name = forms.CharField(required=False, max_length=300,
                                  error_messages={"max_length": "نام فرستنده بیش از ۳۰۰ نویسه است."})
    subject = forms.CharField(required=False, max_length=500,
                              error_messages={"max_length": "موضوع بیش از ۵۰۰ نویسه است."})


# SUGGEST-END


# ---- EVENTS part (issue 13) ----
# EVENTS-END


# ---- VIEWER part (issue 13) ----
# VIEWER-END
