"""Letter registration through the API with concurrent clients, against GET /api/me on the same server.

Run by the orchestrator as `python -m bench.api_load --out FILE --letters 2000 --seconds 30
--clients 16 --workers 4` with DABIR_DATABASE_URL set. Builds a world (agency, secretariat with
series, a clerk holding a position, an API token from accounts.services.issue_api_token),
starts the real server the way `dabir serve` does (its gunicorn command line and environment:
--worker-class, --threads, and psycopg's pool on PostgreSQL unless --no-pool) against the same
database, and a task worker (`dabir worker`) beside it, then:

  baseline  `clients` threads GET /api/me (token auth, the user's seats and secretariats)
  register  `clients` threads POST /api/letters/incoming (JSON: subject, sender, channel,
            secretariat_id, body, a referral to one position) — numbered, indexed, audited

each until --letters requests are done or --seconds have passed. Afterwards the incoming
series must hold exactly 1..count (gapless) and the audit chain must verify, and the resident
memory (VmRSS of /proc/<pid>/status) of each gunicorn worker and of the task worker is read,
against the target of 150 MB each.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.common import (
    VAR_BENCH,
    db_version,
    free_port,
    phase_args,
    ratio,
    run_concurrently,
    setup_django,
    summary,
    write_result,
)

RSS_TARGET_MB = 150


def start_server(workers: int, log_path: Path, env: dict | None = None, *, worker_class: str = "sync",
                 threads: int = 1, pool: bool | None = False) -> tuple[subprocess.Popen, str]:
    """gunicorn serving dabir.wsgi on a free port as `dabir serve` runs it, once it answers /api/ping.

    Other benches call it with the workers only: sync workers and persistent connections, as before
    (pool=None leaves the pool to the environment, on by default, as `dabir serve` does)."""
    import httpx

    from dabir.core.management.commands.serve import gunicorn_argv, server_env

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process by the caller
    argv = gunicorn_argv(host="127.0.0.1", port=port, workers=workers, worker_class=worker_class, threads=threads,
                         access_log=False, timeout=120)
    proc = subprocess.Popen(
        argv, env=server_env(env or dict(os.environ), threads=threads, pool=pool),
        stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}; see {log_path}")
        try:
            if httpx.get(f"{base}/api/ping", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.terminate()
    raise RuntimeError(f"gunicorn did not answer /api/ping within 60 s; see {log_path}")


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process in MB (VmRSS), None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def children_of(pid: int) -> list[int]:
    """The direct children of a process (gunicorn's workers of its master), from /proc."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("PPid:") and int(line.split()[1]) == pid:
                found.append(int(status.parent.name))
                break
    return sorted(found)


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def load(base: str, key: str, request, n: int, clients: int, seconds: float) -> dict:
    """Run request(client, i) n times over `clients` threads, each with its own HTTP connection."""
    import httpx

    local = threading.local()
    opened: list[httpx.Client] = []
    lock = threading.Lock()

    def client() -> httpx.Client:
        c = getattr(local, "client", None)
        if c is None:
            c = local.client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=120)
            with lock:
                opened.append(c)
        return c

    run = run_concurrently(lambda i: request(client(), i), n, clients, deadline_s=seconds)
    for c in opened:
        c.close()
    lat = run["latencies"]
    return {**summary(lat), "requests": len(lat), "wall_s": round(run["wall_s"], 3),
            "per_s": round(len(lat) / run["wall_s"], 1) if run["wall_s"] else None,
            "error_count": len(run["errors"]), "errors": run["errors"][:5]}


class Failed(Exception):
    pass


