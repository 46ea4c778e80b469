"""Public tracking with the tracking code, the applicant's mobile and a code sent to it by SMS:
on /services/track/ and in the API, over real HTTP and the real database."""

import datetime as dt
import re
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dabir.accounts.models import OneTimeCode
from dabir.core.models import AuditEntry
from dabir.core.text import to_persian_digits
from dabir.desk import services
from dabir.notify.models import SmsMessage

from .pages_fixtures import make_desk, submit

pytestmark = pytest.mark.django_db
OTHER_MOBILE = "09351112233"


def text(response) -> str:
    words = re.sub(r"<[^>]+>", " ", response.content.decode())
    words = re.sub("[\u200e\u200f\u2066-\u2069]", "", words)
    return re.sub(r"\s+", " ", words)


def sent_code(mobile: str) -> str:
    message = SmsMessage.objects.filter(mobile=mobile, kind="otp.track").order_by("-id").first()
    assert message is not None, "no tracking code was sent"
    return re.search(r"(?<![0-9])([0-9]{6})(?![0-9])", message.text).group(1)


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def desk():
    return make_desk()


def send(client, tracking_code, mobile):
    return client.post("/services/track/", {"step": "send", "m-tracking_code": tracking_code, "m-mobile": mobile})


def verify(client, tracking_code, mobile, code):
    return client.post("/services/track/", {"step": "verify", "m-tracking_code": tracking_code, "m-mobile": mobile,
                                            "m-code": code})


def test_the_page_offers_both_ways(client, desk):
    page = text(client.get("/services/track/?code=1234567890"))
    assert "کد ملی متقاضی" in page and "تلفن همراه متقاضی" in page and "فرستادن کد" in page


def test_tracking_code_mobile_and_sms_code_show_the_status(client, desk):
    req = submit(desk)
    mobile = desk.citizen.mobile
    # when a stranger types the tracking code (Persian digits, grouped) and the applicant's mobile
    grouped = to_persian_digits(f"{req.tracking_code[:3]}-{req.tracking_code[3:6]}-{req.tracking_code[6:]}")
    sent = send(client, grouped, to_persian_digits(mobile))
    assert sent.status_code == 200 and "پیامک شد" in text(sent) and 'name="m-code"' in sent.content.decode()
    assert "تمدید پروانه ساختمان" not in text(sent)  # nothing shown yet
    row = OneTimeCode.objects.get(purpose="track")
    code = sent_code(mobile)
    assert row.subject == req.tracking_code and row.mobile == mobile and code not in row.code_hash
    assert (row.expires_at - row.created_at) == dt.timedelta(seconds=120)
    # then the code opens the status and the public timeline, and nothing personal
    shown = verify(client, grouped, to_persian_digits(mobile), to_persian_digits(code))
    body = text(shown)
    assert shown.status_code == 200 and "تمدید پروانه ساختمان" in body and 'id="track-result"' in shown.content.decode()
    assert "سارا" not in body and to_persian_digits(mobile) not in body and mobile not in body
    assert AuditEntry.objects.filter(action="otp.track.verify").count() == 1
    # and the code is single use
    again = verify(client, req.tracking_code, mobile, code)
    assert again.status_code == 400 and "پیش‌تر به کار رفته" in text(again)
    assert 'id="track-result"' not in again.content.decode()


def test_a_mobile_that_is_not_the_applicants_gets_the_same_answer_and_no_sms(client, desk):
    req = submit(desk)
    before = SmsMessage.objects.count()
    response = send(client, req.tracking_code, OTHER_MOBILE)
    assert response.status_code == 200 and "پیامک شد" in text(response)
    assert SmsMessage.objects.count() == before  # nothing sent
    row = OneTimeCode.objects.get(purpose="track", mobile=OTHER_MOBILE)  # but the try is counted
    assert AuditEntry.objects.get(action="otp.track.request", object_id=str(row.pk)).data["sent"] is False
    for guess in ("123456", "000000"):
        refused = verify(client, req.tracking_code, OTHER_MOBILE, guess)
        assert refused.status_code == 400 and "تمدید پروانه ساختمان" not in text(refused)


def test_a_mistyped_tracking_code_is_refused_before_any_lookup(client, desk):
    req = submit(desk)
    typo = req.tracking_code[:-1] + str((int(req.tracking_code[-1]) + 1) % 10)
    with CaptureQueriesContext(connection) as ctx:
        response = send(client, typo, desk.citizen.mobile)
    assert response.status_code == 400 and "کد رهگیری نادرست است" in text(response)
    assert not any("desk_servicerequest" in q["sql"] or "accounts_onetimecode" in q["sql"]
                   for q in ctx.captured_queries)
    assert f'value="{to_persian_digits(typo)}"' in response.content.decode()  # what was typed is kept
    bad_mobile = send(client, req.tracking_code, "0912")
    assert bad_mobile.status_code == 400 and "همراه" in text(bad_mobile)
    bad_code = verify(client, req.tracking_code, desk.citizen.mobile, "12")
    assert bad_code.status_code == 400 and "شش رقم" in text(bad_code)
    assert not OneTimeCode.objects.exists()


