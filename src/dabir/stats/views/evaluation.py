"""Evaluation of secretariats «ارزیابی دبیرخانه‌ها»: the supervisor's questionnaires (build, send, the
agencies' table with its exports) and evaluation pages (answers beside Dabir's figures, visits, score,
actions); the agency's list, answer form and actions. Thin: who may do what is stats/policy.py's, every
write a service of services/evaluation.py, whose Persian refusals land on the form's fields."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_POST

from dabir.core import tables
from dabir.core.errors import Conflict, DomainError, NotAllowed, NotFound
from dabir.core.text import to_persian_digits
from dabir.letters import policy as letters_policy

from .. import policy, selectors
from ..evaluation_forms import (
    ActionForm,
    AnswerForm,
    DoneForm,
    QuestionForm,
    QuestionnaireForm,
    SendForm,
    VisitForm,
)
from ..models import ActionItem, Evaluation, Question, Questionnaire
from ..services import evaluation as services


def _questionnaire(user, pk) -> Questionnaire:
    policy.check_supervisor(user)
    questionnaire = policy.visible_questionnaires(user).select_related("office").filter(pk=pk).first()
    if questionnaire is None:
        raise NotFound("پرسش‌نامه پیدا نشد.")
    return questionnaire


def _question(user, pk, question_pk) -> Question:
    questionnaire = _questionnaire(user, pk)
    question = questionnaire.questions.filter(pk=question_pk).first()
    if question is None:
        raise NotFound("پرسش پیدا نشد.")
    question.questionnaire = questionnaire
    return question


def _evaluation(user, pk) -> Evaluation:
    evaluation = (Evaluation.objects.select_related("questionnaire__office", "agency", "letter", "answered_by")
                  .filter(pk=pk).first())
    if evaluation is None:
        raise NotFound("ارزیابی پیدا نشد.")
    if not policy.can_see_evaluation(user, evaluation):
        raise NotAllowed(policy.NOT_EVALUATION)
    return evaluation


def _action(user, pk) -> ActionItem:
    action = ActionItem.objects.select_related("evaluation__questionnaire", "evaluation__agency").filter(pk=pk).first()
    if action is None or not policy.can_see_evaluation(user, action.evaluation):
        raise NotFound("اقدام پیدا نشد.")
    return action


# ---------------------------------------------------------------- the supervisor's questionnaires


@login_required
def questionnaire_list(request):
    policy.check_supervisor(request.user)
    rows = (policy.visible_questionnaires(request.user).select_related("office")
            .prefetch_related("questions", "evaluations"))
    return render(request, "stats/evaluation/questionnaires.html", {"questionnaires": rows})


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire_new(request):
    policy.check_supervisor(request.user)
    form = QuestionnaireForm(request.POST or None, initial={"period": _default_period()})
    if request.method == "POST" and form.is_valid():
        try:
            questionnaire = services.create_questionnaire(user=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.apply(exc)
        else:
            messages.success(request, "پرسش‌نامه ساخته شد؛ پرسش‌های آن را بیفزایید.")
            return redirect("stats:questionnaire_detail", pk=questionnaire.pk)
    return render(request, "stats/evaluation/questionnaire_form.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


def _default_period() -> str:
    from .. import periods

    return periods.current("quarter").previous().key


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire_edit(request, pk):
    questionnaire = _questionnaire(request.user, pk)
    form = QuestionnaireForm.of(questionnaire, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_questionnaire(user=request.user, questionnaire=questionnaire, **form.cleaned_data)
        except DomainError as exc:
            form.apply(exc)
        else:
            messages.success(request, "مشخصات پرسش‌نامه ذخیره شد.")
            return redirect("stats:questionnaire_detail", pk=pk)
    return render(request, "stats/evaluation/questionnaire_form.html", {"form": form, "questionnaire": questionnaire},
                  status=400 if request.method == "POST" else 200)


def _evaluations(user, questionnaire) -> list:
    """The questionnaire's evaluations, each knowing whether the user may see its letter (its number is
    shown only then: the letters' policy decides, not this page)."""
    evaluations = list(selectors.questionnaire_evaluations(questionnaire))
    visible = letters_policy.visible_ids(user, [e.letter_id for e in evaluations if e.letter_id])
    for e in evaluations:
        e.letter_visible = e.letter_id in visible
    return evaluations


def _letter_text(e) -> str:
    if not e.letter_id:
        return ""
    return e.letter.number if e.letter_visible else "ثبت شده"


