"""Inquiry pages with the Django test client: asking through a form built from the question schema,
answering by hand through one built from the answer schema, visibility, and expiry."""

import datetime as dt

import jdatetime
import pytest
from django.utils import timezone

from dabir.core.models import AuditEntry
from dabir.exchange import services
from dabir.exchange.models import Direction, Inquiry, InquiryType

from ..factories import make_registered, make_user, make_world
from .conftest import drain

QUESTION = {
    "type": "object",
    "properties": {
        "national_code": {"type": "string", "title": "کد ملی", "pattern": "^[0-9]{10}$"},
        "birth": {"type": "string", "format": "date", "title": "تاریخ تولد"},
        "children": {"type": "integer", "title": "شمار فرزندان", "minimum": 0},
    },
    "required": ["national_code", "birth"],
    "additionalProperties": False,
}
ANSWER = {
    "type": "object",
    "properties": {
        "match": {"type": "boolean", "title": "مطابقت دارد"},
        # minLength is not turned into a form check: the service's refusal must reach the form.
        "note": {"type": "string", "title": "توضیح پاسخ", "minLength": 3},
    },
    "required": ["match"],
}


@pytest.fixture
def kind(pair):
    return InquiryType.objects.create(code="nid-check", name="استعلام کد ملی", member=pair.mb,
                                      question_schema=QUESTION, answer_schema=ANSWER, deadline_hours=48)


def _client(client, user):
    client.force_login(user)
    return client


def _ask(client, kind, **fields):
    data = {"type": kind.pk, "national_code": "۰۰۱۲۳۴۵۶۷۸", "birth": "۱۳۷۰/۰۱/۱۵", "children": "۲", **fields}
    return client.post("/exchange/inquiries/new/", data)


def test_the_type_list_offers_other_agencies_types_only(client, pair, kind):
    InquiryType.objects.create(code="own", name="استعلام خودی", member=pair.ma, question_schema=QUESTION,
                               answer_schema=ANSWER)
    page = _client(client, pair.a.expert).get("/exchange/inquiries/new/").content.decode()
    assert "استعلام کد ملی" in page and "استعلام خودی" not in page
    form = client.get(f"/exchange/inquiries/new/?type={kind.pk}").content.decode()
    assert "کد ملی" in form and "تاریخ تولد" in form and 'name="birth"' in form
    # numbers are typed in a text input: a type=number input refuses Persian digits in the browser
    assert 'type="number"' not in form and 'inputmode="numeric"' in form


def test_asking_with_good_values_sends_them_as_the_schema_wants(client, pair, kind):
    response = _ask(_client(client, pair.a.expert), kind)
    inquiry = Inquiry.objects.get(direction=Direction.OUT)
    assert response.status_code == 302 and response["Location"] == f"/exchange/inquiries/{inquiry.pk}/"
    birth = jdatetime.date(1370, 1, 15).togregorian().isoformat()
    assert inquiry.question == {"national_code": "0012345678", "birth": birth, "children": 2}
    assert inquiry.asker == pair.ma and inquiry.answerer == pair.mb and inquiry.asked_by == pair.a.expert
    page = client.get(f"/exchange/inquiries/{inquiry.pk}/").content.decode()
    assert "۰۰۱۲۳۴۵۶۷۸" in page and "در انتظار پاسخ" in page


