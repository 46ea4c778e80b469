"""Evaluation of secretariats (ارزیابی دبیرخانه‌ها): every write, one function per use case.

A supervisor builds a questionnaire (its questions while it is a draft), sends it to agencies in their
scope — each agency gets an Evaluation and the questionnaire AS A LETTER, registered in its secretariat
and referred to its head — the agency answers (each answer the system can check is compared with
Dabir's own figure for the questionnaire's period), an inspector records field visits, a supervisor
scores and sets actions, and the agency's actions are checked at the next evaluation.

The score (docs/supervision.md gives the same in words):
    questionnaire part Q = Σ wᵢ·sᵢ / Σ wᵢ over the scored questions (weight > 0, kinds yes_no, percent, scale):
        yes_no  100 for yes, 0 for no
        percent the answer; the measured figure instead when a discrepancy was flagged (Dabir's figure wins)
        scale   (v − 1) / 4 × 100
    visit part V = the mean of the field visits' scores
    score = 0.7·Q + 0.3·V with a visit, Q alone without; V alone when no question is scored.
"""

import html
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.urls import reverse
from django.utils import timezone

from dabir.core import audit
from dabir.core.errors import Conflict, DomainError, NotAllowed
from dabir.core.jalali import format_date, parse_date, today
from dabir.core.text import to_latin_digits, to_persian_digits, typed_number
from dabir.core.validators import clean_text
from dabir.letters import services as letters
from dabir.letters.models import Action
from dabir.letters.models import Channel as LetterChannel
from dabir.orgs.models import Agency, Assignment, Position, Secretariat
from dabir.orgs.services import system_clerk

from .. import figures as F
from .. import periods, policy, selectors
from ..models import ActionItem, Answer, Evaluation, FieldVisit, Question, Questionnaire
from ..names import AuditAction

Kind = Question.Kind
QUESTIONNAIRE_WEIGHT = Decimal("0.7")
VISIT_WEIGHT = Decimal("0.3")
# Figures an answer can be checked against, and the kind of answer each unit asks for.
CHECKABLE_UNITS = {"percent": Kind.PERCENT, "ratio": Kind.NUMBER, "count": Kind.NUMBER}
YES = {"yes", "بله", "آری", "1", "true"}
NO = {"no", "خیر", "نه", "0", "false"}
MAX_NUMBER = Decimal("9999999999")


class AnswerErrors(DomainError):
    """Several answers refused at once: `errors` maps each question's id to its Persian message."""

    def __init__(self, errors: dict[int, str]):
        count = to_persian_digits(len(errors))
        super().__init__(f"{count} پاسخ نادرست یا ناقص است؛ پیام هر پرسش را ببینید.", field="answers")
        self.errors = errors


# ---------------------------------------------------------------- checks shared by the use cases


def _decimal(value, *, field: str, label: str, low=None, high=None, places: int = 2) -> Decimal:
    """A number typed in any digits (۸۵٫۵, 85.5), within [low, high], at most `places` decimals."""
    text = typed_number(value)
    if not text:
        raise DomainError(f"{label} را وارد کنید.", field=field)
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or not text.replace(".", "", 1).lstrip("-").isdigit():
        raise DomainError(f"{label} باید عدد باشد.", field=field)
    if low is not None and number < low or high is not None and number > high:
        raise DomainError(f"{label} باید میان {to_persian_digits(low)} و {to_persian_digits(high)} باشد.", field=field)
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise DomainError(f"{label} حداکثر {to_persian_digits(places)} رقم اعشار دارد.", field=field)
    return number


def _int(value, *, field: str, label: str, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise DomainError(f"{label} باید عدد صحیح باشد.", field=field)
    if isinstance(value, int):
        number = value
    else:
        text = typed_number(value)
        if not text:
            raise DomainError(f"{label} را وارد کنید.", field=field)
        if not (text.isascii() and text.lstrip("-").isdigit()):
            raise DomainError(f"{label} باید عدد صحیح باشد.", field=field)
        number = int(text)
    if not low <= number <= high:
        raise DomainError(f"{label} باید میان {to_persian_digits(low)} و {to_persian_digits(high)} باشد.", field=field)
    return number


def _date(value, *, field: str, label: str, required: bool, not_past=False, not_future=False):
    if value in (None, ""):
        if required:
            raise DomainError(f"{label} را وارد کنید.", field=field)
        return None
    day = value if hasattr(value, "year") else parse_date(str(value), field=field)
    if not_past and day < today():
        raise DomainError(f"{label} نمی‌تواند در گذشته باشد.", field=field)
    if not_future and day > today():
        raise DomainError(f"{label} نمی‌تواند در آینده باشد.", field=field)
    return day


def _plain(value) -> str:
    """A Decimal written without trailing zeros (85.50 → 85.5, 90.00 → 90)."""
    text = format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)
    return text