def _detail(request, questionnaire, *, add_form=None, status=200):
    evaluations = _evaluations(request.user, questionnaire)
    return render(request, "stats/evaluation/questionnaire.html", {
        "questionnaire": questionnaire, "questions": list(questionnaire.questions.order_by("order", "id")),
        "add_form": add_form or QuestionForm(initial={"kind": "yes_no", "weight": "۱", "tolerance": "۱۰"}),
        "evaluations": evaluations, "is_draft": questionnaire.state == Questionnaire.State.DRAFT,
        "unsent": _unsent(request.user, questionnaire).exists(),
    }, status=status)


def _unsent(user, questionnaire):
    return policy.visible_agencies(user).exclude(id__in=questionnaire.evaluations.values("agency_id")).order_by("name")


@login_required
def questionnaire_detail(request, pk):
    return _detail(request, _questionnaire(request.user, pk))


@login_required
@require_POST
def questionnaire_question_add(request, pk):
    questionnaire = _questionnaire(request.user, pk)
    form = QuestionForm(request.POST)
    if form.saved_through(services.add_question, user=request.user, questionnaire=questionnaire):
        messages.success(request, "پرسش افزوده شد.")
        return redirect("stats:questionnaire_detail", pk=pk)
    return _detail(request, questionnaire, add_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire_question_edit(request, pk, question_pk):
    question = _question(request.user, pk, question_pk)
    if question.questionnaire.state != Questionnaire.State.DRAFT:
        raise Conflict("پرسش‌نامه ارسال شده است؛ پرسش‌های آن دیگر تغییر نمی‌کند.")
    form = QuestionForm.of(question, request.POST or None)
    if request.method == "POST" and form.saved_through(services.update_question, user=request.user,
                                                       question=question):
        messages.success(request, "پرسش ذخیره شد.")
        return redirect("stats:questionnaire_detail", pk=pk)
    return render(request, "stats/evaluation/question_form.html", {"form": form, "question": question,
                                                                    "questionnaire": question.questionnaire},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def questionnaire_question_remove(request, pk, question_pk):
    services.remove_question(user=request.user, question=_question(request.user, pk, question_pk))
    messages.success(request, "پرسش برداشته شد.")
    return redirect("stats:questionnaire_detail", pk=pk)


@login_required
@require_POST
def questionnaire_question_move(request, pk, question_pk):
    services.move_question(user=request.user, question=_question(request.user, pk, question_pk),
                           direction=request.POST.get("direction", ""))
    return redirect("stats:questionnaire_detail", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire_send(request, pk):
    """Choose the agencies (every one in the scope not yet sent to, by default) and send."""
    questionnaire = _questionnaire(request.user, pk)
    agencies = list(_unsent(request.user, questionnaire))
    form = SendForm(request.POST or None, agencies=agencies, initial={"agencies": [str(a.pk) for a in agencies]})
    if request.method == "POST" and form.is_valid():
        try:
            sent = services.send(user=request.user, questionnaire=questionnaire,
                                 agency_ids=form.cleaned_data["agencies"])
        except DomainError as exc:
            if exc.status not in (400, 403):
                raise
            form.apply(exc)
        else:
            messages.success(request, f"پرسش‌نامه به {to_persian_digits(len(sent))} دستگاه فرستاده شد و در "
                                      "دبیرخانه هر دستگاه به‌عنوان نامه وارده ثبت شد.")
            return redirect("stats:questionnaire_detail", pk=pk)
    return render(request, "stats/evaluation/send.html", {"form": form, "questionnaire": questionnaire,
                                                          "agencies": agencies},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def questionnaire_close(request, pk):
    services.close_questionnaire(user=request.user, questionnaire=_questionnaire(request.user, pk))
    messages.success(request, "پرسش‌نامه بسته شد؛ پاسخ تازه پذیرفته نمی‌شود.")
    return redirect("stats:questionnaire_detail", pk=pk)


EXPORTS = {
    "csv": ("text/csv; charset=utf-8", tables.to_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", tables.to_xlsx),
}
COLUMNS = [
    tables.Column("agency", "دستگاه"), tables.Column("letter", "شماره نامه"), tables.Column("state", "وضعیت"),
    tables.Column("discrepancies", "مغایرت‌ها", "0"), tables.Column("score", "امتیاز", "0.0"),
]


@login_required
def questionnaire_export(request, pk, fmt):
    if fmt not in EXPORTS:
        raise Http404
    questionnaire = _questionnaire(request.user, pk)
    rows = [{"agency": e.agency.name, "letter": _letter_text(e), "state": e.get_state_display(),
             "discrepancies": e.discrepancies, "score": float(e.score) if e.score is not None else None}
            for e in _evaluations(request.user, questionnaire)]
    content_type, render_file = EXPORTS[fmt]
    response = HttpResponse(render_file(tables.Sheet("ارزیابی دبیرخانه‌ها", COLUMNS, rows)), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, f"evaluation-{questionnaire.pk}.{fmt}")
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------- one evaluation


def _answer_rows(evaluation):
    answers = {a.question_id: a for a in evaluation.answers.all()}
    rows = []
    for q in evaluation.questionnaire.questions.order_by("order", "id"):
        a = answers.get(q.pk)
        rows.append({"question": q, "answer": a, "figure": services.F.BY_KEY.get(q.figure),
                     "score": services.question_score(q, a)})
    return rows


def _evaluation_page(request, evaluation, *, visit_form=None, action_form=None, status=200):
    user = request.user
    supervises = policy.supervises_evaluation(user, evaluation)
    can_answer = policy.can_answer(user, evaluation.agency_id)
    actions = list(evaluation.actions.select_related("checked_in__questionnaire"))
    carried = list(selectors.carried_actions(evaluation))
    letter_visible = bool(evaluation.letter_id) and letters_policy.can_see(user, evaluation.letter_id)
    return render(request, "stats/evaluation/evaluation.html", {
        "evaluation": evaluation, "questionnaire": evaluation.questionnaire, "rows": _answer_rows(evaluation),
        "visits": list(evaluation.visits.select_related("inspector")), "parts": services.score_parts(evaluation),
        "actions": actions, "carried": carried, "supervises": supervises, "can_answer": can_answer,
        "answer_open": can_answer and evaluation.state != Evaluation.State.SCORED
        and evaluation.questionnaire.state != Questionnaire.State.CLOSED,
        "can_inspect": supervises and policy.can_inspect(user, evaluation),
        "visit_form": visit_form or VisitForm(), "action_form": action_form or ActionForm(),
        "letter_visible": letter_visible
    }, status=status)


@login_required
def evaluation_detail(request, pk):
    return _evaluation_page(request, _evaluation(request.user, pk))


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_answer(request, pk):
    evaluation = _evaluation(request.user, pk)
    policy.check_answerer(request.user, evaluation)
    questions = list(evaluation.questionnaire.questions.order_by("order", "id"))
    initial = {f"q{a.question_id}": a.value for a in evaluation.answers.all()}
    form = AnswerForm(request.POST or None, questions=questions, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.answer(user=request.user, evaluation=evaluation, values=form.values())
        except services.AnswerErrors as exc:
            form.apply_all(exc.errors)
        except DomainError as exc:
            if exc.status != 400:
                raise
            form.apply(exc)
        else:
            messages.success(request, "پاسخ‌ها ثبت شد.")
            return redirect("stats:evaluation_detail", pk=pk)
    return render(request, "stats/evaluation/answer.html", {
        "evaluation": evaluation, "questionnaire": evaluation.questionnaire, "form": form,
        "closed": evaluation.state == Evaluation.State.SCORED
        or evaluation.questionnaire.state == Questionnaire.State.CLOSED,
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def evaluation_visit(request, pk):
    evaluation = _evaluation(request.user, pk)
    form = VisitForm(request.POST)
    if form.saved_through(services.record_visit, user=request.user, evaluation=evaluation):
        messages.success(request, "بازدید میدانی ثبت شد.")
        return redirect("stats:evaluation_detail", pk=pk)
    return _evaluation_page(request, evaluation, visit_form=form, status=400)


@login_required
@require_POST
def evaluation_score(request, pk):
    evaluation = services.score(user=request.user, evaluation=_evaluation(request.user, pk))
    messages.success(request, f"امتیاز ارزیابی: {to_persian_digits(evaluation.score).replace('.', '٫')}")
    return redirect("stats:evaluation_detail", pk=pk)


@login_required
@require_POST
def evaluation_action_add(request, pk):
    evaluation = _evaluation(request.user, pk)
    form = ActionForm(request.POST)
    if form.saved_through(services.add_action, user=request.user, evaluation=evaluation):
        messages.success(request, "اقدام اصلاحی افزوده شد.")
        return redirect("stats:evaluation_detail", pk=pk)
    return _evaluation_page(request, evaluation, action_form=form, status=400)


@login_required
@require_POST
def evaluation_action_done(request, action_pk):
    action = _action(request.user, action_pk)
    form = DoneForm(request.POST)
    if not form.is_valid():
        raise DomainError(" ".join(e for errors in form.errors.values() for e in errors))
    services.mark_done(user=request.user, action=action, note=form.cleaned_data["note"])
    messages.success(request, "اقدام «انجام شده» ثبت شد؛ ناظر در ارزیابی بعدی آن را بررسی می‌کند.")
    return redirect("stats:evaluation_detail", pk=action.evaluation_id)


@login_required
@require_POST
def evaluation_action_verify(request, action_pk):
    """Checked on an evaluation's page: its own actions, or an earlier evaluation's (in_evaluation = this page's)."""
    action = _action(request.user, action_pk)
    verdict = request.POST.get("verified")
    if verdict not in ("1", "0"):
        raise DomainError("نتیجه بررسی را برگزینید: انجام شده یا انجام نشده.")
    where = action.evaluation
    if request.POST.get("in_evaluation"):
        where = _evaluation(request.user, _int_or_404(request.POST["in_evaluation"]))
    services.verify(user=request.user, action=action, verified=verdict == "1",
                    in_evaluation=None if where.pk == action.evaluation_id else where)
    messages.success(request, "نتیجه بررسی اقدام ثبت شد.")
    return redirect("stats:evaluation_detail", pk=where.pk)


def _int_or_404(text) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        raise NotFound("ارزیابی پیدا نشد.") from None


# ---------------------------------------------------------------- the agency's list


@login_required
def evaluation_list(request):
    """«ارزیابی‌های دبیرخانه»: the evaluations of the agencies the user answers for (a supervisor with none
    goes to the questionnaires)."""
    agency_ids = policy.answerable_agency_ids(request.user)
    if not agency_ids:
        if policy.is_supervisor(request.user):
            return redirect("stats:questionnaire_list")
        raise NotAllowed("ارزیابی دبیرخانه را مدیران و کاربران دبیرخانه دستگاه‌ها می‌بینند.")
    return render(request, "stats/evaluation/agency_list.html", {
        "evaluations": list(selectors.agency_evaluations(agency_ids)),
        "is_supervisor": policy.is_supervisor(request.user)})


urlpatterns = [
    path("questionnaires/", questionnaire_list, name="questionnaire_list"),
    path("questionnaires/new/", questionnaire_new, name="questionnaire_new"),
    path("questionnaires/<int:pk>/", questionnaire_detail, name="questionnaire_detail"),
    path("questionnaires/<int:pk>/edit/", questionnaire_edit, name="questionnaire_edit"),
    path("questionnaires/<int:pk>/questions/add/", questionnaire_question_add, name="questionnaire_question_add"),
    path("questionnaires/<int:pk>/questions/<int:question_pk>/edit/", questionnaire_question_edit,
         name="questionnaire_question_edit"),
    path("questionnaires/<int:pk>/questions/<int:question_pk>/remove/", questionnaire_question_remove,
         name="questionnaire_question_remove"),
    path("questionnaires/<int:pk>/questions/<int:question_pk>/move/", questionnaire_question_move,
         name="questionnaire_question_move"),
    path("questionnaires/<int:pk>/send/", questionnaire_send, name="questionnaire_send"),
    path("questionnaires/<int:pk>/close/", questionnaire_close, name="questionnaire_close"),
    path("questionnaires/<int:pk>/export.<str:fmt>", questionnaire_export, name="questionnaire_export"),
    path("evaluations/", evaluation_list, name="evaluation_list"),
    path("evaluations/<int:pk>/", evaluation_detail, name="evaluation_detail"),
    path("evaluations/<int:pk>/answer/", evaluation_answer, name="evaluation_answer"),
    path("evaluations/<int:pk>/visit/", evaluation_visit, name="evaluation_visit"),
    path("evaluations/<int:pk>/score/", evaluation_score, name="evaluation_score"),
    path("evaluations/<int:pk>/actions/add/", evaluation_action_add, name="evaluation_action_add"),
    path("evaluations/actions/<int:action_pk>/done/", evaluation_action_done, name="evaluation_action_done"),
    path("evaluations/actions/<int:action_pk>/verify/", evaluation_action_verify, name="evaluation_action_verify"),
]
