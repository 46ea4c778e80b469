"""Two real Dabir servers as processes, each with its own database, talking HTTP to each other.

Each server: a fresh database (an SQLite file in a temporary folder; a PostgreSQL database of its
own when the suite runs on PostgreSQL), `dabir migrate`, its agency seeded and joined to the
exchange (tests/interop/agent.py), then gunicorn on a free port, `dabir worker` and `dabir
exchange sweep --loop` beside it. Every process is the leader of its own process group, so a
SIGKILL takes gunicorn's workers down with their master, as a crash of the machine would.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import httpx

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_url() -> str:
    """The suite's PostgreSQL server, if the suite runs on PostgreSQL."""
    url = os.environ.get("DABIR_DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else ""


def _admin_sql(base: str, sql: str) -> None:
    import psycopg

    parsed = urlparse(base)
    with psycopg.connect(host=parsed.hostname or "127.0.0.1", port=parsed.port or 5432,
                         user=parsed.username or "postgres", password=parsed.password or None,
                         dbname="postgres", autocommit=True) as conn:
        conn.execute(sql)


class Failed(AssertionError):
    pass


class Server:
    def __init__(self, name: str, code: str, agency_name: str, workdir: Path, **extra_env: str):
        self.name, self.code, self.agency_name = name, code, agency_name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.var = workdir / name
        self.var.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DABIR_", "PYTEST_", "DJANGO_"))}
        env.update(
            DJANGO_SETTINGS_MODULE="dabir.settings", DABIR_VAR_DIR=str(self.var), DABIR_PUBLIC_URL=self.url,
            DABIR_EXCHANGE_RETRY_BASE_SECONDS="1", DABIR_EXCHANGE_RETRY_MAX_SECONDS="8",
            DABIR_EXCHANGE_LEASE_SECONDS="5", DABIR_FAST_PASSWORD_HASHER="1", DABIR_EXCHANGE_TIMEOUT="20",
            PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1",
        )
        self.pg_base = postgres_url()
        self.database = ""
        if self.pg_base:
            worker = os.environ.get("PYTEST_XDIST_WORKER", "")
            self.database = f"dabir_interop_{worker + '_' if worker else ''}{name}"
            parsed = urlparse(self.pg_base)
            env["DABIR_DATABASE_URL"] = urlunparse(parsed._replace(path="/" + self.database))
            env["DABIR_CONN_MAX_AGE"] = "0"
        env.update(extra_env)
        self.env = env
        self.procs: dict[str, subprocess.Popen] = {}
        self.worker_count = 1
        self.logs: dict[str, Path] = {}
        self.restarts: dict[str, int] = {}

    # ------------------------------------------------------------ one-off commands

    def run(self, *args: str, stdin: bytes | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
        done = subprocess.run([PYTHON, "-m", "dabir.cli", *args], env=self.env, cwd=ROOT, input=stdin,
                              capture_output=True, timeout=timeout, check=False)
        return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(errors="replace"),
                                           done.stderr.decode(errors="replace"))

    def dabir(self, *args: str, stdin: bytes | None = None, check: bool = True, timeout: float = 300) -> str:
        done = subprocess.run([PYTHON, "-m", "dabir.cli", *args], env=self.env, cwd=ROOT, input=stdin,
                              capture_output=True, timeout=timeout, check=False)
        if check and done.returncode != 0:
            raise Failed(f"[{self.name}] dabir {' '.join(args)} → {done.returncode}\n{done.stderr.decode()[-3000:]}")
        return done.stdout.decode()

    def agent(self, action: str, timeout: float = 600, **args):
        done = subprocess.run([PYTHON, "-m", "tests.interop.agent", action, json.dumps(args, ensure_ascii=False)],
                              env=self.env, cwd=ROOT, capture_output=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise Failed(f"[{self.name}] agent {action} {args} failed:\n{done.stderr.decode()[-4000:]}")
        return json.loads(done.stdout.decode().strip().splitlines()[-1])

    def create_database(self) -> None:
        if self.database:
            _admin_sql(self.pg_base, f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            _admin_sql(self.pg_base, f'CREATE DATABASE "{self.database}"')

    def drop_database(self) -> None:
        if self.database:
            _admin_sql(self.pg_base, f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    # ------------------------------------------------------------ long-running processes

    def _spawn(self, what: str, args: list[str]) -> None:
        log = self.var / f"{what}.log"
        self.logs[what] = log
        with open(log, "ab") as out:
            self.procs[what] = subprocess.Popen(args, env=self.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                                start_new_session=True)

    def start_web(self, wait: bool = True) -> None:
        self._spawn("web", [PYTHON, "-m", "gunicorn", "dabir.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
                            "--workers", "2", "--timeout", "60", "--graceful-timeout", "2"])
        if wait:
            self.wait_web()

    def wait_web(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.procs["web"].poll() is not None:
                raise Failed(f"[{self.name}] gunicorn exited:\n{self.logs['web'].read_text()[-3000:]}")
            try:
                httpx.get(self.url + "/exchange/v1/directory", timeout=2)
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise Failed(f"[{self.name}] gunicorn did not answer within {timeout}s")

    def start_worker(self) -> None:
        for n in range(self.worker_count):
            self._spawn(f"worker{n or ''}", [PYTHON, "-m", "dabir.cli", "worker", "--interval", "0.5"])

    def start_sweep(self) -> None:
        self._spawn("sweep", [PYTHON, "-m", "dabir.cli", "exchange", "sweep", "--loop", "--interval", "1"])

    def start_all(self) -> None:
        self.start_web(wait=False)
        self.start_worker()
        self.start_sweep()
        self.wait_web()

    def kill(self, what: str) -> None:
        """SIGKILL the process and everything it started (gunicorn's workers too); "worker" means
        every task worker of this server."""
        names = [n for n in self.procs if n == what or (what == "worker" and n.startswith("worker"))]
        for name in names:
            proc = self.procs[name]
            if proc.poll() is not None:
                continue
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=30)
        self.restarts[what] = self.restarts.get(what, 0) + 1

    def stop(self) -> None:
        for proc in list(self.procs.values()):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for what, proc in list(self.procs.items()):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill(what)

    def tail(self, what: str, chars: int = 2000) -> str:
        log = self.logs.get(what)
        return log.read_text(errors="replace")[-chars:] if log and log.exists() else ""


def prepare(server: Server, *, inquiry_type: str = "", auto_inquiry_type: str = "", more: tuple = ()) -> dict:
    server.create_database()
    server.dabir("migrate", "--noinput", "-v", "0")
    server.dabir("createcachetable")
    return server.agent("setup", code=server.code, name=server.agency_name, inquiry_type=inquiry_type,
                        auto_inquiry_type=auto_inquiry_type, more=list(more))


def trade_members(a: Server, b: Server) -> None:
    """Each admin enters the other's members: export on one side, import on the other."""
    b.dabir("exchange", "import-members", "-", stdin=a.dabir("exchange", "export-members").encode())
    a.dabir("exchange", "import-members", "-", stdin=b.dabir("exchange", "export-members").encode())


def wait_for(check, *, timeout: float, interval: float = 1.0, what: str = "condition"):
    """Poll `check()` until it returns something true; its last value is returned."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise Failed(f"timed out after {timeout}s waiting for {what}; last value: {value!r}")


SECOND_B = "ib2"  # a second agency on server B: a CC recipient


class Pair:
    """Servers A and B. With `directory=True`, A is the directory authority and B syncs from it
    with A's pinned fingerprint; otherwise the two admins trade member lists by hand."""

    def __init__(self, workdir: Path, *, directory: bool = False, a_workers: int = 1):
        self.a = Server("a", "ia", "استانداری آزمون الف", workdir,
                        **({"DABIR_EXCHANGE_DIRECTORY_AUTHORITY": "1"} if directory else {}))
        self.b = Server("b", "ib", "شهرداری آزمون ب", workdir)
        self.a.worker_count = a_workers
        self.directory = directory

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def start(self) -> None:
        import concurrent.futures

        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda job: prepare(job[0], **job[1]), [
                (self.a, {}),
                (self.b, {"inquiry_type": "interop.manual", "auto_inquiry_type": "interop.auto",
                          "more": [(SECOND_B, "سازمان آزمون ب دوم")]}),
            ]))
        if self.directory:
            fingerprint = self.a.dabir("exchange", "fingerprint").strip()
            self.b.env.update(DABIR_EXCHANGE_DIRECTORY_URL=self.a.url + "/exchange/v1/directory",
                              DABIR_EXCHANGE_DIRECTORY_FINGERPRINT=fingerprint, DABIR_EXCHANGE_SYNC_SECONDS="5")
            # The authority admits B's agency (the way a new server's agencies are admitted), and
            # knows B's server; B learns everyone else from the signed directory.
            self.a.dabir("exchange", "import-members", "-", stdin=self.b.dabir("exchange", "export-members").encode())
            self.a.start_all()
            self.b.dabir("exchange", "sync")
            self.b.start_all()
        else:
            trade_members(self.a, self.b)
            self.a.start_all()
            self.b.start_all()
        # Each side knows the inquiry type B answers (the directory carries it; by hand here).
        if not self.directory:
            self.a.agent("add_inquiry_type", code="interop.manual", member=self.b.code)
            self.a.agent("add_inquiry_type", code="interop.auto", member=self.b.code, identity=True)

    def close(self) -> None:
        for server in (self.a, self.b):
            server.stop()
        for server in (self.a, self.b):
            try:
                server.drop_database()
            except Exception:  # noqa: BLE001 - a database left behind must not hide the test's own failure
                pass
