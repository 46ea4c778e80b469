"""Who may see which agencies' figures: the one access policy of supervision.

- A national supervisor sees every agency; a province's supervisor the agencies of that province.
- A manager of an agency (the holder or acting holder of a manager's position in it) sees that agency
  alone: its figures, its rank among its province's agencies, where it loses points.
- A superuser is a national supervisor.
- Letters behind a figure are drawn only from `letters.policy.visible_letters(user)`: a drill-down never
  shows a letter its viewer may not see, whoever the viewer is.
- Questionnaires are built and sent by supervisors; an agency's evaluation is answered by its managers
  and its secretariat's clerks, and seen by them and by the supervisors over the agency.
"""

from django.db.models import QuerySet

from dabir.core.errors import NotAllowed
from dabir.orgs.models import Agency
from dabir.orgs.selectors import seats_of

from .models import Level, Supervisor

NOT_ALLOWED = "نمایش آمار این دستگاه برای شما مجاز نیست."


def supervisor_of(user) -> Supervisor | None:
    if not user or not user.is_authenticated:
        return None
    cached = getattr(user, "_stats_supervisor", False)
    if cached is False:
        cached = Supervisor.objects.filter(user=user, active=True).select_related("office").first()
        user._stats_supervisor = cached
    return cached


def is_supervisor(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or supervisor_of(user)))


def managed_agency_ids(user) -> set[int]:
    """Agencies in which the user holds (or acts for) a manager's position now."""
    return {s.position.unit.agency_id for s in seats_of(user) if s.position.is_manager}


def visible_agencies(user) -> QuerySet[Agency]:
    """The agencies whose figures the user may see (empty for everyone else)."""
    if not user or not user.is_authenticated:
        return Agency.objects.none()
    if user.is_superuser:
        return Agency.objects.all()
    sup = supervisor_of(user)
    if sup and sup.level == Level.NATIONAL:
        return Agency.objects.all()
    if sup:
        return Agency.objects.filter(province=sup.province)
    return Agency.objects.filter(id__in=managed_agency_ids(user))


def can_see_stats(user) -> bool:
    return is_supervisor(user) or bool(managed_agency_ids(user))


def check_agency(user, agency: Agency) -> None:
    if not visible_agencies(user).filter(pk=agency.pk).exists():
        raise NotAllowed(NOT_ALLOWED)


def ranking_scope(user, agency: Agency | None = None) -> QuerySet[Agency]:
    """The agencies ranked together: a supervisor's own scope; for an agency's manager, the agencies of
    the agency's province (the rank is shown, other agencies' figures are not)."""
    if is_supervisor(user):
        return visible_agencies(user)
    if agency is None:
        return Agency.objects.none()
    check_agency(user, agency)
    return Agency.objects.filter(province=agency.province)


def check_supervisor(user) -> Supervisor | None:
    """The user's supervisor row (None for a superuser); NotAllowed for anyone else."""
    if user and user.is_authenticated and user.is_superuser:
        return supervisor_of(user)
    sup = supervisor_of(user)
    if not sup:
        raise NotAllowed("این کار فقط از دفتر نظارت (دبیرخانه ناظر) برمی‌آید.")
    return sup


def weights_province(user) -> str | None:
    """The province whose index weights the user may set ('' for the national default), or None."""
    if user and user.is_authenticated and user.is_superuser:
        return ""
    sup = supervisor_of(user)
    if not sup:
        return None
    return "" if sup.level == Level.NATIONAL else sup.province


def can_answer(user, agency_id: int) -> bool:
    """A manager of the agency, or a clerk of one of its secretariats, answers its evaluation."""
    return agency_id in answerable_agency_ids(user)


# ---- Evaluation of secretariats: who builds, answers, inspects and sees ---------------------------

NOT_EVALUATION = "این ارزیابی برای شما در دسترس نیست."


def answerable_agency_ids(user) -> set[int]:
    """Agencies whose evaluations the user answers: those they manage and those whose secretariat they clerk."""
    from dabir.orgs.models import Secretariat

    if not user or not user.is_authenticated:
        return set()
    clerked = set(Secretariat.objects.filter(clerks=user).values_list("agency_id", flat=True))
    return managed_agency_ids(user) | clerked


def questionnaire_owner(user) -> tuple[Agency | None, str] | None:
    """(office, province) a supervisor's questionnaires belong to — the province '' for a national one;
    None for anyone who may not build questionnaires. A superuser without a supervisor row builds
    national ones with no office of their own (they may see every questionnaire instead)."""
    sup = supervisor_of(user)
    if sup:
        return sup.office, ("" if sup.level == Level.NATIONAL else sup.province)
    if user and user.is_authenticated and user.is_superuser:
        return None, ""
    return None


def visible_questionnaires(user):
    """The questionnaires a supervisor works on: their supervising office's at their level (all for a superuser)."""
    from .models import Questionnaire

    if user and user.is_authenticated and user.is_superuser:
        return Questionnaire.objects.all()
    sup = supervisor_of(user)
    if not sup:
        return Questionnaire.objects.none()
    return Questionnaire.objects.filter(office=sup.office, province="" if sup.level == Level.NATIONAL else sup.province)


def check_questionnaire(user, questionnaire) -> None:
    check_supervisor(user)
    if not visible_questionnaires(user).filter(pk=questionnaire.pk).exists():
        raise NotAllowed("این پرسش‌نامه از دفتر نظارت شما نیست.")


def supervises_evaluation(user, evaluation) -> bool:
    """The supervisors of the questionnaire's office over the evaluated agency."""
    return (is_supervisor(user) and visible_questionnaires(user).filter(pk=evaluation.questionnaire_id).exists()
            and visible_agencies(user).filter(pk=evaluation.agency_id).exists())


def can_see_evaluation(user, evaluation) -> bool:
    return supervises_evaluation(user, evaluation) or can_answer(user, evaluation.agency_id)


def check_evaluation_supervisor(user, evaluation) -> None:
    if not supervises_evaluation(user, evaluation):
        raise NotAllowed("این کار فقط از ناظران همین ارزیابی برمی‌آید.")


def check_answerer(user, evaluation) -> None:
    if not can_answer(user, evaluation.agency_id):
        raise NotAllowed("پاسخ ارزیابی این دستگاه با مدیران و کاربران دبیرخانه همان دستگاه است.")


def check_inspector(user, evaluation) -> None:
    """A field visit is recorded by an inspector among the evaluation's supervisors."""
    check_evaluation_supervisor(user, evaluation)
    sup = supervisor_of(user)
    if sup is not None and not sup.is_inspector:
        raise NotAllowed("ثبت بازدید میدانی فقط از بازرسان دفتر نظارت برمی‌آید.")


def can_inspect(user, evaluation) -> bool:
    try:
        check_inspector(user, evaluation)
    except NotAllowed:
        return False
    return True
