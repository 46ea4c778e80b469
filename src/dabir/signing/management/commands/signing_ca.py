"""`dabir signing-ca create|import|list|retire`: an agency's certificate authorities."""

from django.core.management.base import BaseCommand

from dabir.signing import keys, services
from dabir.signing.models import Authority

from ._common import agency, read_file, run


class Command(BaseCommand):
    help = (
        "Agency certificate authorities: `create <agency_code>` makes the agency CA (key encrypted at rest); "
        "`import <agency_code> <root.pem>` trusts an outside (e.g. national) root; `list`; `retire <agency_code>`."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create the agency's own CA")
        create.add_argument("agency_code")
        create.add_argument("--name", default="")
        create.add_argument("--key-type", choices=keys.KEY_TYPES, default="ec", help="ec (P-256) or rsa (3072)")
        create.add_argument("--days", type=int, default=keys.DEFAULT_CA_DAYS)
        imp = sub.add_parser("import", help="trust an outside authority's root certificate (PEM or DER)")
        imp.add_argument("agency_code")
        imp.add_argument("certificate_file")
        imp.add_argument("--name", default="")
        lst = sub.add_parser("list", help="list authorities")
        lst.add_argument("agency_code", nargs="?")
        retire = sub.add_parser("retire", help="stop issuing with the agency's active CA (before creating a new one)")
        retire.add_argument("agency_code")

    def handle(self, *args, action: str, **opts):
        if action == "create":
            a = run(services.create_authority, agency=agency(opts["agency_code"]), name=opts["name"],
                    key_type=opts["key_type"], days=opts["days"])
            self.stdout.write(f"created authority {a.id}: {a.name}\nserial {a.serial}\nsha256 {a.fingerprint}")
            self.stdout.write(a.certificate_pem)
        elif action == "import":
            a = run(services.import_authority, agency=agency(opts["agency_code"]),
                    certificate_pem=read_file(opts["certificate_file"]), name=opts["name"])
            self.stdout.write(f"trusted authority {a.id}: {a.name}\nsha256 {a.fingerprint}")
        elif action == "list":
            qs = Authority.objects.select_related("agency").order_by("agency__code", "-created_at")
            if opts.get("agency_code"):
                qs = qs.filter(agency=agency(opts["agency_code"]))
            for a in qs:
                state = "active" if a.active else "retired"
                self.stdout.write(
                    f"{a.agency.code}\t{a.kind}\t{state}\t{a.serial}\t{a.not_after:%Y-%m-%d}\t{a.name}"
                )
        elif action == "retire":
            a = keys.authority_for(agency(opts["agency_code"]))
            if a is None:
                from django.core.management.base import CommandError

                raise CommandError("این دستگاه مرجع صدور گواهی فعال ندارد.")
            run(services.retire_authority, authority=a)
            self.stdout.write(f"retired authority {a.id}")
