"""Exchange between two servers: signed letters per second from A to B, against plain HTTP POSTs.

Run by the orchestrator as `python -m bench.exchange --out FILE --letters 100 --workers 2` with
DABIR_DATABASE_URL set. That database only names the engine: the two servers get databases of
their own, `<name>_xa` / `<name>_xb` on the same PostgreSQL server (dabir_bench_xa / dabir_bench_xb
by default), or two SQLite files next to the bench file; both are created, migrated, and removed
at the end. Each server has its own DABIR_VAR_DIR (media, stored PDFs) under
var/bench/exchange-<engine>-<pid>/, with the gunicorn and worker logs, kept only when a step fails.

Setup, each step a subprocess in that server's environment (`python -m bench.exchange step …`),
through the real services: an agency per server with a secretariat, an expert, a clerk and a
manager position (signing.services.issue_certificate); exchange.services.join_agency (the agency's
exchange certificate); on each side the other one entered as a local peer
(exchange.services.directory.save_member with its endpoint http://127.0.0.1:PORT/exchange/v1/messages
and its certificate); on A, --letters outgoing letters to B written, submitted, approved (signed)
and registered (letters.services), none of this timed.

Then both servers run: gunicorn (bench.exchange:application, which is dabir.wsgi plus the echo
below, sync workers) and `dabir worker` each, all on this machine. Timed on A:

  exchange  letters.services.dispatch(channel="network") of every letter, one after another; the
            clock stops when every Delivery's Transfer is delivered (B's signed receipt checked and
            kept). Per letter, from A's database: dispatched_at → delivered_at (latency), split into
            waiting in the queue (→ sent_at, the worker's claim), build (→ the Message logged: the
            PDF rendered and PAdES-signed, the payload, the XML signature) and carry (→ delivered_at:
            POST to B, B checks, logs, registers the arrival and signs the receipt, A checks it).
  plain     baseline: from a client process on A's side, one POST after another (a new connection
            each, as the worker makes) to B's gunicorn at /bench/echo, with the same body sizes as the
            logged messages, answered with as many bytes as B's receipts: the raw HTTP cost.
  profile   on a few more letters at A, in-process: pdf.render_letter, pdf.letter_pdf (render +
            PAdES + store), the payload with the files (envelope.letter_payload) and the XML
            signature (sign_as) one by one: where the build's time goes.

Checks: B holds exactly one Arrival per letter, every delivery has a receipt, both audit chains verify.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.common import VAR_BENCH, db_env, free_port, percentile, phase_args, ratio, summary, write_result

PEER_A_NAME = "استانداری سنجش تبادل فرستنده"
PEER_B_NAME = "شهرداری سنجش تبادل گیرنده"


# ---------------------------------------------------------------- the servers' WSGI entry point


def _echo(environ, start_response):
    """Read the whole body, answer `reply` bytes: an HTTP exchange with no work in it."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    stream = environ["wsgi.input"]
    while length > 0:
        chunk = stream.read(min(length, 65536))
        if not chunk:
            break
        length -= len(chunk)
    query = dict(p.split("=", 1) for p in environ.get("QUERY_STRING", "").split("&") if "=" in p)
    body = b"x" * min(int(query.get("reply", "0") or 0), 1 << 20)
    start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(body)))])
    return [body]


def _make_application():
    from dabir.wsgi import application as dabir_app

    def application(environ, start_response):
        if environ.get("PATH_INFO") == "/bench/echo" and environ.get("REQUEST_METHOD") == "POST":
            return _echo(environ, start_response)
        return dabir_app(environ, start_response)

    return application


def __getattr__(name):  # gunicorn imports `bench.exchange:application`; nothing else loads Django
    if name == "application":
        app = globals()["application"] = _make_application()
        return app
    raise AttributeError(name)


# ---------------------------------------------------------------- steps (in a server's environment)


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dabir.settings")
    import django

    django.setup()