def _locked_questionnaire(questionnaire: Questionnaire) -> Questionnaire:
    questionnaire.refresh_from_db(from_queryset=Questionnaire.objects.select_for_update())
    return questionnaire


def _draft(user, questionnaire: Questionnaire) -> Questionnaire:
    policy.check_questionnaire(user, questionnaire)
    questionnaire = _locked_questionnaire(questionnaire)
    if questionnaire.state != Questionnaire.State.DRAFT:
        raise Conflict("پرسش‌نامه ارسال شده است؛ پرسش‌های آن دیگر تغییر نمی‌کند.")
    return questionnaire


def _locked_evaluation(evaluation: Evaluation) -> Evaluation:
    evaluation.refresh_from_db(from_queryset=Evaluation.objects.select_for_update(of=("self",))
                               .select_related("questionnaire", "agency"))
    return evaluation


# ---------------------------------------------------------------- the questionnaire and its questions


def _questionnaire_fields(title, intro, period, answer_due) -> dict:
    title = clean_text(title, "title", "عنوان", 300)
    intro = clean_text(intro, "intro", "توضیح", 4000, required=False)
    if not str(period or "").strip():  # periods.parse would take this month: the period is asked for
        raise DomainError("دوره سنجش را وارد کنید (مثلاً ۱۴۰۵-Q2 یا ۱۴۰۵).", field="period")
    return {
        "title": title, "intro": intro, "period": periods.parse(period).key,
        "answer_due": _date(answer_due, field="answer_due", label="مهلت پاسخ", required=False, not_past=True),
    }


@transaction.atomic
def create_questionnaire(*, user, title, intro="", period, answer_due=None) -> Questionnaire:
    """A supervisor's draft questionnaire, owned by their supervising office at their level."""
    policy.check_supervisor(user)
    owner = policy.questionnaire_owner(user)
    if owner is None or owner[0] is None:
        raise NotAllowed("حساب شما به دفتر نظارتی وصل نیست؛ پرسش‌نامه از دفتر نظارت ساخته می‌شود.")
    office, province = owner
    questionnaire = Questionnaire.objects.create(
        office=office, province=province, created_by=user,
        **_questionnaire_fields(title, intro, period, answer_due))
    audit.record(action=AuditAction.QUESTIONNAIRE_CREATE, obj=questionnaire, actor=user,
                 data={"title": questionnaire.title, "period": questionnaire.period})
    return questionnaire


@transaction.atomic
def update_questionnaire(*, user, questionnaire: Questionnaire, title, intro="", period, answer_due=None):
    questionnaire = _draft(user, questionnaire)
    for name, value in _questionnaire_fields(title, intro, period, answer_due).items():
        setattr(questionnaire, name, value)
    questionnaire.save(update_fields=["title", "intro", "period", "answer_due"])
    audit.record(action=AuditAction.QUESTIONNAIRE_EDIT, obj=questionnaire, actor=user,
                 data={"op": "details", "title": questionnaire.title, "period": questionnaire.period})
    return questionnaire


