"""The secretariat's exchange pages through real HTTP (Django's test client): the arrivals queue, an
arrival's files and checks, accepting and returning through the forms (bad input included), the sent
items with each recipient's state and the retry of a failed one, and the navbar and compose hooks."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from dabir.core.text import to_persian_digits
from dabir.exchange.models import Arrival, Delivery, Transfer, TransferState
from dabir.letters import services as letters
from dabir.letters.models import Letter, Link

from ..factories import make_registered, make_user
from .conftest import drain

pytestmark = pytest.mark.django_db



def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def send(pair, **kw) -> Letter:
    from ..factories import make_pdf

    letter = make_registered(pair.a, kind="outgoing", to=[pair.b.agency.name],
                             uploads=[letters.Upload("پیوست-بودجه.pdf", make_pdf(title="att"))], **kw)
    letters.dispatch(user=pair.a.clerk, letter=letter, channel="network")
    drain()
    return letter


def accept_data(pair, **over) -> dict:
    data = {"accept-secretariat": pair.b.secretariat.id, "accept-refer_position": pair.b.manager_pos.id,
            "accept-refer_action": "action", "accept-refer_note": "بررسی و اقدام شود", "accept-refer_deadline": ""}
    data.update(over)
    return data


def text_of(response) -> str:
    return re.sub("[\u2066-\u2069\u200e\u200f]", "", response.content.decode())


# ---------------------------------------------------------------- who sees the queue


def test_the_receiving_clerk_sees_the_arrival_and_nobody_else_does(pair):
    letter = send(pair)
    arrival = Arrival.objects.get()
    b = client_for(pair.b.clerk)
    page = b.get(reverse("exchange:arrivals"))
    assert page.status_code == 200
    shown = text_of(page)
    assert letter.subject in shown and pair.a.agency.name in shown
    assert to_persian_digits(letter.number) in shown  # the sender's number, in Persian digits, isolated
    assert 'dir="ltr" class="number"' in shown
    assert b.get(reverse("exchange:arrival", args=[arrival.pk])).status_code == 200

    a = client_for(pair.a.clerk)  # a clerk of another agency (the sender's)
    assert letter.subject not in text_of(a.get(reverse("exchange:arrivals")))
    assert a.get(reverse("exchange:arrival", args=[arrival.pk])).status_code == 404
    assert a.get(reverse("exchange:arrival_document", args=[arrival.pk])).status_code == 404
    assert a.post(reverse("exchange:arrival_accept", args=[arrival.pk]), accept_data(pair)).status_code == 404

    expert = client_for(pair.b.expert)  # of the receiving agency, not a clerk
    assert expert.get(reverse("exchange:arrivals")).status_code == 403
    assert expert.get(reverse("exchange:arrival", args=[arrival.pk])).status_code == 404
    assert "نامه‌های الکترونیکی رسیده" not in text_of(expert.get("/"))
    arrival.refresh_from_db()
    assert arrival.state == "pending"


def test_the_queue_puts_pending_first_and_filters_by_state(pair):
    first = send(pair, subject="نامه نخست پذیرفته")
    second = send(pair, subject="نامه دوم در انتظار")
    older = Arrival.objects.get(sender_number=first.number)
    b = client_for(pair.b.clerk)
    b.post(reverse("exchange:arrival_accept", args=[older.pk]), accept_data(pair))
    shown = text_of(b.get(reverse("exchange:arrivals")))
    assert shown.index(second.subject) < shown.index(first.subject)
    pending = text_of(b.get(reverse("exchange:arrivals"), {"state": "pending"}))
    assert second.subject in pending and first.subject not in pending
    accepted = text_of(b.get(reverse("exchange:arrivals"), {"state": "accepted"}))
    assert first.subject in accepted and second.subject not in accepted
    assert b.get(reverse("exchange:arrivals"), {"state": "<bad>"}).status_code == 200


def test_the_navbar_counts_pending_arrivals_for_clerks(pair):
    send(pair)
    send(pair, subject="دومی")
    page = text_of(client_for(pair.b.clerk).get("/"))
    link = re.search(r'id="nav-arrivals".*?</a>', page, re.S).group(0)
    assert "نامه‌های الکترونیکی رسیده" in link and "۲" in link
    assert "ارسال‌های الکترونیکی" in page
    menu = re.search(r'id="nav-exchange".*?</a>', page, re.S).group(0)
    assert "تبادل" in menu and "۲" in menu
    assert 'id="nav-arrivals"' in text_of(client_for(pair.a.clerk).get("/"))


# ---------------------------------------------------------------- the arrival's files and checks


def test_the_arrival_page_shows_the_checks_and_serves_the_signed_pdf(pair):
    send(pair)
    arrival = Arrival.objects.get()
    b = client_for(pair.b.clerk)
    page = text_of(b.get(reverse("exchange:arrival", args=[arrival.pk])))
    assert pair.ma.fingerprint in page  # the message's certificate is the sender's in the directory
    assert f"گواهی «{pair.a.agency.name}» در فهرست شبکه تبادل است" in page
    assert "✗" not in page and page.count("✓") >= 4
    assert "امضاهای PDF نامه" in page and "سالم و معتبر است" in page
    assert "پیوست-بودجه.pdf" in page

    pdf = b.get(reverse("exchange:arrival_document", args=[arrival.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("inline")
    assert pdf.content.startswith(b"%PDF-")
    att = b.get(reverse("exchange:arrival_attachment", args=[arrival.pk, 1]))
    assert att.status_code == 200 and att["Content-Disposition"].startswith("attachment")
    assert att.content.startswith(b"%PDF-")
    assert b.get(reverse("exchange:arrival_attachment", args=[arrival.pk, 2])).status_code == 404
    assert b.get(reverse("exchange:arrival_attachment", args=[arrival.pk, 0])).status_code == 404


def test_a_sender_certificate_unlike_the_directory_is_flagged(pair):
    send(pair)
    arrival = Arrival.objects.get()
    pair.ma.__class__.objects.filter(pk=pair.ma.pk).update(fingerprint="0" * 64)
    page = text_of(client_for(pair.b.clerk).get(reverse("exchange:arrival", args=[arrival.pk])))
    assert "✗" in page and "نمی‌خواند" in page


# ---------------------------------------------------------------- accepting


def test_accepting_registers_the_letter_with_its_referral_and_the_sender_sees_the_number(pair):
    original = send(pair)
    arrival = Arrival.objects.get()
    b = client_for(pair.b.clerk)
    response = b.post(reverse("exchange:arrival_accept", args=[arrival.pk]),
                      accept_data(pair, **{"accept-refer_deadline": "۱۴۹۹/۰۱/۱۵"}))
    assert response.status_code == 302
    arrival.refresh_from_db()
    letter = arrival.letter
    assert response["Location"] == reverse("letter_detail", args=[letter.pk])
    referral = letter.referrals.get()
    assert referral.to_position == pair.b.manager_pos and referral.note == "بررسی و اقدام شود"
    assert referral.deadline is not None
    # the new letter's page says where it came from
    panel = text_of(b.get(response["Location"]))
    assert "این نامه الکترونیکی از" in panel and to_persian_digits(original.number) in panel

    drain()
    a = client_for(pair.a.clerk)
    sent = text_of(a.get(reverse("exchange:sent")))
    assert "ثبت شد" in sent and to_persian_digits(letter.number) in sent
    on_letter = text_of(a.get(reverse("letter_detail", args=[original.pk])))
    assert 'id="exchange-panel"' in on_letter and to_persian_digits(letter.number) in on_letter


def test_bad_accept_input_is_refused_in_persian_and_nothing_is_lost(pair):
    send(pair)
    arrival = Arrival.objects.get()
    b = client_for(pair.b.clerk)
    url = reverse("exchange:arrival_accept", args=[arrival.pk])

    no_referral = b.post(url, accept_data(pair, **{"accept-refer_position": "", "accept-refer_note": "هامش من"}))
    assert no_referral.status_code == 400
    page = text_of(no_referral)
    assert "نخستین ارجاع نامه را برگزینید" in page and "هامش من" in page  # the typed note kept

    # a secretariat of another agency, even one where this clerk also works
    pair.a.secretariat.clerks.add(pair.b.clerk)
    wrong = b.post(url, accept_data(pair, **{"accept-secretariat": pair.a.secretariat.id}))
    assert wrong.status_code == 400 and "دبیرخانه‌ای از دستگاه گیرنده" in text_of(wrong)

    other_agency = b.post(url, accept_data(pair, **{"accept-refer_position": pair.a.manager_pos.id}))
    assert other_agency.status_code == 400 and "این سمت در دستگاه گیرنده نیست" in text_of(other_agency)

    bad_date = b.post(url, accept_data(pair, **{"accept-refer_deadline": "۱۴۰۵/۱۳/۴۰"}))
    assert bad_date.status_code == 400 and "تاریخ" in text_of(bad_date)

    arrival.refresh_from_db()
    assert arrival.state == "pending" and arrival.letter is None
    assert not Letter.objects.filter(agency=pair.b.agency).exists()

    assert b.post(url, accept_data(pair)).status_code == 302
    twice = b.post(url, accept_data(pair))
    assert twice.status_code == 400 and "پیش‌تر تصمیم گرفته شده" in text_of(twice)
    again = b.post(reverse("exchange:arrival_return", args=[arrival.pk]), {"return-reason": "unreadable"})
    assert again.status_code == 400 and "پیش‌تر تصمیم گرفته شده" in text_of(again)
    assert Letter.objects.filter(agency=pair.b.agency).count() == 1


def test_the_forms_take_only_posts(pair):
    send(pair)
    arrival = Arrival.objects.get()
    b = client_for(pair.b.clerk)
    assert b.get(reverse("exchange:arrival_accept", args=[arrival.pk])).status_code == 405
    assert b.get(reverse("exchange:arrival_return", args=[arrival.pk])).status_code == 405


# ---------------------------------------------------------------- returning


def test_returning_needs_a_reason_and_the_sender_sees_it(pair):
    original = send(pair)
    arrival = Arrival.objects.get()
    b = client_for(pair.b.clerk)
    url = reverse("exchange:arrival_return", args=[arrival.pk])
    none = b.post(url, {"return-reason": "", "return-note": ""})
    assert none.status_code == 400 and "علت برگشت را برگزینید" in text_of(none)
    unknown = b.post(url, {"return-reason": "because", "return-note": ""})
    assert unknown.status_code == 400
    other = b.post(url, {"return-reason": "other", "return-note": "  "})
    assert other.status_code == 400 and "علت برگشت را بنویسید" in text_of(other)
    arrival.refresh_from_db()
    assert arrival.state == "pending"

    done = b.post(url, {"return-reason": "not_ours", "return-note": "مربوط به اداره راه است"})
    assert done.status_code == 302 and done["Location"] == reverse("exchange:arrivals")
    arrival.refresh_from_db()
    assert arrival.state == "returned" and "اداره راه" in arrival.reason
    drain()
    sent = text_of(client_for(pair.a.clerk).get(reverse("exchange:sent"), {"state": "returned"}))
    assert "برگشت خورد" in sent and "اداره راه" in sent and to_persian_digits(original.number) in sent


# ---------------------------------------------------------------- sent items


def test_a_failed_delivery_is_announced_and_sent_again(pair):
    original = send(pair)  # delivered
    delivery = Delivery.objects.get(letter=original)
    Transfer.objects.filter(pk=delivery.transfer_id).update(state=TransferState.FAILED,
                                                           last_error="network: ConnectTimeout")
    a = client_for(pair.a.clerk)
    page = text_of(a.get(reverse("exchange:sent")))
    assert 'id="failed-banner"' in page and "۱ ارسال الکترونیکی ناموفق" in page
    assert "ناموفق" in page and "ConnectTimeout" in page and "ارسال دوباره" in page
    assert original.subject not in text_of(a.get(reverse("exchange:sent"), {"state": "registered"}))

    # only the sending secretariat sends it again
    assert client_for(pair.b.clerk).post(reverse("exchange:sent_retry", args=[delivery.transfer_id])).status_code == 404
    retried = a.post(reverse("exchange:sent_retry", args=[delivery.transfer_id]),
                     {"next": reverse("exchange:sent") + "?state=failed"})
    assert retried.status_code == 302 and retried["Location"] == reverse("exchange:sent") + "?state=failed"
    delivery.transfer.refresh_from_db()
    assert delivery.transfer.state == TransferState.QUEUED
    assert "در صف" in text_of(a.get(reverse("exchange:sent")))
    # a second press on a transfer no longer failed says so, in Persian
    twice = a.post(reverse("exchange:sent_retry", args=[delivery.transfer_id]), follow=True)
    assert "فقط ارسال ناموفق را می‌توان دوباره فرستاد" in text_of(twice)
    drain()
    delivery.transfer.refresh_from_db()
    assert delivery.transfer.state == TransferState.DELIVERED
    assert Arrival.objects.count() == 1  # the same message id: still one arrival
    page = text_of(a.get(reverse("exchange:sent")))
    assert "تحویل شد" in page and "رسید تحویل" in page and 'id="failed-banner"' not in page


def test_the_sent_list_is_for_clerks(pair):
    send(pair)
    assert client_for(pair.a.expert).get(reverse("exchange:sent")).status_code == 403
    assert client_for(make_user()).get(reverse("exchange:sent")).status_code == 403
    assert Client().get(reverse("exchange:sent")).status_code == 302  # to the login page


# ---------------------------------------------------------------- compose and dispatch


def test_compose_suggests_the_directory_names_and_dispatch_offers_the_network(pair):
    page = text_of(client_for(pair.a.expert).get(reverse("compose")))
    assert '<datalist id="outside-names">' in page
    assert f'<option value="{pair.b.agency.name}">' in page
    assert "letters/address_book" in page
    letter = make_registered(pair.a, kind="outgoing", to=[pair.b.agency.name])
    detail = text_of(client_for(pair.a.clerk).get(reverse("letter_detail", args=[letter.pk])))
    assert 'value="network"' in detail and "الکترونیکی" in detail


def test_a_reply_shows_on_the_original_letter_page(pair):
    original = send(pair)
    b = client_for(pair.b.clerk)
    # referred to the expert, who writes the reply (عطف)
    b.post(reverse("exchange:arrival_accept", args=[Arrival.objects.get().pk]),
           accept_data(pair, **{"accept-refer_position": pair.b.expert_pos.id}))
    incoming = Arrival.objects.get().letter
    reply = make_registered(pair.b, kind="outgoing", to=[pair.a.agency.name], links=[(incoming.id, "replies")],
                            subject="پاسخ به نامه")
    letters.dispatch(user=pair.b.clerk, letter=reply, channel="network")
    drain()
    back = Arrival.objects.get(agency=pair.a.agency)
    a = client_for(pair.a.clerk)
    response = a.post(reverse("exchange:arrival_accept", args=[back.pk]), {
        "accept-secretariat": pair.a.secretariat.id, "accept-refer_position": pair.a.manager_pos.id,
        "accept-refer_action": "action",
    })
    assert response.status_code == 302
    answered = Arrival.objects.get(agency=pair.a.agency).letter
    assert Link.objects.filter(letter=answered, target=original, kind="replies").exists()
    page = text_of(a.get(reverse("letter_detail", args=[original.pk])))
    assert "نامه‌های بعدی" in page and to_persian_digits(answered.number) in page
