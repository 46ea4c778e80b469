"""E-mail and fax out over a real SMTP server (aiosmtpd, TLS + AUTH): a dispatched letter's message as the
server got it, the fax gateway, refusals at dispatch, temporary and final failures, a worker that died
mid-send, a wrong password, and the outbox page with its resend and its access rules."""

import datetime as dt
import re
from email.header import decode_header, make_header

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from dabir.channels import addressing, secrets
from dabir.channels.models import Correspondent, Mailbox, Security, Transmission
from dabir.channels.names import AuditAction
from dabir.channels.services import sending
from dabir.channels.tasks import send_transmission
from dabir.core.errors import DomainError
from dabir.core.models import AuditEntry
from dabir.letters import services as letter_services
from dabir.letters.models import Status
from dabir.letters.services import Upload
from tests.factories import make_pdf, make_registered, make_world

from .smtpd import PASSWORD, USER, serving

pytestmark = pytest.mark.django_db

WATER = "شرکت آب و فاضلاب اهواز"
GAS = "شرکت گاز استان"
State = Transmission.State


def contact(world, name, **fields) -> Correspondent:
    return Correspondent.objects.create(agency=world.agency, name=name, search_name=addressing.search_name(name),
                                        **fields)


def mailbox(world, server, **fields) -> Mailbox:
    values = dict(secretariat=world.secretariat, name="صندوق دبیرخانه", address="dabir@ostan-kh.example",
                  display_name="دبیرخانه استانداری خوزستان", receives=False, sends=True, smtp_host="127.0.0.1",
                  smtp_port=server.port, smtp_security=Security.SSL, smtp_username=USER,
                  smtp_password_encrypted=secrets.encrypt(PASSWORD), ca_certificate=server.ca_pem,
                  fax_gateway="{number}@fax.ostan-kh.example")
    values.update(fields)
    return Mailbox.objects.create(**values)


def outgoing(world, *names, uploads=()):
    return make_registered(world, kind="outgoing", to=list(names), subject="پاسخ استعلام انشعاب آب",
                           uploads=list(uploads))


def dispatch(world, letter, channel="email"):
    return letter_services.dispatch(user=world.clerk, letter=letter, channel=channel)


def jobs_for(row) -> int:
    return DBTaskResult.objects.filter(task_path="dabir.channels.tasks.send_transmission",
                                       args_kwargs__args=[row.pk]).count()


def actions(row) -> list[str]:
    return list(AuditEntry.objects.filter(object_type="channels.transmission", object_id=str(row.pk))
                .order_by("id").values_list("action", flat=True))


@pytest.fixture
def smtp_server(tmp_path):
    with serving(tmp_path) as server:
        yield server


@pytest.fixture
def world(db):
    return make_world("استانداری خوزستان")


