"""`dabir serve`: gunicorn in the foreground and, with --with-worker, the task worker beside it.

Ctrl-C (or SIGTERM) stops both: each child gets SIGTERM, then SIGKILL if it lingers.
Static files are served by WhiteNoise from STATIC_ROOT; collectstatic runs first if it is empty.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Serve Dabir with gunicorn (dabir.wsgi); --with-worker also runs the task worker."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
        parser.add_argument("--with-worker", action="store_true", help="also run `dabir worker` as a child process")

    def handle(self, *args, host: str, port: int, workers: int, with_worker: bool, **options):
        if workers < 1:
            raise CommandError("--workers must be at least 1.")
        static_root = Path(settings.STATIC_ROOT)
        if not static_root.is_dir() or not any(static_root.iterdir()):
            self.stdout.write("Collecting static files into STATIC_ROOT…")
            call_command("collectstatic", interactive=False, verbosity=0)
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "dabir.settings")}
        web = [
            sys.executable, "-m", "gunicorn", "dabir.wsgi:application", "--bind", f"{host}:{port}",
            "--workers", str(workers), "--graceful-timeout", "10", "--timeout", "60",
            "--access-logfile", "-", "--forwarded-allow-ips", "127.0.0.1",
        ]
        children: dict[str, subprocess.Popen] = {"web": subprocess.Popen(web, env=env)}
        if with_worker:
            children["worker"] = subprocess.Popen([sys.executable, "-m", "dabir.cli", "worker"], env=env)
            # Re-queues SMS due for a retry and fetches delivery reports (cron does this in production).
            children["sms"] = subprocess.Popen([sys.executable, "-m", "dabir.cli", "sms-retry", "--loop"], env=env)
            # Re-queues exchange transfers whose job was lost, expires inquiries, syncs the directory.
            children["exchange"] = subprocess.Popen(
                [sys.executable, "-m", "dabir.cli", "exchange", "sweep", "--loop", "--interval", "30"], env=env)
        self.stdout.write(
            f"Dabir serves on http://{host}:{port}/"
            + (" with the task worker" if with_worker else "") + " — Ctrl-C stops."
        )
        def on_term(signum, frame):
            raise KeyboardInterrupt

        previous = {sig: signal.signal(sig, on_term) for sig in (signal.SIGTERM, signal.SIGINT)}
        code = 0
        try:
            while True:
                for name, child in children.items():
                    if child.poll() is not None:
                        code = child.returncode
                        self.stderr.write(f"{name} exited with code {child.returncode}; stopping.")
                        raise KeyboardInterrupt
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self._stop(children)
        if code:
            sys.exit(code)

    def _stop(self, children: dict[str, subprocess.Popen]) -> None:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for child in children.values():
            try:
                child.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        self.stdout.write("Stopped.")