def test_wrong_codes_are_counted_and_an_expired_code_is_refused(client, desk, settings):
    settings.DABIR_OTP_MOBILE_GAP = 0
    req = submit(desk)
    mobile = desk.citizen.mobile
    send(client, req.tracking_code, mobile)
    code = sent_code(mobile)
    wrong = "000000" if code != "000000" else "111111"
    first = verify(client, req.tracking_code, mobile, wrong)
    assert first.status_code == 400 and "۴ بار دیگر" in text(first)
    assert OneTimeCode.objects.get(purpose="track").attempts == 1
    # an expired code
    send(client, req.tracking_code, mobile)
    code = sent_code(mobile)
    later = timezone.now() + dt.timedelta(minutes=3)
    with mock.patch("django.utils.timezone.now", return_value=later):
        late = verify(client, req.tracking_code, mobile, code)
    assert late.status_code == 400 and "زمان این کد گذشته" in text(late)


def test_codes_are_rate_limited_by_rows(client, desk):
    req = submit(desk)
    assert send(client, req.tracking_code, desk.citizen.mobile).status_code == 200
    again = send(client, req.tracking_code, desk.citizen.mobile)
    assert again.status_code == 429 and "ثانیه دیگر" in text(again) and int(again["Retry-After"]) > 0
    assert OneTimeCode.objects.filter(purpose="track").count() == 1


def test_the_tracking_code_does_not_open_another_request(client, desk, settings):
    settings.DABIR_OTP_MOBILE_GAP = 0
    first, second = submit(desk), submit(desk)
    mobile = desk.citizen.mobile
    send(client, first.tracking_code, mobile)
    code = sent_code(mobile)
    refused = verify(client, second.tracking_code, mobile, code)  # the code is bound to its tracking code
    assert refused.status_code == 400 and 'id="track-result"' not in refused.content.decode()


# ---------------------------------------------------------------- the API


def test_api_tracks_with_mobile_and_code(client, desk):
    req = submit(desk)
    mobile = desk.citizen.mobile
    r = client.post("/api/desk/track/code", {"tracking_code": req.tracking_code, "mobile": to_persian_digits(mobile)},
                    content_type="application/json")
    assert r.status_code == 202 and r.json()["expires_in"] == 120
    code = sent_code(mobile)
    wrong = client.post("/api/desk/track", {"tracking_code": req.tracking_code, "mobile": mobile,
                                            "code": "000000" if code != "000000" else "111111"},
                        content_type="application/json")
    assert wrong.status_code == 400 and wrong["Content-Type"].startswith("application/problem+json")
    ok = client.post("/api/desk/track", {"tracking_code": req.tracking_code, "mobile": mobile, "code": code},
                     content_type="application/json")
    assert ok.status_code == 200
    body = ok.json()
    assert body["kind"] == "request" and body["title"] == "تمدید پروانه ساختمان" and body["timeline"]
    assert mobile not in ok.content.decode() and desk.citizen.national_code not in ok.content.decode()
    # the national-code way still works; neither way given is a Persian 400
    by_nc = client.post("/api/desk/track", {"tracking_code": req.tracking_code,
                                            "national_code": desk.citizen.national_code},
                        content_type="application/json")
    assert by_nc.status_code == 200 and by_nc.json()["kind"] == "request"
    neither = client.post("/api/desk/track", {"tracking_code": req.tracking_code}, content_type="application/json")
    assert neither.status_code == 400 and "کد ملی" in neither.json()["detail"]
    no_mobile = client.post("/api/desk/track", {"tracking_code": req.tracking_code, "code": "123456"},
                            content_type="application/json")
    assert no_mobile.status_code == 400 and "همراه" in no_mobile.json()["detail"]


def test_api_same_answer_for_a_stranger_mobile_and_a_typo_refused(client, desk):
    req = submit(desk)
    r = client.post("/api/desk/track/code", {"tracking_code": req.tracking_code, "mobile": OTHER_MOBILE},
                    content_type="application/json")
    assert r.status_code == 202 and not SmsMessage.objects.filter(mobile=OTHER_MOBILE).exists()
    typo = req.tracking_code[:-1] + str((int(req.tracking_code[-1]) + 1) % 10)
    bad = client.post("/api/desk/track/code", {"tracking_code": typo, "mobile": desk.citizen.mobile},
                      content_type="application/json")
    assert bad.status_code == 400 and "کد رهگیری نادرست" in bad.json()["detail"]
    limited = client.post("/api/desk/track/code", {"tracking_code": req.tracking_code, "mobile": OTHER_MOBILE},
                          content_type="application/json")
    assert limited.status_code == 429 and limited["Retry-After"]


def test_a_complaint_is_tracked_by_mobile_too(client, desk):
    complaint = services.file_complaint(user=desk.citizen, national_code=desk.citizen.national_code,
                                        mobile=desk.citizen.mobile, about="agency", agency=desk.world.agency,
                                        text="پاسخی به نامه‌ام داده نشد.")
    send(client, complaint.tracking_code, desk.citizen.mobile)
    shown = verify(client, complaint.tracking_code, desk.citizen.mobile, sent_code(desk.citizen.mobile))
    assert shown.status_code == 200 and "شکایت از" in text(shown) and "پاسخی به نامه‌ام" not in text(shown)
