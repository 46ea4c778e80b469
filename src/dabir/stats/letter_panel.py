"""The evaluation's panel on the letter page (registered in apps.ready): on the letter that carried a
questionnaire to an agency's secretariat, «پاسخ به پرسش‌نامه ارزیابی» for those who answer it."""

from . import policy
from .models import Evaluation


def has_evaluation(letter) -> bool:
    return Evaluation.objects.filter(letter=letter).exists()


def evaluation_panel(context, letter) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    rows = list(Evaluation.objects.filter(letter=letter).select_related("questionnaire__office", "agency"))
    can_answer = any(policy.can_answer(user, e.agency_id) for e in rows) if user is not None else False
    can_see = any(policy.can_see_evaluation(user, e) for e in rows) if user is not None else False
    return {"evaluations": rows, "letter": letter, "can_answer": can_answer, "can_see": can_see}
