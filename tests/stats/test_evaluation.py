"""Evaluation of secretariats through its services: build, send (a numbered letter in each agency's
secretariat, in its head's inbox), answer (checked against Dabir's own figure), visit, score (by hand),
actions tracked into the next evaluation; and every bad input refused with nothing written."""

import datetime as dt
from decimal import Decimal

import pytest

from dabir.core.errors import Conflict, DomainError, NotAllowed
from dabir.core.jalali import format_date, today
from dabir.core.models import AuditEntry
from dabir.letters import selectors as letter_selectors
from dabir.letters.models import Channel, Kind, Status
from dabir.stats import aggregate, periods
from dabir.stats.models import (
    ActionItem,
    Answer,
    Evaluation,
    FieldVisit,
    Level,
    Question,
    Questionnaire,
    Supervisor,
)
from dabir.stats.services import evaluation as ev
from tests.factories import make_user, make_world, register_incoming

pytestmark = pytest.mark.django_db

PERIOD = periods.current("year").key


def make_supervisor(office_world, *, level=Level.PROVINCE, province="خوزستان", inspector=True, username=None):
    user = make_user(username, first_name="ناظر", last_name="استانداری")
    Supervisor.objects.create(user=user, level=level, province=province, office=office_world.agency,
                              is_inspector=inspector)
    return user


@pytest.fixture
def scene(world):
    """`world` is the evaluated agency; `gov` the supervising governorate (also in Khuzestan)."""
    gov = make_world("استانداری خوزستان")
    return world, gov, make_supervisor(gov)


def build(user, *, title="ارزیابی دبیرخانه‌ها ۱۴۰۵") -> Questionnaire:
    q = ev.create_questionnaire(user=user, title=title, intro="لطفاً با دقت پاسخ دهید.", period=PERIOD,
                                answer_due=today() + dt.timedelta(days=10))
    ev.add_question(user=user, questionnaire=q, text="آیا دبیرخانه نرم‌افزار استاندارد دارد؟", kind="yes_no", weight=2)
    ev.add_question(user=user, questionnaire=q, text="چند درصد نامه‌های وارده الکترونیکی است؟", kind="percent",
                    weight=3, figure="in_electronic_share", tolerance="۱۰")
    ev.add_question(user=user, questionnaire=q, text="رضایت از آموزش کاربران", kind="scale", weight=1)
    ev.add_question(user=user, questionnaire=q, text="شمار کارکنان دبیرخانه", kind="number", weight=1)
    ev.add_question(user=user, questionnaire=q, text="توضیح دیگر", kind="text", weight=1)
    ev.add_question(user=user, questionnaire=q, text="چند درصد صادره با امضای الکترونیکی است؟", kind="percent",
                    weight=2, figure="signed_digital_share", tolerance=5)
    return q


def questions(q):
    return list(q.questions.order_by("order"))


def good_values(q, **override):
    qs = questions(q)
    values = {qs[0].pk: "بله", qs[1].pk: "۹۰", qs[2].pk: "۴", qs[3].pk: "۱۲", qs[4].pk: "", qs[5].pk: "80"}
    values.update({qs[int(k[1:])].pk: v for k, v in override.items()})
    return values


