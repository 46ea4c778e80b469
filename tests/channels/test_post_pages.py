"""The day's dispatch list «دفتر ارسال پستی» over real HTTP: kept to the clerk's secretariat and the
letters they may see, Jalali days typed in Persian digits, the inline edits and outcomes with their
Persian refusals (nothing typed is lost), the printed PDF read back with pypdf, the letter page's panel."""

import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from dabir.channels.models import PostDispatch
from dabir.core.jalali import format_date, format_long, today
from dabir.letters import services as letters
from dabir.orgs.models import Secretariat
from tests.factories import make_registered, make_user

pytestmark = pytest.mark.django_db

SECRET_SUBJECT = "پیشنهاد محرمانه خرید زمین"
PLAIN_SUBJECT = "پاسخ استعلام آب‌بها"
URL = reverse("channels:post")


def posted(world, subject=PLAIN_SUBJECT, to=("شرکت آب و فاضلاب اهواز",), **kw):
    letter = make_registered(world, kind="outgoing", to=list(to), subject=subject, **kw)
    letters.dispatch(user=world.clerk, letter=letter, channel="post")
    return letter


@pytest.fixture
def clerk(client, world):
    client.force_login(world.clerk)
    return client


def visual(text: str) -> str:
    """Runs of digits (with their separators) reversed, as a PDF lays them out inside Persian text."""
    return re.sub(r"[۰-۹][۰-۹/٬:]*[۰-۹]", lambda m: m.group(0)[::-1], text)


def bidi_free(html: str) -> str:
    return re.sub("[\u2066-\u2069\u200e\u200f]", "", html)


def test_the_clerk_sees_the_days_list_with_totals(clerk, world):
    letter = posted(world, to=["شرکت آب و فاضلاب اهواز", "آقای شهروندی"])
    PostDispatch.objects.filter(letter=letter).update(cost=125000)
    page = clerk.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert PLAIN_SUBJECT in html and "آقای شهروندی" in html
    assert '<bdi dir="ltr" class="number">' in html  # the letter's number isolated
    assert "۲۵۰٬۰۰۰" in html and 'id="post-count">۲<' in html
    assert format_long(today()) in html
    # the navbar entry
    assert 'id="nav-post"' in html and "دفتر ارسال پستی" in html


def test_a_day_typed_in_persian_digits_and_a_wrong_one(clerk, world):
    posted(world)
    html = clerk.get(URL, {"day": format_date(today())}).content.decode()
    assert PLAIN_SUBJECT in html
    yesterday = clerk.get(URL, {"day": "۱۴۰۰/۰۱/۰۱"}).content.decode()
    assert PLAIN_SUBJECT not in yesterday and 'id="post-empty"' in yesterday
    wrong = clerk.get(URL, {"day": "۱۴۰۵/۱۳/۴۰"})
    assert wrong.status_code == 200
    assert "این تاریخ در تقویم وجود ندارد" in wrong.content.decode()
    # prev and next links lead to the neighbouring days
    assert re.search(r'id="post-prev"', html) and "day=" in html


def test_no_list_for_someone_who_is_no_clerk(client, world):
    posted(world)
    client.force_login(world.expert)
    assert client.get(URL).status_code == 403
    assert client.get(reverse("channels:post_pdf")).status_code == 403


def test_another_secretariat_sees_none_of_it_and_acts_on_nothing(client, world):
    """A clerk of the agency's other secretariat: not the confidential letter's subject, not its line."""
    letter = posted(world, subject=SECRET_SUBJECT, classification="confidential")
    line = letter.post_dispatches.get()
    branch = Secretariat.objects.create(agency=world.agency, name="دبیرخانه شعبه", code="SH")
    other = make_user(first_name="کاوه", last_name="شعبه")
    branch.clerks.add(other)
    client.force_login(other)
    for path in (URL, f"{URL}?secretariat={world.secretariat.pk}", reverse("channels:post_pdf")):
        response = client.get(path)
        assert response.status_code == 200
        assert SECRET_SUBJECT.encode() not in response.content and letter.number.encode() not in response.content
    update = client.post(reverse("channels:post_update", args=[line.pk]),
                         {f"u{line.pk}-method": "express", f"u{line.pk}-tracking_number": "1234567890"})
    assert update.status_code == 404
    assert client.post(reverse("channels:post_outcome", args=[line.pk]),
                       {f"o{line.pk}-state": "delivered"}).status_code == 404
    line.refresh_from_db()
    assert (line.method, line.tracking_number, line.state) == ("registered", "", "dispatched")
    # the letter's own clerk sees it
    client.force_login(world.clerk)
    assert SECRET_SUBJECT in client.get(URL).content.decode()


