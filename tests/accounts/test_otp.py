"""Citizen one-time codes: the services and the API, on the real database and the real SMS outbox.

The code a citizen types is read from the SMS that was queued (the outbox row), as a person
reads it from their phone; only its HMAC is ever stored.
"""

import datetime as dt
import re
import threading
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from dabir.accounts import services
from dabir.accounts.models import OneTimeCode, User
from dabir.core.errors import DomainError
from dabir.core.models import AuditEntry
from dabir.core.text import to_persian_digits

notify_services = pytest.importorskip("dabir.notify.services", reason="the notify app's queue_sms is not there yet")
from dabir.notify.models import SmsMessage  # noqa: E402

pytestmark = pytest.mark.django_db

NC = "0012345679"
NC2 = "1234567891"
MOBILE = "09121236789"
LATIN = re.compile(r"[0-9]")


def sent_code(mobile: str = MOBILE) -> str:
    """The six-digit code in the latest SMS to `mobile`."""
    message = SmsMessage.objects.filter(mobile=mobile).order_by("-id").first()
    assert message is not None, "no SMS was queued"
    return re.search(r"\b(\d{6})\b", message.text).group(1)


class Clock:
    """timezone.now() under the test's control (services, audit and auto_now fields all read it)."""

    def __init__(self):
        self.now = timezone.now()

    def advance(self, **kwargs):
        self.now += dt.timedelta(**kwargs)


@pytest.fixture
def clock():
    c = Clock()
    with mock.patch("django.utils.timezone.now", side_effect=lambda: c.now):
        yield c


def other(code: str) -> str:
    return code[:-1] + str((int(code[-1]) + 1) % 10)


# ---------------------------------------------------------------- request and verify


def test_happy_path_creates_the_citizen_and_stores_only_a_hash(clock):
    otp = services.request_otp(national_code=to_persian_digits(NC), mobile="+989121236789", ip="10.1.2.3")
    code = sent_code()
    assert otp.national_code == NC and otp.mobile == MOBILE and otp.ip == "10.1.2.3"
    assert otp.expires_at - otp.created_at == dt.timedelta(minutes=2)
    assert code not in otp.code_hash and len(otp.code_hash) == 64
    sms = SmsMessage.objects.get(mobile=MOBILE)
    assert sms.status == "queued" and sms.kind == "otp" and sms.related == f"accounts.otp:{otp.pk}"
    assert "کد ورود" in sms.text

    clock.advance(seconds=30)
    user = services.verify_otp(national_code=NC, mobile=MOBILE, code=to_persian_digits(code))
    assert user.username == f"c{NC}" and user.is_citizen and not user.is_staff
    assert user.national_code == NC and user.mobile == MOBILE
    assert not user.has_usable_password()
    otp.refresh_from_db()
    assert otp.used_at == clock.now

    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert "citizen.otp_request" in actions and "citizen.otp_verify" in actions and "citizen.create" in actions
    # Never the code itself, anywhere in the audit log.
    for entry in AuditEntry.objects.all():
        assert code not in str(entry.data)


def test_second_sign_in_reuses_the_account(clock):
    services.request_otp(national_code=NC, mobile=MOBILE)
    first = services.verify_otp(national_code=NC, mobile=MOBILE, code=sent_code())
    clock.advance(minutes=5)
    services.request_otp(national_code=NC, mobile=MOBILE)
    second = services.verify_otp(national_code=NC, mobile=MOBILE, code=sent_code())
    assert first.pk == second.pk and User.objects.filter(is_citizen=True).count() == 1


def test_a_new_mobile_replaces_the_old_after_verification_and_is_audited(clock):
    services.request_otp(national_code=NC, mobile=MOBILE)
    user = services.verify_otp(national_code=NC, mobile=MOBILE, code=sent_code())
    clock.advance(minutes=5)
    services.request_otp(national_code=NC, mobile="09350000001")
    user.refresh_from_db()
    assert user.mobile == MOBILE  # not before the new number is proven
    services.verify_otp(national_code=NC, mobile="09350000001", code=sent_code("09350000001"))
    user.refresh_from_db()
    assert user.mobile == "09350000001"
    change = AuditEntry.objects.get(action="citizen.mobile_change")
    assert change.data == {"old": MOBILE, "new": "09350000001"}


