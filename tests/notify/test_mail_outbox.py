"""The notices' e-mail outbox against a real SMTP server (aiosmtpd with TLS and AUTH, tests/channels/smtpd.py):
sent through Django's backend with the agency's CA and a Persian password, retried with backoff on a
passing failure, failed on a final one, stale sends freed, and due mails re-enqueued by `dabir sms-retry`."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from dabir.core import audit
from dabir.core.models import AuditEntry
from dabir.notify import mail
from dabir.notify.models import MailMessage, SmsStatus
from dabir.notify.names import SmsKind
from tests.channels.smtpd import PASSWORD, USER, free_port, serving

pytestmark = pytest.mark.django_db

SUBJECT = "دبیر: ارجاع تازه نامه ۱۴۰۵/۱۲۳/و"
TEXT = "- ارجاع تازه نامه ۱۴۰۵/۱۲۳/و\n  http://127.0.0.1:8000/letters/42/"


@pytest.fixture
def smtp(tmp_path, settings):
    """The server in implicit TLS, and the settings that reach it as an agency would configure them."""
    with serving(tmp_path) as server:
        ca = tmp_path / "agency-ca.pem"
        ca.write_text(server.ca_pem)
        settings.EMAIL_BACKEND = "dabir.notify.mail.SmtpBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = USER, PASSWORD
        settings.EMAIL_USE_SSL, settings.EMAIL_USE_TLS = True, False
        settings.EMAIL_TIMEOUT = 5
        settings.DABIR_EMAIL_CA_FILE = str(ca)
        settings.DEFAULT_FROM_EMAIL = "dabir@ostan-khz.ir"
        yield server


def _queue(to="modir@ostan-khz.ir"):
    with transaction.atomic():
        return mail.queue_mail(to=to, subject=SUBJECT, text=TEXT, kind=SmsKind.NOTICE, related="notify.notification:1")


def _jobs():
    return DBTaskResult.objects.filter(task_path="dabir.notify.tasks.send_mail")


def _make_due(message):
    MailMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))


def test_a_mail_goes_out_over_tls_with_a_persian_password(smtp):
    message = _queue()
    assert _jobs().count() == 1
    assert mail.deliver(message.pk) == SmsStatus.SENT
    [received] = smtp.received
    assert received.login == USER  # AUTH PLAIN in UTF-8
    assert received.rcpt_tos == ["modir@ostan-khz.ir"] and received.mail_from == "dabir@ostan-khz.ir"
    parsed = received.message
    assert parsed["Subject"].strip() == SUBJECT  # folded after "Subject:" by Django
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert "/letters/42/" in parsed.get_content()
    message.refresh_from_db()
    assert message.sent_at and message.attempts == 1 and message.last_error == ""
    entry = AuditEntry.objects.get(action="notify.mail_sent")
    assert entry.data["to"] == "m•••@ostan-khz.ir"
    assert audit.verify().ok
    assert mail.deliver(message.pk) == "skipped"  # a second job sends nothing more
    assert len(smtp.received) == 1


def test_starttls_works_too(smtp, settings):
    smtp.start("starttls")
    settings.EMAIL_PORT = smtp.port
    settings.EMAIL_USE_SSL, settings.EMAIL_USE_TLS = False, True
    message = _queue()
    assert mail.deliver(message.pk) == SmsStatus.SENT
    assert len(smtp.received) == 1


def test_an_unknown_ca_is_a_passing_failure(smtp, settings):
    settings.DABIR_EMAIL_CA_FILE = ""
    message = _queue()
    assert mail.deliver(message.pk) == SmsStatus.QUEUED
    message.refresh_from_db()
    assert message.last_error == "اتصال امن به کارساز ایمیل برقرار نشد."
    assert not smtp.received


def test_a_temporary_refusal_retries_with_backoff_then_succeeds(smtp, django_capture_on_commit_callbacks):
    smtp.rcpt_answer = "451 4.3.0 Try again later"
    message = _queue()
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert mail.deliver(message.pk) == SmsStatus.QUEUED
    assert len(callbacks) == 1  # the retry's job, after the failure is recorded
    message.refresh_from_db()
    assert message.attempts == 1 and "۴۵۱" not in message.last_error and "451" in message.last_error
    assert round((message.next_attempt_at - before).total_seconds()) == 30
    assert mail.deliver(message.pk) == "skipped"  # not due yet
    smtp.rcpt_answer = None
    _make_due(message)
    assert mail.deliver(message.pk) == SmsStatus.SENT
    message.refresh_from_db()
    assert message.attempts == 2
    assert AuditEntry.objects.filter(action="notify.mail_retry", object_id=str(message.pk)).count() == 1


def test_a_final_refusal_fails_at_once(smtp):
    smtp.rcpt_answer = "550 5.1.1 No such user"
    message = _queue()
    assert mail.deliver(message.pk) == SmsStatus.FAILED
    message.refresh_from_db()
    assert "550" in message.last_error and message.next_attempt_at is None
    assert AuditEntry.objects.filter(action="notify.mail_failed").count() == 1


def test_a_wrong_password_fails_without_retrying(smtp, settings):
    settings.EMAIL_HOST_PASSWORD = "غلط"
    message = _queue()
    assert mail.deliver(message.pk) == SmsStatus.FAILED
    message.refresh_from_db()
    assert message.last_error == "کارساز ایمیل نام کاربری یا گذرواژه را نپذیرفت."


def test_a_server_that_stays_down_is_tried_six_times(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "dabir.notify.mail.SmtpBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    message = _queue()
    waits = []
    for attempt in range(1, 7):
        before = timezone.now()
        with django_capture_on_commit_callbacks(execute=False):
            status = mail.deliver(message.pk)
        message.refresh_from_db()
        assert message.attempts == attempt
        if attempt < 6:
            assert status == SmsStatus.QUEUED
            waits.append(round((message.next_attempt_at - before).total_seconds()))
            _make_due(message)
        else:
            assert status == SmsStatus.FAILED
    assert waits == [30, 60, 120, 240, 480]


def test_a_stale_send_is_freed_and_due_mails_are_requeued_by_sms_retry(smtp):
    stuck, due, fresh = _queue(), _queue("b@ostan-khz.ir"), _queue("c@ostan-khz.ir")
    long_ago = timezone.now() - dt.timedelta(hours=1)
    MailMessage.objects.filter(pk=stuck.pk).update(status=SmsStatus.SENDING, claimed_at=long_ago, attempts=1)
    _make_due(due)
    _jobs().delete()
    out = StringIO()
    call_command("sms_retry", "--no-poll", stdout=out)
    assert "mail_requeued=2" in out.getvalue()
    assert sorted(j.args_kwargs["args"][0] for j in _jobs()) == sorted([stuck.pk, due.pk])  # not the fresh one
    stuck.refresh_from_db()
    assert stuck.status == SmsStatus.QUEUED and "نیمه‌کاره" in stuck.last_error
    assert mail.deliver(stuck.pk) == SmsStatus.SENT
    assert fresh.status == SmsStatus.QUEUED


def test_the_default_backend_writes_files_not_the_terminal(settings, tmp_path, capsys):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    message = _queue()
    assert mail.deliver(message.pk) == SmsStatus.SENT
    [written] = (tmp_path / "mail").iterdir()
    assert "modir@ostan-khz.ir" in written.read_text()
    assert capsys.readouterr().out == ""


@pytest.mark.django_db(transaction=True)
def test_queue_mail_refuses_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError):
        mail.queue_mail(to="a@b.ir", subject="s", text="t", kind=SmsKind.NOTICE)
    assert not MailMessage.objects.exists()
