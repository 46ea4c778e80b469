"""`dabir serve`: gunicorn in the foreground and, with --with-worker, the task worker beside it.

Ctrl-C (or SIGTERM) stops both: each child gets SIGTERM, then SIGKILL if it lingers.
Static files are served by WhiteNoise from STATIC_ROOT; collectstatic runs first if it is empty.

The server model: gthread workers (default 2 processes × 8 threads on 2 cores), so a request
waiting on the database (a row lock, a commit's flush) does not hold a whole process; on PostgreSQL
each process keeps its connections in psycopg's pool (DABIR_DB_POOL, on unless the environment says
otherwise). bench/api_load.py starts the same command; with it, gthread 2×8 served /api/me and
registrations faster than 4 sync workers or 4×4 threads on this 2-core machine.
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

WORKER_CLASSES = ("gthread", "sync")


def gunicorn_argv(*, host: str, port: int, workers: int, worker_class: str = "gthread", threads: int = 8,
                  access_log: bool = True, timeout: int = 60) -> list[str]:
    """The gunicorn command line `dabir serve` runs (and the bench, to measure what ships)."""
    argv = [
        sys.executable, "-m", "gunicorn", "dabir.wsgi:application", "--bind", f"{host}:{port}",
        "--workers", str(workers), "--worker-class", worker_class, "--graceful-timeout", "10",
        "--timeout", str(timeout), "--forwarded-allow-ips", "127.0.0.1",
    ]
    if worker_class == "gthread":
        argv += ["--threads", str(threads)]
    if access_log:
        argv += ["--access-logfile", "-"]
    return argv


def server_env(base: dict[str, str], *, threads: int, pool: bool | None = None) -> dict[str, str]:
    """The web server's environment: the pool on for PostgreSQL unless DABIR_DB_POOL (or `pool`) says no,
    sized so that every thread of a process can hold a connection."""
    env = {**base, "DJANGO_SETTINGS_MODULE": base.get("DJANGO_SETTINGS_MODULE", "dabir.settings")}
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        if pool is not None:
            env["DABIR_DB_POOL"] = "1" if pool else "0"
        env.setdefault("DABIR_DB_POOL", "1")
        env.setdefault("DABIR_DB_POOL_MAX", str(max(threads, 1)))
    return env


def _answers(host: str, port: int, web: subprocess.Popen, wait: float = 60) -> bool:
    """True once the server answers HTTP (so the table printed after it is the last thing on screen)."""
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and web.poll() is None:
        try:
            urllib.request.urlopen(f"http://{host}:{port}/accounts/login/", timeout=2)  # noqa: S310 (our own server)
            return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            time.sleep(0.3)
    return False


class Command(BaseCommand):
    help = "Serve Dabir with gunicorn (dabir.wsgi); --with-worker also runs the task worker."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
        parser.add_argument("--worker-class", choices=WORKER_CLASSES, default="gthread",
                            help="gunicorn worker class (default gthread)")
        parser.add_argument("--threads", type=int, default=8, help="threads per gthread worker (default 8)")
        parser.add_argument("--with-worker", action="store_true", help="also run `dabir worker` as a child process")
        parser.add_argument("--log-file", default="",
                            help="append the request and task logs of every child here instead of the terminal")
        parser.add_argument("--accounts", action="store_true",
                            help="once the server answers, print the demo's sign-in table (`make demo`)")

    def handle(self, *args, host: str, port: int, workers: int, with_worker: bool, worker_class: str,
               threads: int, log_file: str = "", accounts: bool = False, **options):
        if workers < 1:
            raise CommandError("--workers must be at least 1.")
        if threads < 1:
            raise CommandError("--threads must be at least 1.")
        static_root = Path(settings.STATIC_ROOT)
        if not static_root.is_dir() or not any(static_root.iterdir()):
            self.stdout.write("Collecting static files into STATIC_ROOT…")
            call_command("collectstatic", interactive=False, verbosity=0)
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "dabir.settings")}
        web = gunicorn_argv(host=host, port=port, workers=workers, worker_class=worker_class, threads=threads)
        web_env = server_env(env, threads=threads if worker_class == "gthread" else 1)
        # The children's logs (requests, tasks) go to the terminal, or to --log-file for a quiet terminal.
        out = {}
        if log_file:
            Path(log_file).parent.mkdir(parents=True, exist_ok=True)
            sink = open(log_file, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 (open while the children run)
            out = {"stdout": sink, "stderr": sink}
        children: dict[str, subprocess.Popen] = {"web": subprocess.Popen(web, env=web_env, **out)}
        if with_worker:
            children["worker"] = subprocess.Popen([sys.executable, "-m", "dabir.cli", "worker"], env=env, **out)
            # Re-queues SMS due for a retry and fetches delivery reports (cron does this in production).
            children["sms"] = subprocess.Popen(
                [sys.executable, "-m", "dabir.cli", "sms-retry", "--loop"], env=env, **out)
            # Re-queues exchange transfers whose job was lost, expires inquiries, syncs the directory.
            children["exchange"] = subprocess.Popen(
                [sys.executable, "-m", "dabir.cli", "exchange", "sweep", "--loop", "--interval", "30"], env=env, **out)
        self.stdout.write(
            f"Dabir serves on http://{host}:{port}/"
            + (" with the task worker" if with_worker else "") + " — Ctrl-C stops."
            + (f" Logs: {log_file}" if log_file else "")
        )
        if accounts and _answers(host, port, children["web"]):
            call_command("demo", accounts=True, url=f"http://{host}:{port}/")
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
