"""`dabir sms-retry`: re-enqueue SMS and notice e-mails whose retry is due and collect delivery reports.

Run it every minute beside `dabir worker` (cron or a systemd timer; see docs/notifications-payments.md).
With --loop it keeps running and repeats every --interval seconds.
"""

import logging
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from dabir.notify import mail, services

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = ("Re-enqueue due SMS and e-mail retries, recover stuck messages and poll the provider for delivery "
            "reports.")

    def add_arguments(self, parser):
        parser.add_argument("--no-poll", action="store_true", help="Do not ask the provider for delivery reports")
        parser.add_argument("--loop", action="store_true", help="Repeat until stopped")
        parser.add_argument("--interval", type=float, default=60.0, help="Seconds between rounds with --loop")

    def handle(self, *args, no_poll: bool, loop: bool, interval: float, **options):
        while True:
            try:
                requeued = services.requeue_due()
                mailed = mail.requeue_due()
                updated = 0 if no_poll else services.poll_delivery()
            except Exception:
                if not loop:
                    raise
                # a failed round (the database gone for a moment) must not end the loop: a message
                # stuck in "sending" is freed only here
                logger.exception("sms-retry round failed; trying again in %s s", interval)
                close_old_connections()
            else:
                if options.get("verbosity", 1) >= 1:
                    self.stdout.write(f"requeued={requeued} delivery_updates={updated} mail_requeued={mailed}")
            if not loop:
                break
            time.sleep(max(interval, 1.0))
