"""Password guessing is throttled per account and per client address, on every password entry point.

Given a staff account, when 25 wrong passwords are typed in a row, then the right one is refused
too (with a Persian message saying when to try again) until the lock ends; every failure and every
lock is in the audit log; a right password before the limit forgets the account's failures.
"""

import datetime as dt
from contextlib import nullcontext

import pytest
from django.contrib.auth import authenticate
from django.utils import timezone

from dabir.accounts.services import SignInLocked
from dabir.core.models import AuditEntry

from ..factories import make_user

PASSWORD = "Dabir-Right-1405"


@pytest.fixture
def clerk(db):
    user = make_user("clerk1")
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def admin_user(db):
    user = make_user("boss1", is_staff=True, is_superuser=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def _later(monkeypatch, seconds: int) -> None:
    moment = timezone.now() + dt.timedelta(seconds=seconds)
    monkeypatch.setattr("django.utils.timezone.now", lambda: moment)


def _guess_25_then_right(client, url: str, username: str):
    for i in range(25):
        client.post(url, {"username": username, "password": f"wrong-{i}"})
    assert not _signed_in(client)
    return client.post(url, {"username": username, "password": PASSWORD})


def test_page_refuses_the_right_password_after_25_wrong_until_the_lock_ends(client, clerk, monkeypatch):
    response = _guess_25_then_right(client, "/accounts/login/", "clerk1")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    body = response.content.decode()
    assert "ورود موقتاً بسته شده است" in body and "دقیقه دیگر دوباره بکوشید" in body
    assert not _signed_in(client)

    _later(monkeypatch, 15 * 60 + 1)  # the lock (15 minutes by default) has ended
    response = client.post("/accounts/login/", {"username": "clerk1", "password": PASSWORD})
    assert response.status_code == 302 and _signed_in(client)


def test_admin_login_refuses_the_right_password_after_25_wrong(client, admin_user, monkeypatch):
    response = _guess_25_then_right(client, "/admin/login/", "boss1")
    assert response.status_code == 200  # the admin's own login page, with the lock's message
    assert "ورود موقتاً بسته شده است" in response.content.decode()
    assert not _signed_in(client)
    assert client.get("/admin/").status_code == 302

    _later(monkeypatch, 15 * 60 + 1)
    response = client.post("/admin/login/", {"username": "boss1", "password": PASSWORD})
    assert response.status_code == 302 and _signed_in(client)


def test_any_other_password_check_is_throttled_too(clerk):
    """authenticate() from anywhere (a future API endpoint, a command) goes through the same backend."""
    for i in range(5):
        with pytest.raises(SignInLocked) if i == 4 else nullcontext():  # the 5th failure sets the lock
            assert authenticate(username="clerk1", password=f"wrong-{i}") is None
    with pytest.raises(SignInLocked) as refused:
        authenticate(username="clerk1", password=PASSWORD)
    assert refused.value.status == 429 and refused.value.retry_after > 0


def test_a_right_password_forgets_the_accounts_failures(client, clerk):
    for _ in range(2):
        for i in range(4):  # one short of the limit of 5
            client.post("/accounts/login/", {"username": "clerk1", "password": f"wrong-{i}"})
        response = client.post("/accounts/login/", {"username": "clerk1", "password": PASSWORD})
        assert response.status_code == 302 and _signed_in(client)
        client.post("/accounts/logout/")


def test_one_address_guessing_many_accounts_is_locked_out_of_all(client, clerk, settings):
    settings.DABIR_SIGNIN_ADDRESS_RATE = (10, 600)
    for i in range(10):  # ten names, two tries each: no account reaches its own limit
        client.post("/accounts/login/", {"username": f"name{i // 2}", "password": "x"}, REMOTE_ADDR="10.1.2.3")
    response = client.post("/accounts/login/", {"username": "clerk1", "password": PASSWORD}, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 429 and "ورود موقتاً بسته شده است" in response.content.decode()
    assert not _signed_in(client)
    # The account itself is not locked: from another address the right password signs in.
    response = client.post("/accounts/login/", {"username": "clerk1", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 302 and _signed_in(client)
    lock = AuditEntry.objects.get(action="auth.signin_lock")
    assert lock.data["scope"] == "address" and lock.data["ip"] == "10.1.2.3"


def test_every_failure_and_lock_is_audited(client, clerk):
    for i in range(7):
        client.post("/accounts/login/", {"username": "clerk1", "password": f"wrong-{i}"}, REMOTE_ADDR="10.0.0.7")
    failed = AuditEntry.objects.filter(action="auth.signin_failed")
    assert failed.count() == 5  # the 6th and 7th were refused before the password was looked at
    assert {e.object_type for e in failed} == {"accounts.user"} and {e.object_id for e in failed} == {str(clerk.pk)}
    assert failed.first().data == {"username": "clerk1", "ip": "10.0.0.7"}
    lock = AuditEntry.objects.get(action="auth.signin_lock")
    assert lock.data["scope"] == "account" and lock.data["seconds"] == 900
    assert AuditEntry.objects.filter(action="auth.signin_refused").count() == 2
    assert all("wrong" not in str(e.data) for e in AuditEntry.objects.all())  # no password in the log


def test_unknown_names_are_counted_and_locked_alike(client, db):
    for i in range(6):
        response = client.post("/accounts/login/", {"username": "nobody", "password": f"w{i}"})
    assert response.status_code == 429  # no hint whether the name exists
    failed = AuditEntry.objects.filter(action="auth.signin_failed", object_id="nobody")
    assert failed.count() == 5 and {e.object_type for e in failed} == {"SignInName"}


def test_right_passwords_do_not_count_against_their_address(client, clerk, settings):
    """An office behind one address signs in all day: only wrong passwords count towards its lock."""
    settings.DABIR_SIGNIN_ADDRESS_RATE = (3, 600)
    for _ in range(6):
        response = client.post("/accounts/login/", {"username": "clerk1", "password": PASSWORD}, REMOTE_ADDR="10.5.5.5")
        assert response.status_code == 302
        client.post("/accounts/logout/")


@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_cannot_slip_past_the_limit():
    """Attempts are numbered before the password is checked: of 10 simultaneous guesses only 5 are tried."""
    import threading

    from django.db import connection, connections

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("threads need a file or server database (see tests/letters/conftest.py)")
    user = make_user("clerk2")
    user.set_password(PASSWORD)
    user.save()
    outcomes = []
    start = threading.Barrier(10)

    def guess(i):
        try:
            start.wait()
            authenticate(username="clerk2", password=f"wrong-{i}")
            outcomes.append("wrong")
        except SignInLocked:
            outcomes.append("locked")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert AuditEntry.objects.filter(action="auth.signin_failed").count() == 5  # five passwords looked at
    assert AuditEntry.objects.filter(action="auth.signin_refused").count() == 5
    assert outcomes.count("locked") == 6  # the five refused, and the fifth failure that set the lock
