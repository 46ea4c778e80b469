"""The client address the per-address limits count under: X-Forwarded-For is trusted only as far as
DABIR_TRUSTED_PROXIES proxies append to it; entries to their left are the client's own and may be forged.

Given nginx in front (`$proxy_add_x_forwarded_for` appends the address it saw), when a password guesser
sends a different forged X-Forwarded-For with every try, then all its tries still count against the one
address nginx saw, and the address is locked at the limit.
"""

import pytest

from dabir.core.ratelimit import client_ip

from ..factories import make_user

PASSWORD = "Dabir-Right-1405"


def _request(rf, forwarded=None):
    extra = {"REMOTE_ADDR": "127.0.0.1"}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return rf.get("/", **extra)


def test_no_trusted_proxy_ignores_the_header(rf, settings):
    settings.DABIR_TRUSTED_PROXIES = 0
    assert client_ip(_request(rf, "203.0.113.9")) == "127.0.0.1"
    assert client_ip(_request(rf)) == "127.0.0.1"


def test_one_trusted_proxy_takes_the_entry_it_appended(rf, settings):
    settings.DABIR_TRUSTED_PROXIES = 1
    assert client_ip(_request(rf, "198.51.100.7")) == "198.51.100.7"
    # The client wrote the first entry itself; nginx appended the real one.
    assert client_ip(_request(rf, "1.2.3.4, 198.51.100.7")) == "198.51.100.7"
    assert client_ip(_request(rf)) == "127.0.0.1"  # no header: the connection's address


def test_two_trusted_proxies_take_the_second_from_the_right(rf, settings):
    settings.DABIR_TRUSTED_PROXIES = 2
    assert client_ip(_request(rf, "6.6.6.6, 198.51.100.7, 10.0.0.2")) == "198.51.100.7"
    # Fewer entries than proxies: the header is not what the proxies would write; use the connection.
    assert client_ip(_request(rf, "198.51.100.7")) == "127.0.0.1"


@pytest.mark.django_db
def test_forged_forwarded_for_does_not_dodge_the_address_lock(client, settings):
    settings.DABIR_TRUSTED_PROXIES = 1
    settings.DABIR_SIGNIN_ADDRESS_RATE = (10, 600)
    user = make_user("clerk1")
    user.set_password(PASSWORD)
    user.save()
    for i in range(10):  # a new forged first entry each time, the same address appended by nginx
        client.post("/accounts/login/", {"username": f"name{i // 2}", "password": "x"},
                    REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"10.66.{i}.1, 198.51.100.7")
    response = client.post("/accounts/login/", {"username": "clerk1", "password": PASSWORD},
                           REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.77.0.1, 198.51.100.7")
    assert response.status_code == 429 and "ورود موقتاً بسته شده است" in response.content.decode()
    assert "_auth_user_id" not in client.session