def _world(role: str) -> dict:
    from django.contrib.auth.hashers import make_password

    from bench.world import make_world
    from dabir.accounts.models import User
    from dabir.exchange import services
    from dabir.orgs.models import Assignment, Position
    from dabir.signing import services as signing

    world = make_world(f"x{role}")
    # X.509 names with Persian text must begin and end with a Persian letter.
    world.agency.name = PEER_A_NAME if role == "a" else PEER_B_NAME
    world.agency.save(update_fields=["name"])
    manager = User.objects.create(username=f"manager-{world.agency.code}", first_name="علی", last_name="مدیری",
                                  password=make_password(None))
    manager_pos = Position.objects.create(unit=world.unit, title="مدیرکل", code=f"M{world.agency.code}"[:32],
                                          can_sign=True, is_manager=True)
    Assignment.objects.create(user=manager, position=manager_pos, role=Assignment.Role.HOLDER)
    member = services.join_agency(agency=world.agency)
    signing.issue_certificate(position=manager_pos)
    return {"code": member.code, "name": member.name, "certificate_pem": member.certificate_pem,
            "agency": world.agency.pk, "manager_pos": manager_pos.pk, "expert_pos": world.expert_pos.pk,
            "clerk": world.clerk.pk, "expert": world.expert.pk, "manager": manager.pk}


def _peer(code: str, name: str, url: str, certificate_pem: str) -> dict:
    from dabir.exchange.services.directory import save_member

    member = save_member(user=None, code=code, name=name, server_url=url, certificate_pem=certificate_pem)
    return {"code": member.code, "fingerprint": member.fingerprint}


def _letters(me: dict, to: str, n: int) -> dict:
    from bench.corpus import Generator
    from dabir.accounts.models import User
    from dabir.letters import services as letters
    from dabir.orgs.models import Position
    from dabir.orgs.selectors import Seat

    expert, manager, clerk = (User.objects.get(pk=me[k]) for k in ("expert", "manager", "clerk"))
    expert_seat = Seat(Position.objects.get(pk=me["expert_pos"]), False)
    manager_seat = Seat(Position.objects.get(pk=me["manager_pos"]), False)
    gen = Generator(seed=31)
    t0 = time.perf_counter()
    ids = []
    for _ in range(n):
        letter = letters.create_draft(
            user=expert, seat=expert_seat, kind="outgoing", subject=gen.subject(), body=gen.body(), to=[to],
            signer_position_id=me["manager_pos"],
        )
        letters.submit_for_signature(user=expert, seat=expert_seat, letter=letter)
        letters.approve(user=manager, seat=manager_seat, letter=letter)
        letters.register_letter(user=clerk, letter=letter)
        ids.append(letter.pk)
    return {"letters": ids, "seconds": round(time.perf_counter() - t0, 1)}


def _dispatch(me: dict, ids: list[int], deadline_s: float) -> dict:
    """Dispatch every letter by «الکترونیکی», wait for every delivery receipt, read the times back."""
    from django.db import connection

    from dabir.accounts.models import User
    from dabir.exchange.models import Delivery, Transfer, TransferState
    from dabir.letters import services as letters
    from dabir.letters.models import Letter

    clerk = User.objects.get(pk=me["clerk"])
    start = time.time()
    for pk in ids:
        letters.dispatch(user=clerk, letter=Letter.objects.get(pk=pk), channel="network")
    dispatched = time.time()
    transfers = Transfer.objects.filter(delivery__letter_id__in=ids)
    give_up = start + deadline_s
    while time.time() < give_up:
        done = transfers.filter(state__in=[TransferState.DELIVERED, TransferState.FAILED]).count()
        if done >= len(ids):
            break
        connection.close()  # a fresh snapshot on the next poll
        time.sleep(0.25)
    finished = time.time()
    rows = list(Delivery.objects.filter(letter_id__in=ids).select_related("letter", "transfer__message",
                                                                           "transfer__receipt"))
    per = []
    for d in rows:
        t = d.transfer
        row = {"state": t.state, "attempts": t.attempts, "error": t.last_error,
               "size": t.message.size if t.message else None, "receipt_size": t.receipt.size if t.receipt else None}
        if t.state == TransferState.DELIVERED:
            dispatched_at = d.letter.dispatched_at.timestamp()
            built = t.message.created_at.timestamp()
            row.update(latency=t.delivered_at.timestamp() - dispatched_at,
                       wait=t.sent_at.timestamp() - dispatched_at, build=built - t.sent_at.timestamp(),
                       carry=t.delivered_at.timestamp() - built, delivered_at=t.delivered_at.timestamp(),
                       dispatched_at=dispatched_at)
        per.append(row)
    return {"start": start, "dispatched": dispatched, "finished": finished, "rows": per,
            "deliveries": len(rows)}