def test_the_whole_journey(scene):
    world, gov, sup = scene
    # Dabir's measured share of electronic incoming letters: 2 by e-mail and 2 by post now, and the
    # questionnaire's own letter (channel «system», electronic) once it is sent: 3 of 5 = 60%.
    for channel in ("email", "network", "post", "post"):
        register_incoming(world, channel=channel)
    q = build(sup)
    (evaluation,) = ev.send(user=sup, questionnaire=q, agency_ids=[world.agency.pk])
    aggregate.refresh()

    # the letter: registered in the agency's secretariat with a number, in the head's inbox
    letter = evaluation.letter
    assert letter.kind == Kind.INCOMING and letter.status == Status.REGISTERED and letter.number
    assert letter.secretariat_id == world.secretariat.pk and letter.channel == Channel.SYSTEM
    assert letter.subject == f"پرسش‌نامه ارزیابی دبیرخانه: {q.title}"
    assert letter.sender_name == gov.agency.name
    assert f"/stats/evaluations/{evaluation.pk}/answer/" in letter.body
    assert "چند درصد نامه‌های وارده الکترونیکی است؟" in letter.body
    inbox = list(letter_selectors.inbox(world.manager, world.manager_pos.id))
    assert letter.pk in {getattr(r, "letter_id", None) for r in inbox}
    (referral,) = letter.referrals.all()
    assert referral.to_position_id == world.manager_pos.pk and referral.deadline == q.answer_due
    q.refresh_from_db()
    assert q.state == Questionnaire.State.SENT and q.sent_at is not None
    assert AuditEntry.objects.filter(action="stats.questionnaire.send", object_id=str(q.pk)).exists()

    # the manager answers: 90% claimed, 60% measured → flagged; no signatures measured → no flag
    ev.answer(user=world.manager, evaluation=evaluation, values=good_values(q))
    evaluation.refresh_from_db()
    assert evaluation.state == Evaluation.State.ANSWERED and evaluation.answered_by == world.manager
    answers = {a.question.order: a for a in evaluation.answers.select_related("question")}
    assert answers[1].value == "yes"
    assert answers[2].value == "90" and answers[2].measured == Decimal("60.00") and answers[2].discrepancy
    assert answers[3].value == "4" and answers[4].value == "12" and answers[5].value == ""
    assert answers[6].value == "80" and answers[6].measured is None and not answers[6].discrepancy

    # the clerk answers again (allowed before scoring): the answers are replaced, not added
    ev.answer(user=world.clerk, evaluation=evaluation, values=good_values(q, q1="۶۵"))
    assert evaluation.answers.count() == 6
    second = evaluation.answers.get(question__order=2)
    assert second.value == "65" and second.measured == Decimal("60.00") and not second.discrepancy
    ev.answer(user=world.manager, evaluation=evaluation, values=good_values(q))  # back to 90

    # two field visits and the score, by hand:
    # Q = (2·100 + 3·60 [90 claimed, Dabir's 60 wins] + 1·(4−1)/4·100 + 2·80) / (2+3+1+2) = 615/8 = 76.875
    # V = (70 + 90) / 2 = 80;  score = 0.7·76.875 + 0.3·80 = 77.8125 → 77.8
    ev.record_visit(user=sup, evaluation=evaluation, visited_on=format_date(today() - dt.timedelta(days=2)),
                    score="۷۰", findings="بایگانی کاغذی هنوز پابرجاست.")
    ev.record_visit(user=sup, evaluation=evaluation, visited_on=today(), score=90, findings="بهبود دیده شد.")
    parts = ev.score_parts(evaluation)
    assert parts == {"questionnaire": Decimal("76.9"), "visits": Decimal("80.0"), "score": Decimal("77.8")}
    ev.score(user=sup, evaluation=evaluation)
    evaluation.refresh_from_db()
    assert evaluation.state == Evaluation.State.SCORED and evaluation.score == Decimal("77.8")

    # answering after scoring is refused, nothing changes
    with pytest.raises(Conflict):
        ev.answer(user=world.manager, evaluation=evaluation, values=good_values(q, q1="10"))
    assert evaluation.answers.get(question__order=2).value == "90"

    # actions: set, done by the agency's word, then checked in the next evaluation
    a1 = ev.add_action(user=sup, evaluation=evaluation, text="حذف بایگانی کاغذی نامه‌های وارده",
                       due=format_date(today() + dt.timedelta(days=60)))
    a2 = ev.add_action(user=sup, evaluation=evaluation, text="آموزش امضای الکترونیکی به مدیران")
    ev.mark_done(user=world.clerk, action=a1, note="بایگانی اسکن شد.")
    a1.refresh_from_db()
    assert a1.state == ActionItem.State.DONE and a1.note == "بایگانی اسکن شد."

    later_q = build(sup, title="ارزیابی دوم")
    (later,) = ev.send(user=sup, questionnaire=later_q, agency_ids=[world.agency.pk])
    from dabir.stats.selectors import carried_actions

    assert [a.pk for a in carried_actions(later)] == [a1.pk, a2.pk]
    ev.verify(user=sup, action=a1, verified=True, in_evaluation=later)
    ev.verify(user=sup, action=a2, verified=False, in_evaluation=later)
    a1.refresh_from_db()
    a2.refresh_from_db()
    assert (a1.state, a1.checked_in_id) == (ActionItem.State.VERIFIED, later.pk)
    assert (a2.state, a2.checked_in_id) == (ActionItem.State.NOT_DONE, later.pk)
    assert {a.pk for a in carried_actions(later)} == {a1.pk, a2.pk}  # still shown there, as checked
    with pytest.raises(Conflict):
        ev.verify(user=sup, action=a1, verified=False, in_evaluation=later)
    with pytest.raises(Conflict):
        ev.mark_done(user=world.manager, action=a2, note="")
    # an earlier evaluation is not a later one
    a3 = ev.add_action(user=sup, evaluation=later, text="اقدام تازه")
    with pytest.raises(DomainError):
        ev.verify(user=sup, action=a3, verified=True, in_evaluation=evaluation)


