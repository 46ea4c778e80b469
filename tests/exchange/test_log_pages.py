"""The message log pages: who sees them, filters, a message's signed header, the exact bytes,
refusals for superusers and the outbox."""

import pytest

from dabir.exchange import envelope, services
from dabir.exchange.models import Direction, Message, Refusal, Transfer
from dabir.letters import services as letters
from dabir.orgs.services import make_agency_admin

from ..factories import make_registered, make_user, make_world
from .conftest import drain


@pytest.fixture
def sent(pair):
    """A letter from A to B, delivered and registered: letters and receipts both ways in the log."""
    letter = make_registered(pair.a, kind="outgoing", to=[pair.b.agency.name], subject="موضوع نامه تبادلی")
    letters.dispatch(user=pair.a.clerk, letter=letter, channel="network")
    drain()
    return letter


def _admin_of(agency, **extra):
    user = make_user(is_staff=True, **extra)
    make_agency_admin(actor=None, user=user, agency=agency)
    return user


def test_an_agency_admin_sees_every_message_of_their_agency(client, pair, sent):
    client.force_login(_admin_of(pair.a.agency))
    response = client.get("/exchange/log/")
    assert response.status_code == 200
    page = response.content.decode()
    mine = Message.objects.filter(sender=pair.ma.code) | Message.objects.filter(receiver=pair.ma.code)
    assert mine.count() >= 4
    for m in mine:
        assert str(m.message_id) in page
    assert "رسید" in page and "نامه" in page and 'class="refers-to"' in page
    assert "موضوع نامه تبادلی" not in page  # the log shows envelopes, not letters


def test_clerks_and_strangers_do_not_see_the_log(client, pair, sent):
    message = Message.objects.filter(direction=Direction.OUT).first()
    client.force_login(pair.a.clerk)
    response = client.get("/exchange/log/")
    assert response.status_code == 403 and "مدیران سامانه" in response.content.decode()
    assert client.get(f"/exchange/log/{message.pk}/raw/").status_code == 403
    assert client.get("/exchange/log/transfers/").status_code == 403
    stranger = _admin_of(make_world("دستگاه سوم").agency)
    client.force_login(stranger)
    assert "پیامی نیست" in client.get("/exchange/log/").content.decode()
    assert client.get(f"/exchange/log/{message.pk}/").status_code == 404
    assert client.get(f"/exchange/log/{message.pk}/raw/").status_code == 404
    assert "ارسالی در صف نیست" in client.get("/exchange/log/transfers/").content.decode()
    client.logout()
    assert client.get("/exchange/log/").status_code == 302


def test_filters_narrow_the_log_and_a_bad_date_is_a_persian_error(client, pair, sent):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    page = client.get("/exchange/log/", {"direction": "in", "kind": "receipt"}).content.decode()
    received = Message.objects.filter(direction=Direction.IN, kind="receipt")
    assert received.count() >= 1 and all(str(m.message_id) in page for m in received)
    assert page.count('data-direction="in" data-kind="receipt"') == page.count('data-direction="') == received.count()
    by_member = client.get("/exchange/log/", {"member": pair.mb.code, "since": "۱۴۰۰/۰۱/۰۱"}).content.decode()
    assert by_member.count('data-direction="') == Message.objects.count()  # every message involves B
    assert 'data-direction="' not in client.get("/exchange/log/", {"until": "1390/01/01"}).content.decode()
    bad = client.get("/exchange/log/", {"since": "۱۴۰۵/۱۳/۴۰"})
    assert bad.status_code == 400 and "تاریخ" in bad.content.decode()


def test_a_message_page_shows_its_signed_header_and_downloads_the_exact_bytes(client, pair, sent):
    superuser = make_user(is_staff=True, is_superuser=True)
    pair.a.secretariat.clerks.add(superuser)  # the bytes of a receipt name a letter: for who may read it
    client.force_login(superuser)
    receipt = Message.objects.filter(direction=Direction.IN, kind="receipt").first()
    page = client.get(f"/exchange/log/{receipt.pk}/").content.decode()
    opened = envelope.open_message(bytes(receipt.raw))
    assert opened.fingerprint in page and "با محتوای پیام می‌خواند" in page and receipt.sha256 in page
    answered = Message.objects.get(direction=Direction.OUT, message_id=receipt.refers_to)
    assert f"/exchange/log/{answered.pk}/" in page
    assert "موضوع نامه تبادلی" not in page and sent.number not in page
    raw = client.get(f"/exchange/log/{receipt.pk}/raw/")
    assert raw.status_code == 200 and raw["Content-Type"] == "application/vnd.dabir.exchange+xml"
    assert b"".join(raw) == bytes(receipt.raw)
    assert "attachment" in raw["Content-Disposition"]


def test_an_agency_admin_gets_no_bytes_of_a_letter_they_may_not_read(client, pair, sent):
    letter_message = Message.objects.get(direction=Direction.OUT, kind="letter")
    client.force_login(_admin_of(pair.a.agency))
    assert client.get(f"/exchange/log/{letter_message.pk}/").status_code == 200
    assert client.get(f"/exchange/log/{letter_message.pk}/raw/").status_code == 403
    # the same admin as a clerk of the sending secretariat may read the letter, and so its bytes
    admin = _admin_of(pair.a.agency)
    pair.a.secretariat.clerks.add(admin)
    client.force_login(admin)
    assert b"".join(client.get(f"/exchange/log/{letter_message.pk}/raw/")) == bytes(letter_message.raw)


def test_refusals_are_for_superusers(client, pair, sent):
    with pytest.raises(envelope.Refused):
        services.receive(b"<not-a-message/>", address="203.0.113.7")
    assert Refusal.objects.filter(address="203.0.113.7").exists()
    client.force_login(_admin_of(pair.a.agency))
    assert client.get("/exchange/log/refusals/").status_code == 403
    assert "پیام‌های ردشده" not in client.get("/exchange/log/").content.decode()
    client.force_login(make_user(is_staff=True, is_superuser=True))
    page = client.get("/exchange/log/refusals/").content.decode()
    assert "203.0.113.7" in page and Refusal.objects.get().sha256[:10] in page


def test_the_outbox_shows_state_attempts_and_errors(client, pair, sent):
    Transfer.objects.filter(pk=Transfer.objects.first().pk).update(state="failed", last_error="اتصال برقرار نشد")
    client.force_login(_admin_of(pair.b.agency))
    page = client.get("/exchange/log/transfers/").content.decode()
    assert "اتصال برقرار نشد" in page and "ناموفق" in page and "تحویل شد" in page
    failed = client.get("/exchange/log/transfers/", {"state": "failed"}).content.decode()
    assert failed.count('data-state="') == 1