def main(argv=None) -> None:
    parser = phase_args(__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", choices=["gthread", "sync"], default="gthread")
    parser.add_argument("--threads", type=int, default=8, help="threads per gthread worker (as dabir serve)")
    parser.add_argument("--no-pool", action="store_true", help="persistent connections instead of psycopg's pool")
    args = parser.parse_args(argv)
    threads = args.threads if args.worker_class == "gthread" else 1
    vendor = setup_django()
    from django.db import connections

    from bench.corpus import SENDERS, Generator
    from bench.world import make_world
    from dabir.accounts.services import issue_api_token
    from dabir.core import audit
    from dabir.letters.models import Letter

    world = make_world("api")
    _token, key = issue_api_token(user=world.clerk, name="bench")
    sec_id, target = world.secretariat.id, world.expert_pos.id
    gen = Generator(seed=5)
    payloads = [
        {"subject": gen.subject(), "sender_name": SENDERS[i % len(SENDERS)], "channel": "post",
         "secretariat_id": sec_id, "sender_number": gen.sender_number(), "body": gen.body(),
         "refer_to": [{"position_id": target, "action": "action", "note": "لطفا بررسی شود"}]}
        for i in range(min(args.letters, 500))
    ]
    connections.close_all()

    def get_me(c, i):
        r = c.get("/api/me")
        if r.status_code != 200:
            raise Failed(f"GET /api/me → {r.status_code}: {r.text[:200]}")

    def post_letter(c, i):
        r = c.post("/api/letters/incoming", json=payloads[i % len(payloads)])
        if r.status_code != 201:
            raise Failed(f"POST /api/letters/incoming → {r.status_code}: {r.text[:200]}")

    VAR_BENCH.mkdir(parents=True, exist_ok=True)
    log_path = VAR_BENCH / f"gunicorn-{vendor}.log"
    proc, base = start_server(args.workers, log_path, worker_class=args.worker_class, threads=threads,
                              pool=False if args.no_pool else None)
    task_log = open(VAR_BENCH / f"worker-{vendor}.log", "w")  # noqa: SIM115 - closed below
    worker = subprocess.Popen([sys.executable, "-m", "dabir.cli", "worker"], env=dict(os.environ),
                              stdout=task_log, stderr=subprocess.STDOUT)
    try:
        warm = load(base, key, get_me, args.clients * 2, args.clients, args.seconds)
        if warm["error_count"]:
            raise Failed(f"the server refused GET /api/me: {warm['errors'][0]}")
        me = load(base, key, get_me, args.letters, args.clients, args.seconds)
        reg = load(base, key, post_letter, args.letters, args.clients, args.seconds)
        time.sleep(2)  # the task worker takes up what the registrations queued
        memory = {"web_workers_mb": [rss_mb(pid) for pid in children_of(proc.pid)],
                  "web_master_mb": rss_mb(proc.pid), "task_worker_mb": max(
                      [m for m in [rss_mb(worker.pid), *(rss_mb(c) for c in children_of(worker.pid))] if m] or [None]
                  ), "target_mb": RSS_TARGET_MB}
    finally:
        stop_server(worker)
        task_log.close()
        stop_server(proc)

    seqs = list(Letter.objects.filter(series=world.incoming).order_by("seq").values_list("seq", flat=True))
    chain = audit.verify()
    write_result(args.out, {
        "available": True, "db": vendor, "db_version": db_version(), "clients": args.clients,
        "workers": args.workers, "worker_class": args.worker_class, "threads": threads,
        "pool": vendor == "postgresql" and not args.no_pool,
        "server": f"gunicorn dabir.wsgi ({args.worker_class} workers"
                  + (f", {threads} threads each" if args.worker_class == "gthread" else "") + ")",
        "memory": memory,
        "me": me, "register": reg,
        "ratio_throughput_me_vs_register": ratio(me["per_s"], reg["per_s"]),
        "ratio_p50_register_vs_me": ratio(reg["p50_ms"], me["p50_ms"]),
        "registered": len(seqs), "gapless": seqs == list(range(1, len(seqs) + 1)),
        "matches_successful_posts": len(seqs) == reg["requests"],
        "audit_chain": {"ok": chain.ok, "checked": chain.checked, "reason": chain.reason},
    })


def report(results: dict) -> str:
    from bench.common import fmt, table

    rows, notes = [], []
    for db, r in results.items():
        if not r.get("available"):
            rows.append([db, r.get("reason", "not available"), "", "", "", "", "", ""])
            continue
        for label, key in (("GET /api/me (baseline)", "me"), ("POST /api/letters/incoming", "register")):
            x = r[key]
            rows.append([f"{db} {label}", x["requests"], fmt(x["per_s"], "/s"), fmt(x["p50_ms"], " ms"),
                         fmt(x["p95_ms"], " ms"), fmt(x["max_ms"], " ms"), x["error_count"],
                         fmt(ratio(r["me"]["per_s"], x["per_s"]), "×")])
        server = r.get("server", f"gunicorn, {r['workers']} workers")
        notes.append(
            f"{db}: {r['clients']} clients, {r['workers']} × {server}"
            f"{', psycopg pool' if r.get('pool') else ''}; registered {r['registered']} letters, "
            f"numbers 1..{r['registered']} gapless: {'yes' if r['gapless'] else 'NO'}, equal to the 201 answers: "
            f"{'yes' if r['matches_successful_posts'] else 'NO'}; audit chain verified: "
            f"{'yes' if r['audit_chain']['ok'] else 'NO ' + r['audit_chain']['reason']} "
            f"({r['audit_chain']['checked']:,} entries)"
        )
        mem = r.get("memory")
        if mem:
            web = [m for m in mem["web_workers_mb"] if m is not None]
            worst = max(web + [mem["task_worker_mb"] or 0])
            notes.append(
                f"{db} resident memory after the load: web workers {', '.join(f'{m:.0f}' for m in web)} MB, "
                f"task worker {fmt(mem['task_worker_mb'], ' MB')} (target ≤ {mem['target_mb']} MB each: "
                f"{'met' if worst <= mem['target_mb'] else 'NOT met'})"
            )
        for key in ("me", "register"):
            for e in r[key]["errors"][:2]:
                notes.append(f"{db} {key} error: {e}")
    head = ["request", "n", "throughput", "p50", "p95", "max", "errors", "slower than /api/me"]
    return "\n".join([table(head, rows), *notes])


if __name__ == "__main__":
    main()
