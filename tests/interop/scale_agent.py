"""What the scale fault test does inside the server's environment (its database, its storage).

    python -m tests.interop.scale_agent ACTION '{"json": "arguments"}'

Each action goes through the real services or reads the database as an auditor would, and prints
its result as one JSON line (the harness is tests/interop/servers.py's Server.agent).
"""

import json
import os
import sys
from collections import Counter, defaultdict

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dabir.settings")

import django  # noqa: E402

django.setup()

from django.apps import apps  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from django.db import DatabaseError, connection, models  # noqa: E402

PASSWORD = "dabir1405"
SERVICE = "scale-fault-report"
CITIZEN_CODE = "0012345679"  # a valid national code (check digit 9)


def _definition(code: str) -> dict:
    return {
        "code": SERVICE, "title": "گزارش آزمون خطا", "agency": code, "category": "آزمون",
        "profile": {"description": "خدمتی برای آزمون بار و خطا", "channels": ["online", "counter"], "duration_days": 5},
        "form": [
            {"name": "topic", "label": "موضوع", "type": "text", "max_length": 200},
            {"name": "photo", "label": "عکس", "type": "file", "required": False, "file_types": ["png"]},
        ],
        "stages": [
            {"code": "check", "title": "بررسی گزارش", "position": f"{code}-expert", "deadline_days": 2,
             "outcomes": [{"code": "ok", "label": "ارجاع", "next": "fix"}]},
            {"code": "fix", "title": "رسیدگی", "position": f"{code}-clerk", "deadline_days": 3,
             "outcomes": [{"code": "done", "label": "رسیدگی شد", "next": "approve"}]},
        ],
        "fees": {"online": 0, "counter": 0},
        "result": {"title": "پاسخ گزارش", "signer_position": f"{code}-signer",
                   "body": "گزارش {tracking_code} رسیدگی شد."},
    }


def setup(code: str, name: str) -> dict:
    from dabir.accounts.models import User
    from dabir.accounts.services import issue_api_token
    from dabir.desk import services as desk
    from dabir.desk.models import DeskProfile
    from dabir.exchange.management.commands._peer import seed_agency
    from dabir.orgs.models import Position, Secretariat

    seed_agency(name=name, code=code, prefix=code, password=PASSWORD)
    secretariat = Secretariat.objects.get(agency__code=code)
    DeskProfile.objects.get_or_create(agency=secretariat.agency, defaults={
        "secretariat": secretariat, "complaints_position": Position.objects.get(code=f"{code}-signer")})
    desk.publish_service(user=None, definition=_definition(code))
    clerk = User.objects.get(username=f"{code}-clerk")
    citizen = User.objects.create_user(username=f"c{CITIZEN_CODE}", is_citizen=True, national_code=CITIZEN_CODE,
                                       mobile="09120000000", first_name="سارا", last_name="شهروند")
    return {
        "secretariat_id": secretariat.pk, "expert_position_id": Position.objects.get(code=f"{code}-expert").pk,
        "clerk_key": issue_api_token(user=clerk, name="آزمون خطا")[1],
        "citizen_key": issue_api_token(user=citizen, name="آزمون خطا")[1],
        "service": SERVICE,
        "tables": {"letter": apps.get_model("letters", "Letter")._meta.db_table,
                   "audit": apps.get_model("core", "AuditEntry")._meta.db_table},
    }


def advance(code: str, limit: int = 40) -> dict:
    """The expert moves requests at the first stage on (each one SMS to the citizen); a transaction that
    the injected fault breaks is left for the next round, as a clerk would try again."""
    from dabir.accounts.models import User
    from dabir.desk.models import ServiceRequest
    from dabir.desk.services import decide_stage
    from dabir.orgs.models import Position

    expert = User.objects.get(username=f"{code}-expert")
    position = Position.objects.get(code=f"{code}-expert")
    done = failed = 0
    for req in ServiceRequest.objects.filter(stage_code="check", status__in=["submitted", "in_progress"],
                                             letter__isnull=False).order_by("id")[:limit]:
        try:
            decide_stage(user=expert, position_id=position.pk, request=req, outcome="ok")
            done += 1
        except DatabaseError:
            failed += 1
    return {"advanced": done, "failed": failed}


def sms_pending() -> dict:
    from dabir.notify.models import SmsMessage

    rows = SmsMessage.objects.values("status").annotate(n=models.Count("id")).order_by()
    return {row["status"]: row["n"] for row in rows}


