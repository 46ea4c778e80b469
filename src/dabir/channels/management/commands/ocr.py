"""`dabir ocr <sub>`: the OCR queue of letters' scans, for support.

  pending                  attachments by text status (pending, done, unreadable)
  retry [--unreadable]     queue again those still pending (a worker was down), and the unreadable ones
  run ATTACHMENT_ID        read one attachment now, in this process, and print what came of it
"""

from django.core.management.base import BaseCommand, CommandError

from dabir.channels.services import ocr
from dabir.letters.models import Attachment, TextStatus


class Command(BaseCommand):
    help = "OCR of letters' scans: pending | retry [--unreadable] | run ATTACHMENT_ID"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="sub", required=True)
        sub.add_parser("pending", help="counts of attachments by text status")
        retry = sub.add_parser("retry", help="queue pending attachments again")
        retry.add_argument("--unreadable", action="store_true", help="the unreadable ones too")
        run = sub.add_parser("run", help="read one attachment now")
        run.add_argument("attachment_id", type=int)

    def handle(self, *args, sub, **options):
        if sub == "pending":
            for status, n in ocr.counts().items():
                self.stdout.write(f"{status}\t{n}\t{TextStatus(status).label}")
        elif sub == "retry":
            queued = ocr.requeue(unreadable=options["unreadable"])
            self.stdout.write(f"queued {len(queued)}")
        else:
            pk = options["attachment_id"]
            if not Attachment.objects.filter(pk=pk).exists():
                raise CommandError(f"no attachment {pk}")
            status = ocr.read(pk)
            attachment = Attachment.objects.get(pk=pk)
            self.stdout.write(f"{status}\t{len(attachment.text)} characters\t{attachment.text_note}")
