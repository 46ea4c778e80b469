"""The one-time-code step counts down to when a new code may be asked for: the seconds come from the
server's own rate rules (the gap per mobile, the hourly limits), and the page says the clock time too,
so it is right without its script."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from dabir.accounts import services
from dabir.accounts.models import OneTimeCode

pytest.importorskip("dabir.notify.services", reason="the notify app's queue_sms is not there yet")

pytestmark = pytest.mark.django_db

NC = "0012345679"
MOBILE = "09121236789"
LOGIN = "/citizen/login/"


def code_step(client):
    response = client.get(LOGIN + "?step=code")
    assert response.status_code == 200
    return response.content.decode()


def wait_on(page: str) -> int:
    return int(re.search(r'id="resend" data-wait="(\d+)"', page).group(1))


def age_codes(seconds: int) -> None:
    OneTimeCode.objects.update(created_at=timezone.now() - dt.timedelta(seconds=seconds))


def test_the_wait_is_the_servers_gap_and_shrinks_as_time_passes(client, settings):
    settings.DABIR_OTP_MOBILE_GAP = 60
    assert client.post(LOGIN, {"action": "request", "national_code": NC, "mobile": MOBILE}).status_code == 302
    page = code_step(client)
    wait = wait_on(page)
    assert 58 <= wait <= 60
    assert "ارسال دوباره کد" in page and "dabir/otp.js" in page
    text = re.sub(r"<[^>]+>", " ", page)
    assert re.search(r"کد تازه را\s+[۰-۹]+ ثانیه دیگر\s+\(از ساعت [۰-۹]{2}:[۰-۹]{2}:[۰-۹]{2}\)", text)

    age_codes(45)  # 45 seconds later by the codes' own clock
    assert 14 <= wait_on(code_step(client)) <= 15

    age_codes(61)
    page = code_step(client)
    assert wait_on(page) == 0 and 'id="resend-wait"' not in page
    # ... and the server agrees: the resend goes through.
    response = client.post(LOGIN, {"action": "resend"})
    assert response.status_code == 302


def test_an_hourly_limit_shows_its_longer_wait(client, settings):
    settings.DABIR_OTP_MOBILE_GAP = 0
    settings.DABIR_OTP_MOBILE_HOURLY = 2
    for _ in range(2):
        assert client.post(LOGIN, {"action": "request", "national_code": NC, "mobile": MOBILE}).status_code == 302
    age_codes(600)  # both sent ten minutes ago: the oldest leaves the hour in fifty minutes
    wait = wait_on(code_step(client))
    assert 2990 <= wait <= 3000
    assert services.otp_resend_wait(mobile=MOBILE) == pytest.approx(wait, abs=2)


def test_the_resend_refused_early_still_shows_the_countdown(client, settings):
    settings.DABIR_OTP_MOBILE_GAP = 60
    client.post(LOGIN, {"action": "request", "national_code": NC, "mobile": MOBILE})
    response = client.post(LOGIN, {"action": "resend"})
    assert response.status_code == 429 and int(response["Retry-After"]) == pytest.approx(60, abs=2)
    page = response.content.decode()
    assert "کد پیشین همین تازگی فرستاده شد" in page
    assert wait_on(page) == pytest.approx(int(response["Retry-After"]), abs=1)
