"""Forms of the evaluation pages. They only collect what was typed (Persian digits, Jalali dates as text);
services/evaluation.py checks it and its refusals are put back on their fields (`apply`)."""

from django import forms

from dabir.core.errors import DomainError
from dabir.core.jalali import format_date

from . import figures as F
from . import periods
from .models import Question
from .services.evaluation import CHECKABLE_UNITS


class ServiceForm(forms.Form):
    def apply(self, exc: DomainError) -> None:
        """A service's refusal, on the field it names (else above the form)."""
        self.add_error(exc.field if exc.field in self.fields else None, exc.message)

    def saved_through(self, call, **kwargs) -> bool:
        """Check the form, then call the service with its values: True once saved; a refusal of the input
        (400) lands on the form and gives False, any other refusal (403, 409) goes on up."""
        if not self.is_valid():
            return False
        try:
            call(**kwargs, **self.cleaned_data)
        except DomainError as exc:
            if exc.status != 400:
                raise
            self.apply(exc)
            return False
        return True


def _text(label, limit, required=True, textarea=False):
    return forms.CharField(label=label, max_length=limit, required=required, strip=True,
                           widget=forms.Textarea(attrs={"rows": 3}) if textarea else forms.TextInput,
                           error_messages={"required": f"{label} را وارد کنید.",
                                           "max_length": f"{label} بیش از اندازه بلند است."})


class QuestionnaireForm(ServiceForm):
    title = _text("عنوان", 300)
    intro = _text("توضیح برای دستگاه‌ها", 4000, required=False, textarea=True)
    period = forms.ChoiceField(label="دوره سنجش (پاسخ‌ها با شاخص‌های این دوره سنجیده می‌شود)",
                               error_messages={"required": "دوره سنجش را برگزینید.",
                                               "invalid_choice": "دوره سنجش را از فهرست برگزینید."})
    answer_due = _text("مهلت پاسخ (مثلاً ۱۴۰۵/۰۳/۳۱)", 20, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(p.key, p.label) for p in periods.choices()]
        current = self.initial.get("period")
        if current and current not in {k for k, _ in choices}:
            choices.insert(0, (current, periods.parse(current).label))
        self.fields["period"].choices = choices

    @classmethod
    def of(cls, questionnaire, data=None):
        return cls(data, initial={
            "title": questionnaire.title, "intro": questionnaire.intro, "period": questionnaire.period,
            "answer_due": format_date(questionnaire.answer_due) if questionnaire.answer_due else ""})


FIGURE_CHOICES = [("", "— بدون سنجش با شاخص‌های دبیر —")] + [
    (f.key, f"{f.label} ({'درصد' if f.unit == 'percent' else 'عدد'})") for f in F.FIGURES if f.unit in CHECKABLE_UNITS]


class QuestionForm(ServiceForm):
    text = _text("متن پرسش", 500)
    kind = forms.ChoiceField(label="نوع پاسخ", choices=Question.Kind.choices,
                             error_messages={"invalid_choice": "نوع پاسخ را از فهرست برگزینید."})
    weight = _text("وزن (۰ یعنی بی‌امتیاز)", 6)
    figure = forms.ChoiceField(label="سنجش با شاخص دبیر", choices=FIGURE_CHOICES, required=False,
                               error_messages={"invalid_choice": "شاخص سنجش را از فهرست برگزینید."})
    tolerance = _text("رواداری (به یکای شاخص)", 12, required=False)

    @classmethod
    def of(cls, question, data=None, prefix=None):
        from dabir.core.text import to_persian_digits

        return cls(data, prefix=prefix, initial={
            "text": question.text, "kind": question.kind, "weight": to_persian_digits(question.weight),
            "figure": question.figure, "tolerance": to_persian_digits(question.tolerance.normalize())})


class SendForm(ServiceForm):
    agencies = forms.MultipleChoiceField(label="دستگاه‌ها", widget=forms.CheckboxSelectMultiple,
                                         error_messages={"required": "دست‌کم یک دستگاه را برگزینید.",
                                                         "invalid_choice": "دستگاه‌ها را از فهرست برگزینید."})

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agencies"].choices = [(str(a.pk), a.name) for a in agencies]


class AnswerForm(ServiceForm):
    """One field per question (q<id>); the kind decides the widget, the service decides what is right."""

    def __init__(self, *args, questions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for q in self.questions:
            name = f"q{q.pk}"
            # Radios over plain text fields: whatever arrives goes to the service, which checks every
            # answer at once and words each refusal for its question.
            if q.kind == Question.Kind.YES_NO:
                field = forms.CharField(max_length=40, required=False,
                                        widget=forms.RadioSelect(choices=[("yes", "بله"), ("no", "خیر")]))
            elif q.kind == Question.Kind.SCALE:
                field = forms.CharField(max_length=40, required=False,
                                        widget=forms.RadioSelect(choices=[(str(n), str(n)) for n in range(1, 6)]))
            elif q.kind == Question.Kind.TEXT:
                field = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
            else:
                field = forms.CharField(max_length=40, required=False)
            field.label = q.text
            field.error_messages["max_length"] = "پاسخ بیش از اندازه بلند است."
            self.fields[name] = field

    def values(self) -> dict:
        return {q.pk: self.cleaned_data.get(f"q{q.pk}", "") for q in self.questions}

    def rows(self):
        return [(q, self[f"q{q.pk}"]) for q in self.questions]

    def apply_all(self, errors: dict) -> None:
        for pk, message in errors.items():
            self.add_error(f"q{pk}", message)


class VisitForm(ServiceForm):
    visited_on = _text("تاریخ بازدید (مثلاً ۱۴۰۵/۰۲/۱۰)", 20)
    score = _text("امتیاز بازدید (۰ تا ۱۰۰)", 6)
    findings = _text("یافته‌ها", 4000, textarea=True)


class ActionForm(ServiceForm):
    text = _text("اقدام اصلاحی", 500)
    due = _text("مهلت (اختیاری)", 20, required=False)


class DoneForm(ServiceForm):
    note = _text("آنچه انجام شد", 2000, required=False, textarea=True)