def _question_fields(text, kind, weight, figure, tolerance) -> dict:
    text = clean_text(text, "text", "متن پرسش", 500)
    if kind not in Kind.values:
        raise DomainError("نوع پاسخ را از فهرست برگزینید.", field="kind")
    weight = _int(weight, field="weight", label="وزن", low=0, high=100)
    figure = (figure or "").strip()
    if figure:
        fig = F.BY_KEY.get(figure)
        if fig is None or fig.unit not in CHECKABLE_UNITS:
            raise DomainError("شاخص سنجش را از فهرست برگزینید.", field="figure")
        if CHECKABLE_UNITS[fig.unit] != kind:
            need = Kind(CHECKABLE_UNITS[fig.unit]).label
            raise DomainError(f"پاسخ پرسشی که با «{fig.label}» سنجیده می‌شود باید از نوع «{need}» باشد.",
                              field="kind")
        tolerance = _decimal(tolerance, field="tolerance", label="رواداری", low=0, high=9999)
    else:
        tolerance = Decimal(10) if tolerance in (None, "") else _decimal(
            tolerance, field="tolerance", label="رواداری", low=0, high=9999)
    return {"text": text, "kind": kind, "weight": weight, "figure": figure, "tolerance": tolerance}


@transaction.atomic
def add_question(*, user, questionnaire: Questionnaire, text, kind, weight=1, figure="", tolerance=10) -> Question:
    questionnaire = _draft(user, questionnaire)
    fields = _question_fields(text, kind, weight, figure, tolerance)
    last = questionnaire.questions.aggregate(m=Max("order"))["m"] or 0
    question = Question.objects.create(questionnaire=questionnaire, order=last + 1, **fields)
    audit.record(action=AuditAction.QUESTIONNAIRE_EDIT, obj=questionnaire, actor=user,
                 data={"op": "add", "question": question.pk, "kind": kind, "figure": question.figure})
    return question


@transaction.atomic
def update_question(*, user, question: Question, text, kind, weight, figure="", tolerance=10) -> Question:
    _draft(user, question.questionnaire)
    for name, value in _question_fields(text, kind, weight, figure, tolerance).items():
        setattr(question, name, value)
    question.save()
    audit.record(action=AuditAction.QUESTIONNAIRE_EDIT, obj=question.questionnaire, actor=user,
                 data={"op": "edit", "question": question.pk, "kind": question.kind, "figure": question.figure})
    return question


@transaction.atomic
def remove_question(*, user, question: Question) -> None:
    questionnaire = _draft(user, question.questionnaire)
    pk = question.pk
    question.delete()
    audit.record(action=AuditAction.QUESTIONNAIRE_EDIT, obj=questionnaire, actor=user,
                 data={"op": "remove", "question": pk})


@transaction.atomic
def move_question(*, user, question: Question, direction: str) -> None:
    """One place up or down; the questions' orders are renumbered 1..n on the way."""
    questionnaire = _draft(user, question.questionnaire)
    if direction not in ("up", "down"):
        raise DomainError("جهت جابه‌جایی نامعتبر است.", field="direction")
    rows = list(questionnaire.questions.order_by("order", "id"))
    at = next(i for i, q in enumerate(rows) if q.pk == question.pk)
    to = at - 1 if direction == "up" else at + 1
    if 0 <= to < len(rows):
        rows[at], rows[to] = rows[to], rows[at]
    for n, q in enumerate(rows, start=1):
        q.order = n
    Question.objects.bulk_update(rows, ["order"])
    audit.record(action=AuditAction.QUESTIONNAIRE_EDIT, obj=questionnaire, actor=user,
                 data={"op": "move", "question": question.pk, "order": [q.pk for q in rows]})


@transaction.atomic
def close_questionnaire(*, user, questionnaire: Questionnaire) -> Questionnaire:
    """No more answers; scoring, visits and actions go on."""
    policy.check_questionnaire(user, questionnaire)
    questionnaire = _locked_questionnaire(questionnaire)
    if questionnaire.state != Questionnaire.State.SENT:
        raise Conflict("فقط پرسش‌نامه ارسال‌شده بسته می‌شود.")
    questionnaire.state = Questionnaire.State.CLOSED
    questionnaire.save(update_fields=["state"])
    audit.record(action=AuditAction.QUESTIONNAIRE_CLOSE, obj=questionnaire, actor=user, data={})
    return questionnaire


# ---------------------------------------------------------------- sending, as a letter to each agency


def incoming_secretariat(agency: Agency) -> Secretariat | None:
    """The agency's secretariat that numbers incoming letters (its first, when several do)."""
    for secretariat in Secretariat.objects.filter(agency=agency).prefetch_related("series").order_by("id"):
        if any(s.active and (not s.kinds or "incoming" in s.kinds) for s in secretariat.series.all()):
            return secretariat
    return None