def test_email_goes_by_smtp_with_the_signed_pdf_and_attachments(world, smtp_server):
    contact(world, WATER, email="dabirkhaneh@abfa-ahvaz.example")
    box = mailbox(world, smtp_server)
    letter = outgoing(world, WATER, uploads=[Upload("نقشه انشعاب.pdf", make_pdf(title="map"))])
    dispatch(world, letter)
    row = Transmission.objects.get(letter=letter)
    assert (row.state, row.kind, row.to, row.mailbox) == (State.QUEUED, "email", "dabirkhaneh@abfa-ahvaz.example", box)
    assert jobs_for(row) == 1  # queued with the dispatch, in its transaction

    assert send_transmission.call(row.pk) == State.SENT  # what the worker runs
    [got] = smtp_server.received
    assert got.login == USER and got.mail_from == box.address and got.rcpt_tos == [row.to]
    msg = got.message
    assert "=?utf-8?" in got.raw.decode("ascii").split("\r\n\r\n")[0].lower()  # RFC 2047 in the headers
    # The long name is folded into two RFC 2047 words; Python's address parser puts a space where they
    # join (RFC 2047 §6.2 says none), so the raw header is decoded by email.header, as mail readers do.
    raw_from = re.search(rb"^From: (.*?)\r\n(?! )", got.raw, re.S | re.M).group(1).decode("ascii")
    assert str(make_header(decode_header(raw_from))) == "دبیرخانه استانداری خوزستان <dabir@ostan-kh.example>"
    assert msg["From"].addresses[0].addr_spec == "dabir@ostan-kh.example"
    letter.refresh_from_db()
    assert msg["Subject"] == f"پاسخ استعلام انشعاب آب (شماره {letter.number})"
    body = msg.get_body(("plain",)).get_content()
    assert letter.number in body and "مورخ ۱۴" in body
    assert msg.get_body(("html",)).get_content().count('dir="rtl"') >= 1
    files = {part.get_filename(): part.get_content() for part in msg.iter_attachments()}
    assert len(files) == 2 and "نقشه انشعاب.pdf" in files
    assert any(name.startswith("letter-") and name.endswith(".pdf") for name in files)
    assert all(content.startswith(b"%PDF-") for content in files.values())
    row.refresh_from_db()
    assert row.sent_at and row.message_id == msg["Message-ID"] and row.attempts == 1
    assert actions(row) == [AuditAction.MAIL_QUEUE, AuditAction.MAIL_SENT]
    assert send_transmission.call(row.pk) == "skipped"  # a second job for it sends nothing
    assert len(smtp_server.received) == 1


def test_fax_goes_to_the_gateway_with_the_pdf_only(world, smtp_server):
    contact(world, GAS, fax="۰۶۱-۳۳۳۳ ۴۴۴۴")
    mailbox(world, smtp_server)
    letter = outgoing(world, GAS, uploads=[Upload("جدول.pdf", make_pdf(title="t"))])
    dispatch(world, letter, "fax")
    row = Transmission.objects.get(letter=letter)
    assert (row.kind, row.to) == ("fax", "06133334444@fax.ostan-kh.example")
    assert sending.deliver(row.pk) == State.SENT
    [got] = smtp_server.received
    assert got.rcpt_tos == ["06133334444@fax.ostan-kh.example"]
    parts = list(got.message.iter_attachments())
    assert len(parts) == 1 and parts[0].get_content_type() == "application/pdf"


def test_recipient_without_address_refuses_the_dispatch(world, smtp_server):
    contact(world, WATER, email="a@abfa.example")
    contact(world, GAS, fax="06133334444")  # in the book, but no e-mail
    mailbox(world, smtp_server)
    letter = outgoing(world, WATER, GAS, "شهرداری رامهرمز")
    with pytest.raises(DomainError) as refused:
        dispatch(world, letter)
    assert "ایمیل ندارند" in refused.value.message
    assert GAS in refused.value.message and "شهرداری رامهرمز" in refused.value.message
    assert WATER not in refused.value.message
    letter.refresh_from_db()
    assert letter.status == Status.REGISTERED
    assert not Transmission.objects.exists()


def test_no_sending_mailbox_or_gateway_refuses(world, smtp_server):
    contact(world, WATER, email="a@abfa.example", fax="06133334444")
    letter = outgoing(world, WATER)
    with pytest.raises(DomainError, match="صندوق ایمیل فعالی"):
        dispatch(world, letter)
    mailbox(world, smtp_server, fax_gateway="")
    with pytest.raises(DomainError, match="درگاه ارسال نمابر"):
        dispatch(world, letter, "fax")
    letter.refresh_from_db()
    assert letter.status == Status.REGISTERED and not Transmission.objects.exists()


