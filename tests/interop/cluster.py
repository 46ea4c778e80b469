"""One Dabir installation on several "machines": two web servers and two task workers as processes on
this machine, sharing one PostgreSQL database, one Redis (the cache and the RQ task queue) and one
S3-compatible object store (moto's server mode, on a free port, in the test's own process).

Each node has a var directory of its own, so nothing a node keeps locally can be seen by another: what
one node stores and another serves must have gone through the shared services.

    with Cluster(workdir) as cluster:
        cluster.web[0].url, cluster.web[1].url, cluster.sql("SELECT ..."), cluster.s3_keys("attachments/")

Run as a module inside a node's environment (`python -m tests.interop.cluster ACTION '{...}'`), it
does the few things the harness needs from inside Django (seeding, a token, an orphan check).
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import httpx

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
BUCKET = "dabir-cluster"
PASSWORD = "dabir1405"
SECRET_KEY = "dabir-cluster-test-key-" + "k" * 40  # the same on every node: sessions read alike


class Node:
    """One process of the cluster (a gunicorn or a `dabir worker`) with its own var directory."""

    def __init__(self, name: str, workdir: Path, env: dict[str, str], port: int = 0):
        self.name, self.port = name, port
        self.url = f"http://127.0.0.1:{port}" if port else ""
        self.var = workdir / name
        self.var.mkdir(parents=True, exist_ok=True)
        self.env = {**env, "DABIR_VAR_DIR": str(self.var)}
        self.proc: subprocess.Popen | None = None
        self.log = self.var / f"{name}.log"

    def run(self, *args: str, module: str = "dabir.cli", timeout: float = 300) -> str:
        done = subprocess.run([PYTHON, "-m", module, *args], env=self.env, cwd=ROOT, capture_output=True,
                              timeout=timeout, check=False)
        if done.returncode != 0:
            raise AssertionError(f"[{self.name}] {module} {' '.join(args)} → {done.returncode}\n"
                                 f"{done.stderr.decode(errors='replace')[-3000:]}")
        return done.stdout.decode()

    def action(self, what: str, **args) -> dict:
        out = self.run(what, json.dumps(args, ensure_ascii=False), module="tests.interop.cluster")
        return json.loads(out.strip().splitlines()[-1])

    def spawn(self, args: list[str]) -> None:
        with open(self.log, "ab") as out:
            # Its own process group: stopping it takes gunicorn's workers and RQ's work horses too.
            self.proc = subprocess.Popen(args, env=self.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)

    def wait_web(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"[{self.name}] exited:\n{self.tail()}")
            try:
                httpx.get(self.url + "/api/ping", timeout=2)
                return
            except httpx.HTTPError:
                time.sleep(0.3)
        raise AssertionError(f"[{self.name}] did not answer within {timeout}s:\n{self.tail()}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=15)

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


class Cluster:
    """Two web servers and two workers over one PostgreSQL database, one Redis database and one bucket."""

    def __init__(self, workdir: Path, *, pg_base: str, redis_db: int, env: dict[str, str] | None = None):
        from .servers import free_port

        self.workdir = workdir
        worker = os.environ.get("PYTEST_XDIST_WORKER", "")
        self.database = f"dabir_cluster{'_' + worker if worker else ''}"
        self.pg_base = pg_base
        self.database_url = urlunparse(urlparse(pg_base)._replace(path="/" + self.database))
        self.redis_url = f"redis://127.0.0.1:6379/{redis_db}"
        self.s3_port = free_port()
        self.s3_url = f"http://127.0.0.1:{self.s3_port}"
        own = ("DABIR_", "PYTEST_", "DJANGO_", "AWS_")
        base = {k: v for k, v in os.environ.items() if not k.startswith(own)}
        base.update(
            DJANGO_SETTINGS_MODULE="dabir.settings", PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1",
            DABIR_SECRET_KEY=SECRET_KEY, DABIR_FAST_PASSWORD_HASHER="1",
            DABIR_DATABASE_URL=self.database_url, DABIR_CONN_MAX_AGE="0",
            DABIR_REDIS_URL=self.redis_url, DABIR_TASKS_BACKEND="django_tasks_rq.RQBackend",
            DABIR_S3_BUCKET=BUCKET, DABIR_S3_ENDPOINT_URL=self.s3_url, DABIR_S3_REGION="us-east-1",
            DABIR_S3_ACCESS_KEY_ID="cluster", DABIR_S3_SECRET_ACCESS_KEY="cluster-secret",
            **(env or {}),
        )
        if os.environ.get("DABIR_DB_PGBOUNCER"):  # the suite's URL is pgbouncer's (docs/deploy.md)
            base["DABIR_DB_PGBOUNCER"] = os.environ["DABIR_DB_PGBOUNCER"]
        self.web = [Node(f"web{n}", workdir, base, free_port()) for n in (1, 2)]
        self.workers = [Node(f"worker{n}", workdir, base) for n in (1, 2)]
        # Every node speaks of itself with the first web server's address (QR codes, exchange endpoint).
        for node in [*self.web, *self.workers]:
            node.env["DABIR_PUBLIC_URL"] = self.web[0].url
        self.s3 = None

    # ------------------------------------------------------------ shared services

    def _admin_sql(self, sql: str) -> None:
        from .servers import _admin_sql

        _admin_sql(self.pg_base, sql)

    def sql(self, query: str, *params) -> list[tuple]:
        import psycopg

        url = self.database_url.replace("postgres://", "postgresql://", 1)
        with psycopg.connect(url, autocommit=True) as conn:
            return conn.execute(query, params).fetchall()

    def redis(self):
        import redis

        return redis.Redis.from_url(self.redis_url)

    def s3_client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.s3_url, region_name="us-east-1",
                            aws_access_key_id="cluster", aws_secret_access_key="cluster-secret")

    def s3_keys(self, prefix: str = "") -> list[str]:
        pages = self.s3_client().get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
        return [entry["Key"] for page in pages for entry in page.get("Contents", [])]

    # ------------------------------------------------------------ life cycle

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
        from moto.server import ThreadedMotoServer

        self.s3 = ThreadedMotoServer(ip_address="127.0.0.1", port=self.s3_port, verbose=False)
        self.s3.start()
        self.s3_client().create_bucket(Bucket=BUCKET)
        self.redis().flushdb()
        self._admin_sql(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        self._admin_sql(f'CREATE DATABASE "{self.database}"')
        first = self.web[0]
        first.run("migrate", "--noinput", "-v", "0")
        for node in self.web:
            node.spawn([PYTHON, "-m", "gunicorn", "dabir.wsgi:application", "--bind",
                        f"127.0.0.1:{node.port}", "--workers", "1", "--threads", "4", "--timeout", "60",
                        "--graceful-timeout", "2"])
        for node in self.workers:
            node.spawn([PYTHON, "-m", "dabir.cli", "worker"])
        for node in self.web:
            node.wait_web()

    def close(self) -> None:
        for node in [*self.web, *self.workers]:
            node.stop()
        try:
            self._admin_sql(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        except Exception:  # noqa: BLE001 - a database left behind must not hide the test's own failure
            pass
        try:
            self.redis().flushdb()
        except Exception:  # noqa: BLE001
            pass
        if self.s3 is not None:
            self.s3.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {n.name}\n{n.tail(1500)}" for n in [*self.web, *self.workers])


# ---------------------------------------------------------------- inside a node's environment


def _setup(code: str, name: str, more: list) -> dict:
    from dabir.accounts.models import User
    from dabir.accounts.services import issue_api_token
    from dabir.exchange.management.commands._peer import seed_agency
    from dabir.orgs.models import Secretariat

    seeded = seed_agency(name=name, code=code, prefix=code, password=PASSWORD)
    for other_code, other_name in more:
        seed_agency(name=other_name, code=other_code, prefix=other_code, password=PASSWORD)
    clerk = User.objects.get(username=seeded.clerk)
    _, key = issue_api_token(user=clerk, name="cluster test")
    return {"token": key, "secretariat_id": Secretariat.objects.get(agency_id=seeded.agency_id).pk}


def _enqueue(commit: bool) -> dict:
    """A job queued with a change (as every outbox does), then the change committed or rolled back."""
    from django.db import transaction

    from dabir.core import jobs
    from dabir.notify.tasks import send_sms

    class RolledBack(Exception):
        pass

    try:
        with transaction.atomic():
            jobs.enqueue_with_change(send_sms, 0)  # no such message: the worker skips it
            if not commit:
                raise RolledBack
    except RolledBack:
        pass
    return {"database_queue": jobs.uses_database_queue()}


def _orphans(days_ahead: float) -> dict:
    """What `dabir cleanup` would call orphans `days_ahead` days from now (moto cannot age files)."""
    from django.core.files.storage import storages

    from dabir.core import cleanup, files

    storage = storages["default"]
    then = time.time() + days_ahead * 86400
    return {"storage": type(storage).__name__, "orphans": cleanup.orphan_files(storage, then),
            "drafts": cleanup.stale_drafts(storage, then, 3600), "check_deploy": files.check_writable(storage)}


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dabir.settings")
    import django

    django.setup()
    action, arguments = sys.argv[1], json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}")
    result = {"setup": _setup, "enqueue": _enqueue, "orphans": _orphans}[action](**arguments)
    print(json.dumps(result, ensure_ascii=False))