def head_position(agency: Agency) -> Position | None:
    """The agency's head: a manager's position in its top unit, else any manager's; a held one first."""
    held = Assignment.objects.current().filter(position=OuterRef("pk"), role=Assignment.Role.HOLDER)
    rows = list(Position.objects.filter(unit__agency=agency, is_manager=True, active=True)
                .select_related("unit").annotate(held=Exists(held)))
    rows.sort(key=lambda p: (not p.held, p.unit.parent_id is not None, p.pk))
    return rows[0] if rows else None


def evaluation_account(agency: Agency, secretariat: Secretariat):
    """The system account that registers questionnaires in the agency's secretariat (as the desk's account
    registers citizens' requests); (user, whether it became a clerk now: the send's audit entry says so)."""
    return system_clerk(secretariat=secretariat, username=f"eval.{agency.code}", first_name="ارزیابی دبیرخانه",
                        last_name=agency.name)


def _letter_body(questionnaire: Questionnaire, evaluation: Evaluation, questions) -> str:
    esc = html.escape
    link = reverse("stats:evaluation_answer", args=[evaluation.pk])
    parts = [f"<p>دستگاه محترم {esc(evaluation.agency.name)}،</p>",
             f"<p>پرسش‌نامه «{esc(questionnaire.title)}» برای ارزیابی دبیرخانه آن دستگاه در دوره "
             f"{esc(periods.parse(questionnaire.period).label)} فرستاده می‌شود.</p>"]
    if questionnaire.intro:
        parts.append(f"<p>{esc(questionnaire.intro)}</p>")
    parts.append("<ol>")
    for q in questions:
        parts.append(f"<li>{esc(q.text)} ({esc(q.get_kind_display())})</li>")
    parts.append("</ol>")
    if questionnaire.answer_due:
        parts.append(f"<p>مهلت پاسخ: {esc(format_date(questionnaire.answer_due))}</p>")
    parts.append(f'<p>پاسخ‌ها را در دبیر ثبت کنید: <a href="{esc(link)}">پاسخ به پرسش‌نامه ارزیابی</a></p>')
    parts.append(f"<p>{esc(questionnaire.office.name)}</p>")
    return "".join(parts)


def _send_one(questionnaire: Questionnaire, agency: Agency, secretariat: Secretariat, questions,
              accounts: list) -> Evaluation:
    evaluation = Evaluation.objects.create(questionnaire=questionnaire, agency=agency)
    account, added = evaluation_account(agency, secretariat)
    if added:
        accounts.append({"user": account.pk, "secretariat": secretariat.pk})
    head = head_position(agency)
    note = "پاسخ به پرسش‌نامه ارزیابی دبیرخانه"
    if questionnaire.answer_due:
        note += f" تا {format_date(questionnaire.answer_due)}"
    evaluation.letter = letters.register_incoming(
        user=account, secretariat=secretariat,
        subject=f"پرسش‌نامه ارزیابی دبیرخانه: {questionnaire.title}"[:500],
        sender_name=questionnaire.office.name[:300], sender_number=f"EVAL-{questionnaire.pk}",
        channel=LetterChannel.SYSTEM, body=_letter_body(questionnaire, evaluation, questions),
        keywords=f"ارزیابی دبیرخانه {questionnaire.title}"[:500],
        refer_to=[letters.ReferralSpec(head.pk, Action.ACTION, note=note, deadline=questionnaire.answer_due)]
        if head else [],
    )
    evaluation.save(update_fields=["letter"])
    return evaluation