def _plain(url: str, sizes: list[int], replies: list[int]) -> dict:
    """One POST after another, a new connection each (as the worker's httpx.post), same sizes."""
    import httpx

    lat = []
    t0 = time.perf_counter()
    for size, reply in zip(sizes, replies, strict=True):
        body = os.urandom(size)
        s = time.perf_counter()
        r = httpx.post(f"{url}?reply={reply}", content=body, timeout=60,
                       headers={"Content-Type": "application/octet-stream"})
        if r.status_code != 200 or len(r.content) != reply:
            raise RuntimeError(f"echo answered {r.status_code} with {len(r.content)} bytes")
        lat.append(time.perf_counter() - s)
    return {"latencies": lat, "wall_s": time.perf_counter() - t0}


def _profile(me: dict, peer_code: str, n: int) -> dict:
    """Where a letter message's build goes, on n fresh letters (in-process, one at a time)."""
    import uuid

    from dabir.exchange.models import Kind, Member, Transfer
    from dabir.exchange.services import _shared, outbox
    from dabir.letters.models import Letter
    from dabir.signing import pdf

    ids = _letters(me, Member.objects.get(code=peer_code).name, n)["letters"]
    sender = Member.objects.get(agency_id=me["agency"])
    member = Member.objects.get(code=peer_code)
    parts = {"render": [], "letter_pdf": [], "payload_cached_pdf": [], "xml_sign": []}
    for pk in ids:
        letter = Letter.objects.get(pk=pk)
        version = letter.versions.order_by("-number").first()
        s = time.perf_counter()
        pdf.render_letter(version)
        parts["render"].append(time.perf_counter() - s)
        s = time.perf_counter()
        pdf.letter_pdf(version)  # first time: render + PAdES + stored
        parts["letter_pdf"].append(time.perf_counter() - s)
        transfer = Transfer(uid=uuid.uuid4(), kind=Kind.LETTER, sender=sender, member=member,
                            content={"letter": pk, "copy": False})
        s = time.perf_counter()
        payload = outbox._payload(transfer)  # the PDF is stored now: files, recipients, XML
        parts["payload_cached_pdf"].append(time.perf_counter() - s)
        s = time.perf_counter()
        _shared.sign_as(sender, payload, message_id=transfer.uid, kind=Kind.LETTER, receiver=member.code)
        parts["xml_sign"].append(time.perf_counter() - s)
    return {k: summary(v) for k, v in parts.items()}


def _checks(role: str, me: dict, n_expected: int) -> dict:
    from dabir.core import audit
    from dabir.exchange.models import Arrival, Message

    chain = audit.verify()
    out = {"audit_chain": {"ok": chain.ok, "checked": chain.checked, "reason": chain.reason}}
    if role == "b":
        out["arrivals"] = Arrival.objects.filter(agency_id=me["agency"]).count()
        out["messages_in"] = Message.objects.filter(direction="in", kind="letter").count()
    return out


def step(argv: list[str]) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.exchange step")
    p.add_argument("name", choices=["world", "peer", "letters", "dispatch", "plain", "profile", "checks"])
    p.add_argument("--data", default="{}", help="JSON arguments")
    args = p.parse_args(argv)
    data = json.loads(args.data)
    if args.name == "plain":
        result = _plain(**data)
    else:
        _django()
        fn = {"world": _world, "peer": _peer, "letters": _letters, "dispatch": _dispatch, "profile": _profile,
              "checks": _checks}[args.name]
        result = fn(**data)
    print("RESULT " + json.dumps(result, default=str), flush=True)


# ---------------------------------------------------------------- the phase (orchestrates the two servers)


class Failed(Exception):
    pass


def run_step(env: dict, step_name: str, timeout: float = 900, **data) -> dict:
    proc = subprocess.run([sys.executable, "-m", "bench.exchange", "step", step_name, "--data", json.dumps(data)],
                          env=env, capture_output=True, text=True, timeout=timeout)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-12:])
        raise Failed(f"step {step_name} failed:\n{tail}")
    return json.loads(lines[-1].removeprefix("RESULT "))