def test_expired_code_is_refused(clock):
    services.request_otp(national_code=NC, mobile=MOBILE)
    code = sent_code()
    clock.advance(seconds=120)
    with pytest.raises(DomainError, match="زمان این کد گذشته است") as err:
        services.verify_otp(national_code=NC, mobile=MOBILE, code=code)
    assert err.value.field == "code"
    assert not User.objects.filter(is_citizen=True).exists()


def test_code_is_single_use(clock):
    services.request_otp(national_code=NC, mobile=MOBILE)
    code = sent_code()
    services.verify_otp(national_code=NC, mobile=MOBILE, code=code)
    with pytest.raises(DomainError, match="پیش‌تر به کار رفته"):
        services.verify_otp(national_code=NC, mobile=MOBILE, code=code)


def test_code_is_bound_to_its_national_code_and_mobile(clock):
    services.request_otp(national_code=NC, mobile=MOBILE)
    code = sent_code()
    with pytest.raises(DomainError, match="کدی فرستاده نشده"):
        services.verify_otp(national_code=NC2, mobile=MOBILE, code=code)
    with pytest.raises(DomainError, match="کدی فرستاده نشده"):
        services.verify_otp(national_code=NC, mobile="09120000000", code=code)


def test_wrong_attempts_are_counted_and_kept_then_the_code_dies(clock):
    services.request_otp(national_code=NC, mobile=MOBILE)
    code = sent_code()
    for left in (4, 3, 2, 1):
        with pytest.raises(DomainError, match=f"{to_persian_digits(left)} بار دیگر") as err:
            services.verify_otp(national_code=NC, mobile=MOBILE, code=other(code))
        assert not LATIN.search(err.value.message)
    with pytest.raises(DomainError, match="دیگر پذیرفته نمی‌شود"):
        services.verify_otp(national_code=NC, mobile=MOBILE, code=other(code))
    assert OneTimeCode.objects.get().attempts == 5  # the count survived the errors
    # Even the right code is refused now.
    with pytest.raises(DomainError, match="دیگر پذیرفته نمی‌شود"):
        services.verify_otp(national_code=NC, mobile=MOBILE, code=code)
    assert AuditEntry.objects.filter(action="citizen.otp_wrong").count() == 5
    assert not User.objects.filter(is_citizen=True).exists()


def test_only_the_latest_code_counts(clock):
    services.request_otp(national_code=NC, mobile=MOBILE)
    old = sent_code()
    clock.advance(seconds=61)
    services.request_otp(national_code=NC, mobile=MOBILE)
    new = sent_code()
    if old != new:
        with pytest.raises(DomainError):
            services.verify_otp(national_code=NC, mobile=MOBILE, code=old)
    assert services.verify_otp(national_code=NC, mobile=MOBILE, code=new).is_citizen


@pytest.mark.parametrize("code, message", [("", "وارد کنید"), ("12345", "۶ رقم"), ("12a456", "۶ رقم"),
                                           ("1234567", "۶ رقم")])
def test_malformed_codes(clock, code, message):
    services.request_otp(national_code=NC, mobile=MOBILE)
    with pytest.raises(DomainError, match=message):
        services.verify_otp(national_code=NC, mobile=MOBILE, code=code)
    assert OneTimeCode.objects.get().attempts == 0  # a typo of shape is not a guess


def test_bad_numbers_are_refused_before_anything_is_written():
    with pytest.raises(DomainError) as err:
        services.request_otp(national_code="0012345678", mobile=MOBILE)
    assert err.value.field == "national_code"
    with pytest.raises(DomainError) as err:
        services.request_otp(national_code=NC, mobile="0212345678")
    assert err.value.field == "mobile"
    assert not OneTimeCode.objects.exists() and not SmsMessage.objects.exists()


