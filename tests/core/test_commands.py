"""The operator commands: `dabir audit verify`, `dabir issue-token`, `dabir worker`, `dabir check-deploy`."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dabir import cli
from dabir.accounts.models import ApiToken
from dabir.core.models import AuditEntry
from dabir.letters import services

from ..factories import make_world


def _register(world, subject="درخواست تخصیص اعتبار"):
    return services.register_incoming(
        user=world.clerk, secretariat=world.secretariat, subject=subject, sender_name="سازمان برنامه و بودجه",
        channel="post", refer_to=[services.ReferralSpec(world.manager_pos.id, note="جهت بررسی")],
        seat=world.seat(world.clerk_pos),
    )


def test_audit_verify_reports_ok_with_the_entry_count(world):
    # given a few audited changes
    _register(world)
    _register(world, "گزارش پیشرفت طرح")
    count = AuditEntry.objects.count()
    assert count >= 2

    # when the operator verifies the chain
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)

    # then it reports every entry intact
    assert out.getvalue().strip() == f"OK: {count} entries"


def test_audit_verify_names_the_tampered_entry(world):
    # given a chain where one entry's data was changed behind the services' back
    _register(world)
    _register(world, "گزارش پیشرفت طرح")
    victim = AuditEntry.objects.order_by("id")[1]
    AuditEntry.objects.filter(id=victim.id).update(data={"number": "جعلی"})

    # when the operator verifies the chain, then it names that entry and its action
    with pytest.raises(CommandError) as failure:
        call_command("audit", "verify", stdout=io.StringIO())
    message = str(failure.value)
    assert f"entry {victim.id} " in message
    assert victim.action in message


@pytest.mark.django_db(transaction=True)
def test_dabir_audit_verify_exits_non_zero_on_a_broken_chain(capsys):
    # given a committed chain with a tampered entry (the `dabir` front closes connections on exit)
    world = make_world()
    _register(world)
    entry = AuditEntry.objects.order_by("id").first()
    AuditEntry.objects.filter(id=entry.id).update(action="letter.forged")

    # when `dabir audit verify` runs, then the process exits non-zero and names the entry
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["audit", "verify"])
    assert exit_info.value.code != 0
    assert f"entry {entry.id} " in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_dabir_audit_verify_exits_zero_on_an_intact_chain(capsys):
    world = make_world()
    _register(world)
    cli.main(["audit", "verify"])  # no SystemExit: success
    assert capsys.readouterr().out.startswith("OK: ")


def test_issue_token_prints_a_key_that_authenticates_on_the_api(world, client):
    # when the operator issues a token for the clerk
    out, err = io.StringIO(), io.StringIO()
    call_command("issue_token", world.clerk.username, "--name", "ربات گزارش", stdout=out, stderr=err)
    key = out.getvalue().strip()

    # then only its hash is stored, under that user and name
    token = ApiToken.objects.get(key_hash=ApiToken.hash_key(key))
    assert token.user == world.clerk and token.name == "ربات گزارش"
    assert key not in str(ApiToken.objects.values_list().get(pk=token.pk))
    assert AuditEntry.objects.filter(action="api_token.issue", object_id=str(token.pk)).exists()

    # and the key signs in to the API as that user
    answer = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert answer.status_code == 200, answer.content
    assert world.clerk.username in answer.content.decode()
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}x").status_code == 401


def test_issue_token_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match="No user"):
        call_command("issue_token", "nobody", stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_hyphenated_names_run_the_underscored_commands(capsys):
    world = make_world()
    cli.main(["issue-token", world.expert.username])
    key = capsys.readouterr().out.strip()
    assert ApiToken.objects.filter(key_hash=ApiToken.hash_key(key), user=world.expert).exists()


@pytest.mark.django_db(transaction=True)
def test_worker_batch_runs_the_database_worker_and_exits(caplog):
    # (the worker closes its database connections when it exits)
    caplog.set_level("INFO", logger="django_tasks_db")
    call_command("worker", "--batch", stdout=io.StringIO())
    assert "No more tasks to run" in caplog.text


def test_check_deploy_refuses_the_development_key_and_debug(db, settings, tmp_path):
    settings.DEBUG = True
    settings.STATIC_ROOT = tmp_path / "static-empty"
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("check_deploy", stdout=out)
    text = out.getvalue()
    assert "DABIR_DEBUG is on" in text
    assert "DABIR_SECRET_KEY" in text
    assert "STATIC_ROOT" in text


def test_check_deploy_passes_a_production_configuration(db, settings, tmp_path, monkeypatch):
    # The browser tests allow Django's sync calls from Playwright's loop; production must not.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    settings.DEBUG = False
    settings.SECRET_KEY = "k" * 20 + "a-long-random-production-secret-key-0123456789"
    static = tmp_path / "static"
    static.mkdir()
    (static / "app.css").write_text("body{}")
    settings.STATIC_ROOT = static
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31536000
    out = io.StringIO()
    try:
        call_command("check_deploy", stdout=out)
    except CommandError as exc:
        raise AssertionError(out.getvalue()) from exc
    assert "OK: ready to deploy" in out.getvalue()
    assert "audit chain: OK" in out.getvalue()


def _production_settings(settings, tmp_path):
    settings.DEBUG = False
    settings.SECRET_KEY = "k" * 20 + "a-long-random-production-secret-key-0123456789"
    static = tmp_path / "static"
    static.mkdir(exist_ok=True)
    (static / "app.css").write_text("body{}")
    settings.STATIC_ROOT = static


@pytest.mark.parametrize("insecure", ["session_cookie", "csrf_cookie", "no_hsts", "short_hsts"])
def test_check_deploy_demands_secure_cookies_and_hsts(db, settings, tmp_path, monkeypatch, insecure):
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    _production_settings(settings, tmp_path)
    settings.SESSION_COOKIE_SECURE = insecure != "session_cookie"
    settings.CSRF_COOKIE_SECURE = insecure != "csrf_cookie"
    settings.SECURE_HSTS_SECONDS = {"no_hsts": 0, "short_hsts": 3600}.get(insecure, 31536000)
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("check_deploy", stdout=out)
    expected = "DABIR_SECURE_COOKIES" if insecure.endswith("cookie") else "DABIR_HSTS_SECONDS"
    assert f"error: {expected}" in out.getvalue()


def test_check_deploy_only_warns_about_https_in_development(db, settings, tmp_path, monkeypatch):
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    _production_settings(settings, tmp_path)
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_HSTS_SECONDS = 0
    out = io.StringIO()
    call_command("check_deploy", "--development", stdout=out)
    text = out.getvalue()
    assert "warning: DABIR_SECURE_COOKIES" in text and "warning: DABIR_HSTS_SECONDS" in text
    assert "OK: ready to deploy" in text
