"""notify(): the in-app notice in the caller's transaction, its SMS and e-mail copies by each user's
preferences, the daily digest instead of single copies, and the user's own writes (read, preferences)."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from dabir.core import audit
from dabir.core.errors import DomainError
from dabir.core.models import AuditEntry
from dabir.exchange.names import NoticeKind as ExchangeKind
from dabir.letters.names import NoticeKind
from dabir.notify import digest, mail, notices, preferences, services
from dabir.notify.models import (
    MailMessage,
    NoticePreference,
    NoticeProfile,
    Notification,
    SmsMessage,
    SmsStatus,
)
from dabir.notify.names import SmsKind
from tests.factories import make_user

pytestmark = pytest.mark.django_db

NEW = NoticeKind.REFERRAL_NEW


def _prefer(user, kind=NEW, *, sms=False, email=False, digest_on=False, hour=7):
    with transaction.atomic():
        preferences.save_preferences(user=user, choices={kind: (sms, email)}, digest=digest_on, digest_hour=hour)


def _notify(users, kind=NEW, title="ارجاع تازه: نامه ۱۴۰۵/۱۲/و", url="/letters/42/", related="letters.referral:7",
            **kw):
    with transaction.atomic():
        return notices.notify(users, kind=kind, title=title, url=url, related=related, **kw)


def _jobs(name):
    return DBTaskResult.objects.filter(task_path=f"dabir.notify.tasks.{name}")


def test_copies_follow_each_users_preference():
    by_sms = make_user(mobile="۰۹۱۶۱۰۰۰۰۰۱")
    by_email = make_user(email="modir@ostan.ir", mobile="09161000002")
    both = make_user(email="both@ostan.ir", mobile="09161000003")
    none = make_user(email="none@ostan.ir", mobile="09161000004")
    no_mobile = make_user(email="")
    bad_mobile = make_user(mobile="0216123")
    _prefer(by_sms, sms=True)
    _prefer(by_email, email=True)
    _prefer(both, sms=True, email=True)
    _prefer(no_mobile, sms=True, email=True)
    _prefer(bad_mobile, sms=True)
    _prefer(none, NoticeKind.REMINDER, sms=True, email=True)  # another kind only

    rows = _notify([by_sms, by_email, both, none, no_mobile, bad_mobile])

    assert len(rows) == 6 and Notification.objects.count() == 6  # the in-app notice for everyone
    by_user = {r.user_id: r for r in rows}
    sms = {m.mobile: m for m in SmsMessage.objects.all()}
    assert set(sms) == {"09161000001", "09161000003"}
    assert sms["09161000001"].kind == SmsKind.NOTICE
    assert sms["09161000001"].related == f"notify.notification:{by_user[by_sms.pk].pk}"
    assert "ارجاع تازه: نامه ۱۴۰۵/۱۲/و" in sms["09161000001"].text
    assert "/letters/42/" in sms["09161000001"].text
    mails = {m.to: m for m in MailMessage.objects.all()}
    assert set(mails) == {"modir@ostan.ir", "both@ostan.ir"}
    assert mails["modir@ostan.ir"].subject == "دبیر: ارجاع تازه: نامه ۱۴۰۵/۱۲/و"
    assert "http://127.0.0.1:8000/letters/42/" in mails["modir@ostan.ir"].text
    assert _jobs("send_sms").count() == 2 and _jobs("send_mail").count() == 2
    assert AuditEntry.objects.filter(action="notify.mail_queue").count() == 2
    assert audit.verify().ok


def test_a_title_with_line_breaks_makes_a_one_line_subject():
    user = make_user(email="a@ostan.ir")
    _prefer(user, email=True)
    _notify([user], title="خط یک\nخط دو")
    assert MailMessage.objects.get().subject == "دبیر: خط یک خط دو"


def test_a_link_to_another_host_is_not_put_in_the_copies():
    user = make_user(email="a@ostan.ir", mobile="09161000001")
    _prefer(user, sms=True, email=True)
    _notify([user], url="//evil.example/phish")
    assert "evil" not in SmsMessage.objects.get().text
    assert "evil" not in MailMessage.objects.get().text


def test_inactive_and_repeated_users_get_one_notice_or_none():
    user = make_user(mobile="09161000001")
    gone = make_user(is_active=False)
    _prefer(user, sms=True)
    rows = _notify([user, user, gone, None])
    assert [r.user_id for r in rows] == [user.pk]
    assert SmsMessage.objects.count() == 1


def test_once_skips_users_who_already_hold_the_notice():
    user = make_user(mobile="09161000001")
    _prefer(user, NoticeKind.DEADLINE_PASSED, sms=True)
    _notify([user], NoticeKind.DEADLINE_PASSED, related="letters.referral:9", once=True)
    again = _notify([user], NoticeKind.DEADLINE_PASSED, related="letters.referral:9", once=True)
    assert again == []
    assert Notification.objects.count() == 1 and SmsMessage.objects.count() == 1


def test_a_rolled_back_event_leaves_no_notice_and_no_copy():
    user = make_user(email="a@ostan.ir", mobile="09161000001")
    _prefer(user, sms=True, email=True)

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        notices.notify([user], kind=NEW, title="ارجاع", url="/letters/1/")
        assert Notification.objects.count() == 1 and SmsMessage.objects.count() == 1
        raise Boom
    assert not Notification.objects.exists()
    assert not SmsMessage.objects.exists() and not MailMessage.objects.exists()
    assert not _jobs("send_sms").exists() and not _jobs("send_mail").exists()


def test_an_undeclared_kind_is_refused_and_nothing_written():
    user = make_user()
    with pytest.raises(ValueError, match="NoticeKind"), transaction.atomic():
        notices.notify([user], kind="letters.made_up", title="؟")
    assert not Notification.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_notify_refuses_to_run_outside_the_callers_transaction():
    user = make_user()
    with pytest.raises(RuntimeError):
        notices.notify([user], kind=NEW, title="ارجاع")
    assert not Notification.objects.exists()


def test_a_failing_sms_provider_keeps_the_notice_and_retries(kavenegar, django_capture_on_commit_callbacks):
    kavenegar.mode = "500"
    user = make_user(mobile="09161000001")
    _prefer(user, sms=True)
    [row] = _notify([user])
    message = SmsMessage.objects.get()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.deliver(message.pk) == SmsStatus.QUEUED
    message.refresh_from_db()
    assert message.attempts == 1 and message.next_attempt_at > timezone.now()
    assert callbacks  # the retry's job, once the failure is recorded
    row.refresh_from_db()
    assert row.read_at is None and Notification.objects.filter(pk=row.pk).exists()
    kavenegar.mode = "ok"
    SmsMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert services.deliver(message.pk) == SmsStatus.SENT


def test_a_failing_smtp_server_keeps_the_notice_and_retries(settings):
    from tests.channels.smtpd import free_port

    settings.EMAIL_BACKEND = "dabir.notify.mail.SmtpBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    user = make_user(email="a@ostan.ir")
    _prefer(user, email=True)
    [row] = _notify([user])
    message = MailMessage.objects.get()
    assert mail.deliver(message.pk) == SmsStatus.QUEUED
    message.refresh_from_db()
    assert message.attempts == 1 and message.last_error == "کارساز ایمیل در دسترس نبود."
    assert AuditEntry.objects.filter(action="notify.mail_retry", object_id=str(message.pk)).exists()
    assert Notification.objects.filter(pk=row.pk, read_at__isnull=True).exists()


# ---------------------------------------------------------------- the daily digest


def _tehran(day: dt.date, hour: int, minute: int = 5) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def test_digest_users_get_no_single_copy_then_one_digest_at_their_hour():
    user = make_user(email="digest@ostan.ir", mobile="09161000009")
    with transaction.atomic():
        preferences.save_preferences(user=user, choices={NEW: (True, True), NoticeKind.REMINDER: (False, True)},
                                     digest=True, digest_hour=8)
    first = _notify([user], title="ارجاع تازه اول")
    _notify([user], title="ارجاع تازه دوم", related="letters.referral:8")
    _notify([user], NoticeKind.REMINDER, title="یادآوری ارجاع", related="letters.referral:9")
    _notify([user], NoticeKind.AWAITING_SIGNATURE, title="امضا کنید", related="letters.letter:3")  # no copy wanted
    read = _notify([user], title="دیده شده در زنگوله", related="letters.referral:10")[0]
    notices.mark_read(user=user, notice=read)
    assert not SmsMessage.objects.exists() and not MailMessage.objects.exists()  # no single copies

    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert digest.send_due(now=_tehran(tomorrow, 7, 55)) == 0  # before the hour
    assert digest.send_due(now=_tehran(tomorrow, 8)) == 1

    sms = SmsMessage.objects.get()
    assert sms.kind == SmsKind.DIGEST and sms.mobile == "09161000009"
    assert "۲ اعلان تازه" in sms.text and "ارجاع تازه اول" in sms.text and "یادآوری" not in sms.text
    message = MailMessage.objects.get()
    assert message.kind == SmsKind.DIGEST and "(۳ اعلان)" in message.subject
    assert all(t in message.text for t in ("ارجاع تازه اول", "ارجاع تازه دوم", "یادآوری ارجاع"))
    assert "امضا کنید" not in message.text and "دیده شده" not in message.text
    first[0].refresh_from_db()
    assert first[0].digested_at is not None
    assert Notification.objects.filter(digested_at__isnull=False).count() == 3
    assert AuditEntry.objects.filter(action="notify.digest_sent").count() == 1

    # Once a day: a later round the same day sends nothing; the next day only what came since.
    assert digest.send_due(now=_tehran(tomorrow, 14)) == 0
    [third] = _notify([user], title="ارجاع تازه سوم", related="letters.referral:11")
    Notification.objects.filter(pk=third.pk).update(created_at=_tehran(tomorrow, 15))  # raised after that digest
    assert digest.send_due(now=_tehran(tomorrow + dt.timedelta(days=1), 9)) == 1
    assert SmsMessage.objects.count() == 2
    assert "ارجاع تازه سوم" in SmsMessage.objects.first().text
    assert "ارجاع تازه اول" not in SmsMessage.objects.first().text


def test_a_digest_with_nothing_new_sends_nothing():
    user = make_user(mobile="09161000009")
    _prefer(user, sms=True, digest_on=True, hour=6)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert digest.send_due(now=_tehran(tomorrow, 6)) == 0
    assert not SmsMessage.objects.exists()
    assert NoticeProfile.objects.get(user=user).last_digest_at == _tehran(tomorrow, 6)


def test_a_digest_user_without_a_mobile_keeps_the_notice_for_the_bell():
    user = make_user(mobile="")
    _prefer(user, sms=True, digest_on=True, hour=6)
    [row] = _notify([user])
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    digest.send_due(now=_tehran(tomorrow, 6))
    row.refresh_from_db()
    assert row.digested_at is None and row.read_at is None  # not told by any channel: still in the bell
    assert not SmsMessage.objects.exists()


# ---------------------------------------------------------------- preferences and reading


def test_preferences_are_saved_replaced_and_audited():
    user = make_user()
    _prefer(user, NEW, sms=True)
    with transaction.atomic():
        preferences.save_preferences(user=user, choices={NEW: (False, False), ExchangeKind.DELIVERY_FAILED: (False, True)},
                                     digest=True, digest_hour=21)
    assert list(NoticePreference.objects.values_list("kind", "by_sms", "by_email")) == [
        (ExchangeKind.DELIVERY_FAILED, False, True)]
    profile = NoticeProfile.objects.get(user=user)
    assert profile.digest and profile.digest_hour == 21 and profile.last_digest_at is not None
    entry = AuditEntry.objects.filter(action="notify.preferences_save").last()
    assert entry.actor_id == user.pk and entry.data["email"] == [ExchangeKind.DELIVERY_FAILED]
    choices, _ = preferences.current(user)
    assert choices[ExchangeKind.DELIVERY_FAILED] == (False, True) and choices[NEW] == (False, False)


def test_preferences_refuse_a_bad_hour_and_an_undeclared_kind():
    user = make_user()
    with pytest.raises(DomainError) as err:
        preferences.save_preferences(user=user, choices={NEW: (True, False)}, digest=True, digest_hour=24)
    assert err.value.field == "digest_hour" and "۲۳" in err.value.message
    with pytest.raises(ValueError):
        preferences.save_preferences(user=user, choices={"made.up": (True, False)}, digest=False, digest_hour=7)
    assert not NoticePreference.objects.exists() and not NoticeProfile.objects.exists()


def test_mark_read_and_mark_all_read_touch_only_the_users_own_notices():
    user, other = make_user(), make_user()
    mine = _notify([user], title="یک") + _notify([user], title="دو", related="x:2")
    theirs = _notify([other], title="سه")[0]
    notices.mark_read(user=user, notice=mine[0])
    notices.mark_read(user=user, notice=mine[0])  # twice: one audit entry
    assert AuditEntry.objects.filter(action="notify.notice_read").count() == 1
    with pytest.raises(DomainError):
        notices.mark_read(user=user, notice=theirs)
    assert notices.mark_all_read(user=user) == 1
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert notices.mark_all_read(user=user) == 0
    assert AuditEntry.objects.filter(action="notify.notice_read_all").count() == 1


@pytest.mark.parametrize("url, local", [
    ("/letters/42/", True), ("/notify/notices/?page=2", True), ("", False), ("//evil.example/x", False),
    ("/\\evil.example", False), ("https://evil.example/", False), ("javascript:alert(1)", False),
    ("letters/42/", False),
])
def test_only_a_path_on_this_site_is_local(url, local):
    assert notices.is_local(url) is local


def test_the_demo_sets_its_users_preferences():
    from dabir.demo import daily_notify

    for username in daily_notify.CHOICES:
        make_user(username=username)
    logged = []
    assert sorted(daily_notify.load(log=logged.append)["preferences"]) == sorted(daily_notify.CHOICES)
    governor = NoticePreference.objects.get(user__username="ostandar")
    assert (governor.kind, governor.by_sms, governor.by_email) == (NoticeKind.AWAITING_SIGNATURE, True, False)
    digest_user = NoticeProfile.objects.get(user__username="karshenas.shabake")
    assert digest_user.digest and digest_user.digest_hour == 8
    assert not NoticeProfile.objects.get(user__username="ostandar").digest
    assert logged == ["تنظیم اعلان‌ها برای ۴ کاربر نمایشی"]
