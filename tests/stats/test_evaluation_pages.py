"""The evaluation pages through Django's test client (and one walk in chromium at phone width): the
supervisor builds and sends, the agency answers from its inbox letter, the supervisor sees the
discrepancy, visits, scores and exports; bad input answered on the form (400, a Persian message) with
nothing written; everyone else refused."""

import datetime as dt
import io
import os
import re
from decimal import Decimal

import pytest

from dabir.core.jalali import format_date, today
from dabir.stats import aggregate
from dabir.stats.models import ActionItem, Answer, Evaluation, FieldVisit, Question, Questionnaire
from dabir.stats.services import evaluation as ev
from tests.factories import make_user, make_world, register_incoming

from .test_evaluation import PERIOD, build, good_values, make_supervisor, questions

pytestmark = pytest.mark.django_db


def body(answer) -> str:
    return answer.content.decode()


@pytest.fixture
def scene(world):
    gov = make_world("استانداری خوزستان")
    return world, gov, make_supervisor(gov)


def answer_post(q, **override) -> dict:
    return {f"q{pk}": value for pk, value in good_values(q, **override).items()}


def test_supervisor_builds_and_sends_through_the_pages(client, scene):
    world, gov, sup = scene
    client.force_login(sup)
    assert 'id="nav-questionnaires"' in body(client.get("/stats/questionnaires/"))
    answer = client.post("/stats/questionnaires/new/", {"title": "ارزیابی بهار", "intro": "", "period": PERIOD,
                                                        "answer_due": format_date(today() + dt.timedelta(days=7))})
    assert answer.status_code == 302
    q = Questionnaire.objects.get()
    url = f"/stats/questionnaires/{q.pk}/"
    assert answer["Location"] == url
    assert client.post(url + "questions/add/", {"text": "سهم وارده الکترونیکی؟", "kind": "percent",
                                                "weight": "۳", "figure": "in_electronic_share",
                                                "tolerance": "۱۰"}).status_code == 302
    assert client.post(url + "questions/add/", {"text": "نرم‌افزار استاندارد؟", "kind": "yes_no", "weight": "۱",
                                                "figure": "", "tolerance": ""}).status_code == 302
    first, second = questions(q)
    client.post(url + f"questions/{second.pk}/move/", {"direction": "up"})
    assert [x.pk for x in questions(q)] == [second.pk, first.pk]
    page = body(client.get(url))
    assert "سهم وارده الکترونیکی؟" in page and "رواداری ۱۰" in page and 'id="send-link"' in page

    # a bad question: the form again, 400, the message on its field, nothing added
    bad = client.post(url + "questions/add/", {"text": "تعداد نامه‌ها", "kind": "percent", "weight": "۱",
                                               "figure": "letters_in", "tolerance": "۱"})
    assert bad.status_code == 400 and "باید از نوع «عدد» باشد" in body(bad)
    assert q.questions.count() == 2

    # send: every agency of the province in the list, checked by default
    send_page = body(client.get(url + "send/"))
    assert world.agency.name in send_page and gov.agency.name in send_page
    assert re.search(rf'value="{world.agency.pk}"[^>]*checked', send_page)
    assert client.post(url + "send/", {"agencies": []}).status_code == 400
    answer = client.post(url + "send/", {"agencies": [str(world.agency.pk)]})
    assert answer.status_code == 302
    evaluation = Evaluation.objects.get()
    assert evaluation.letter.number
    page = body(client.get(url))
    assert world.agency.name in page and 'id="export-xlsx"' in page and 'id="add-question"' not in page
    # a sent questionnaire's questions are closed to edits
    assert client.post(url + "questions/add/", {"text": "دیر", "kind": "yes_no", "weight": "1"}).status_code == 409
    assert client.get(url + f"questions/{first.pk}/edit/").status_code == 409
    assert client.post(url + f"questions/{first.pk}/remove/").status_code == 409
    assert q.questions.count() == 2