def side_urls(url: str) -> tuple[str, str]:
    """The two servers' databases, derived from the bench database's URL (same engine, same server)."""
    if url.startswith("sqlite://"):
        path = Path(url.removeprefix("sqlite://"))
        return (f"sqlite://{path.with_name(path.stem + '-xa.sqlite3')}",
                f"sqlite://{path.with_name(path.stem + '-xb.sqlite3')}")
    head, _, name = url.rpartition("/")
    name, _, query = name.partition("?")
    tail = f"?{query}" if query else ""
    return f"{head}/{name}_xa{tail}", f"{head}/{name}_xb{tail}"


def reset_db(url: str, drop_only: bool = False) -> None:
    from bench.common import pg_drop, pg_recreate

    if url.startswith("sqlite://"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite://") + suffix).unlink(missing_ok=True)
    elif drop_only:
        pg_drop(url)
    else:
        pg_recreate(url)


def server_env(url: str, var: Path, port: int) -> dict:
    env = db_env(url)
    env.update({
        "DABIR_VAR_DIR": str(var), "DABIR_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "DABIR_EXCHANGE_ENDPOINT": f"http://127.0.0.1:{port}/exchange/v1/messages",
        # A try that fails is retried soon, so a hiccup shows as a slow letter, not a missing one.
        "DABIR_EXCHANGE_RETRY_BASE_SECONDS": "2", "DABIR_EXCHANGE_RETRY_MAX_SECONDS": "10",
    })
    return env


def start(cmd: list[str], env: dict, log: Path) -> subprocess.Popen:
    fh = open(log, "w")  # noqa: SIM115 - lives as long as the process
    return subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT)


