"""Supervision in the admin over real HTTP: supervisors set by a superuser only; index weights written
through the weights service (its checks and audit entry; a province's supervisor sees and sets only their
province's row); questionnaires through the evaluation services, scoped to the office, read-only once
sent; no figure table and no letter in the admin."""

import pytest
from django.test import Client

from dabir.core.models import AuditEntry
from dabir.stats.models import IndexWeights, Level, Question, Questionnaire, Supervisor
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def people(world):
    root = make_user(is_staff=True, is_superuser=True)
    sup = make_user(is_staff=True)
    Supervisor.objects.create(user=sup, level=Level.PROVINCE, province="خوزستان", office=world.agency)
    other = make_user(is_staff=True)
    Supervisor.objects.create(user=other, level=Level.PROVINCE, province="فارس", office=world.agency)
    plain = make_user(is_staff=True)
    return {"root": root, "sup": sup, "other": other, "plain": plain, "world": world}


WEIGHTS = {"incoming": "30", "outgoing": "20", "exchange": "10", "signature": "10", "printing": "10",
           "managers": "10", "connected": "10", "print_cap": "1.5"}


def test_supervisors_are_set_by_a_superuser_only(people):
    assert client_of(people["sup"]).get("/admin/stats/supervisor/").status_code == 403
    c = client_of(people["root"])
    assert c.get("/admin/stats/supervisor/").status_code == 200
    newcomer = make_user(is_staff=True)
    r = c.post("/admin/stats/supervisor/add/", {"user": newcomer.pk, "level": "province", "province": "",
                                                "office": people["world"].agency.pk, "active": "on"})
    assert r.status_code == 200 and "استانش" in r.content.decode()
    assert not Supervisor.objects.filter(user=newcomer).exists()


def test_a_province_supervisor_sets_their_weights_through_the_service(people):
    c = client_of(people["sup"])
    r = c.post("/admin/stats/indexweights/add/", {"province": "خوزستان", **WEIGHTS})
    assert r.status_code == 302, r.content.decode()[:2000]
    row = IndexWeights.objects.get(province="خوزستان")
    assert (row.incoming, float(row.print_cap), row.updated_by) == (30, 1.5, people["sup"])
    assert AuditEntry.objects.filter(action="stats.weights.set").count() == 1
    # Another province's row is refused with the service's Persian message; nothing written.
    r = c.post("/admin/stats/indexweights/add/", {"province": "فارس", **WEIGHTS})
    assert r.status_code == 200 and "ناظر همان استان" in r.content.decode()
    assert not IndexWeights.objects.filter(province="فارس").exists()
    # A bad weight: the service's message on the form.
    r = c.post(f"/admin/stats/indexweights/{row.pk}/change/", {"province": "خوزستان", **WEIGHTS, "print_cap": "99"})
    assert r.status_code == 200 and "۰٫۵ تا ۲۰" in r.content.decode()
    # The other province's supervisor neither sees nor changes this row.
    other = client_of(people["other"])
    assert "خوزستان" not in other.get("/admin/stats/indexweights/").content.decode()
    assert other.get(f"/admin/stats/indexweights/{row.pk}/change/").status_code in (302, 403, 404)
    # Nobody deletes weights here; someone who is not a supervisor does not see them.
    assert c.post(f"/admin/stats/indexweights/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client_of(people["plain"]).get("/admin/stats/indexweights/").status_code == 403


def test_a_questionnaire_and_its_questions_go_through_the_services(people):
    c = client_of(people["sup"])
    form = {"title": "ارزیابی سالانه دبیرخانه", "intro": "", "period": "1405", "answer_due": "",
            "questions-TOTAL_FORMS": "2", "questions-INITIAL_FORMS": "0", "questions-MIN_NUM_FORMS": "0",
            "questions-MAX_NUM_FORMS": "1000",
            "questions-0-text": "چند درصد نامه‌های وارده الکترونیکی است؟", "questions-0-kind": "percent",
            "questions-0-weight": "2", "questions-0-figure": "in_electronic_share", "questions-0-tolerance": "10",
            "questions-1-text": "آیا دبیرخانه آیین‌نامه دارد؟", "questions-1-kind": "yes_no",
            "questions-1-weight": "1", "questions-1-figure": "", "questions-1-tolerance": "10"}
    r = c.post("/admin/stats/questionnaire/add/", form)
    assert r.status_code == 302, r.content.decode()[:3000]
    q = Questionnaire.objects.get()
    assert (q.office, q.province, q.created_by, q.state) == (people["world"].agency, "خوزستان", people["sup"], "draft")
    assert list(q.questions.values_list("order", "figure")) == [(1, "in_electronic_share"), (2, "")]
    assert AuditEntry.objects.filter(action="stats.questionnaire.create").count() == 1
    assert AuditEntry.objects.filter(action="stats.questionnaire.edit").count() == 2
    # A question checked against a figure of another kind is refused with the service's message.
    bad = {**form, "questions-TOTAL_FORMS": "1", "questions-0-kind": "yes_no"}
    del bad["questions-1-text"]
    r = c.post(f"/admin/stats/questionnaire/{q.pk}/change/", {**bad, "questions-INITIAL_FORMS": "0"})
    assert r.status_code == 200 and "باید از نوع" in r.content.decode()
    assert q.questions.count() == 2
    # Another province's supervisor does not see it.
    assert "ارزیابی سالانه" not in client_of(people["other"]).get("/admin/stats/questionnaire/").content.decode()
    # Once sent, it is read-only here.
    Questionnaire.objects.filter(pk=q.pk).update(state="sent")
    page = c.get(f"/admin/stats/questionnaire/{q.pk}/change/")
    assert page.status_code == 200 and 'name="title"' not in page.content.decode()
    r = c.post(f"/admin/stats/questionnaire/{q.pk}/change/", {**form, "title": "تغییر"})
    assert r.status_code == 403
    assert Questionnaire.objects.get(pk=q.pk).title == "ارزیابی سالانه دبیرخانه"
    assert Question.objects.filter(questionnaire=q).count() == 2


def test_no_figure_table_nor_letter_in_the_supervision_admin(people):
    c = client_of(people["root"])
    index = c.get("/admin/stats/").content.decode()
    for model in ("agencyday", "managerday", "durationbin", "userprintday", "dirty", "evaluation", "answer"):
        assert f"/admin/stats/{model}/" not in index
        assert c.get(f"/admin/stats/{model}/").status_code == 404