def test_temporary_refusal_is_retried_later_then_sent(world, smtp_server, settings):
    settings.DABIR_MAIL_RETRY_BASE_SECONDS = 60
    contact(world, WATER, email="a@abfa.example")
    mailbox(world, smtp_server)
    letter = outgoing(world, WATER)
    dispatch(world, letter)
    row = Transmission.objects.get(letter=letter)
    smtp_server.rcpt_answer = "451 4.3.0 Mailbox busy, try later"
    before = timezone.now()
    assert sending.deliver(row.pk) == State.QUEUED
    row.refresh_from_db()
    assert row.attempts == 1 and "451" in row.last_error and "نپذیرفت" in row.last_error
    assert dt.timedelta(seconds=59) < row.next_attempt_at - before < dt.timedelta(seconds=62)
    assert sending.deliver(row.pk) == "skipped"  # not due yet
    smtp_server.rcpt_answer = None
    assert sending.requeue_due() == 0  # not due yet: nothing enqueued
    Transmission.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    assert sending.requeue_due() == 1
    assert sending.deliver(row.pk) == State.SENT
    row.refresh_from_db()
    assert row.attempts == 2 and row.last_error == "" and len(smtp_server.received) == 1
    assert actions(row) == [AuditAction.MAIL_QUEUE, AuditAction.MAIL_RETRY, AuditAction.MAIL_SENT]
    # the second try's backoff doubles
    assert sending.backoff(2) == dt.timedelta(seconds=120)


def test_too_many_temporary_failures_end_failed(world, smtp_server, settings):
    settings.DABIR_MAIL_MAX_ATTEMPTS = 2
    contact(world, WATER, email="a@abfa.example")
    mailbox(world, smtp_server)
    dispatch(world, outgoing(world, WATER))
    row = Transmission.objects.get()
    smtp_server.rcpt_answer = "451 4.3.0 later"
    assert sending.deliver(row.pk) == State.QUEUED
    Transmission.objects.filter(pk=row.pk).update(next_attempt_at=None)
    assert sending.deliver(row.pk) == State.FAILED


def test_permanent_refusal_fails_at_once_and_shows_in_the_outbox(world, smtp_server, client):
    contact(world, WATER, email="nobody@abfa.example")
    mailbox(world, smtp_server)
    letter = outgoing(world, WATER)
    dispatch(world, letter)
    row = Transmission.objects.get()
    smtp_server.rcpt_answer = "550 5.1.1 No such user"
    assert sending.deliver(row.pk) == State.FAILED
    row.refresh_from_db()
    assert row.attempts == 1 and "550" in row.last_error
    assert actions(row)[-1] == AuditAction.MAIL_FAILED
    client.force_login(world.clerk)
    page = client.get(reverse("channels:outbox")).content.decode()
    assert f'data-id="{row.pk}"' in page and 'data-state="failed"' in page and "ارسال دوباره" in page
    assert "nobody@abfa.example" in page and "نپذیرفت" in page
    assert 'id="nav-outbox"' in page and re.search(r'nav-outbox.*?text-bg-danger[^>]*>۱<', page, re.S)
    letter_page = client.get(reverse("letter_detail", args=[letter.pk])).content.decode()
    assert 'id="outbox-panel"' in letter_page and "nobody@abfa.example" in letter_page


def test_stale_sending_is_recovered(world, smtp_server, settings):
    settings.DABIR_MAIL_STALE_SECONDS = 600
    contact(world, WATER, email="a@abfa.example")
    mailbox(world, smtp_server)
    dispatch(world, outgoing(world, WATER))
    row = Transmission.objects.get()
    # a worker claimed it and died before the server answered
    Transmission.objects.filter(pk=row.pk).update(state=State.SENDING, attempts=1,
                                                  claimed_at=timezone.now() - dt.timedelta(seconds=300))
    assert sending.requeue_due() == 0  # not stale yet
    Transmission.objects.filter(pk=row.pk).update(claimed_at=timezone.now() - dt.timedelta(seconds=601))
    jobs_before = jobs_for(row)
    assert sending.requeue_due() == 1
    row.refresh_from_db()
    assert row.state == State.QUEUED and "نیمه‌کاره" in row.last_error and jobs_for(row) == jobs_before + 1
    assert sending.deliver(row.pk) == State.SENT
    row.refresh_from_db()
    assert row.attempts == 2 and len(smtp_server.received) == 1