@transaction.atomic
def send(*, user, questionnaire: Questionnaire, agency_ids) -> list[Evaluation]:
    """An Evaluation per agency and the questionnaire as an incoming letter in each agency's secretariat,
    referred to its head. Only agencies in the sender's scope; all of them refused if one cannot be sent to."""
    policy.check_questionnaire(user, questionnaire)
    questionnaire = _locked_questionnaire(questionnaire)
    if questionnaire.state == Questionnaire.State.CLOSED:
        raise Conflict("پرسش‌نامه بسته شده است و دیگر فرستاده نمی‌شود.")
    questions = list(questionnaire.questions.order_by("order", "id"))
    if not questions:
        raise DomainError("پرسش‌نامه هنوز پرسشی ندارد.", field="questions")
    try:
        ids = sorted({int(to_latin_digits(str(a))) for a in agency_ids or ()})
    except ValueError:
        raise DomainError("دستگاه‌ها را از فهرست برگزینید.", field="agencies") from None
    if not ids:
        raise DomainError("دست‌کم یک دستگاه را برگزینید.", field="agencies")
    agencies = list(policy.visible_agencies(user).filter(id__in=ids).order_by("name"))
    if len(agencies) != len(ids):
        raise NotAllowed("دستگاهی بیرون از حوزه نظارت شما برگزیده شده است.", field="agencies")
    if questionnaire.answer_due and questionnaire.answer_due < today():
        raise DomainError("مهلت پاسخ گذشته است؛ پیش از ارسال، مهلت را به‌روز کنید.", field="answer_due")
    sent = set(questionnaire.evaluations.filter(agency_id__in=ids).values_list("agency__name", flat=True))
    if sent:
        raise DomainError(f"پرسش‌نامه پیش‌تر به {'، '.join(sorted(sent))} فرستاده شده است.", field="agencies")
    secretariats = {a.pk: incoming_secretariat(a) for a in agencies}
    missing = [a.name for a in agencies if secretariats[a.pk] is None]
    if missing:
        raise DomainError(f"این دستگاه‌ها دبیرخانه‌ای برای ثبت نامه وارده ندارند: {'، '.join(missing)}.",
                          field="agencies")
    accounts: list = []
    evaluations = [_send_one(questionnaire, a, secretariats[a.pk], questions, accounts) for a in agencies]
    if questionnaire.state == Questionnaire.State.DRAFT:
        questionnaire.state, questionnaire.sent_at = Questionnaire.State.SENT, timezone.now()
        questionnaire.save(update_fields=["state", "sent_at"])
    audit.record(action=AuditAction.QUESTIONNAIRE_SEND, obj=questionnaire, actor=user, data={
        "agencies": [a.pk for a in agencies], "letters": {e.agency_id: e.letter.number for e in evaluations},
        "accounts": accounts})
    return evaluations


# ---------------------------------------------------------------- the agency's answers


def clean_answer(question: Question, raw) -> str:
    """The answer as stored (Latin digits, yes/no), or DomainError with a Persian message for the question."""
    field = f"q{question.pk}"
    text = (raw if isinstance(raw, str) else "" if raw is None else str(raw)).strip()
    if question.kind == Kind.TEXT:
        return clean_text(text, field, "پاسخ", 2000, required=False)
    if not text:
        raise DomainError("به این پرسش پاسخ دهید.", field=field)
    if question.kind == Kind.YES_NO:
        word = text.lower()
        if word in YES:
            return "yes"
        if word in NO:
            return "no"
        raise DomainError("«بله» یا «خیر» را برگزینید.", field=field)
    if question.kind == Kind.SCALE:
        return str(_int(text, field=field, label="امتیاز", low=1, high=5))
    value = text.rstrip("%٪").strip() if question.kind == Kind.PERCENT else text
    if question.kind == Kind.PERCENT:
        return _plain(_decimal(value, field=field, label="درصد", low=0, high=100))
    return _plain(_decimal(value, field=field, label="عدد", low=0, high=MAX_NUMBER))


def _measure(question: Question, answer: str, figures: dict) -> tuple[Decimal | None, bool]:
    value = figures.get(question.figure) if question.figure else None
    if value is None or isinstance(value, bool):
        return None, False
    measured = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return measured, abs(Decimal(answer) - measured) > question.tolerance