def test_staff_account_with_the_same_username_is_not_taken_over(clock):
    User.objects.create_user(username=f"c{NC}", password="x" * 12)  # a staff user, not a citizen
    services.request_otp(national_code=NC, mobile=MOBILE)
    with pytest.raises(DomainError, match="برای ورود شهروندان نیست"):
        services.verify_otp(national_code=NC, mobile=MOBILE, code=sent_code())
    assert OneTimeCode.objects.get().used_at is None


# ---------------------------------------------------------------- rate limits (counted in rows)


def test_one_code_per_minute_per_mobile_with_the_wait_in_persian(clock):
    services.request_otp(national_code=NC, mobile=MOBILE)
    clock.advance(seconds=15)
    with pytest.raises(services.TooManyRequests) as err:
        services.request_otp(national_code=NC, mobile=MOBILE)
    assert err.value.status == 429 and err.value.retry_after == 45
    assert "۴۵ ثانیه" in err.value.message and not LATIN.search(err.value.message)
    clock.advance(seconds=45)
    services.request_otp(national_code=NC, mobile=MOBILE)
    assert OneTimeCode.objects.count() == 2 and SmsMessage.objects.count() == 2


def test_five_codes_per_hour_per_mobile(clock):
    start = clock.now
    for _ in range(5):
        services.request_otp(national_code=NC, mobile=MOBILE)
        clock.advance(seconds=61)
    with pytest.raises(services.TooManyRequests) as err:
        services.request_otp(national_code=NC2, mobile=MOBILE)  # another national code, same phone
    # The first code leaves the hour window at start + 60 min; now is start + 5×61 s.
    expected = (start + dt.timedelta(hours=1) - clock.now).total_seconds()
    assert err.value.retry_after == int(expected)
    assert f"{to_persian_digits(-(-int(expected) // 60))} دقیقه" in err.value.message
    assert OneTimeCode.objects.count() == 5
    clock.now = start + dt.timedelta(hours=1, seconds=1)
    services.request_otp(national_code=NC, mobile=MOBILE)


def test_twenty_codes_per_hour_per_client_address(clock):
    for i in range(20):
        services.request_otp(national_code=NC, mobile=f"0912000{i:04d}", ip="192.0.2.7")
    with pytest.raises(services.TooManyRequests, match="از نشانی شما"):
        services.request_otp(national_code=NC, mobile="09129999999", ip="192.0.2.7")
    services.request_otp(national_code=NC, mobile="09129999999", ip="192.0.2.8")  # another address


def test_limits_are_configurable(clock, settings):
    settings.DABIR_OTP_MOBILE_GAP = 0
    settings.DABIR_OTP_MOBILE_HOURLY = 2
    services.request_otp(national_code=NC, mobile=MOBILE)
    services.request_otp(national_code=NC, mobile=MOBILE)
    with pytest.raises(services.TooManyRequests):
        services.request_otp(national_code=NC, mobile=MOBILE)


# ---------------------------------------------------------------- one transaction


def test_a_rolled_back_request_leaves_no_code_and_no_sms():
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            services.request_otp(national_code=NC, mobile=MOBILE)
            assert OneTimeCode.objects.count() == 1 and SmsMessage.objects.count() == 1
            raise RuntimeError("the caller's change failed")
    assert not OneTimeCode.objects.exists() and not SmsMessage.objects.exists()
    assert not AuditEntry.objects.filter(action__in=["citizen.otp_request", "sms.queue"]).exists()


def test_a_failure_after_the_sms_was_queued_leaves_nothing(monkeypatch):
    real = services.audit.record

    def failing(**kwargs):
        if kwargs["action"] == "citizen.otp_request":
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(services.audit, "record", failing)
    with pytest.raises(RuntimeError):
        services.request_otp(national_code=NC, mobile=MOBILE)
    assert not OneTimeCode.objects.exists() and not SmsMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks and parallel sessions: PostgreSQL")
def test_concurrent_requests_for_one_mobile_issue_one_code():
    barrier = threading.Barrier(4)
    results = []

    def worker(i):
        try:
            barrier.wait()
            services.request_otp(national_code=NC, mobile=MOBILE, ip=f"198.51.100.{i}")
            results.append("ok")
        except services.TooManyRequests:
            results.append("limited")
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["limited", "limited", "limited", "ok"]
    assert OneTimeCode.objects.count() == 1 and SmsMessage.objects.count() == 1


