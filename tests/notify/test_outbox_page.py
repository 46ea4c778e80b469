"""The staff outbox page: staff only, masked numbers, filter by mobile."""

import pytest
from django.db import transaction

from dabir.notify import services
from tests.factories import make_user

pytestmark = pytest.mark.django_db

URL = "/notify/outbox/"


@pytest.fixture
def messages():
    with transaction.atomic():
        a = services.queue_sms(mobile="09121112233", text="کد ورود شما: ۱۱۱۱۱۱", kind="otp")
        b = services.queue_sms(mobile="09359998877", text="درخواست شما ثبت شد", kind="desk.registered")
    return a, b


def test_anonymous_is_sent_to_sign_in(client, messages):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_non_staff_get_a_persian_403(client, messages):
    client.force_login(make_user())
    response = client.get(URL)
    assert response.status_code == 403
    assert "کارکنان" in response.content.decode()
    assert "۱۱۱۱۱۱" not in response.content.decode()


def test_staff_see_newest_first_with_masked_numbers(client, messages):
    client.force_login(make_user(is_staff=True))
    page = client.get(URL).content.decode()
    assert "کد ورود شما: ۱۱۱۱۱۱" in page and "درخواست شما ثبت شد" in page
    assert page.index("درخواست شما ثبت شد") < page.index("کد ورود شما")
    assert "09121112233" not in page and "۰۹۱۲۱۱۱۲۲۳۳" not in page
    assert "•••••••۲۲۳۳" in page
    assert 'dir="rtl"' in page


def test_staff_filter_by_mobile_in_persian_digits(client, messages):
    client.force_login(make_user(is_superuser=True))
    page = client.get(URL, {"mobile": "۰۹۱۲۱۱۱۲۲۳۳"}).content.decode()
    assert "۱۱۱۱۱۱" in page and "درخواست شما ثبت شد" not in page
    page = client.get(URL, {"mobile": "8877"}).content.decode()
    assert "درخواست شما ثبت شد" in page and "۱۱۱۱۱۱" not in page
    page = client.get(URL, {"mobile": "09000000000", "status": "nonsense", "page": "x"}).content.decode()
    assert "پیامکی یافت نشد" in page