@transaction.atomic
def answer(*, user, evaluation: Evaluation, values: dict) -> Evaluation:
    """The agency's answers, all or nothing: each checked by its kind; a checkable one compared with Dabir's
    figure over the questionnaire's period. Answering again replaces the answers, until it is scored."""
    policy.check_answerer(user, evaluation)
    evaluation = _locked_evaluation(evaluation)
    if evaluation.questionnaire.state == Questionnaire.State.CLOSED:
        raise Conflict("پرسش‌نامه بسته شده است و پاسخ تازه نمی‌پذیرد.")
    if evaluation.state == Evaluation.State.SCORED:
        raise Conflict("این ارزیابی امتیازدهی شده است؛ پاسخ‌ها دیگر تغییر نمی‌کند.")
    questions = list(evaluation.questionnaire.questions.order_by("order", "id"))
    given = {}
    for key, raw in (values or {}).items():
        try:
            given[int(key)] = raw
        except (TypeError, ValueError):
            raise DomainError("پاسخ به پرسشی ناشناخته رسید.", field="answers") from None
    if set(given) - {q.pk for q in questions}:
        raise DomainError("پاسخ به پرسشی رسید که در این پرسش‌نامه نیست.", field="answers")
    cleaned, errors = {}, {}
    for q in questions:
        try:
            cleaned[q.pk] = clean_answer(q, given.get(q.pk))
        except DomainError as exc:
            errors[q.pk] = exc.message
    if errors:
        raise AnswerErrors(errors)
    figures = {}
    if any(q.figure for q in questions):
        period = periods.parse(evaluation.questionnaire.period)
        figures = selectors.figures_for([evaluation.agency_id], period)[evaluation.agency_id]
    rows = []
    for q in questions:
        measured, flagged = _measure(q, cleaned[q.pk], figures) if cleaned[q.pk] else (None, False)
        rows.append(Answer(evaluation=evaluation, question=q, value=cleaned[q.pk], measured=measured,
                           discrepancy=flagged))
    evaluation.answers.all().delete()
    Answer.objects.bulk_create(rows)
    evaluation.state, evaluation.answered_at, evaluation.answered_by = (
        Evaluation.State.ANSWERED, timezone.now(), user)
    evaluation.save(update_fields=["state", "answered_at", "answered_by"])
    audit.record(action=AuditAction.EVALUATION_ANSWER, obj=evaluation, actor=user, data={
        "answers": len(rows), "discrepancies": [a.question_id for a in rows if a.discrepancy]})
    return evaluation


# ---------------------------------------------------------------- field visits and the score


@transaction.atomic
def record_visit(*, user, evaluation: Evaluation, visited_on, score, findings) -> FieldVisit:
    policy.check_inspector(user, evaluation)
    evaluation = _locked_evaluation(evaluation)
    visit = FieldVisit.objects.create(
        evaluation=evaluation, inspector=user,
        visited_on=_date(visited_on, field="visited_on", label="تاریخ بازدید", required=True, not_future=True),
        score=_int(score, field="score", label="امتیاز بازدید", low=0, high=100),
        findings=clean_text(findings, "findings", "یافته‌ها", 4000),
    )
    audit.record(action=AuditAction.EVALUATION_VISIT, obj=evaluation, actor=user,
                 data={"visit": visit.pk, "visited_on": visit.visited_on, "score": visit.score})
    return visit


def question_score(question: Question, answer: Answer | None) -> Decimal | None:
    """sᵢ of one question (0–100), or None when it is not scored."""
    if answer is None or not question.weight or not answer.value:
        return None
    if question.kind == Kind.YES_NO:
        return Decimal(100 if answer.value == "yes" else 0)
    if question.kind == Kind.PERCENT:
        if answer.discrepancy and answer.measured is not None:
            return min(Decimal(100), max(Decimal(0), answer.measured))
        return Decimal(answer.value)
    if question.kind == Kind.SCALE:
        return (Decimal(answer.value) - 1) / 4 * 100
    return None


def score_parts(evaluation: Evaluation) -> dict:
    """{"questionnaire": Q, "visits": V, "score": total} (each a Decimal or None), from the saved rows."""
    answers = {a.question_id: a for a in evaluation.answers.all()}
    num = den = Decimal(0)
    for q in evaluation.questionnaire.questions.all():
        s = question_score(q, answers.get(q.pk))
        if s is not None:
            num, den = num + q.weight * s, den + q.weight
    part_q = num / den if den else None
    visits = [v.score for v in evaluation.visits.all()]
    part_v = Decimal(sum(visits)) / len(visits) if visits else None
    if part_q is not None and part_v is not None:
        total = QUESTIONNAIRE_WEIGHT * part_q + VISIT_WEIGHT * part_v
    else:
        total = part_q if part_q is not None else part_v
    one = Decimal("0.1")

    def rounded(x):
        return None if x is None else x.quantize(one, rounding=ROUND_HALF_UP)

    return {"questionnaire": rounded(part_q), "visits": rounded(part_v), "score": rounded(total)}


