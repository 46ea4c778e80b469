"""The pages of letters filed at the counter, through Django's test client (real HTTP through the stack):
the operator files a citizen's letter step by step and prints the answer, the clerk registers or returns it
from «نامه‌های دفاتر پیشخوان», the letter page shows the office, and a citizen tracks it by code."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from dabir.core.errors import NotAllowed
from dabir.core.models import RateCounter
from dabir.counters import services
from dabir.counters.models import CounterLetter, LicenceState, Submission, Visit
from dabir.desk import codes
from dabir.letters.models import Channel, Letter, Referral
from tests.factories import EXE_BYTES, JPEG_BYTES, PDF_BYTES, make_user, make_world

from .conftest import CITIZEN_MOBILE, CITIZEN_NC, consent_code, make_office, make_staff
from .test_letters import file, register, reply_to

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def text_of(response) -> str:
    return response.content.decode()


def identified(counter, c: Client) -> Visit:
    """Steps 1 and 2 through the pages: the citizen named, the SMS code read out."""
    r = c.post(reverse("counters:letter_start"), {"national_code": "".join("۰۱۲۳۴۵۶۷۸۹"[int(d)] for d in CITIZEN_NC),
                                                   "mobile": CITIZEN_MOBILE, "name": "مریم کریمی"})
    visit = Visit.objects.get()
    assert r.status_code == 302 and r.url == reverse("counters:letter_new", args=[visit.pk])
    r = c.post(reverse("counters:letter_verify", args=[visit.pk]), {"code": consent_code(visit)})
    assert r.status_code == 302
    visit.refresh_from_db()
    assert visit.verified_at is not None
    return visit


def letter_post(counter, **overrides) -> dict:
    data = {"agency": counter.world.agency.pk, "citizen_name": "مریم کریمی", "subject": "درخواست روشنایی معبر",
            "text": "کوچه ما تاریک است.", "expected_total": "15000", "submission_key": "page-key-1",
            "scans": [SimpleUploadedFile("page1.pdf", PDF_BYTES, "application/pdf"),
                      SimpleUploadedFile("page2.jpg", JPEG_BYTES, "image/jpeg")]}
    data.update(overrides)
    return data


# ---------------------------------------------------------------- the operator


def test_the_operator_files_a_letter_through_the_pages(counter):
    c = client_for(counter.operator)
    r = c.get(reverse("counters:letters"))
    assert r.status_code == 200 and "ثبت نامه شهروند" in text_of(r)
    visit = identified(counter, c)
    r = c.get(reverse("counters:letter_new", args=[visit.pk]))
    page = text_of(r)
    assert r.status_code == 200 and 'id="letter-form"' in page and "۱۵٬۰۰۰ ریال" in page
    assert counter.world.agency.name in page
    r = c.post(reverse("counters:letter_file", args=[visit.pk]), letter_post(counter))
    cl = CounterLetter.objects.get()
    sub = Submission.objects.get(counter_letter=cl)
    assert r.status_code == 302 and r.url == reverse("counters:desk_submission", args=[sub.pk])
    assert cl.scans.count() == 2 and cl.subject == "درخواست روشنایی معبر"
    # the same form sent again (a double click): the same letter, nothing new
    r = c.post(reverse("counters:letter_file", args=[visit.pk]), letter_post(counter))
    assert r.status_code == 302 and CounterLetter.objects.count() == 1
    r = c.get(reverse("counters:letters"))
    assert codes.display(cl.tracking_code) in text_of(r)
    r = c.get(reverse("counters:letter", args=[cl.pk]))
    assert r.status_code == 200 and "page1.pdf" in text_of(r)
    r = c.get(reverse("counters:letter_scan", args=[cl.pk, cl.scans.first().pk]))
    assert r.status_code == 200 and r.content == PDF_BYTES and r["Content-Type"] == "application/pdf"


def test_a_wrong_consent_code_is_refused_in_persian(counter):
    c = client_for(counter.operator)
    c.post(reverse("counters:letter_start"), {"national_code": CITIZEN_NC, "mobile": CITIZEN_MOBILE, "name": "م"})
    visit = Visit.objects.get()
    right = consent_code(visit)
    r = c.post(reverse("counters:letter_verify", args=[visit.pk]), {"code": "000000" if right != "000000" else "1"})
    assert r.status_code == 400 and "کد" in text_of(r)
    visit.refresh_from_db()
    assert visit.verified_at is None
    # the letter form is not offered, and a letter posted anyway is refused
    r = c.post(reverse("counters:letter_file", args=[visit.pk]), letter_post(counter))
    assert r.status_code == 400 and "تأیید" in text_of(r) and not CounterLetter.objects.exists()


def test_a_mistyped_national_code_is_refused(counter):
    c = client_for(counter.operator)
    r = c.post(reverse("counters:letter_start"), {"national_code": "1234567890", "mobile": CITIZEN_MOBILE,
                                                   "name": "مریم"})
    assert r.status_code == 400 and "کد ملی" in text_of(r) and not Visit.objects.exists()


@pytest.mark.parametrize("overrides,message", [
    ({"scans": []}, "اسکن"),
    ({"scans": [SimpleUploadedFile("virus.pdf", EXE_BYTES, "application/pdf")]}, "نمی‌خواند"),
    ({"subject": ""}, "موضوع نامه را وارد کنید"),
    ({"agency": ""}, "دستگاه گیرنده"),
    ({"expected_total": "1000"}, "۱۵٬۰۰۰"),
    ({"expected_total": "-15000"}, "منفی"),
])
def test_bad_letter_input_gets_a_persian_message_and_writes_nothing(counter, overrides, message):
    c = client_for(counter.operator)
    visit = identified(counter, c)
    r = c.post(reverse("counters:letter_file", args=[visit.pk]), letter_post(counter, **overrides))
    assert r.status_code == 400 and message in text_of(r)
    assert not CounterLetter.objects.exists() and not Submission.objects.exists()


def test_an_office_suspended_between_steps_is_refused_with_the_reason(counter):
    c = client_for(counter.operator)
    visit = identified(counter, c)
    counter.office.state, counter.office.state_reason = LicenceState.SUSPENDED, "بازرسی"
    counter.office.save()
    r = c.post(reverse("counters:letter_file", args=[visit.pk]), letter_post(counter))
    assert r.status_code == 403 and "تعلیق" in text_of(r) and not CounterLetter.objects.exists()
    assert c.get(reverse("counters:letter_start")).status_code == 403


def test_another_office_sees_nothing_of_this_offices_letters(counter):
    cl = file(counter)
    other = make_office("21002", name="دفتر دوم")
    c = client_for(make_staff(other, "second.operator"))
    assert c.get(reverse("counters:letter", args=[cl.pk])).status_code == 404
    assert c.get(reverse("counters:letter_answer_pdf", args=[cl.pk])).status_code == 404
    assert c.get(reverse("counters:letter_scan", args=[cl.pk, cl.scans.first().pk])).status_code == 404
    assert codes.display(cl.tracking_code) not in text_of(c.get(reverse("counters:letters")))


def test_someone_not_bound_to_an_office_cannot_use_the_operator_pages(counter):
    c = client_for(make_user("nobody"))
    assert c.get(reverse("counters:letters")).status_code == 403
    assert c.get(reverse("counters:letter_start")).status_code == 403


# ---------------------------------------------------------------- the clerk


def test_the_clerk_registers_a_letter_from_the_queue(counter):
    world = counter.world
    cl = file(counter)
    c = client_for(world.clerk)
    r = c.get(reverse("counters:letter_queue"))
    page = text_of(r)
    assert r.status_code == 200 and cl.subject in page and counter.office.name in page
    assert 'id="nav-counter-letters"' in page and re.search(r'nav-counter-letters".*?text-bg-warning[^>]*>۱<', page, re.S)
    r = c.get(reverse("counters:letter_review", args=[cl.pk]))
    page = text_of(r)
    assert r.status_code == 200 and 'id="register-form"' in page and world.expert_pos.title in page
    assert c.get(reverse("counters:letter_scan", args=[cl.pk, cl.scans.first().pk])).content == PDF_BYTES
    r = c.post(reverse("counters:letter_register", args=[cl.pk]), {
        "refer_position": world.expert_pos.pk, "refer_action": "action", "refer_note": "رسیدگی شود"})
    cl.refresh_from_db()
    assert r.status_code == 302 and r.url == reverse("letter_detail", args=[cl.letter_id])
    assert cl.state == CounterLetter.State.REGISTERED
    letter = Letter.objects.get(pk=cl.letter_id)
    assert letter.channel == Channel.COUNTER and Referral.objects.get(letter=letter).note == "رسیدگی شود"
    # the letter's page shows the office and the citizen
    r = c.get(reverse("letter_detail", args=[letter.pk]))
    page = text_of(r)
    assert r.status_code == 200 and 'id="counter-letter-panel"' in page and counter.office.name in page
    assert "مریم کریمی" in page
    # deciding twice: the page says it is decided, nothing more is written
    r = c.post(reverse("counters:letter_register", args=[cl.pk]), {"refer_position": world.expert_pos.pk,
                                                                    "refer_action": "action"})
    assert r.status_code == 400 and "تصمیم" in text_of(r) and Letter.objects.filter(kind="incoming").count() == 1


def test_registering_without_a_referral_is_refused(counter):
    cl = file(counter)
    c = client_for(counter.world.clerk)
    r = c.post(reverse("counters:letter_register", args=[cl.pk]), {"refer_action": "action"})
    assert r.status_code == 400 and "نخستین ارجاع" in text_of(r)
    outsider = make_world("دستگاه دیگر")
    r = c.post(reverse("counters:letter_register", args=[cl.pk]), {"refer_position": outsider.expert_pos.pk,
                                                                    "refer_action": "action"})
    assert r.status_code == 400 and "سمت" in text_of(r)
    cl.refresh_from_db()
    assert cl.state == CounterLetter.State.SENT and not Letter.objects.exists()


def test_the_clerk_returns_a_letter_with_a_reason(counter):
    cl = file(counter)
    c = client_for(counter.world.clerk)
    r = c.post(reverse("counters:letter_return", args=[cl.pk]), {"reason": ""})
    assert r.status_code == 400 and "علت برگشت را بنویسید" in text_of(r)
    r = c.post(reverse("counters:letter_return", args=[cl.pk]), {"reason": "نامه امضا ندارد."})
    cl.refresh_from_db()
    assert r.status_code == 302 and cl.state == CounterLetter.State.RETURNED and cl.return_reason == "نامه امضا ندارد."


def test_only_the_receiving_secretariat_sees_the_letter(counter):
    cl = file(counter)
    outsider = make_world("دستگاه دیگر")
    c = client_for(outsider.clerk)
    assert cl.subject not in text_of(c.get(reverse("counters:letter_queue")))
    assert c.get(reverse("counters:letter_review", args=[cl.pk])).status_code == 404
    assert c.post(reverse("counters:letter_return", args=[cl.pk]), {"reason": "x"}).status_code == 404
    assert c.get(reverse("counters:letter_scan", args=[cl.pk, cl.scans.first().pk])).status_code == 404
    assert client_for(counter.world.expert).get(reverse("counters:letter_queue")).status_code == 403
    cl.refresh_from_db()
    assert cl.state == CounterLetter.State.SENT


# ---------------------------------------------------------------- the answer, printed at the office


def test_the_office_prints_the_answer_once_the_agency_replies(counter):
    cl = register(counter, file(counter))
    c = client_for(counter.operator)
    assert c.get(reverse("counters:letter_answer_pdf", args=[cl.pk])).status_code == 404  # no answer yet
    reply_to(counter, cl.letter)
    page = text_of(c.get(reverse("counters:letters")))
    assert "چاپ پاسخ" in page
    r = c.get(reverse("counters:letter_answer_pdf", args=[cl.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    assert r["X-Dabir-Signed"] == "0"  # the test world signs without keys; with a signature the signed PDF is served
    counter.office.state = LicenceState.SUSPENDED
    counter.office.save()
    assert c.get(reverse("counters:letter_answer_pdf", args=[cl.pk])).status_code == 403


# ---------------------------------------------------------------- public tracking


def test_a_citizen_tracks_the_letter_by_code_and_national_code(counter):
    cl = register(counter, file(counter))
    c = Client()
    r = c.get(reverse("counters:track") + f"?code={cl.tracking_code}")
    assert r.status_code == 200 and 'id="track-form"' in text_of(r)
    r = c.post(reverse("counters:track"), {"tracking_code": codes.display(cl.tracking_code), "national_code": CITIZEN_NC})
    page = text_of(r)
    assert r.status_code == 200 and 'id="track-result"' in page and "ثبت در دبیرخانه" in page
    assert 'data-field="number"' in page and counter.office.name in page
    assert cl.subject not in page and CITIZEN_MOBILE not in page  # nothing personal beyond the state


def test_tracking_with_the_wrong_national_code_or_a_mistyped_code_finds_nothing(counter):
    from tests.desk.test_services import national_code

    cl = file(counter)
    c = Client()
    r = c.post(reverse("counters:track"), {"tracking_code": cl.tracking_code, "national_code": national_code(11111111)})
    assert r.status_code == 404 and "یافت نشد" in text_of(r) and 'id="track-result"' not in text_of(r)
    wrong = cl.tracking_code[:-1] + str((int(cl.tracking_code[-1]) + 1) % 10)
    r = c.post(reverse("counters:track"), {"tracking_code": wrong, "national_code": CITIZEN_NC})
    assert r.status_code == 400 and "کد رهگیری نادرست است" in text_of(r)


@override_settings(DABIR_DESK_TRACK_RATE=(2, 300))
def test_tracking_is_rate_limited(counter):
    RateCounter.objects.all().delete()
    cl = file(counter)
    c = Client()
    for _ in range(2):
        assert c.post(reverse("counters:track"), {"tracking_code": cl.tracking_code,
                                                  "national_code": CITIZEN_NC}).status_code == 200
    r = c.post(reverse("counters:track"), {"tracking_code": cl.tracking_code, "national_code": CITIZEN_NC})
    assert r.status_code == 429 and r["Retry-After"] == "300" and 'id="track-result"' not in text_of(r)


def test_the_nav_and_home_show_the_clerk_the_pending_letters(counter):
    file(counter)
    c = client_for(counter.world.clerk)
    page = text_of(c.get(reverse("counters:home")))
    assert 'id="card-counter-letters"' in page
    page = text_of(client_for(counter.operator).get(reverse("counters:home")))
    assert 'id="card-counter-letters-office"' in page and 'id="card-counter-letters"' not in page


def test_services_reject_non_clerk_even_when_the_page_is_bypassed(counter):
    cl = file(counter)
    with pytest.raises(NotAllowed):
        services.register_counter_letter(user=counter.operator, counter_letter=cl, refer_to=counter.world.expert_pos)
    cl.refresh_from_db()
    assert cl.state == CounterLetter.State.SENT
