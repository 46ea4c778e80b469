"""`dabir signing-cert issue|import|revoke|list`: position certificates."""

from django.core.management.base import BaseCommand

from dabir.signing import keys, selectors, services
from dabir.signing.models import Certificate

from ._common import agency, position, read_file, run


class Command(BaseCommand):
    help = (
        "Position certificates: `issue <position_code> [--days N]`, `import <position_code> <file> [--key K] "
        "[--password P]`, `revoke <serial> --reason R`, `list [--agency CODE] [--position CODE]`."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        issue = sub.add_parser("issue", help="issue a certificate from the agency CA")
        issue.add_argument("position_code")
        issue.add_argument("--days", type=int, default=None, help="validity in days (default 730)")
        issue.add_argument("--key-type", choices=keys.KEY_TYPES, default="ec")
        imp = sub.add_parser("import", help="import a certificate issued by a trusted outside CA")
        imp.add_argument("position_code")
        imp.add_argument("file", help="PKCS#12 (.p12/.pfx) or PEM certificate (with intermediates)")
        imp.add_argument("--key", default=None, help="PEM private key file, when not inside the file")
        imp.add_argument("--password", default=None)
        revoke = sub.add_parser("revoke", help="revoke a certificate by serial (hex)")
        revoke.add_argument("serial")
        revoke.add_argument("--reason", choices=sorted(services.REVOCATION_REASONS), required=True)
        revoke.add_argument("--note", default="")
        lst = sub.add_parser("list", help="list certificates")
        lst.add_argument("--agency", default=None)
        lst.add_argument("--position", default=None)

    def handle(self, *args, action: str, **opts):
        if action == "issue":
            c = run(services.issue_certificate, position=position(opts["position_code"]), days=opts["days"],
                    key_type=opts["key_type"])
            self.stdout.write(f"issued {c.serial}\nsubject {c.subject}\nvalid until {c.not_after:%Y-%m-%d}")
        elif action == "import":
            key = read_file(opts["key"]) if opts["key"] else None
            c = run(services.import_certificate, position=position(opts["position_code"]),
                    content=read_file(opts["file"]), key_pem=key, password=opts["password"])
            self.stdout.write(f"imported {c.serial}\nsubject {c.subject}\nissuer {c.issuer}\nkey {'yes' if c.has_key else 'no'}")
        elif action == "revoke":
            cert = run(selectors.certificate_by_serial, opts["serial"])
            c = run(services.revoke_certificate, certificate=cert, reason=opts["reason"], note=opts["note"])
            self.stdout.write(f"revoked {c.serial} at {c.revoked_at.isoformat()} ({c.revocation_reason})")
        elif action == "list":
            qs = Certificate.objects.select_related("position__unit__agency").order_by("position__code", "-not_before")
            if opts["agency"]:
                qs = qs.filter(position__unit__agency=agency(opts["agency"]))
            if opts["position"]:
                qs = qs.filter(position=position(opts["position"]))
            for c in qs:
                revoked = c.revoked_at.isoformat() if c.revoked_at else "-"
                self.stdout.write(
                    f"{c.serial}\t{c.position.code}\t{c.status}\t{c.not_after:%Y-%m-%d}\t{revoked}\t{c.subject}"
                )