@pytest.mark.parametrize("fields, message", [
    ({"national_code": "12ab"}, "این مقدار شکل درستی ندارد."),
    ({"national_code": ""}, "این فیلد لازم است."),
    ({"birth": "1370/13/40"}, "تاریخ"),
    ({"children": "دو"}, "یک عدد درست بنویسید."),
    ({"children": "-1"}, "بزرگتر"),
])
def test_asking_with_bad_values_gets_persian_errors_and_sends_nothing(client, pair, kind, fields, message):
    response = _ask(_client(client, pair.a.expert), kind, **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Inquiry.objects.exists()


def test_a_schema_refusal_of_the_service_shows_on_the_form(client, pair, kind):
    kind.question_schema = {**QUESTION, "properties": {**QUESTION["properties"],
                                                       "national_code": {"type": "string", "title": "کد ملی",
                                                                         "minLength": 11}}}
    kind.save()
    response = _ask(_client(client, pair.a.expert), kind)
    assert response.status_code == 400 and "با شِمای آن نمی‌خواند" in response.content.decode()
    assert not Inquiry.objects.exists()


def test_a_letter_the_user_cannot_see_is_refused_and_one_they_can_is_linked(client, pair, kind):
    hidden = make_registered(pair.a, to=[pair.a.manager_pos.id])
    response = _ask(_client(client, pair.a.other), kind, _letter=str(hidden.pk))
    assert response.status_code == 400 and "دسترسی ندارید" in response.content.decode()
    seen = make_registered(pair.a, to=[pair.a.other_pos.id])
    assert _ask(client, kind, _letter=str(seen.pk)).status_code == 302
    assert Inquiry.objects.get().letter == seen


def test_an_unknown_type_or_no_position_is_refused(client, pair, kind):
    own = InquiryType.objects.create(code="own", name="استعلام خودی", member=pair.ma, question_schema=QUESTION,
                                     answer_schema=ANSWER)
    page = _client(client, pair.a.expert).get(f"/exchange/inquiries/new/?type={own.pk}")
    assert "در دسترس نیست" in page.content.decode()
    assert client.get("/exchange/inquiries/new/?type=abc").status_code == 200
    nobody = make_user()
    response = _client(client, nobody).get("/exchange/inquiries/new/")
    assert response.status_code == 403 and "سمتی" in response.content.decode()


def test_a_manual_answer_travels_back_and_shows_by_the_answer_titles(client, pair, kind):
    _ask(_client(client, pair.a.expert), kind)
    drain()
    incoming = Inquiry.objects.get(direction=Direction.IN)
    asked = Inquiry.objects.get(direction=Direction.OUT)
    clerk_b = _client(client, pair.b.clerk)
    listing = clerk_b.get("/exchange/inquiries/?direction=in").content.decode()
    assert f"/exchange/inquiries/{incoming.pk}/" in listing and pair.a.agency.name in listing
    page = clerk_b.get(f"/exchange/inquiries/{incoming.pk}/").content.decode()
    assert 'id="answer-form"' in page and "۰۰۱۲۳۴۵۶۷۸" in page

    bad = clerk_b.post(f"/exchange/inquiries/{incoming.pk}/", {"answer-match": "on", "answer-note": "ab"})
    assert bad.status_code == 400 and "با شِمای آن نمی‌خواند" in bad.content.decode()
    incoming.refresh_from_db()
    assert incoming.state == Inquiry.State.WAITING

    good = clerk_b.post(f"/exchange/inquiries/{incoming.pk}/", {"answer-match": "on", "answer-note": "همخوان است"})
    assert good.status_code == 302
    drain()
    asked.refresh_from_db()
    assert asked.state == Inquiry.State.ANSWERED and asked.answer == {"match": True, "note": "همخوان است"}
    client.force_login(pair.a.expert)
    page = client.get(f"/exchange/inquiries/{asked.pk}/").content.decode()
    assert "مطابقت دارد" in page and "بله" in page and "همخوان است" in page and "answer-form" not in page
    sent, answer = asked.transfer.message, asked.answer_message
    assert str(sent.message_id) in page and sent.sha256 in page and answer.sha256 in page
    # answered already: a second answer is refused in Persian and changes nothing
    again = _client(client, pair.b.clerk).post(f"/exchange/inquiries/{incoming.pk}/", {"answer-match": ""})
    assert again.status_code == 200 and "پیش‌تر پاسخ" in again.content.decode()


def test_users_outside_see_nothing(client, pair, kind):
    _ask(_client(client, pair.a.expert), kind)
    drain()
    asked = Inquiry.objects.get(direction=Direction.OUT)
    incoming = Inquiry.objects.get(direction=Direction.IN)
    stranger = make_world("دستگاه دیگر").clerk
    client.force_login(stranger)
    assert "استعلامی نیست" in client.get("/exchange/inquiries/").content.decode()
    for inquiry in (asked, incoming):
        assert client.get(f"/exchange/inquiries/{inquiry.pk}/").status_code == 404
        assert client.post(f"/exchange/inquiries/{inquiry.pk}/", {"answer-match": "on"}).status_code == 404
    # the non-clerk of the answering agency does not see the incoming one, nor the asking clerk it
    client.force_login(pair.b.other)
    assert client.get(f"/exchange/inquiries/{incoming.pk}/").status_code == 404
    client.force_login(pair.b.clerk)
    assert client.get(f"/exchange/inquiries/{asked.pk}/").status_code == 404
    client.force_login(pair.a.clerk)  # the asking agency's secretariat sees what it asked
    assert client.get(f"/exchange/inquiries/{asked.pk}/").status_code == 200
    incoming.refresh_from_db()
    assert incoming.state == Inquiry.State.WAITING
    client.logout()
    assert client.get("/exchange/inquiries/").status_code == 302


def test_late_inquiries_are_marked_and_expire(client, pair, kind):
    _ask(_client(client, pair.a.expert), kind)
    _ask(client, kind)
    late, other = Inquiry.objects.filter(direction=Direction.OUT).order_by("pk")
    Inquiry.objects.filter(pk=late.pk).update(deadline=timezone.now() - dt.timedelta(hours=1))
    listing = client.get("/exchange/inquiries/").content.decode()
    assert listing.count("دیرکرد") == 1
    assert services.expire_inquiries() == 1
    late.refresh_from_db()
    other.refresh_from_db()
    assert late.state == Inquiry.State.EXPIRED and other.state == Inquiry.State.WAITING
    assert AuditEntry.objects.filter(action="exchange.expire", object_id=str(late.pk)).count() == 1
    assert services.expire_inquiries() == 0
    assert services.expire_inquiries(now=timezone.now() + dt.timedelta(days=30)) == 1
    assert "مهلت گذشت" in client.get("/exchange/inquiries/?state=expired").content.decode()


def test_the_letter_page_lists_its_inquiries_and_their_answers(client, pair, kind):
    letter = make_registered(pair.a, to=[pair.a.other_pos.id])
    assert _ask(_client(client, pair.a.other), kind, _letter=str(letter.pk)).status_code == 302
    page = client.get(f"/letters/{letter.pk}/").content.decode()
    assert "استعلام‌های این نامه" in page and "استعلام کد ملی" in page and "در انتظار پاسخ" in page
    drain()
    services.answer_inquiry(user=pair.b.clerk, inquiry=Inquiry.objects.get(direction=Direction.IN), answer={"match": True})
    drain()
    page = client.get(f"/letters/{letter.pk}/").content.decode()
    assert "پاسخ داده شد" in page
    # someone who sees the letter but had no part in the inquiry does not see it there
    client.force_login(pair.a.manager)
    assert "استعلام کد ملی" not in client.get(f"/letters/{letter.pk}/").content.decode()