def faults(tables: dict, letter: float, audit: float, on: bool = True) -> dict:
    """Install (or drop) the triggers that make random transactions fail."""
    with connection.cursor() as cur:
        cur.execute("""
            CREATE OR REPLACE FUNCTION scale_fault() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF random() < TG_ARGV[0]::float THEN
                    RAISE EXCEPTION 'injected fault on %', TG_TABLE_NAME;
                END IF;
                RETURN NEW;
            END $$""")
        for table, share in ((tables["letter"], letter), (tables["audit"], audit)):
            cur.execute(f'DROP TRIGGER IF EXISTS scale_fault ON "{table}"')
            if on:
                cur.execute(f'CREATE TRIGGER scale_fault BEFORE INSERT ON "{table}" FOR EACH ROW '
                            f"EXECUTE FUNCTION scale_fault('{float(share)}')")
    return {"on": on}


def _file_fields():
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField):
                yield model, field


def _stored(folder: str = "") -> list[str]:
    dirs, files = default_storage.listdir(folder)
    out = [f"{folder}/{f}" if folder else f for f in files]
    for d in dirs:
        out += _stored(f"{folder}/{d}" if folder else d)
    return out


def files() -> dict:
    """Every stored file against every row that names one (through the storage API)."""
    named: dict[str, int] = Counter()
    for model, field in _file_fields():
        for name in model._default_manager.exclude(**{field.name: ""}).values_list(field.name, flat=True):
            if name:
                named[name] += 1
    folders = {os.path.dirname(n).split("/")[0] for n in named} | {"attachments", "desk"}
    stored = set()
    for folder in folders:
        if default_storage.exists(folder):
            stored.update(_stored(folder))
    missing = sorted(n for n in named if not default_storage.exists(n))
    orphans = sorted(stored - set(named))
    return {"named": len(named), "rows": sum(named.values()), "stored": len(stored), "missing": missing[:20],
            "missing_count": len(missing), "orphans": orphans[:20], "orphan_count": len(orphans),
            "media_root": str(getattr(default_storage, "location", ""))}


def report(code: str, token_prefix: str) -> dict:
    """What the checks need: numbering, tokens in subjects, audit entries, requests and their SMS."""
    from dabir.core import audit
    from dabir.core.models import AuditEntry
    from dabir.desk.models import RequestEvent, ServiceRequest
    from dabir.letters.models import Letter
    from dabir.notify.models import SmsMessage

    letters = Letter.objects.filter(secretariat__agency__code=code)
    numbering = {}
    by_series = defaultdict(list)
    for series_id, year, seq in letters.exclude(seq=None).values_list("series_id", "year", "seq"):
        by_series[f"{series_id}/{year}"].append(seq)
    for key, seqs in by_series.items():
        seqs.sort()
        numbering[key] = {"count": len(seqs), "unique": len(set(seqs)) == len(seqs),
                          "gapless": seqs == list(range(1, len(seqs) + 1)), "max": seqs[-1]}
    unnumbered = letters.filter(seq=None, kind="incoming").count()
    tokens = Counter()
    numbers = {}
    for subject, number in letters.filter(subject__contains=token_prefix).values_list("subject", "number"):
        token = subject.rsplit(" ", 1)[-1]
        tokens[token] += 1
        numbers[token] = number
    letter_ids = set(letters.values_list("pk", flat=True))
    audited = set(int(i) for i in AuditEntry.objects.filter(object_type="letters.letter",
                                                            action__startswith="letter.register")
                  .values_list("object_id", flat=True))
    requests = list(ServiceRequest.objects.filter(service__code=SERVICE)
                    .values("pk", "submission_key", "tracking_code", "mobile", "letter_id", "status"))
    stage_events = Counter(RequestEvent.objects.filter(kind=RequestEvent.Kind.STAGE).values_list("request_id", flat=True))
    sms_rows = list(SmsMessage.objects.values("mobile", "text", "status", "related", "attempts"))
    sms_by_request = Counter(r["related"] for r in sms_rows)
    chain = audit.verify()
    return {
        "numbering": numbering, "unnumbered_incoming": unnumbered, "letters": len(letter_ids),
        "tokens": tokens, "numbers": numbers,
        "letters_without_audit": sorted(letter_ids - audited)[:20], "letters_without_audit_count": len(letter_ids - audited),
        "requests": [{**r, "stage_events": stage_events.get(r["pk"], 0), "sms": sms_by_request.get(f"desk.request:{r['pk']}", 0)}
                     for r in requests],
        "sms": sms_rows,
        "audit": {"ok": chain.ok, "checked": chain.checked, "reason": chain.reason},
    }


def age_files(days: float) -> dict:
    """Make every stored file look `days` old (what a day's wait does before `dabir cleanup`)."""
    import time

    root = getattr(default_storage, "location", "")
    when = time.time() - days * 86400
    n = 0
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            os.utime(os.path.join(dirpath, name), (when, when))
            n += 1
    return {"aged": n}


ACTIONS = {f.__name__: f for f in (setup, advance, sms_pending, faults, files, report, age_files)}


def main() -> None:
    action, args = sys.argv[1], json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}")
    result = ACTIONS[action](**args)
    sys.stdout.write(json.dumps(result, ensure_ascii=False, default=str) + "\n")


if __name__ == "__main__":
    main()
