"""`dabir mail <sub>`: the intake poll by hand.

  poll [--mailbox ID]   one round on every active receiving mailbox (or one), as the worker does
  test ID               connect, log in and select the folder; say how many messages wait
"""

from django.core.management.base import BaseCommand, CommandError

from dabir.channels import imap
from dabir.channels.models import Mailbox
from dabir.channels.services import polling
from dabir.core.errors import DomainError
from dabir.core.text import to_persian_digits


class Command(BaseCommand):
    help = "E-mail and fax-to-mail in: poll the secretariats' mailboxes, or test one mailbox."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="sub", required=True)
        poll = sub.add_parser("poll", help="one round of polling")
        poll.add_argument("--mailbox", type=int, help="only this mailbox (id)")
        test = sub.add_parser("test", help="connect to one mailbox and report")
        test.add_argument("id", type=int)

    def _mailbox(self, pk: int) -> Mailbox:
        try:
            return Mailbox.objects.get(pk=pk)
        except Mailbox.DoesNotExist:
            raise CommandError(f"صندوقی با شناسه {pk} نیست.") from None

    def handle(self, *args, sub, **options):
        if sub == "poll":
            if options.get("mailbox"):
                box = self._mailbox(options["mailbox"])
                queued = polling.poll_mailbox(box)
                if queued < 0:
                    self.stdout.write("این صندوق را هم‌اکنون کارگر دیگری بررسی می‌کند.")
                    return
                if box.last_error:
                    raise CommandError(box.last_error)
            else:
                queued = polling.poll_all()
            self.stdout.write(f"{to_persian_digits(queued)} پیام تازه در صف دبیرخانه گذاشته شد.")
        else:
            box = self._mailbox(options["id"])
            try:
                found = imap.check(box)
            except (imap.MailError, DomainError) as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"اتصال به {box.imap_host} برقرار شد؛ UIDVALIDITY {found['uidvalidity']}، "
                              f"{to_persian_digits(found['waiting'])} پیام در انتظار دریافت.")