# ---------------------------------------------------------------- API


def test_api_request_and_session_sign_in(client, clock):
    response = client.post("/api/citizen/otp", {"national_code": to_persian_digits(NC), "mobile": "00989121236789"},
                           content_type="application/json")
    assert response.status_code == 202, response.content
    assert response.json() == {"expires_in": 120, "mobile": "۰۹۱۲***۶۷۸۹"}
    assert "code" not in response.json()

    response = client.post("/api/citizen/session", {"national_code": NC, "mobile": MOBILE, "code": sent_code()},
                           content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["national_code"] == NC and body["mode"] == "session" and body["key"] is None
    assert client.get("/citizen/").status_code == 200  # the session is signed in


def test_api_token_for_a_mobile_app(clock):
    client = Client()
    client.post("/api/citizen/otp", {"national_code": NC, "mobile": MOBILE}, content_type="application/json")
    response = client.post("/api/citizen/session", {"national_code": NC, "mobile": MOBILE, "code": sent_code(),
                                                    "mode": "token", "token_name": "اپ همراه"},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    key = response.json()["key"]
    assert key.startswith("dbr_")
    me = Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert me.status_code == 200 and me.json()["username"] == f"c{NC}" and me.json()["seats"] == []
    assert "_auth_user_id" not in client.session  # a token, not a session


def test_api_session_sign_in_needs_csrf(clock):
    client = Client(enforce_csrf_checks=True)
    client.post("/api/citizen/otp", {"national_code": NC, "mobile": MOBILE}, content_type="application/json")
    response = client.post("/api/citizen/session", {"national_code": NC, "mobile": MOBILE, "code": sent_code()},
                           content_type="application/json")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    assert OneTimeCode.objects.get().used_at is None


@pytest.mark.parametrize(
    "payload, status, field",
    [
        ({"national_code": "0012345678", "mobile": MOBILE}, 400, "national_code"),
        ({"national_code": NC, "mobile": "12345"}, 400, "mobile"),
        ({"national_code": NC}, 422, "mobile"),
        ({"national_code": NC, "mobile": "0912\x001236789"}, 422, "mobile"),
        ({"national_code": "1" * 200, "mobile": MOBILE}, 422, "national_code"),
    ],
)
def test_api_bad_input_is_persian_problem_json(client, payload, status, field):
    response = client.post("/api/citizen/otp", payload, content_type="application/json")
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert any(e["field"] == field for e in body.get("errors", [])), body
    assert re.search("[\u0600-\u06ff]", body["detail"])


def test_api_rate_limit_answers_429_with_retry_after(client, clock):
    client.post("/api/citizen/otp", {"national_code": NC, "mobile": MOBILE}, content_type="application/json")
    response = client.post("/api/citizen/otp", {"national_code": NC, "mobile": MOBILE}, content_type="application/json")
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "ثانیه" in response.json()["detail"] or "دقیقه" in response.json()["detail"]


def test_api_wrong_and_expired_codes(client, clock):
    client.post("/api/citizen/otp", {"national_code": NC, "mobile": MOBILE}, content_type="application/json")
    code = sent_code()
    response = client.post("/api/citizen/session", {"national_code": NC, "mobile": MOBILE, "code": other(code)},
                           content_type="application/json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "code"
    assert "۴ بار دیگر" in response.json()["detail"]
    clock.advance(minutes=3)
    response = client.post("/api/citizen/session", {"national_code": NC, "mobile": MOBILE, "code": code},
                           content_type="application/json")
    assert response.status_code == 400 and "زمان این کد گذشته" in response.json()["detail"]


def test_citizen_endpoints_are_public_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ("/api/citizen/otp", "/api/citizen/session"):
        operation = paths[path]["post"]
        assert not operation.get("security"), path
        assert operation["tags"] == ["citizen"]
    assert "202" in paths["/api/citizen/otp"]["post"]["responses"]
