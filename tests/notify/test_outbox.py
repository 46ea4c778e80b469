"""queue_sms writes the outbox row and its job in the caller's transaction; the worker sends with retries."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from dabir.core import audit
from dabir.core.errors import DomainError
from dabir.core.models import AuditEntry
from dabir.notify import services
from dabir.notify.models import SmsMessage, SmsStatus

pytestmark = pytest.mark.django_db

TEXT = "کد ورود شما: ۴۸۲۹۱۷"


def _jobs():
    return DBTaskResult.objects.filter(task_path="dabir.notify.tasks.send_sms")


@pytest.mark.django_db(transaction=True)
def test_queue_sms_refuses_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError):
        services.queue_sms(mobile="09123456789", text=TEXT)
    assert not SmsMessage.objects.exists()


def test_rolled_back_change_leaves_no_message_and_no_job():
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        services.queue_sms(mobile="09123456789", text=TEXT, kind="otp", related="accounts.otp:1")
        assert SmsMessage.objects.count() == 1 and _jobs().count() == 1
        raise Boom
    assert not SmsMessage.objects.exists()
    assert not _jobs().exists()


@pytest.mark.django_db(transaction=True)
def test_committed_change_leaves_the_message_its_job_and_an_audit_entry():
    with transaction.atomic():
        message = services.queue_sms(mobile="۰۹۱۲۳۴۵۶۷۸۹", text=TEXT, kind="otp", related="accounts.otp:1")
    message.refresh_from_db()
    assert message.mobile == "09123456789"  # Persian digits normalised
    assert message.status == SmsStatus.QUEUED
    [job] = _jobs()
    assert job.args_kwargs["args"] == [message.pk]
    entry = AuditEntry.objects.get(action="sms.queue")
    assert entry.object_id == str(message.pk)
    assert TEXT not in str(entry.data) and "09123456789" not in str(entry.data)  # the code never reaches the log
    assert audit.verify().ok


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_a_committed_message(settings):
    with transaction.atomic():
        message = services.queue_sms(mobile="09123456789", text=TEXT)
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    message.refresh_from_db()
    assert message.status == SmsStatus.DELIVERED  # the dev provider delivers at once
    assert message.provider_message_id == f"dev-{message.pk}"
    assert message.attempts == 1 and message.sent_at and message.delivered_at


@pytest.mark.parametrize("mobile, text, field", [("0912", TEXT, "mobile"), ("09123456789", "  ", "text"),
                                                  ("09123456789", "ب" * 701, "text")])
def test_bad_input_is_refused_in_persian(mobile, text, field):
    with pytest.raises(DomainError) as err, transaction.atomic():
        services.queue_sms(mobile=mobile, text=text)
    assert err.value.field == field
    assert not SmsMessage.objects.exists()


def test_immediate_backend_sends_after_commit(immediate_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = services.queue_sms(mobile="09123456789", text=TEXT)
        message.refresh_from_db()
        assert message.status == SmsStatus.QUEUED  # nothing is sent before the change commits
    message.refresh_from_db()
    assert message.status == SmsStatus.DELIVERED


def _queue(mobile="09123456789"):
    with transaction.atomic():
        return services.queue_sms(mobile=mobile, text=TEXT, kind="desk.registered", related="desk.request:7")


def _make_due(message):
    SmsMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))


def test_kavenegar_success_records_the_provider_id(kavenegar):
    message = _queue()
    assert services.deliver(message.pk) == SmsStatus.SENT
    message.refresh_from_db()
    assert message.provider == "kavenegar"
    assert message.provider_message_id == "8792344"
    assert message.provider_status == "در صف ارسال"
    assert message.sent_at and not message.delivered_at
    assert kavenegar.server.requests[0].form["receptor"] == "09123456789"
    # A second job for the same message sends nothing more.
    assert services.deliver(message.pk) == "skipped"
    assert len(kavenegar.server.requests) == 1


def test_server_errors_retry_with_exponential_backoff_then_fail(kavenegar, django_capture_on_commit_callbacks):
    kavenegar.mode = "500"
    message = _queue()
    waits = []
    for attempt in range(1, 7):
        before = timezone.now()
        with django_capture_on_commit_callbacks(execute=True):
            status = services.deliver(message.pk)
        message.refresh_from_db()
        assert message.attempts == attempt
        assert "HTTP 500" in message.last_error
        if attempt < 6:
            assert status == SmsStatus.QUEUED
            waits.append(round((message.next_attempt_at - before).total_seconds()))
            # Not due yet: a job that runs early does nothing.
            assert services.deliver(message.pk) == "skipped"
            _make_due(message)
        else:
            assert status == SmsStatus.FAILED
            assert message.next_attempt_at is None
    assert waits == [30, 60, 120, 240, 480]
    assert len(kavenegar.server.requests) == 6
    assert AuditEntry.objects.filter(action="sms.retry", object_id=str(message.pk)).count() == 5
    assert AuditEntry.objects.filter(action="sms.failed", object_id=str(message.pk)).count() == 1


def test_a_timeout_then_success(kavenegar):
    kavenegar.mode = "timeout"
    message = _queue()
    assert services.deliver(message.pk) == SmsStatus.QUEUED
    kavenegar.mode = "ok"
    _make_due(message)
    assert services.deliver(message.pk) == SmsStatus.SENT
    message.refresh_from_db()
    assert message.attempts == 2 and message.last_error == ""


def test_invalid_receptor_fails_at_once(kavenegar):
    kavenegar.mode = "411"
    message = _queue()
    assert services.deliver(message.pk) == SmsStatus.FAILED
    message.refresh_from_db()
    assert message.attempts == 1
    assert "گیرنده نامعتبر است" in message.last_error


def test_retry_jobs_are_deferred_on_the_database_backend(kavenegar, django_capture_on_commit_callbacks):
    kavenegar.mode = "500"
    message = _queue()
    with django_capture_on_commit_callbacks(execute=True):
        services.deliver(message.pk)
    message.refresh_from_db()
    retry_job = _jobs().order_by("-enqueued_at").first()
    assert _jobs().count() == 2
    assert retry_job.run_after == message.next_attempt_at


def test_sms_retry_command_requeues_due_messages_and_recovers_stuck_ones(kavenegar):
    due = _queue()
    later = _queue()
    stuck = _queue()
    _make_due(due)
    SmsMessage.objects.filter(pk=later.pk).update(next_attempt_at=timezone.now() + dt.timedelta(minutes=5))
    SmsMessage.objects.filter(pk=stuck.pk).update(
        status=SmsStatus.SENDING, claimed_at=timezone.now() - dt.timedelta(minutes=30), attempts=1)
    _jobs().delete()
    call_command("sms_retry", "--no-poll", verbosity=0)
    requeued = sorted(j.args_kwargs["args"][0] for j in _jobs())
    assert requeued == sorted([due.pk, stuck.pk])
    stuck.refresh_from_db()
    assert stuck.status == SmsStatus.QUEUED and "نیمه‌کاره" in stuck.last_error


def test_sms_retry_loop_outlives_a_failed_round(kavenegar, monkeypatch):
    """The loop is the only thing that frees a message stuck in "sending": a round that meets a
    database error is logged and the next round runs (it once ended the loop for good)."""
    from django.db import OperationalError

    from dabir.notify.management.commands import sms_retry

    stuck = _queue()
    SmsMessage.objects.filter(pk=stuck.pk).update(
        status=SmsStatus.SENDING, claimed_at=timezone.now() - dt.timedelta(minutes=30), attempts=1)
    real, rounds = services.requeue_due, []

    def flaky_round(*args, **kwargs):
        rounds.append(1)
        if len(rounds) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(*args, **kwargs)

    class Stop(Exception):
        pass

    def sleep(seconds):
        if len(rounds) >= 2:
            raise Stop

    resets = []
    monkeypatch.setattr(services, "requeue_due", flaky_round)
    monkeypatch.setattr(sms_retry.time, "sleep", sleep)
    # the loop drops a broken connection after a failed round; inside the test's transaction it must stay
    monkeypatch.setattr(sms_retry, "close_old_connections", lambda: resets.append(1))
    with pytest.raises(Stop):
        call_command("sms_retry", "--loop", "--no-poll", "--interval", "1", verbosity=0)
    stuck.refresh_from_db()
    assert len(rounds) == 2 and resets == [1] and stuck.status == SmsStatus.QUEUED
    # without --loop the error is the command's own failure, not hidden
    monkeypatch.setattr(services, "requeue_due", lambda: (_ for _ in ()).throw(OperationalError("gone")))
    with pytest.raises(OperationalError):
        call_command("sms_retry", "--no-poll", verbosity=0)


def test_delivery_reports_are_polled_and_recorded(kavenegar):
    first, second, third = _queue(), _queue(), _queue()
    for m in (first, second, third):
        services.deliver(m.pk)
        m.refresh_from_db()
    kavenegar.delivery = {first.provider_message_id: 10, second.provider_message_id: 11}
    call_command("sms_retry", verbosity=0)
    first.refresh_from_db()
    second.refresh_from_db()
    third.refresh_from_db()
    assert first.status == SmsStatus.DELIVERED and first.delivered_at
    assert second.status == SmsStatus.FAILED and second.last_error
    assert third.status == SmsStatus.SENT and third.status_checked_at is None  # unknown to the provider yet
    status_calls = [r for r in kavenegar.server.requests if r.path.endswith("status.json")]
    assert len(status_calls) == 1
    # Polling again asks only for the one still in flight.
    call_command("sms_retry", verbosity=0)
    status_calls = [r for r in kavenegar.server.requests if r.path.endswith("status.json")]
    assert status_calls[-1].query["messageid"] == third.provider_message_id


def test_polling_survives_an_unreachable_provider(kavenegar):
    message = _queue()
    services.deliver(message.pk)
    kavenegar.mode = "500"
    assert services.poll_delivery() == 0
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT
