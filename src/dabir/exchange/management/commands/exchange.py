"""`dabir exchange <sub>`: join agencies, trade member lists, the directory, the sweep, a peer demo.

  join AGENCY_CODE [--code C] | join --all   make agencies of this server members (with a certificate)
  export-members                             this server's own members as JSON, for another admin
  import-members FILE                        enter another server's members (local peers, «ثبت محلی»)
  publish                                    the signed directory to stdout (on the directory authority)
  sync | import-directory FILE               apply the authority's signed directory
  fingerprint                                the directory authority's certificate fingerprint
  sweep [--loop] [--interval S]              re-queue due transfers, expire inquiries, sync on schedule
  peer-demo                                  a second server beside the demo, under var/peer/ (port 8001)
"""

import json
import logging
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from dabir.core.errors import DomainError
from dabir.exchange import services
from dabir.exchange.models import Member
from dabir.orgs.models import Agency

log = logging.getLogger(__name__)


def export_members() -> list[dict]:
    """This server's own members as another server's admin enters them."""
    url = services.directory.endpoint()
    return [
        {"code": m.code, "name": m.name, "endpoint": url, "certificate_pem": m.certificate_pem}
        for m in Member.objects.filter(agency__isnull=False, active=True).exclude(certificate_pem="").order_by("code")
    ]


@transaction.atomic
def import_members(entries: list[dict]) -> list[Member]:
    """Enter another server's members through the admin's own service; this server's own are skipped.
    All or nothing: one bad entry leaves the directory as it was."""
    if not isinstance(entries, list):
        raise CommandError("The file must hold a JSON list of members (from `dabir exchange export-members`).")
    saved = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise CommandError("Each member must be a JSON object with code, name, endpoint and certificate_pem.")
        code = str(entry.get("code", "")).strip().lower()
        if Member.objects.filter(code=code, agency__isnull=False).exists():
            continue  # one of ours: this server keeps its own members
        saved.append(services.save_member(
            user=None, code=code, name=str(entry.get("name", "")), server_url=str(entry.get("endpoint", "")),
            certificate_pem=str(entry.get("certificate_pem", "")),
        ))
    return saved


def _worker_has_backlog() -> bool:
    """With the database task queue: are send jobs already waiting to run? Then every due transfer
    that has a job will be reached by it, and re-queueing all due transfers each round would only
    pile up duplicate jobs behind a long queue (a thousand letters dispatched at once)."""
    if not settings.TASKS.get("default", {}).get("BACKEND", "").startswith("django_tasks_db."):
        return False
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.ready().filter(task_path__endswith=".send_transfer").exists()


def sweep_once(*, sync_due: bool) -> dict:
    """One round: transfers due again (lost jobs, leases run out), expired inquiries, the directory."""
    from dabir.exchange.services import inquiries

    # A job lost with a killed worker leaves its transfer due with no job: once the queue is idle,
    # every transfer still due is such an orphan and gets a new job.
    result = {"requeued": 0 if _worker_has_backlog() else services.requeue_due()}
    expire = getattr(inquiries, "expire_inquiries", None)
    if expire is not None:
        result["expired"] = expire()
    if sync_due and settings.DABIR_EXCHANGE_DIRECTORY_URL:
        try:
            result["directory"] = services.sync_directory().serial
        except Exception as exc:  # a directory that is down must not stop the sweep
            log.warning("exchange directory sync failed: %s", exc)
            result["directory"] = f"failed: {exc}"
    return result


class Command(BaseCommand):
    help = "The exchange between agencies: join, members, directory, sweep, peer-demo (see `dabir exchange -h`)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="sub", required=True)
        join = sub.add_parser("join", help="Make an agency of this server a member of the exchange")
        join.add_argument("agency", nargs="?", help="the agency's code on this server")
        join.add_argument("--code", default="", help="its exchange code (default: the agency's code)")
        join.add_argument("--all", action="store_true", help="join every agency of this server")
        sub.add_parser("export-members", help="Print this server's own members as JSON")
        imp = sub.add_parser("import-members", help="Enter another server's members from a JSON file (- for stdin)")
        imp.add_argument("file")
        sub.add_parser("publish", help="Print the signed directory (directory authority only)")
        sub.add_parser("sync", help="Fetch and apply the directory from DABIR_EXCHANGE_DIRECTORY_URL")
        imd = sub.add_parser("import-directory", help="Apply a signed directory from a file (- for stdin)")
        imd.add_argument("file")
        sub.add_parser("fingerprint", help="Print the directory authority's certificate fingerprint")
        sweep = sub.add_parser("sweep", help="Re-queue due transfers, expire inquiries, sync the directory")
        sweep.add_argument("--loop", action="store_true", help="repeat until stopped")
        sweep.add_argument("--interval", type=float, default=30.0, help="seconds between rounds with --loop")
        peer = sub.add_parser("peer-demo", help="Prepare a second server beside the demo under var/peer/")
        peer.add_argument("--port", type=int, default=8001)
        peer.add_argument("--main-url", default="", help="the main demo's address (default DABIR_PUBLIC_URL)")
        peer.add_argument("--var-dir", default="", help="the peer's data directory (default var/peer/ beside this server's)")
        sub.add_parser("peer-setup", help="(run by peer-demo inside the peer's environment) seed its agency")

    def handle(self, *args, sub: str, **options):
        try:
            getattr(self, "do_" + sub.replace("-", "_"))(**options)
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    # ------------------------------------------------------------ members

    def do_join(self, *, agency, code, all, **_):
        if all:
            agencies = list(Agency.objects.order_by("id"))
        elif agency:
            found = Agency.objects.filter(code=agency).first()
            if found is None:
                raise CommandError(f"No agency with the code {agency!r} on this server.")
            agencies = [found]
        else:
            raise CommandError("Name an agency code, or --all.")
        if code and len(agencies) != 1:
            raise CommandError("--code names one agency's exchange code; it cannot go with --all.")
        for one in agencies:
            member = services.join_agency(agency=one, code=code)
            self.stdout.write(f"{member.code}\t{member.fingerprint}\t{member.name}")

    def do_export_members(self, **_):
        self.stdout.write(json.dumps(export_members(), ensure_ascii=False, indent=1))

    def do_import_members(self, *, file, **_):
        try:
            entries = json.loads(_read(file))
        except ValueError as exc:
            raise CommandError(f"Not a JSON member list: {exc}") from exc
        for member in import_members(entries):
            self.stdout.write(f"{member.code}\t{member.server_url}\t{member.fingerprint}")

    # ------------------------------------------------------------ directory

    def do_publish(self, **_):
        sys.stdout.buffer.write(services.publish_directory())
        sys.stdout.flush()

    def do_sync(self, **_):
        snapshot = services.sync_directory()
        self.stdout.write(f"serial={snapshot.serial} members={snapshot.members}")

    def do_import_directory(self, *, file, **_):
        snapshot = services.import_directory(data=_read(file))
        self.stdout.write(f"serial={snapshot.serial} members={snapshot.members}")

    def do_fingerprint(self, **_):
        if not settings.DABIR_EXCHANGE_DIRECTORY_AUTHORITY:
            raise CommandError("This server is not the directory authority (DABIR_EXCHANGE_DIRECTORY_AUTHORITY=1).")
        self.stdout.write(services.credentials.directory_credential().fingerprint)

    # ------------------------------------------------------------ sweep

    def do_sweep(self, *, loop, interval, verbosity=1, **_):
        every = max(int(settings.DABIR_EXCHANGE_SYNC_SECONDS), 1)
        last_sync = None
        while True:
            now = time.monotonic()
            sync_due = last_sync is None or now - last_sync >= every
            try:
                result = sweep_once(sync_due=sync_due)
            except Exception:  # a lost database connection or the like: log it, try next round
                if not loop:
                    raise
                log.exception("exchange sweep failed")
                result = {}
            if sync_due and "directory" in result:
                last_sync = now
            if verbosity >= 1 and (not loop or any(result.get(k) for k in ("requeued", "expired", "directory"))):
                self.stdout.write(" ".join(f"{k}={v}" for k, v in result.items()))
            if not loop:
                break
            time.sleep(max(interval, 0.2))

    # ------------------------------------------------------------ a second server beside the demo

    def do_peer_demo(self, *, port, main_url, var_dir="", **_):
        from ._peer import prepare

        prepare(self.stdout, port=port, main_url=main_url, var_dir=var_dir)

    def do_peer_setup(self, **_):
        from ._peer import peer_setup

        peer_setup(self.stdout)


def _read(file: str) -> bytes:
    if file == "-":
        return sys.stdin.buffer.read()
    try:
        with open(file, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