def test_tracking_and_cost_typed_in_persian_digits(clerk, world):
    line = posted(world).post_dispatches.get()
    prefix = f"u{line.pk}"
    response = clerk.post(reverse("channels:post_update", args=[line.pk]), {
        f"{prefix}-method": "express", f"{prefix}-tracking_number": "۱۲۳۴ ۵۶۷۸ ۹۰۱۲ ۳۴۵۶ ۷۸۹۰",
        f"{prefix}-cost": "۸۵٬۰۰۰"})
    assert response.status_code == 302 and f"#dispatch-{line.pk}" in response["Location"]
    line.refresh_from_db()
    assert (line.method, line.tracking_number, line.cost) == ("express", "12345678901234567890", 85000)
    html = clerk.get(response["Location"]).content.decode()
    assert "۸۵٬۰۰۰" in html and "۱۲۳۴۵۶۷۸۹۰۱۲۳۴۵۶۷۸۹۰" in html


def test_a_wrong_tracking_number_keeps_what_was_typed(clerk, world):
    line = posted(world).post_dispatches.get()
    prefix = f"u{line.pk}"
    response = clerk.post(reverse("channels:post_update", args=[line.pk]), {
        f"{prefix}-method": "courier", f"{prefix}-tracking_number": "۱۲۳", f"{prefix}-cost": "۹۰۰۰"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "شماره رهگیری پستی باید از ۱۰ تا ۲۴ رقم باشد" in html
    assert 'value="۱۲۳"' in html and 'value="۹۰۰۰"' in html  # nothing typed is lost
    negative = clerk.post(reverse("channels:post_update", args=[line.pk]), {
        f"{prefix}-method": "courier", f"{prefix}-tracking_number": "", f"{prefix}-cost": "-۵۰۰"})
    assert negative.status_code == 400 and "هزینه نمی‌تواند منفی باشد" in negative.content.decode()
    line.refresh_from_db()
    assert (line.method, line.cost) == ("registered", None)


def test_outcomes_from_the_list(clerk, world):
    line = posted(world).post_dispatches.get()
    url = reverse("channels:post_outcome", args=[line.pk])
    no_reason = clerk.post(url, {f"o{line.pk}-state": "returned", f"o{line.pk}-note": ""})
    assert no_reason.status_code == 400 and "علت برگشت مرسوله را بنویسید" in no_reason.content.decode()
    assert clerk.post(url, {f"o{line.pk}-state": "returned", f"o{line.pk}-note": "نشانی ناقص"}).status_code == 302
    again = clerk.post(url, {f"o{line.pk}-state": "delivered"})
    assert again.status_code == 400 and "پیش‌تر «برگشت خورد» ثبت شده" in again.content.decode()
    line.refresh_from_db()
    assert (line.state, line.outcome_note) == ("returned", "نشانی ناقص")


def test_the_printed_list(clerk, world):
    letter = posted(world, to=["شرکت آب و فاضلاب اهواز"])
    PostDispatch.objects.filter(letter=letter).update(cost=120000, tracking_number="12345678901234567890")
    response = clerk.get(reverse("channels:post_pdf"), {"day": format_date(today())})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = bidi_free("".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages))
    flat = " ".join(text.split())
    for words in ("دفتر ارسال مرسولات پستی", "دبیرخانه مرکزی", "تحویل‌گیرنده", "شرکت آب و فاضلاب اهواز",
                  PLAIN_SUBJECT, format_long(today()).split()[1], "استانداری آزمون"):
        assert words.replace("\u200c", "") in flat.replace("\u200c", ""), (words, flat[:600])
    # Numbers in Persian digits (pypdf reads a run of digits inside a right-to-left line in visual order)
    for number in (format_date(today()), "۱۲۰٬۰۰۰", "۱۲۳۴۵۶۷۸۹۰۱۲۳۴۵۶۷۸۹۰"):
        assert number in flat or visual(number) in flat, (number, flat[:600])
    assert not re.search(r"[0-9]", flat.replace("1 از1", "")), flat  # no Latin digit but pypdf's page label


def test_a_wrong_day_for_the_pdf_is_a_persian_message(clerk, world):
    response = clerk.get(reverse("channels:post_pdf"), {"day": "فردا"})
    assert response.status_code == 400 and "تاریخ نامعتبر است" in response.content.decode()


def test_the_letter_page_lists_its_envelopes(clerk, world):
    letter = posted(world, to=["شرکت آب و فاضلاب اهواز", "آقای شهروندی"])
    html = clerk.get(reverse("letter_detail", args=[letter.pk])).content.decode()
    assert 'id="post-panel"' in html and "آقای شهروندی" in html and 'id="post-panel-list"' in html
    # the letter's author sees the panel, without the clerk's link to the list
    clerk.force_login(world.expert)
    html = clerk.get(reverse("letter_detail", args=[letter.pk])).content.decode()
    assert 'id="post-panel"' in html and 'id="post-panel-list"' not in html