@pytest.mark.parametrize("order, raw, message", [
    (1, "120", "درصد باید میان ۰ و ۱۰۰ باشد."),
    (1, "-5", "درصد باید میان ۰ و ۱۰۰ باشد."),
    (1, "نود", "درصد باید عدد باشد."),
    (1, "1e2", "درصد باید عدد باشد."),
    (1, "", "به این پرسش پاسخ دهید."),
    (2, "0", "امتیاز باید میان ۱ و ۵ باشد."),
    (2, "۶", "امتیاز باید میان ۱ و ۵ باشد."),
    (2, "3.5", "امتیاز باید عدد صحیح باشد."),
    (3, "دوازده", "عدد باید عدد باشد."),
    (3, "12a", "عدد باید عدد باشد."),
    (0, "شاید", "«بله» یا «خیر» را برگزینید."),
    (0, "", "به این پرسش پاسخ دهید."),
])
def test_bad_answers_are_refused_per_field_and_nothing_is_saved(scene, order, raw, message):
    world, gov, sup = scene
    q = build(sup)
    (evaluation,) = ev.send(user=sup, questionnaire=q, agency_ids=[world.agency.pk])
    values = good_values(q, **{f"q{order}": raw})
    with pytest.raises(ev.AnswerErrors) as caught:
        ev.answer(user=world.manager, evaluation=evaluation, values=values)
    assert caught.value.errors[questions(q)[order].pk] == message
    evaluation.refresh_from_db()
    assert evaluation.state == Evaluation.State.SENT and not Answer.objects.exists()


def test_missing_answers_and_unknown_questions(scene):
    world, gov, sup = scene
    q = build(sup)
    (evaluation,) = ev.send(user=sup, questionnaire=q, agency_ids=[world.agency.pk])
    with pytest.raises(ev.AnswerErrors) as caught:
        ev.answer(user=world.manager, evaluation=evaluation, values={})
    required = {x.pk for x in questions(q) if x.kind != "text"}
    assert set(caught.value.errors) == required  # the text question may stay empty
    other = build(sup, title="دیگر")
    with pytest.raises(DomainError):
        ev.answer(user=world.manager, evaluation=evaluation,
                  values={**good_values(q), questions(other)[0].pk: "بله"})
    with pytest.raises(DomainError):
        ev.answer(user=world.manager, evaluation=evaluation, values={"abc": "1"})
    assert not Answer.objects.exists()
    # Persian and Arabic digits, the percent sign and a Persian decimal point are accepted
    ev.answer(user=world.manager, evaluation=evaluation, values=good_values(q, q1="٨٥٫٥٪", q3="۱٬۲۰۰"))
    assert evaluation.answers.get(question__order=2).value == "85.5"
    assert evaluation.answers.get(question__order=4).value == "1200"


