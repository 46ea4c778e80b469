"""Citizen sign-in pages: two steps, typed values kept on error, Persian messages, never a 500;
citizens and staff kept apart; screenshots at phone width (390x844) in Debian's chromium."""

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from dabir.accounts.models import OneTimeCode
from dabir.core.text import to_persian_digits

pytest.importorskip("dabir.notify.services", reason="the notify app's queue_sms is not there yet")
from dabir.notify.models import SmsMessage  # noqa: E402
from tests.browser import CHROMIUM, assert_phone_layout, launch, phone_context

pytestmark = pytest.mark.django_db

NC = "0012345679"
MOBILE = "09121236789"
LOGIN = "/citizen/login/"


def sent_code(mobile: str = MOBILE) -> str:
    return re.search(r"\b(\d{6})\b", SmsMessage.objects.filter(mobile=mobile).latest("id").text).group(1)


def html(response) -> str:
    return response.content.decode()


def text(response) -> str:
    """The page's words: no tags, no bidi marks, spaces folded."""
    words = re.sub(r"<[^>]+>", " ", html(response))
    words = re.sub("[\u200e\u200f\u2066-\u2069]", "", words)
    return re.sub(r"\s+", " ", words)


def request_code(client, national_code=NC, mobile=MOBILE, **extra):
    return client.post(LOGIN, {"action": "request", "national_code": national_code, "mobile": mobile, **extra})


def sign_in(client, national_code=NC, mobile=MOBILE):
    assert request_code(client, national_code, mobile).status_code == 302
    response = client.post(LOGIN, {"action": "verify", "code": sent_code(mobile)})
    assert response.status_code == 302, html(response)
    return response


# ---------------------------------------------------------------- step 1: the numbers