def wait_ready(base: str, proc: subprocess.Popen, log: Path) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise Failed(f"gunicorn exited with {proc.returncode}; see {log}")
        try:
            if httpx.get(f"{base}/api/ping", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise Failed(f"gunicorn did not answer within 60 s; see {log}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def migrate_both(envs: list[dict]) -> float:
    t0 = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-m", "django", "migrate", "--noinput", "-v", "0"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for env in envs]
    for proc in procs:
        _out, err = proc.communicate(timeout=600)
        if proc.returncode != 0:
            raise Failed("migrate failed: " + (err.strip().splitlines() or ["?"])[-1])
    return time.perf_counter() - t0


def stats(values: list[float]) -> dict:
    return summary(values)


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "step":
        return step(argv[1:])
    parser = phase_args(__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--profile", type=int, default=5, help="letters in the build profile")
    parser.add_argument("--deadline", type=float, default=900, help="seconds to wait for the receipts")
    args = parser.parse_args(argv)
    url = os.environ["DABIR_DATABASE_URL"]
    vendor = "sqlite" if url.startswith("sqlite://") else "postgresql"
    url_a, url_b = side_urls(url)
    port_a, port_b = free_port(), free_port()
    work = VAR_BENCH / f"exchange-{vendor}-{os.getpid()}"
    env_a = server_env(url_a, work / "a", port_a)
    env_b = server_env(url_b, work / "b", port_b)
    work.mkdir(parents=True, exist_ok=True)
    procs: list[subprocess.Popen] = []
    try:
        for u in (url_a, url_b):
            reset_db(u)
        migrate_s = migrate_both([env_a, env_b])
        t0 = time.perf_counter()
        me_a = run_step(env_a, "world", role="a")
        me_b = run_step(env_b, "world", role="b")
        endpoint_a = env_a["DABIR_EXCHANGE_ENDPOINT"]
        endpoint_b = env_b["DABIR_EXCHANGE_ENDPOINT"]
        run_step(env_a, "peer", code=me_b["code"], name=me_b["name"], url=endpoint_b,
                 certificate_pem=me_b["certificate_pem"])
        run_step(env_b, "peer", code=me_a["code"], name=me_a["name"], url=endpoint_a,
                 certificate_pem=me_a["certificate_pem"])
        made = run_step(env_a, "letters", me=me_a, to=me_b["name"], n=args.letters)
        setup_s = time.perf_counter() - t0

        for side, env, port in (("a", env_a, port_a), ("b", env_b, port_b)):
            log = work / f"gunicorn-{side}.log"
            g = start([sys.executable, "-m", "gunicorn", "bench.exchange:application", "-w", str(args.workers),
                       "-b", f"127.0.0.1:{port}", "--timeout", "120", "--graceful-timeout", "5"], env, log)
            procs.append(g)
            wait_ready(f"http://127.0.0.1:{port}", g, log)
        for side, env in (("a", env_a), ("b", env_b)):
            procs.append(start([sys.executable, "-m", "dabir.cli", "worker", "--interval", "0.2"], env,
                               work / f"worker-{side}.log"))
        time.sleep(1.5)  # the workers' start-up jitter (up to 1 s) is over

        load_before = os.getloadavg()[0]
        sent = run_step(env_a, "dispatch", timeout=args.deadline + 300, me=me_a, ids=made["letters"],
                        deadline_s=args.deadline)
        load_after = os.getloadavg()[0]
        rows = sent["rows"]
        ok = [r for r in rows if r["state"] == "delivered"]
        if not ok:
            raise Failed("no letter was delivered: " + "; ".join({r["error"] for r in rows if r["error"]})[:300])
        span = max(r["delivered_at"] for r in ok) - min(r["dispatched_at"] for r in ok)
        sizes = [r["size"] for r in ok]
        replies = [r["receipt_size"] for r in ok]

        plain = run_step(env_a, "plain", url=f"http://127.0.0.1:{port_b}/bench/echo", sizes=sizes, replies=replies)
        plain_per_s = len(sizes) / plain["wall_s"]
        profile = run_step(env_a, "profile", me=me_a, peer_code=me_b["code"], n=args.profile) if args.profile else {}
        for p in procs:
            stop(p)
        checks_a = run_step(env_a, "checks", role="a", me=me_a, n_expected=args.letters)
        checks_b = run_step(env_b, "checks", role="b", me=me_b, n_expected=args.letters)
    except Failed as exc:  # a finding: say which step and why, keep the logs
        print(f"{exc}\nlogs: {work}", file=sys.stderr)
        last = str(exc).strip().splitlines()
        write_result(args.out, {"available": False,
                                "reason": f"{last[0]} {last[-1] if len(last) > 1 else ''}"[:400]})
        return None
    finally:
        for p in procs:
            stop(p)
        for side in ("a", "b"):  # the stored PDFs and files; the logs stay
            shutil.rmtree(work / side, ignore_errors=True)
        for u in (url_a, url_b):
            try:
                reset_db(u, drop_only=True)
            except Exception as exc:  # pragma: no cover - the server went away mid-run
                print(f"could not drop {u}: {exc}", file=sys.stderr)

    shutil.rmtree(work, ignore_errors=True)  # all went well: the logs are not needed
    exchange_per_s = len(ok) / span
    build = [r["build"] for r in ok]
    carry = [r["carry"] for r in ok]
    busy = sum(build) + sum(carry)
    write_result(args.out, {
        "available": True, "db": vendor, "databases": [url_a, url_b], "workers": args.workers,
        "server": "gunicorn bench.exchange:application (dabir.wsgi + /bench/echo), sync workers; one `dabir worker` "
                  "per server (--interval 0.2)",
        "letters": args.letters, "delivered": len(ok), "failed": sum(r["state"] == "failed" for r in rows),
        "retried": sum(r["attempts"] > 1 for r in rows),
        "errors": sorted({r["error"] for r in rows if r["error"]})[:5],
        "setup": {"migrate_both_s": round(migrate_s, 1), "setup_s": round(setup_s, 1),
                  "letters_s": made["seconds"]},
        "exchange": {"span_s": round(span, 2), "per_s": round(exchange_per_s, 2),
                     "dispatch_loop_s": round(sent["dispatched"] - sent["start"], 2),
                     "latency": stats([r["latency"] for r in ok]), "wait": stats([r["wait"] for r in ok]),
                     "build": stats(build), "carry": stats(carry),
                     # one letter into an empty queue: the worker's claim to the receipt checked
                     "service": stats([b + c for b, c in zip(build, carry, strict=True)]),
                     "build_share": round(sum(build) / busy, 3) if busy else None,
                     "message_bytes": {"p50": percentile(sizes, 50), "max": max(sizes)},
                     "receipt_bytes": {"p50": percentile(replies, 50), "max": max(replies)}},
        "plain": {**stats(plain["latencies"]), "wall_s": round(plain["wall_s"], 2), "per_s": round(plain_per_s, 1)},
        "ratio_time_exchange_vs_plain": ratio(plain_per_s, exchange_per_s),
        "ratio_carry_vs_plain_p50": ratio(stats(carry)["p50_ms"], stats(plain["latencies"])["p50_ms"]),
        "profile": profile,
        "load_average_during": [round(load_before, 2), round(load_after, 2)],
        "checks": {"a": checks_a, "b": checks_b,
                   "one_arrival_per_letter": checks_b["arrivals"] == len(ok) == checks_b["messages_in"]},
    })


def report(results: dict) -> str:
    from bench.common import fmt, table

    rows, notes = [], []
    for db, r in results.items():
        if not r.get("available"):
            rows.append([db, r.get("reason", "not available"), "", "", "", "", ""])
            continue
        x, p = r["exchange"], r["plain"]
        rows.append([f"{db} plain POST A→B /bench/echo (baseline)", p["n"], fmt(p["per_s"], "/s"),
                     fmt(p["p50_ms"], " ms"), fmt(p["p95_ms"], " ms"), "1.00×", ""])
        rows.append([f"{db} signed letter A→B, dispatch→receipt", r["delivered"], fmt(x["per_s"], "/s"),
                     fmt(x["latency"]["p50_ms"], " ms"), fmt(x["latency"]["p95_ms"], " ms"),
                     fmt(r["ratio_time_exchange_vs_plain"], "×"), r["failed"]])
        s = x["service"]
        rows.append([f"{db}   one letter alone (build + carry)", s["n"], fmt(1000 / s["mean_ms"], "/s"),
                     fmt(s["p50_ms"], " ms"), fmt(s["p95_ms"], " ms"), fmt(ratio(s["p50_ms"], p["p50_ms"]), "×"), ""])
        for label, key in (("waiting in the queue", "wait"), ("build (PDF, PAdES, XML signature)", "build"),
                           ("carry (POST, B receives, receipt checked)", "carry")):
            s = x[key]
            rows.append([f"{db}   of which {label}", s["n"], "", fmt(s["p50_ms"], " ms"), fmt(s["p95_ms"], " ms"),
                         fmt(ratio(s["p50_ms"], p["p50_ms"]), "×") if key == "carry" else "", ""])
        prof = r.get("profile") or {}
        for label, key in (("profile: pdf.render_letter", "render"),
                           ("profile: pdf.letter_pdf (render + PAdES)", "letter_pdf"),
                           ("profile: payload, PDF stored", "payload_cached_pdf"),
                           ("profile: XML signature (sign_as)", "xml_sign")):
            if key in prof:
                rows.append([f"{db}   {label}", prof[key]["n"], "", fmt(prof[key]["p50_ms"], " ms"),
                             fmt(prof[key]["p95_ms"], " ms"), "", ""])
        c = r["checks"]
        notes.append(
            f"{db}: {r['delivered']} of {r['letters']} letters delivered in {x['span_s']} s (dispatch loop "
            f"{x['dispatch_loop_s']} s), {r['retried']} retried, {r['failed']} failed; build is "
            f"{fmt((x['build_share'] or 0) * 100)} % of the worker's busy time; message p50 "
            f"{x['message_bytes']['p50']:,.0f} B, receipt p50 {x['receipt_bytes']['p50']:,.0f} B; one arrival per "
            f"letter at B: {'yes' if c['one_arrival_per_letter'] else 'NO'}; audit chains verified: "
            f"A {'yes' if c['a']['audit_chain']['ok'] else 'NO'}, B {'yes' if c['b']['audit_chain']['ok'] else 'NO'}"
        )
        for e in r["errors"][:2]:
            notes.append(f"{db} error: {e}")
    head = ["operation", "n", "per second", "p50", "p95", "time vs plain", "failed"]
    return "\n".join([table(head, rows), *notes])


if __name__ == "__main__":
    main()