@transaction.atomic
def score(*, user, evaluation: Evaluation) -> Evaluation:
    """The evaluation's score (see the module's docstring); scoring again after a new visit recomputes it."""
    policy.check_evaluation_supervisor(user, evaluation)
    evaluation = _locked_evaluation(evaluation)
    if evaluation.state == Evaluation.State.SENT:
        raise Conflict("دستگاه هنوز به پرسش‌نامه پاسخ نداده است.")
    parts = score_parts(evaluation)
    if parts["score"] is None:
        raise DomainError("نه پرسش امتیازداری پاسخ گرفته و نه بازدیدی ثبت شده است؛ امتیازی نمی‌توان داد.")
    evaluation.score, evaluation.scored_at, evaluation.state = parts["score"], timezone.now(), Evaluation.State.SCORED
    evaluation.save(update_fields=["score", "scored_at", "state"])
    audit.record(action=AuditAction.EVALUATION_SCORE, obj=evaluation, actor=user, data={
        k: None if v is None else str(v) for k, v in parts.items()})
    return evaluation


# ---------------------------------------------------------------- actions, tracked to the next evaluation


def _locked_action(action: ActionItem) -> ActionItem:
    action.refresh_from_db(from_queryset=ActionItem.objects.select_for_update(of=("self",))
                           .select_related("evaluation__questionnaire"))
    return action


@transaction.atomic
def add_action(*, user, evaluation: Evaluation, text, due=None) -> ActionItem:
    policy.check_evaluation_supervisor(user, evaluation)
    item = ActionItem.objects.create(
        evaluation=evaluation, text=clean_text(text, "text", "شرح اقدام", 500),
        due=_date(due, field="due", label="مهلت اقدام", required=False, not_past=True))
    audit.record(action=AuditAction.ACTION_CREATE, obj=item, actor=user,
                 data={"evaluation": evaluation.pk, "due": item.due})
    return item


@transaction.atomic
def mark_done(*, user, action: ActionItem, note="") -> ActionItem:
    """The agency says it has done the action (with what it did); a supervisor checks it later."""
    policy.check_answerer(user, action.evaluation)
    action = _locked_action(action)
    if action.state not in (ActionItem.State.OPEN, ActionItem.State.DONE):
        raise Conflict("این اقدام بررسی شده است و دیگر تغییر نمی‌کند.")
    action.state, action.note = ActionItem.State.DONE, clean_text(note, "note", "توضیح", 2000, required=False)
    action.updated_at = timezone.now()
    action.save(update_fields=["state", "note", "updated_at"])
    audit.record(action=AuditAction.ACTION_UPDATE, obj=action, actor=user, data={"state": action.state})
    return action


@transaction.atomic
def verify(*, user, action: ActionItem, verified: bool, in_evaluation: Evaluation | None = None) -> ActionItem:
    """A supervisor checks an action: verified or not done, in its own evaluation or in a later one of the
    same agency (ActionItem.checked_in)."""
    where = in_evaluation or action.evaluation
    policy.check_evaluation_supervisor(user, where)
    action = _locked_action(action)
    if in_evaluation is not None and in_evaluation.pk != action.evaluation_id:
        earlier = action.evaluation.questionnaire.sent_at
        later = Evaluation.objects.select_related("questionnaire").get(pk=in_evaluation.pk).questionnaire.sent_at
        if in_evaluation.agency_id != action.evaluation.agency_id or not (earlier and later and earlier < later):
            raise DomainError("اقدام فقط در ارزیابی بعدی همان دستگاه بررسی می‌شود.", field="in_evaluation")
    if action.state not in (ActionItem.State.OPEN, ActionItem.State.DONE):
        raise Conflict("این اقدام پیش‌تر بررسی شده است.")
    action.state = ActionItem.State.VERIFIED if verified else ActionItem.State.NOT_DONE
    action.checked_in, action.updated_at = where, timezone.now()
    action.save(update_fields=["state", "checked_in", "updated_at"])
    audit.record(action=AuditAction.ACTION_UPDATE, obj=action, actor=user,
                 data={"state": action.state, "checked_in": where.pk})
    return action