def test_login_page_renders_rtl_with_both_fields(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    page = html(response)
    assert 'dir="rtl"' in page and 'name="national_code"' in page and 'name="mobile"' in page
    assert "ورود به میز خدمت" in page
    assert 'href="/accounts/login/"' in page  # staff are pointed to their own sign-in


def test_numbers_step_sends_a_code_and_shows_the_masked_number(client):
    response = request_code(client, to_persian_digits(NC), "+98 912 123 6789")
    assert response.status_code == 302 and response["Location"] == "/citizen/login/?step=code"
    assert OneTimeCode.objects.count() == 1 and SmsMessage.objects.filter(mobile=MOBILE).count() == 1
    page = html(client.get(response["Location"]))
    assert "کد به شماره ۰۹۱۲***۶۷۸۹ فرستاده شد" in text(client.get(response["Location"]))
    assert re.search(r'کد به شماره <bdi dir="ltr"[^>]*>[^<]*۰۹۱۲[^<]*</bdi> فرستاده شد', page)  # isolated LTR
    assert 'autocomplete="one-time-code"' in page
    assert 'name="code"' in page and "۲ دقیقه" in page
    assert sent_code() not in page


@pytest.mark.parametrize(
    "national_code, mobile, field, message",
    [
        ("0012345678", MOBILE, "national_code", "کد ملی نادرست است"),
        ("۱۲۳", MOBILE, "national_code", "کد ملی باید ۱۰ رقم باشد"),
        ("", MOBILE, "national_code", "کد ملی را وارد کنید"),
        ("1111111111", MOBILE, "national_code", "این کد ملی معتبر نیست"),
        (NC, "۰۲۱۱۲۳۴۵۶۷۸", "mobile", "شماره تلفن همراه نادرست است"),
        (NC, "", "mobile", "شماره تلفن همراه را وارد کنید"),
        (NC, "x" * 40, "mobile", "بیش از حد بلند"),
    ],
)
def test_bad_numbers_keep_what_was_typed(client, national_code, mobile, field, message):
    response = request_code(client, national_code, mobile)
    assert response.status_code == 400
    page = html(response)
    assert message in page
    assert f'id="{field}-error"' in page and "is-invalid" in page
    for typed in (national_code, mobile):
        if typed:
            assert f'value="{typed}"' in page
    assert not OneTimeCode.objects.exists() and not SmsMessage.objects.exists()


def test_rate_limited_request_is_429_with_persian_wait(client):
    request_code(client)
    response = request_code(client, mobile="۰۹۱۲۱۲۳۶۷۸۹")
    assert response.status_code == 429 and response["Retry-After"] == "60"
    page = html(response)
    assert "دیگر دوباره درخواست کنید" in page and re.search("[۰-۹]+ (ثانیه|دقیقه)", page)
    assert 'value="۰۹۱۲۱۲۳۶۷۸۹"' in page and f'value="{NC}"' in page


def test_change_numbers_link_refills_the_form(client):
    request_code(client)
    page = html(client.get(LOGIN + "?step=numbers"))
    assert f'value="{to_persian_digits(NC)}"' in page and f'value="{to_persian_digits(MOBILE)}"' in page


# ---------------------------------------------------------------- step 2: the code


def test_right_code_signs_in_and_lands_on_the_citizen_home(client):
    response = sign_in(client)
    assert response["Location"] == "/citizen/"
    page = html(client.get("/citizen/"))
    words = text(client.get("/citizen/"))
    assert "درخواست‌های من" in words and "۰۰۱۲۳۴۵۶۷۹" in words and "۰۹۱۲***۶۷۸۹" in words
    assert 'action="/citizen/logout/"' in page
    user = get_user_model().objects.get(username=f"c{NC}")
    assert user.is_citizen and int(client.session["_auth_user_id"]) == user.pk


def test_wrong_code_keeps_it_and_says_how_many_tries_are_left(client):
    request_code(client)
    wrong = sent_code()[:-1] + str((int(sent_code()[-1]) + 1) % 10)
    response = client.post(LOGIN, {"action": "verify", "code": to_persian_digits(wrong)})
    assert response.status_code == 400
    page = html(response)
    assert "کد نادرست است؛ ۴ بار دیگر می‌توانید بکوشید." in page
    assert f'value="{to_persian_digits(wrong)}"' in page
    assert "کد به شماره" in page  # still on step 2
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("code, message", [("", "کد پیامک‌شده را وارد کنید"), ("12", "کد یک‌بارمصرف ۶ رقم است"),
                                           ("abcdef", "۶ رقم"), ("9" * 30, "بیش از حد بلند")])
def test_malformed_codes_get_persian_messages(client, code, message):
    request_code(client)
    response = client.post(LOGIN, {"action": "verify", "code": code})
    assert response.status_code == 400 and message in html(response)
    assert OneTimeCode.objects.get().attempts == 0


def test_expired_code_on_the_page(client, monkeypatch):
    import datetime as dt

    from django.utils import timezone

    request_code(client)
    code = sent_code()
    later = timezone.now() + dt.timedelta(minutes=3)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    response = client.post(LOGIN, {"action": "verify", "code": code})
    assert response.status_code == 400 and "زمان این کد گذشته است" in html(response)


def test_resend_is_rate_limited_then_works(client, monkeypatch):
    import datetime as dt

    from django.utils import timezone

    request_code(client)
    response = client.post(LOGIN, {"action": "resend"})
    assert response.status_code == 429 and "کد پیشین همین تازگی فرستاده شد" in html(response)
    later = timezone.now() + dt.timedelta(seconds=61)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    response = client.post(LOGIN, {"action": "resend"}, follow=True)
    assert response.status_code == 200 and "کد تازه فرستاده شد" in html(response)
    assert SmsMessage.objects.filter(mobile=MOBILE).count() == 2


def test_code_step_without_a_session_starts_over(client):
    response = client.post(LOGIN, {"action": "verify", "code": "123456"}, follow=True)
    assert response.status_code == 200 and "نشست شما پایان یافته است" in html(response)
    assert client.get(LOGIN + "?step=code").context["step"] == "numbers"


def test_next_is_kept_through_both_steps_and_foreign_targets_refused(client):
    response = client.get("/citizen/")
    assert response.status_code == 302 and response["Location"] == "/citizen/login/?next=/citizen/"
    assert 'name="next" value="/citizen/logout/"' in html(client.get(LOGIN + "?next=/citizen/logout/"))
    request_code(client, next="/citizen/logout/")
    assert client.post(LOGIN, {"action": "verify", "code": sent_code()})["Location"] == "/citizen/logout/"

    other = Client()
    request_code(other, mobile="09350000001", next="https://evil.example/")
    assert other.post(LOGIN, {"action": "verify", "code": sent_code("09350000001")})["Location"] == "/citizen/"


def test_logout_needs_post(client):
    sign_in(client)
    response = client.get("/citizen/logout/")
    assert response.status_code == 200 and "_auth_user_id" in client.session
    response = client.post("/citizen/logout/")
    assert response.status_code == 302 and response["Location"] == "/citizen/login/"
    assert "_auth_user_id" not in client.session
    assert client.get("/citizen/").status_code == 302


def test_garbage_never_gives_a_500(client):
    response = client.post(LOGIN, {"action": "request", "national_code": "\x00" * 5, "mobile": "\x00"})
    assert response.status_code == 400 and "Null" not in html(response)
    for data in [
        {"action": "request", "national_code": "٠٠١٢٣٤٥٦٧٩\u200c", "mobile": "<script>"},
        {"action": "nonsense"},
        {},
        {"action": "verify", "code": "\x00"},
        {"action": "resend"},
    ]:
        response = client.post(LOGIN, data)
        assert response.status_code < 500, data
    assert client.put(LOGIN).status_code == 405
    assert client.get(LOGIN + "?step=%00&next=%00").status_code == 200


# ---------------------------------------------------------------- citizens and staff apart


def test_staff_are_not_citizens(client, world):
    staff = get_user_model().objects.filter(is_citizen=False).exclude(username="").first()
    client.force_login(staff)
    response = client.get("/citizen/")
    assert response.status_code == 302 and response["Location"].startswith("/citizen/login/")
    page = html(client.get(LOGIN))
    assert "حساب کارمندی" in page


def test_a_citizen_is_kept_out_of_the_staff_pages(client, world):
    sign_in(client)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/citizen/"
    for path in ("/letters/new/", "/followup/", "/folders/", "/secretariat/", "/letters/incoming/new/"):
        assert client.get(path).status_code == 403, path
    assert client.get("/admin/").status_code == 302  # not staff: the admin asks for a staff sign-in


def test_citizen_cannot_sign_in_on_the_staff_login_page(client):
    sign_in(client)
    staff_client = Client()
    response = staff_client.post("/accounts/login/", {"username": f"c{NC}", "password": ""})
    assert response.status_code == 200 and "_auth_user_id" not in staff_client.session


# ---------------------------------------------------------------- phone-width screenshots

SCREENS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"




@pytest.mark.e2e
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
def test_login_screens_at_phone_width(live_server, no_lingering_connections, monkeypatch):
    # Playwright's sync API runs a loop in this thread; the ORM calls here are safe (the loop drives the browser).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    sync_api = pytest.importorskip("playwright.sync_api")
    SCREENS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []

    def check(page, name):
        assert_phone_layout(page, name)
        page.screenshot(path=str(SCREENS / f"citizen-login-{name}-phone.png"), full_page=True)

    with sync_api.sync_playwright() as p:
        browser = launch(p)
        try:
            context = phone_context(browser)
            page = context.new_page()
            page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
            page.on("response", lambda r: r.status >= 500 and problems.append(f"{r.status} from {r.url}"))
            page.goto(live_server.url + LOGIN)
            page.evaluate("document.fonts.ready")
            check(page, "numbers")

            page.fill("#id_national_code", "۰۰۱۲۳۴۵۶۷۸")  # wrong check digit
            page.fill("#id_mobile", "۰۹۱۲۱۲۳۶۷۸۹")
            page.click("button[type=submit]")
            page.wait_for_selector("#national_code-error")
            assert page.input_value("#id_mobile") == "۰۹۱۲۱۲۳۶۷۸۹"
            check(page, "error")

            page.fill("#id_national_code", "۰۰۱۲۳۴۵۶۷۹")
            page.click("button[type=submit]")
            page.wait_for_selector("#sent-to")
            assert "۰۹۱۲***۶۷۸۹" in re.sub("[\u200e\u200f\u2066-\u2069]", "", page.inner_text("#sent-to"))
            check(page, "code")

            page.fill("#id_code", to_persian_digits(sent_code()))
            page.click("form button[type=submit] >> text=ورود")
            page.wait_for_url(live_server.url + "/citizen/")
            check(page, "home")
        finally:
            browser.close()
    assert not problems, problems

