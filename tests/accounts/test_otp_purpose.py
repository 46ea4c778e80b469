"""One-time codes for purposes other than sign-in (desk tracking) never stand for a sign-in code."""

import re

import pytest

from dabir.accounts import services
from dabir.accounts.models import OneTimeCode
from dabir.core.errors import DomainError
from dabir.notify.models import SmsMessage

pytestmark = pytest.mark.django_db
NC = "0012345679"
MOBILE = "09121236789"


def test_a_tracking_code_is_not_a_sign_in_code(settings):
    settings.DABIR_OTP_MOBILE_GAP = 0
    services.issue_purpose_code(purpose="track", subject="1234567890", mobile=MOBILE,
                                sms_text=lambda code: f"کد پیگیری: {code}")
    code = re.search(r"[0-9]{6}", SmsMessage.objects.get(mobile=MOBILE).text).group(0)
    with pytest.raises(DomainError) as exc:
        services.verify_otp(national_code=NC, mobile=MOBILE, code=code)
    assert "فرستاده نشده" in exc.value.message
    # a sign-in code sent later does not open the tracking code either
    services.request_otp(national_code=NC, mobile=MOBILE)
    signin = re.search(r"[0-9]{6}", SmsMessage.objects.filter(kind="otp").latest("id").text).group(0)
    with pytest.raises(DomainError):
        services.consume_purpose_code(purpose="track", subject="1234567890", mobile=MOBILE, code=signin)
    assert services.consume_purpose_code(purpose="track", subject="1234567890", mobile=MOBILE, code=code).used_at
    assert services.verify_otp(national_code=NC, mobile=MOBILE, code=signin).national_code == NC


def test_both_kinds_share_the_per_mobile_limits(settings):
    settings.DABIR_OTP_MOBILE_GAP = 0
    settings.DABIR_OTP_MOBILE_HOURLY = 2
    services.request_otp(national_code=NC, mobile=MOBILE)
    services.issue_purpose_code(purpose="track", subject="1234567890", mobile=MOBILE)
    with pytest.raises(services.TooManyRequests):
        services.issue_purpose_code(purpose="track", subject="1234567890", mobile=MOBILE)
    assert OneTimeCode.objects.count() == 2


def test_sign_in_purpose_and_unknown_purposes_are_refused():
    for purpose in ("signin", "whatever"):
        with pytest.raises(ValueError):
            services.issue_purpose_code(purpose=purpose, subject="x", mobile=MOBILE)