def test_sending_outside_the_scope_is_refused_on_the_form(client, scene):
    world, gov, sup = scene
    tehran = make_world("شهرداری تهران")
    tehran.agency.province = "تهران"
    tehran.agency.save()
    q = build(sup)
    client.force_login(sup)
    assert tehran.agency.name not in body(client.get(f"/stats/questionnaires/{q.pk}/send/"))
    answer = client.post(f"/stats/questionnaires/{q.pk}/send/", {"agencies": [str(tehran.agency.pk)]})
    assert answer.status_code == 400 and "از فهرست برگزینید" in body(answer)
    assert not Evaluation.objects.exists()
    # another province's supervisor sees no questionnaire of this office
    client.force_login(make_supervisor(tehran, province="تهران"))
    assert client.get(f"/stats/questionnaires/{q.pk}/").status_code == 404


def test_non_supervisors_cannot_build(client, scene):
    world, gov, sup = scene
    for user in (world.manager, world.clerk, make_user()):
        client.force_login(user)
        assert client.get("/stats/questionnaires/").status_code == 403
        assert client.post("/stats/questionnaires/new/", {"title": "x", "period": PERIOD}).status_code == 403
    assert not Questionnaire.objects.exists()


def test_the_agency_answers_from_its_letter_and_the_supervisor_sees_the_discrepancy(client, scene):
    world, gov, sup = scene
    for channel in ("email", "network", "post", "post"):
        register_incoming(world, channel=channel)
    q = build(sup)
    (evaluation,) = ev.send(user=sup, questionnaire=q, agency_ids=[world.agency.pk])
    aggregate.refresh()  # 3 electronic of 5 incoming (the questionnaire's letter is one): 60%

    client.force_login(world.manager)
    letter_page = body(client.get(f"/letters/{evaluation.letter_id}/"))
    assert 'id="evaluation-letter-panel"' in letter_page and "پاسخ به پرسش‌نامه ارزیابی" in letter_page
    assert f"/stats/evaluations/{evaluation.pk}/answer/" in letter_page
    assert 'id="nav-evaluations"' in body(client.get("/stats/evaluations/"))
    form_url = f"/stats/evaluations/{evaluation.pk}/answer/"
    assert "چند درصد نامه‌های وارده الکترونیکی است؟" in body(client.get(form_url))

    # bad answers: 400, each message under its question, nothing saved
    bad = client.post(form_url, answer_post(q, q1="۱۲۰", q2="0", q3="دوازده", q0=""))
    page = body(bad)
    assert bad.status_code == 400
    for message in ("درصد باید میان ۰ و ۱۰۰ باشد.", "امتیاز باید میان ۱ و ۵ باشد.", "عدد باید عدد باشد.",
                    "به این پرسش پاسخ دهید."):
        assert message in page
    assert 'value="دوازده"' in page  # what was typed stays on the form
    assert not Answer.objects.exists()

    assert client.post(form_url, answer_post(q)).status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.state == Evaluation.State.ANSWERED

    # the supervisor's page: the 90% claim beside the 60% measured, highlighted
    client.force_login(sup)
    page = body(client.get(f"/stats/evaluations/{evaluation.pk}/"))
    row = re.search(rf'<tr data-question="{questions(q)[1].pk}".*?</tr>', page, re.S).group(0)
    assert 'data-discrepancy="1"' in row and "۹۰" in row and "۶۰" in row and "مغایرت" in row
    table = body(client.get(f"/stats/questionnaires/{q.pk}/"))
    assert 'data-discrepancies="1"' in table

    # a bad visit, then good ones, and the score
    bad = client.post(f"/stats/evaluations/{evaluation.pk}/visit/",
                      {"visited_on": "۱۴۰۵/۱۳/۴۰", "score": "۱۲۰", "findings": "x"})
    assert bad.status_code == 400 and "تاریخ" in body(bad) and not FieldVisit.objects.exists()
    for score in ("۷۰", "۹۰"):
        assert client.post(f"/stats/evaluations/{evaluation.pk}/visit/", {
            "visited_on": format_date(today()), "score": score, "findings": "بازدید شد"}).status_code == 302
    assert client.post(f"/stats/evaluations/{evaluation.pk}/score/").status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.score == Decimal("77.8")
    assert "۷۷٫۸" in body(client.get(f"/stats/evaluations/{evaluation.pk}/"))

    # actions: a bad one (a past due), then one the agency marks done
    bad = client.post(f"/stats/evaluations/{evaluation.pk}/actions/add/",
                      {"text": "اسکن بایگانی", "due": format_date(today() - dt.timedelta(days=1))})
    assert bad.status_code == 400 and "گذشته" in body(bad) and not ActionItem.objects.exists()
    assert client.post(f"/stats/evaluations/{evaluation.pk}/actions/add/",
                       {"text": "اسکن بایگانی", "due": ""}).status_code == 302
    action = ActionItem.objects.get()

    # the exports: the same table, opened with openpyxl and read as CSV
    from openpyxl import load_workbook

    xlsx = client.get(f"/stats/questionnaires/{q.pk}/export.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.values)
    assert rows[0] == ("دستگاه", "شماره نامه", "وضعیت", "مغایرت‌ها", "امتیاز")
    assert rows[1][0] == world.agency.name and rows[1][3] == 1 and rows[1][4] == 77.8
    csv_text = client.get(f"/stats/questionnaires/{q.pk}/export.csv").content.decode("utf-8-sig")
    assert world.agency.name in csv_text and "77.8" in csv_text
    assert client.get(f"/stats/questionnaires/{q.pk}/export.pdf").status_code == 404

    # after scoring the agency may no longer answer; it marks its action done
    client.force_login(world.clerk)
    assert 'id="answer-closed"' in body(client.get(form_url))
    assert client.post(form_url, answer_post(q, q1="10")).status_code == 409
    page = body(client.get(f"/stats/evaluations/{evaluation.pk}/"))
    assert "۷۷٫۸" in page and "اسکن بایگانی" in page
    assert client.post(f"/stats/evaluations/actions/{action.pk}/done/", {"note": "انجام شد"}).status_code == 302
    action.refresh_from_db()
    assert action.state == ActionItem.State.DONE

    # the next evaluation shows the action to be checked; the supervisor verifies it there
    later_q = build(sup, title="ارزیابی پاییز")
    (later,) = ev.send(user=sup, questionnaire=later_q, agency_ids=[world.agency.pk])
    client.force_login(sup)
    page = body(client.get(f"/stats/evaluations/{later.pk}/"))
    assert 'id="carried-actions"' in page and "اسکن بایگانی" in page
    assert client.post(f"/stats/evaluations/actions/{action.pk}/verify/",
                       {"verified": "1", "in_evaluation": str(later.pk)}).status_code == 302
    action.refresh_from_db()
    assert (action.state, action.checked_in_id) == (ActionItem.State.VERIFIED, later.pk)
    assert client.post(f"/stats/evaluations/actions/{action.pk}/verify/",
                       {"verified": "maybe", "in_evaluation": str(later.pk)}).status_code == 400


def test_another_agencys_evaluation_is_forbidden(client, scene):
    world, gov, sup = scene
    stranger = make_world("شهرداری اهواز")
    q = build(sup)
    ev.send(user=sup, questionnaire=q, agency_ids=[world.agency.pk, stranger.agency.pk])
    mine = Evaluation.objects.get(agency=world.agency)
    for user in (stranger.manager, stranger.clerk, world.expert):
        client.force_login(user)
        assert client.get(f"/stats/evaluations/{mine.pk}/answer/").status_code == 403
        assert client.post(f"/stats/evaluations/{mine.pk}/answer/", answer_post(q)).status_code == 403
        assert client.get(f"/stats/evaluations/{mine.pk}/").status_code == 403
    assert not Answer.objects.exists()
    # the agency's own people cannot score, visit or set actions
    client.force_login(world.manager)
    assert client.post(f"/stats/evaluations/{mine.pk}/score/").status_code == 403
    assert client.post(f"/stats/evaluations/{mine.pk}/visit/", {"visited_on": format_date(today()), "score": "50",
                                                                "findings": "x"}).status_code == 403
    assert client.post(f"/stats/evaluations/{mine.pk}/actions/add/", {"text": "x"}).status_code == 403
    assert client.get("/stats/evaluations/999999/").status_code == 404
    # a clerk sees only their agency's evaluations in the list
    client.force_login(world.clerk)
    page = body(client.get("/stats/evaluations/"))
    assert f'data-evaluation="{mine.pk}"' in page and world.agency.name in page and stranger.agency.name not in page
    client.force_login(make_user())
    assert client.get("/stats/evaluations/").status_code == 403


def test_question_edit_and_questionnaire_edit_pages(client, scene):
    world, gov, sup = scene
    q = build(sup)
    client.force_login(sup)
    question = questions(q)[0]
    url = f"/stats/questionnaires/{q.pk}/questions/{question.pk}/edit/"
    assert "آیا دبیرخانه نرم‌افزار استاندارد دارد؟" in body(client.get(url))
    bad = client.post(url, {"text": "", "kind": "yes_no", "weight": "1"})
    assert bad.status_code == 400 and "متن پرسش را وارد کنید." in body(bad)
    assert client.post(url, {"text": "پرسش تازه", "kind": "scale", "weight": "۲", "figure": "",
                             "tolerance": ""}).status_code == 302
    question.refresh_from_db()
    assert (question.text, question.kind, question.weight) == ("پرسش تازه", Question.Kind.SCALE, 2)
    edit = f"/stats/questionnaires/{q.pk}/edit/"
    bad = client.post(edit, {"title": "ارزیابی", "period": PERIOD, "answer_due": "۱۳۹۰/۰۱/۰۱"})
    assert bad.status_code == 400 and "گذشته" in body(bad)
    assert client.post(f"/stats/questionnaires/{q.pk}/questions/{question.pk}/remove/").status_code == 302
    assert q.questions.count() == 5


@pytest.mark.skipif(not os.path.exists("/usr/bin/chromium"), reason="Debian's chromium is not installed")
@pytest.mark.django_db(transaction=True)
def test_the_answer_form_and_the_evaluation_page_at_phone_width(no_lingering_connections, live_server, monkeypatch):
    """A manager answers in chromium at 390px (Persian digits typed), then a supervisor opens the page."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from django.test import Client
    from playwright.sync_api import sync_playwright

    from tests.browser import assert_phone_layout, launch, phone_context

    world = make_world()
    gov = make_world("استانداری خوزستان")
    sup = make_supervisor(gov)
    q = build(sup)
    (evaluation,) = ev.send(user=sup, questionnaire=q, agency_ids=[world.agency.pk])
    shots = os.environ.get("DABIR_EVAL_SHOTS")

    def sign_in(context, user):
        client = Client()
        client.force_login(user)
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                              "url": live_server.url}])
        return context.new_page()

    with sync_playwright() as p:
        browser = launch(p)
        try:
            page = sign_in(phone_context(browser), world.manager)
            page.goto(live_server.url + f"/stats/evaluations/{evaluation.pk}/answer/")
            assert_phone_layout(page, "answer form")
            qs = questions(q)
            page.locator(f"label[for=id_q{qs[0].pk}_0]").click()
            page.locator(f"#id_q{qs[1].pk}").fill("۱۲۰")
            page.locator(f"label[for=id_q{qs[2].pk}_3]").click()
            page.locator(f"#id_q{qs[3].pk}").fill("۱۲")
            page.locator(f"#id_q{qs[5].pk}").fill("۸۰")
            page.get_by_role("button", name="ثبت پاسخ‌ها").click()
            assert "درصد باید میان ۰ و ۱۰۰ باشد." in page.locator("#answer-form").inner_text()
            if shots:
                page.screenshot(path=f"{shots}/answer-error.png", full_page=True)
            page.locator(f"#id_q{qs[1].pk}").fill("۹۰")
            page.get_by_role("button", name="ثبت پاسخ‌ها").click()
            page.wait_for_url(re.compile(rf"/stats/evaluations/{evaluation.pk}/$"))
            assert "پاسخ داده شده" in page.locator("#evaluation-state").inner_text()
            assert_phone_layout(page, "evaluation page (agency)")

            page = sign_in(phone_context(browser), sup)
            page.goto(live_server.url + f"/stats/evaluations/{evaluation.pk}/")
            assert_phone_layout(page, "evaluation page (supervisor)")
            assert page.locator("#visit-form").is_visible() and page.locator("#score-button").is_visible()
            if shots:
                page.screenshot(path=f"{shots}/evaluation-supervisor.png", full_page=True)
            page.goto(live_server.url + f"/stats/questionnaires/{q.pk}/")
            assert_phone_layout(page, "questionnaire page")
            if shots:
                page.screenshot(path=f"{shots}/questionnaire.png", full_page=True)
        finally:
            browser.close()
    assert Evaluation.objects.get().answers.get(question=qs[1]).value == "90"
