"""The number series form of the admin: the pattern set up from named pieces, letter kinds as
checkboxes; the raw template is built from them (orgs.numbering) and never typed."""

from django import forms

from dabir.core.errors import DomainError
from dabir.core.text import to_latin_digits

from . import numbering
from .models import Agency, NumberSeries

SLOTS = 5
_PIECE_CHOICES = [("", "—")] + list(numbering.PIECES.items())
_SEP_CHOICES = list(numbering.SEPARATORS.items())

PATTERN_FIELDS = tuple(
    name for i in range(1, SLOTS + 1) for name in ([f"piece_{i}"] + ([f"sep_{i}"] if i < SLOTS else []))
)


def _piece(number: str):
    return forms.ChoiceField(label=f"بخش {number}", choices=_PIECE_CHOICES, required=False)


def _sep():
    return forms.ChoiceField(label="جداکننده", choices=_SEP_CHOICES, required=False, initial="/")


class NumberSeriesForm(forms.ModelForm):
    # SLOTS pieces, a separator between each two.
    piece_1, sep_1, piece_2, sep_2, piece_3 = _piece("۱"), _sep(), _piece("۲"), _sep(), _piece("۳")
    sep_3, piece_4, sep_4, piece_5 = _sep(), _piece("۴"), _sep(), _piece("۵")
    text = forms.CharField(
        label="متن ثابت", required=False, max_length=20,
        help_text="اگر بخشی «متن ثابت» است، همین متن در شماره می‌آید (مثلاً ص یا ش.م).",
    )
    padding = forms.IntegerField(
        label="تعداد رقم ردیف", min_value=0, max_value=numbering.MAX_PADDING, initial=0, required=False,
        help_text="ردیف با صفرهای پیش از آن به این تعداد رقم می‌رسد؛ ۰ یعنی بدون صفر.",
    )
    kinds = forms.MultipleChoiceField(
        label="انواع نامه", choices=numbering.LETTER_KINDS, widget=forms.CheckboxSelectMultiple, required=False,
        help_text="هیچ‌کدام یعنی همه انواع.",
    )

    class Meta:
        model = NumberSeries
        fields = ["secretariat", "name", "code", "kinds", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        pattern = numbering.split(self.instance.template or "{year}/{code}/{seq}")
        if pattern is None:  # a template written by hand that the pieces cannot say: start from the default
            pattern = numbering.split("{year}/{code}/{seq}")
            self.fields["piece_1"].help_text = (
                f"الگوی کنونی «{self.instance.template}» با این بخش‌ها بیان نمی‌شود؛ با ذخیره جایگزین می‌شود."
            )
        for i, piece in enumerate(pattern.pieces[:SLOTS], start=1):
            self.initial.setdefault(f"piece_{i}", piece)
        for i, sep in enumerate(pattern.separators[: SLOTS - 1], start=1):
            self.initial.setdefault(f"sep_{i}", sep)
        self.initial.setdefault("text", pattern.text)
        self.initial.setdefault("padding", pattern.padding)

    def pattern(self) -> numbering.Pattern:
        return pattern_from(self.cleaned_data)

    def clean(self):
        data = super().clean()
        pattern = self.pattern()
        if "text" in pattern.pieces and not pattern.text:
            self.add_error("text", "متن ثابت را بنویسید یا بخش «متن ثابت» را بردارید.")
            return data
        if pattern.pieces.count("seq") > 1:
            self.add_error("piece_1", "«ردیف» فقط یک بار در شماره می‌آید.")
            return data
        try:
            numbering.check(pattern.template())
        except DomainError as exc:
            self.add_error("piece_1", exc.message)
            return data
        self.instance.template = pattern.template()
        return data


def pattern_from(data) -> numbering.Pattern:
    """The pieces as chosen, from cleaned or raw form data (the live preview sends raw): empty slots
    dropped, each kept piece with the separator before it, unknown values ignored."""
    pieces, separators = [], []
    for i in range(1, SLOTS + 1):
        piece = data.get(f"piece_{i}") or ""
        if piece not in numbering.PIECES:
            continue
        if pieces:
            sep = data.get(f"sep_{i - 1}") or ""
            separators.append(sep if sep in numbering.SEPARATORS else "")
        pieces.append(piece)
    try:
        padding = min(max(int(to_latin_digits(str(data.get("padding") or 0))), 0), numbering.MAX_PADDING)
    except (TypeError, ValueError):
        padding = 0
    return numbering.Pattern(pieces, separators, str(data.get("text") or "").strip()[:20], padding)


# Urgencies whose default referral deadline an agency may set (the codes of letters.Urgency).
URGENCIES = [("normal", "عادی"), ("urgent", "فوری"), ("immediate", "آنی")]


def _deadline_field(label: str):
    return forms.IntegerField(
        label=f"مهلت پیش‌فرض «{label}» (روز کاری)", min_value=1, max_value=365, required=False,
        help_text="خالی یعنی پیش‌فرض سامانه.",
    )


class AgencyForm(forms.ModelForm):
    """An agency's settings; the default deadline per urgency as numbers instead of a JSON field."""

    deadline_normal = _deadline_field("عادی")
    deadline_urgent = _deadline_field("فوری")
    deadline_immediate = _deadline_field("آنی")

    class Meta:
        model = Agency
        fields = ["name", "code", "province", "address", "phone", "admins"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, _label in URGENCIES:
            self.initial.setdefault(f"deadline_{code}", (self.instance.deadline_days or {}).get(code))

    def clean(self):
        data = super().clean()
        self.instance.deadline_days = {
            code: data[f"deadline_{code}"] for code, _label in URGENCIES if data.get(f"deadline_{code}")
        }
        return data
