"""`dabir exchange`: its subcommands in one process, and what bad input gets (a clear error, no traceback)."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from dabir.exchange.models import Member

from ..factories import make_world


def _run(*args, stdin: bytes | None = None) -> str:
    out = io.StringIO()
    call_command("exchange", *args, stdout=out)
    return out.getvalue()


def test_join_export_and_import_members_between_two_servers_files(db, tmp_path, settings):
    world = make_world("استانداری فرمان")
    line = _run("join", world.agency.code, "--code", "ostan-test")
    assert line.startswith("ostan-test\t") and len(line.split("\t")[1]) == 64
    assert _run("join", world.agency.code).startswith("ostan-test\t")  # joining again changes nothing
    exported = json.loads(_run("export-members"))
    assert [m["code"] for m in exported] == ["ostan-test"]
    assert exported[0]["endpoint"].endswith("/exchange/v1/messages") and "BEGIN CERTIFICATE" in exported[0]["certificate_pem"]
    # the other server's file: its member enters as a local peer; our own member is never overwritten
    theirs = [{**exported[0], "code": "peer-x", "name": "دستگاه همتا", "endpoint": "https://peer.example/exchange/v1/messages"},
              {**exported[0], "endpoint": "https://evil.example/"}]
    path = tmp_path / "theirs.json"
    path.write_text(json.dumps(theirs, ensure_ascii=False))
    _run("import-members", str(path))
    peer = Member.objects.get(code="peer-x")
    assert (peer.source, peer.agency, peer.server_url) == ("local", None, "https://peer.example/exchange/v1/messages")
    assert Member.objects.get(code="ostan-test").agency == world.agency


def test_join_all_and_sweep_once(db):
    make_world("الف")
    make_world("ب")
    assert len(_run("join", "--all").splitlines()) == 2
    assert _run("sweep").startswith("requeued=0")


def test_the_directory_authority_publishes_and_prints_its_fingerprint(db, settings, tmp_path):
    settings.DABIR_EXCHANGE_DIRECTORY_AUTHORITY = True
    world = make_world("مرجع")
    _run("join", world.agency.code)
    fingerprint = _run("fingerprint").strip()
    assert len(fingerprint) == 64
    settings.DABIR_EXCHANGE_DIRECTORY_AUTHORITY = False
    with pytest.raises(CommandError, match="not the directory authority"):
        _run("fingerprint")
    with pytest.raises(CommandError, match="مرجع فهرست"):
        _run("publish")


@pytest.mark.parametrize("args, message", [
    (("join",), "Name an agency code"),
    (("join", "no-such-agency"), "No agency"),
    (("join", "--all", "--code", "x"), "cannot go with --all"),
    (("import-members", "/no/such/file.json"), "Cannot read"),
    (("import-directory", "/no/such/directory.xml"), "Cannot read"),
])
def test_bad_arguments_get_a_clear_error(db, args, message):
    with pytest.raises(CommandError, match=message):
        _run(*args)


@pytest.mark.parametrize("content, message", [
    ("not json", "Not a JSON member list"),
    ('{"code": "x"}', "JSON list"),
    ('["x"]', "JSON object"),
    ('[{"code": "BAD CODE!", "name": "x", "endpoint": "https://a/", "certificate_pem": ""}]', "شناسه تبادل"),
    ('[{"code": "ok", "name": "x", "endpoint": "ftp://a/", "certificate_pem": ""}]', "https://"),
    ('[{"code": "ok", "name": "x", "endpoint": "https://a/", "certificate_pem": "garbage"}]', "PEM"),
    ('[{"code": "ok", "name": "x", "endpoint": "https://a/"}, {"code": "", "name": "y"}]', "شناسه تبادل"),
])
def test_a_bad_member_file_is_refused_in_plain_words(db, tmp_path, content, message):
    path = tmp_path / "members.json"
    path.write_text(content)
    with pytest.raises(CommandError, match=message):
        _run("import-members", str(path))
    assert not Member.objects.exists()


def test_sync_without_a_directory_address_says_so(db, settings):
    settings.DABIR_EXCHANGE_DIRECTORY_URL = ""
    with pytest.raises(CommandError, match="DABIR_EXCHANGE_DIRECTORY_URL"):
        _run("sync")


def test_a_bad_directory_file_is_refused(db, tmp_path):
    path = tmp_path / "directory.xml"
    path.write_bytes(b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>")
    with pytest.raises(CommandError):
        _run("import-directory", str(path))
