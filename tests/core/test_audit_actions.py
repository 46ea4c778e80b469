"""Audit actions and SMS kinds are enumerations each app declares (names.py), not free strings."""

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client

from dabir.accounts.names import SmsKind as AccountsSms
from dabir.core import audit, labels
from dabir.core.models import AuditEntry
from dabir.desk.names import SmsKind as DeskSms
from dabir.letters.names import AuditAction as LettersAction
from dabir.notify import services as notify
from dabir.notify.models import SmsMessage

SRC = Path(__file__).resolve().parents[2] / "src" / "dabir"
# call → the argument that carries the code: keyword name, or its position when passed positionally
CODE_ARGUMENTS = {"record": ("action", None), "_record": ("action", 0), "queue_sms": ("kind", None),
                  "_sms": ("kind", 2), "_consume": ("wrong_action", None)}
ENUMS = {"AuditAction", "SmsKind"}


def _is_member(node: ast.expr) -> bool:
    """AuditAction.X, SmsKind(f"otp.{purpose}"), or a name the caller was given (checked at its own call)."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return node.value.id in ENUMS
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return node.func.id in ENUMS
    return isinstance(node, ast.Name)


def _code_arguments():
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name not in CODE_ARGUMENTS:
                continue
            keyword, position = CODE_ARGUMENTS[name]
            args = [k.value for k in node.keywords if k.arg == keyword]
            if not args and position is not None and len(node.args) > position:
                args = [node.args[position]]
            for arg in args:
                yield f"{path.relative_to(SRC)}:{node.lineno}", arg


def test_every_audit_action_and_sms_kind_in_the_code_is_passed_as_an_enumeration_member():
    found = list(_code_arguments())
    assert len(found) > 80  # every app's services record and send
    free = [f"{where}: {ast.unparse(arg)}" for where, arg in found if not _is_member(arg)]
    assert free == []


def test_each_code_is_declared_once_by_one_app_with_a_persian_name():
    owners: dict[str, list[str]] = {}
    for config in apps.get_app_configs():
        names = getattr(getattr(config.module, "names", None), "__name__", None) and config.module.names
        for enum in ("AuditAction", "SmsKind"):
            for code, label in getattr(names, enum, None).choices if names and hasattr(names, enum) else []:
                owners.setdefault(f"{enum}:{code}", []).append(config.label)
                assert re.search("[\u0600-\u06ff]", label), code
    assert {key for key, who in owners.items() if len(who) > 1} == set()
    assert "AuditAction:letter.register" in owners and "SmsKind:desk.registered" in owners


@pytest.mark.django_db
def test_record_refuses_an_action_no_app_declares_and_keeps_the_members_value(world):
    with transaction.atomic():
        with pytest.raises(ValueError, match="letter.teleport"):
            audit.record(action="letter.teleport", obj=world.agency)
        entry = audit.record(action=LettersAction.LETTER_PRINT, obj=world.agency)
        plain = audit.record(action="letter.print", obj=world.agency)  # a declared code as a plain str is fine
    assert AuditEntry.objects.get(pk=entry.pk).action == "letter.print" == plain.action
    assert not AuditEntry.objects.filter(action="letter.teleport").exists()
    assert audit.verify().ok


@pytest.mark.django_db
def test_the_outbox_refuses_an_undeclared_kind_and_its_page_shows_the_senders_persian_name(world):
    with transaction.atomic():
        with pytest.raises(ValueError, match="desk.teleported"):
            notify.queue_sms(mobile="09121112233", text="متن", kind="desk.teleported")
        notify.queue_sms(mobile="09121112233", text="کد شما: ۱۲۳۴", kind=AccountsSms.OTP_SIGNIN)
        notify.queue_sms(mobile="09359998877", text="درخواست شما ثبت شد", kind=DeskSms.DESK_REGISTERED)
    assert set(SmsMessage.objects.values_list("kind", flat=True)) == {"otp.signin", "desk.registered"}
    world.clerk.is_staff = True
    world.clerk.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(world.clerk)
    response = client.get("/notify/outbox/")
    assert response.status_code == 200
    page = response.content.decode()
    assert AccountsSms.OTP_SIGNIN.label in page and DeskSms.DESK_REGISTERED.label in page
    assert labels.name(labels.SMS_KIND, "desk.registered") == DeskSms.DESK_REGISTERED.label