def test_wrong_password_fails_with_a_persian_error(world, smtp_server):
    contact(world, WATER, email="a@abfa.example")
    mailbox(world, smtp_server, smtp_password_encrypted=secrets.encrypt("not-the-password"))
    dispatch(world, outgoing(world, WATER))
    row = Transmission.objects.get()
    assert sending.deliver(row.pk) == State.FAILED
    row.refresh_from_db()
    assert "گذرواژه" in row.last_error and "535" in row.last_error
    assert smtp_server.received == []


def test_starttls_and_a_server_that_is_down(world, smtp_server):
    smtp_server.start("starttls")
    contact(world, WATER, email="a@abfa.example")
    box = mailbox(world, smtp_server, smtp_security=Security.STARTTLS)
    dispatch(world, outgoing(world, WATER))
    row = Transmission.objects.get()
    assert sending.deliver(row.pk) == State.SENT
    assert len(smtp_server.received) == 1
    smtp_server.stop()
    dispatch(world, outgoing(world, WATER))
    second = Transmission.objects.exclude(pk=row.pk).get()
    assert sending.deliver(second.pk) == State.QUEUED  # connection refused: try again later
    second.refresh_from_db()
    assert "وصل نشد" in second.last_error
    # an unknown CA is final: the certificate is not trusted
    smtp_server.start("ssl")
    Mailbox.objects.filter(pk=box.pk).update(smtp_security=Security.SSL, smtp_port=smtp_server.port,
                                             ca_certificate="")
    Transmission.objects.filter(pk=second.pk).update(next_attempt_at=None)
    assert sending.deliver(second.pk) == State.FAILED
    second.refresh_from_db()
    assert "گواهی" in second.last_error


def test_resend_access_and_the_address_book_fix(world, smtp_server, client):
    contact(world, WATER, email="wrong@abfa.example")
    mailbox(world, smtp_server)
    letter = outgoing(world, WATER)
    dispatch(world, letter)
    row = Transmission.objects.get()
    smtp_server.rcpt_answer = "550 5.1.1 No such user"
    sending.deliver(row.pk)
    smtp_server.rcpt_answer = None
    url = reverse("channels:outbox_resend", args=[row.pk])

    stranger = make_world("اداره کل راه")  # another secretariat's clerk
    client.force_login(stranger.clerk)
    page = client.get(reverse("channels:outbox")).content.decode()
    assert f'data-id="{row.pk}"' not in page and letter.subject not in page
    assert client.post(url).status_code == 404
    client.force_login(world.expert)  # not a clerk
    assert client.get(reverse("channels:outbox")).status_code == 403
    assert client.post(url).status_code == 404
    row.refresh_from_db()
    assert row.state == State.FAILED

    Correspondent.objects.filter(name=WATER).update(email="dabir@abfa.example")
    client.force_login(world.clerk)
    response = client.post(url, {"next": reverse("letter_detail", args=[letter.pk])})
    assert response.status_code == 302 and response["Location"] == reverse("letter_detail", args=[letter.pk])
    row.refresh_from_db()
    assert (row.state, row.attempts, row.to) == (State.QUEUED, 0, "dabir@abfa.example")
    assert actions(row)[-1] == AuditAction.MAIL_RESEND
    assert client.post(url).status_code == 302  # not failed any more: refused with a message, no change
    assert sending.deliver(row.pk) == State.SENT
    assert smtp_server.received[0].rcpt_tos == ["dabir@abfa.example"]
    sent_page = client.get(reverse("channels:outbox") + "?state=sent").content.decode()
    assert f'data-id="{row.pk}"' in sent_page
    assert f'data-id="{row.pk}"' not in client.get(reverse("channels:outbox") + "?state=failed").content.decode()
