"""A small exchange-ready agency, and the second server beside the demo (`dabir exchange peer-demo`).

The peer is a whole Dabir of its own: its own SQLite database under var/peer/, its own agency with
a secretariat, a clerk and a signer, joined to the exchange; then each server enters the other's
members with the same export/import an admin would use.
"""

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

PEER_AGENCY = ("اداره کل راه و شهرسازی خوزستان", "khz-rah")
PEER_PASSWORD = "dabir1405"


@dataclass
class Seeded:
    agency_id: int
    member: str
    clerk: str
    signer: str

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def seed_agency(*, name: str, code: str, prefix: str, password: str) -> Seeded:
    """An agency with a secretariat (incoming/outgoing/internal series), a clerk, a signing manager
    with a certificate and an expert; joined to the exchange. Run again, it changes nothing."""
    from dabir.accounts.models import User
    from dabir.exchange import services
    from dabir.orgs.models import Agency, Assignment, NumberSeries, Position, Secretariat, Unit
    from dabir.signing import services as signing

    with transaction.atomic():
        agency, created = Agency.objects.get_or_create(code=code, defaults={"name": name, "province": "خوزستان"})
        if created:
            unit = Unit.objects.create(agency=agency, name="دفتر مدیرکل")
            secretariat = Secretariat.objects.create(agency=agency, name="دبیرخانه مرکزی", code="DM")
            for label, short, kind in (("وارده", "و", "incoming"), ("صادره", "ص", "outgoing"), ("داخلی", "د", "internal")):
                NumberSeries.objects.create(secretariat=secretariat, name=label, code=short, kinds=[kind])
            people = (
                ("clerk", "کارمند دبیرخانه", "زهرا", "دبیری", {}),
                ("signer", "مدیرکل", "علی", "مدیری", {"can_sign": True, "is_manager": True}),
                ("expert", "کارشناس", "مریم", "کارشناس", {}),
            )
            for role, title, first, last, flags in people:
                user = User.objects.create_user(username=f"{prefix}-{role}", password=password,
                                                first_name=first, last_name=last)
                position = Position.objects.create(unit=unit, title=title, code=f"{prefix}-{role}", **flags)
                Assignment.objects.create(user=user, position=position, role=Assignment.Role.HOLDER)
                if role == "clerk":
                    secretariat.clerks.add(user)
        member = services.join_agency(agency=agency, code=code)
        signer = Position.objects.get(code=f"{prefix}-signer")
        if not signer.certificates.filter(revoked_at__isnull=True).exists():
            signing.issue_certificate(position=signer)
    return Seeded(agency_id=agency.pk, member=member.code, clerk=f"{prefix}-clerk", signer=f"{prefix}-signer")


def _dabir(*args: str, env: dict, stdin: bytes | None = None) -> bytes:
    done = subprocess.run([sys.executable, "-m", "dabir.cli", *args], env=env, input=stdin,
                          capture_output=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"dabir {' '.join(args)} failed:\n{done.stderr.decode(errors='replace')}")
    return done.stdout


def prepare(out, *, port: int, main_url: str, var_dir: str = "") -> None:
    """Migrate var/peer/, seed its agency, and trade member lists with the main demo (both ways)."""
    from django.core.management import call_command

    from .exchange import export_members, import_members

    var = Path(var_dir or Path(settings.VAR_DIR) / "peer")
    var.mkdir(parents=True, exist_ok=True)
    peer_url = f"http://127.0.0.1:{port}"
    env = {**os.environ}  # the peer's own SQLite database under its var directory, whatever the main one uses
    env.pop("DABIR_DATABASE_URL", None)
    env.update(DABIR_VAR_DIR=str(var), DABIR_PUBLIC_URL=peer_url,
               DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE", "dabir.settings"))
    out.write(f"Preparing the peer server's database under {var} …")
    _dabir("migrate", "--noinput", "-v", "0", env=env)
    _dabir("createcachetable", env=env)
    _dabir("exchange", "peer-setup", env=env)
    # This (main) server's agencies join too, if the demo has not joined them yet.
    call_command("exchange", "join", "--all", stdout=open(os.devnull, "w"))
    ours = export_members()
    if main_url:
        ours = [{**m, "endpoint": f"{main_url.rstrip('/')}/exchange/v1/messages"} for m in ours]
    theirs = json.loads(_dabir("exchange", "export-members", env=env))
    _dabir("exchange", "import-members", "-", env=env, stdin=json.dumps(ours, ensure_ascii=False).encode())
    import_members(theirs)
    name, code = PEER_AGENCY
    out.write(
        f"\nThe peer server is ready: «{name}» ({code}) with {len(ours)} members of the main demo as its peers.\n"
        f"Run it beside the demo (which serves on {settings.DABIR_PUBLIC_URL}):\n"
        f"  DABIR_VAR_DIR={var} DABIR_PUBLIC_URL={peer_url} dabir serve --port {port} --with-worker\n"
        f"(or `make demo-peer`). Sign in at {peer_url}/ as peer-clerk (secretariat) or peer-signer (signer),\n"
        f"password {PEER_PASSWORD}. Address an outgoing letter to one of the demo's agencies and dispatch it\n"
        "«الکترونیکی»; it arrives in that agency's «نامه‌های الکترونیکی رسیده» on the main demo.\n"
    )


def peer_setup(out) -> None:
    name, code = PEER_AGENCY
    seeded = seed_agency(name=name, code=code, prefix="peer", password=PEER_PASSWORD)
    out.write(json.dumps(seeded.as_dict()))