def test_who_may_do_what(scene):
    world, gov, sup = scene
    stranger = make_world("شهرداری اهواز")
    # a non-supervisor creating a questionnaire
    for user in (world.manager, world.clerk, make_user()):
        with pytest.raises(NotAllowed):
            ev.create_questionnaire(user=user, title="x", period=PERIOD)
    assert not Questionnaire.objects.exists()
    q = build(sup)
    # sending to an agency outside the scope (another province)
    tehran = make_world("شهرداری تهران")
    tehran.agency.province = "تهران"
    tehran.agency.save()
    with pytest.raises(NotAllowed):
        ev.send(user=sup, questionnaire=q, agency_ids=[world.agency.pk, tehran.agency.pk])
    assert not Evaluation.objects.exists()
    # another province's supervisor cannot touch this questionnaire
    other_sup = make_supervisor(tehran, province="تهران")
    with pytest.raises(NotAllowed):
        ev.add_question(user=other_sup, questionnaire=q, text="x", kind="yes_no")
    e1, e2 = ev.send(user=sup, questionnaire=q, agency_ids=[world.agency.pk, stranger.agency.pk])
    e1, e2 = (e1, e2) if e1.agency_id == world.agency.pk else (e2, e1)
    # answering another agency's evaluation
    for user in (stranger.manager, stranger.clerk, world.expert, sup):
        with pytest.raises(NotAllowed):
            ev.answer(user=user, evaluation=e1, values=good_values(q))
    # the agency cannot score, visit or set actions; a non-inspector supervisor cannot visit
    with pytest.raises(NotAllowed):
        ev.score(user=world.manager, evaluation=e1)
    with pytest.raises(NotAllowed):
        ev.add_action(user=world.manager, evaluation=e1, text="x")
    with pytest.raises(NotAllowed):
        ev.record_visit(user=world.manager, evaluation=e1, visited_on=today(), score=50, findings="x")
    desk_sup = make_supervisor(gov, inspector=False)
    with pytest.raises(NotAllowed):
        ev.record_visit(user=desk_sup, evaluation=e1, visited_on=today(), score=50, findings="x")
    assert not FieldVisit.objects.exists()
    # scoring before an answer
    with pytest.raises(Conflict):
        ev.score(user=sup, evaluation=e1)
    # sending twice to the same agency
    with pytest.raises(DomainError):
        ev.send(user=sup, questionnaire=q, agency_ids=[world.agency.pk])
    # a sent questionnaire's questions no longer change
    with pytest.raises(Conflict):
        ev.add_question(user=sup, questionnaire=q, text="پرسش دیر", kind="yes_no")


@pytest.mark.parametrize("fields, field", [
    ({"title": ""}, "title"),
    ({"period": "۱۴۰۵-۱۳"}, "period"),
    ({"period": ""}, "period"),
    ({"answer_due": "۱۴۰۰/۰۱/۰۱"}, "answer_due"),
    ({"answer_due": "فردا"}, "answer_due"),
])
def test_bad_questionnaire_details(scene, fields, field):
    world, gov, sup = scene
    data = {"title": "ارزیابی", "period": PERIOD, "answer_due": None, **fields}
    with pytest.raises(DomainError) as caught:
        ev.create_questionnaire(user=sup, **data)
    assert caught.value.field == field
    assert not Questionnaire.objects.exists()


@pytest.mark.parametrize("fields, field", [
    ({"text": ""}, "text"),
    ({"kind": "essay"}, "kind"),
    ({"weight": "-1"}, "weight"),
    ({"weight": "سه"}, "weight"),
    ({"figure": "nonsense"}, "figure"),
    ({"figure": "read_median_hours", "kind": "number"}, "figure"),  # hours: not checkable
    ({"figure": "in_electronic_share", "kind": "number"}, "kind"),  # a percent figure needs a percent answer
    ({"figure": "letters_in", "kind": "percent"}, "kind"),
    ({"figure": "in_electronic_share", "kind": "percent", "tolerance": "-3"}, "tolerance"),
])
def test_bad_questions(scene, fields, field):
    world, gov, sup = scene
    q = ev.create_questionnaire(user=sup, title="ارزیابی", period=PERIOD)
    data = {"text": "پرسش", "kind": "yes_no", "weight": 1, "figure": "", "tolerance": 10, **fields}
    with pytest.raises(DomainError) as caught:
        ev.add_question(user=sup, questionnaire=q, **data)
    assert caught.value.field == field
    assert not Question.objects.exists()


