"""Letter registration through the API with concurrent clients, against GET /api/me on the same server.

Run by the orchestrator as `python -m bench.api_load --out FILE --letters 2000 --seconds 30
--clients 16 --workers 4` with DABIR_DATABASE_URL set. Builds a world (agency, secretariat with
series, a clerk holding a position, an API token from accounts.services.issue_api_token),
starts the real server (gunicorn dabir.wsgi, sync workers) against the same database, then:

  baseline  `clients` threads GET /api/me (token auth, the user's seats and secretariats)
  register  `clients` threads POST /api/letters/incoming (JSON: subject, sender, channel,
            secretariat_id, body, a referral to one position) — numbered, indexed, audited

each until --letters requests are done or --seconds have passed. Afterwards the incoming
series must hold exactly 1..count (gapless) and the audit chain must verify.
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


def start_server(workers: int, log_path: Path, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    """gunicorn serving dabir.wsgi on a free port, once it answers /api/ping."""
    import httpx

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process by the caller
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "dabir.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}",
         "--timeout", "120", "--graceful-timeout", "5"],
        env=env or dict(os.environ), stdout=log, stderr=subprocess.STDOUT,
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
    args = parser.parse_args(argv)
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
    proc, base = start_server(args.workers, log_path)
    try:
        warm = load(base, key, get_me, args.clients * 2, args.clients, args.seconds)
        if warm["error_count"]:
            raise Failed(f"the server refused GET /api/me: {warm['errors'][0]}")
        me = load(base, key, get_me, args.letters, args.clients, args.seconds)
        reg = load(base, key, post_letter, args.letters, args.clients, args.seconds)
    finally:
        stop_server(proc)

    seqs = list(Letter.objects.filter(series=world.incoming).order_by("seq").values_list("seq", flat=True))
    chain = audit.verify()
    write_result(args.out, {
        "available": True, "db": vendor, "db_version": db_version(), "clients": args.clients,
        "workers": args.workers, "server": "gunicorn dabir.wsgi (sync workers)",
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
        notes.append(
            f"{db}: {r['clients']} clients, {r['workers']} gunicorn workers; registered {r['registered']} letters, "
            f"numbers 1..{r['registered']} gapless: {'yes' if r['gapless'] else 'NO'}, equal to the 201 answers: "
            f"{'yes' if r['matches_successful_posts'] else 'NO'}; audit chain verified: "
            f"{'yes' if r['audit_chain']['ok'] else 'NO ' + r['audit_chain']['reason']} "
            f"({r['audit_chain']['checked']:,} entries)"
        )
        for key in ("me", "register"):
            for e in r[key]["errors"][:2]:
                notes.append(f"{db} {key} error: {e}")
    head = ["request", "n", "throughput", "p50", "p95", "max", "errors", "slower than /api/me"]
    return "\n".join([table(head, rows), *notes])


if __name__ == "__main__":
    main()