def test_edit_move_and_remove_questions_while_draft(scene):
    world, gov, sup = scene
    q = build(sup)
    first, second = questions(q)[:2]
    ev.move_question(user=sup, question=second, direction="up")
    assert [x.pk for x in questions(q)][:2] == [second.pk, first.pk]
    ev.update_question(user=sup, question=first, text="متن تازه", kind="scale", weight="۵", figure="", tolerance="")
    first.refresh_from_db()
    assert (first.text, first.kind, first.weight) == ("متن تازه", "scale", 5)
    ev.remove_question(user=sup, question=first)
    assert len(questions(q)) == 5
    with pytest.raises(DomainError):
        ev.send(user=sup, questionnaire=ev.create_questionnaire(user=sup, title="خالی", period=PERIOD),
                agency_ids=[world.agency.pk])


def test_send_without_a_manager_or_a_secretariat(scene):
    world, gov, sup = scene
    from dabir.orgs.models import Agency

    bare = Agency.objects.create(name="دستگاه بی‌دبیرخانه", code="BARE", province="خوزستان")
    q = build(sup)
    with pytest.raises(DomainError) as caught:
        ev.send(user=sup, questionnaire=q, agency_ids=[world.agency.pk, bare.pk])
    assert "دستگاه بی‌دبیرخانه" in caught.value.message
    assert not Evaluation.objects.exists()
    # an agency whose head is away still gets the letter in its secretariat (no referral)
    world.manager_pos.is_manager = False
    world.manager_pos.save()
    (evaluation,) = ev.send(user=sup, questionnaire=q, agency_ids=[world.agency.pk])
    assert evaluation.letter.number and not evaluation.letter.referrals.exists()


def test_closed_questionnaire_takes_no_answers(scene):
    world, gov, sup = scene
    q = build(sup)
    (evaluation,) = ev.send(user=sup, questionnaire=q, agency_ids=[world.agency.pk])
    ev.close_questionnaire(user=sup, questionnaire=q)
    with pytest.raises(Conflict):
        ev.answer(user=world.manager, evaluation=evaluation, values=good_values(q))
    with pytest.raises(Conflict):
        ev.send(user=sup, questionnaire=q, agency_ids=[world.agency.pk])


def test_score_with_visits_only_and_without_anything(scene):
    world, gov, sup = scene
    q = ev.create_questionnaire(user=sup, title="فقط متن", period=PERIOD)
    ev.add_question(user=sup, questionnaire=q, text="توضیح", kind="text")
    (evaluation,) = ev.send(user=sup, questionnaire=q, agency_ids=[world.agency.pk])
    ev.answer(user=world.manager, evaluation=evaluation, values={questions(q)[0].pk: "هیچ"})
    with pytest.raises(DomainError):
        ev.score(user=sup, evaluation=evaluation)
    ev.record_visit(user=sup, evaluation=evaluation, visited_on=today(), score=64, findings="خوب")
    assert ev.score(user=sup, evaluation=evaluation).score == Decimal("64.0")


@pytest.mark.parametrize("fields, field", [
    ({"visited_on": "۱۴۰۵/۱۳/۰۱"}, "visited_on"),
    ({"visited_on": ""}, "visited_on"),
    ({"visited_on": format_date(today() + dt.timedelta(days=3))}, "visited_on"),
    ({"score": "۱۰۱"}, "score"),
    ({"score": "خوب"}, "score"),
    ({"findings": "  "}, "findings"),
])
def test_bad_visits(scene, fields, field):
    world, gov, sup = scene
    q = build(sup)
    (evaluation,) = ev.send(user=sup, questionnaire=q, agency_ids=[world.agency.pk])
    data = {"visited_on": today(), "score": 50, "findings": "یافته", **fields}
    with pytest.raises(DomainError) as caught:
        ev.record_visit(user=sup, evaluation=evaluation, **data)
    assert caught.value.field == field
    assert not FieldVisit.objects.exists()
