"""`python -m bench` (what `make bench` runs): every benchmark on SQLite and PostgreSQL.

One fresh database per engine per run (a temporary SQLite file under var/bench/ and the
PostgreSQL database named by --pg-url, dropped and created), migrated in a subprocess with
DABIR_DATABASE_URL set; then each benchmark phase runs as `python -m bench.<module>` in its
own subprocess against it. Tables go to stdout, the figures to var/bench/results.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

from bench.common import VAR_BENCH, db_env, machine_info, pg_drop, pg_recreate, sqlite_url, table

BENCHMARKS = ["numbering", "search", "inbox", "api", "signing", "desk", "exchange", "counters", "stats", "ocr", "mail",
              "suggest"]
MODULES = {"numbering": "bench.numbering", "search": "bench.search", "inbox": "bench.inbox", "api": "bench.api_load",
           "signing": "bench.signing", "desk": "bench.desk", "exchange": "bench.exchange", "counters": "bench.counters",
           "stats": "bench.stats", "ocr": "bench.ocr", "mail": "bench.channels_mail",
           "suggest": "bench.suggest"}
TITLES = {
    "numbering": "2. Numbering: take_number + INSERT vs plain INSERT (one transaction per row)",
    "search": "3. Search latency over generated Persian letters (search_letters(user, q)[:25])",
    "inbox": "4. Inbox page latency with one position's inbox full",
    "api": "1. Letter registration through the API (POST /api/letters/incoming) vs GET /api/me",
    "signing": "5. Signing, PDF and verification per letter vs the bare ECDSA operation",
    "desk": "6. Service desk: request submission vs letter registration, tracking lookups, catalogue search",
    "exchange": "7. Exchange between two servers: signed letters A→B (dispatch → delivery receipt) vs plain HTTP POSTs",
    "counters": "8. Counter offices: operator filings vs online submissions, the monthly settlement over 1,000,000 rows",
    "stats": "9. Supervision: dashboard, ranking export and agency page over 10,000,000 letters vs a plain count; "
             "refresh after 10,000 letters",
    "ocr": "10. Persian OCR of scans: seconds per noisy 300-dpi A4 page vs rendering and rasterising it",
    "mail": "11. E-mail in: messages fetched and queued per second from a local dovecot vs a bare IMAP FETCH",
    "suggest": "12. Suggested first recipients: top-1/top-3 on a held-back generated history, and the partial's "
               "latency vs the register page",
}


def parse(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--only", default="", help="comma-separated subset of: " + ",".join(BENCHMARKS))
    p.add_argument("--quick", action="store_true", help="small sizes (a few minutes in all)")
    p.add_argument("--no-sqlite", action="store_true")
    p.add_argument("--no-postgres", action="store_true")
    p.add_argument("--pg-url", default=os.environ.get("DABIR_BENCH_PG_URL",
                                                      "postgres://postgres@127.0.0.1:5432/dabir_bench"))
    p.add_argument("--out", default=str(VAR_BENCH / "results.json"))
    p.add_argument("--keep", action="store_true", help="keep the bench databases afterwards")
    p.add_argument("--timeout", type=int, default=1800, help="seconds allowed per phase")
    g = p.add_argument_group("sizes")
    g.add_argument("--numbering-n", type=int, help="transactions per variant (default 2000)")
    g.add_argument("--threads", type=int, default=16, help="threads / API clients (default 16)")
    g.add_argument("--letters", type=int, help="letters generated for search on PostgreSQL (default 1000000)")
    g.add_argument("--letters-sqlite", type=int,
                   help="letters generated for search on SQLite (default 100000, at most --letters)")
    g.add_argument("--queries", type=int, help="search queries (default 200)")
    g.add_argument("--inbox-letters", type=int, help="letters in the inbox (default 10000)")
    g.add_argument("--requests", type=int, help="page requests per measured page (default 50)")
    g.add_argument("--api-letters", type=int, help="letters POSTed to the API (default 2000)")
    g.add_argument("--api-seconds", type=float, help="time limit per API phase (default 30)")
    g.add_argument("--workers", type=int, default=2, help="gunicorn worker processes, as `dabir serve` (default 2)")
    g.add_argument("--sign-letters", type=int, help="signatures per variant, sign and approve (default 300)")
    g.add_argument("--pdfs", type=int, help="letters rendered to PDF and PAdES-signed (default 30)")
    g.add_argument("--verify", type=int, help="signed versions verified (default 60)")
    g.add_argument("--desk-requests", type=int, help="desk submissions and letter registrations (default 300)")
    g.add_argument("--services", type=int, help="services generated for catalogue search (default 2000)")
    g.add_argument("--track-clients", type=int, default=32, help="concurrent tracking clients (default 32)")
    g.add_argument("--track-seconds", type=float, help="time limit of the tracking load (default 20)")
    g.add_argument("--exchange-letters", type=int, help="letters sent from server A to server B (default 100)")
    g.add_argument("--exchange-profile", type=int, help="letters in the build profile (default 5)")
    g.add_argument("--counter-submissions", type=int, help="operator filings and online submissions (default 300)")
    g.add_argument("--settle-rows", type=int, help="paid counter submissions in the settled month (default 1000000)")
    g.add_argument("--settle-runs", type=int, help="timed runs of the monthly statement (default 7)")
    g.add_argument("--settle-sqlite", action="store_true", help="time the settlement on SQLite too (skipped otherwise)")
    g.add_argument("--stats-letters", type=int, help="letters generated for supervision on PostgreSQL (default 10000000)")
    g.add_argument("--stats-letters-sqlite", type=int,
                   help="letters generated for supervision on SQLite (default 200000, at most --stats-letters)")
    g.add_argument("--stats-requests", type=int, help="timed requests per supervision page (default 50)")
    g.add_argument("--stats-new-letters", type=int, help="letters added before the timed refresh (default 10000)")
    g.add_argument("--stats-agencies", type=int, default=60, help="agencies of the supervision benchmark (default 60)")
    g.add_argument("--mail-messages", type=int, help="messages in the IMAP mailbox polled (default 500)")
    g.add_argument("--suggest-letters", type=int, help="incoming letters of the suggestions' history (default 5000)")
    args = p.parse_args(argv)
    quick = args.quick
    defaults = {
        "numbering_n": 300 if quick else 2000,
        "letters": 10000 if quick else 1_000_000,
        "queries": 60 if quick else 200,
        "inbox_letters": 2000 if quick else 10000,
        "requests": 15 if quick else 50,
        "api_letters": 300 if quick else 2000,
        "api_seconds": 10.0 if quick else 30.0,
        "sign_letters": 60 if quick else 300,
        "pdfs": 10 if quick else 30,
        "verify": 20 if quick else 60,
        "desk_requests": 60 if quick else 300,
        "services": 500 if quick else 2000,
        "track_seconds": 8.0 if quick else 20.0,
        "exchange_letters": 30 if quick else 100,
        "exchange_profile": 3 if quick else 5,
        "counter_submissions": 60 if quick else 300,
        "settle_rows": 20000 if quick else 1_000_000,
        "settle_runs": 5 if quick else 7,
        "stats_letters": 20000 if quick else 10_000_000,
        "stats_requests": 15 if quick else 50,
        "stats_new_letters": 1000 if quick else 10_000,
        "mail_messages": 100 if quick else 500,
        "suggest_letters": 1000 if quick else 5000,
    }
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.letters_sqlite is None:  # SQLite's FTS5 path is not held to the million-letter target
        args.letters_sqlite = min(args.letters, 10000 if quick else 100000)
    if args.stats_letters_sqlite is None:  # SQLite is not held to the ten-million-letter target
        args.stats_letters_sqlite = min(args.stats_letters, 200_000)
    args.only = [b.strip() for b in args.only.split(",") if b.strip()] or BENCHMARKS
    unknown = [b for b in args.only if b not in BENCHMARKS]
    if unknown:
        p.error(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    return args


def phase_argv(name: str, args, db: str = "postgresql") -> list[str]:
    if name == "numbering":
        return ["--n", str(args.numbering_n), "--threads", str(args.threads)]
    if name == "search":
        letters = args.letters_sqlite if db == "sqlite" else args.letters
        return ["--letters", str(letters), "--queries", str(args.queries)]
    if name == "inbox":
        return ["--letters", str(args.inbox_letters), "--requests", str(args.requests)]
    if name == "api":
        return ["--letters", str(args.api_letters), "--seconds", str(args.api_seconds),
                "--clients", str(args.threads), "--workers", str(args.workers)]
    if name == "signing":
        # PDF rendering is CPU work with a handful of queries: timed on one database only.
        pdf_on = "postgresql" if args.no_sqlite else "sqlite"
        return ["--letters", str(args.sign_letters), "--pdfs", str(args.pdfs), "--verify", str(args.verify),
                "--pdf-on", pdf_on]
    if name == "desk":
        return ["--requests", str(args.desk_requests), "--services", str(args.services),
                "--queries", str(args.queries), "--clients", str(args.track_clients),
                "--seconds", str(args.track_seconds), "--workers", str(args.workers)]
    if name == "exchange":
        # Two servers (gunicorn and a worker each) share the CPUs: two gunicorn workers each are plenty.
        return ["--letters", str(args.exchange_letters), "--profile", str(args.exchange_profile),
                "--workers", str(min(args.workers, 2))]
    if name == "counters":
        return ["--submissions", str(args.counter_submissions), "--settle-rows", str(args.settle_rows),
                "--settle-runs", str(args.settle_runs), *(["--settle-sqlite"] if args.settle_sqlite else [])]
    if name == "stats":
        letters = args.stats_letters_sqlite if db == "sqlite" else args.stats_letters
        return ["--letters", str(letters), "--requests", str(args.stats_requests),
                "--new-letters", str(args.stats_new_letters), "--agencies", str(args.stats_agencies)]
    if name == "ocr":
        # OCR is CPU work touching no database: timed on one engine only.
        return ["--pages", "5", "--on", "postgresql" if args.no_sqlite else "sqlite"]
    if name == "mail":
        return ["--messages", str(args.mail_messages)]
    if name == "suggest":
        return ["--letters", str(args.suggest_letters), "--requests", str(args.requests)]
    raise ValueError(name)


def run_phase(name: str, db: str, url: str, args, workdir: Path) -> dict:
    out = workdir / f"{name}-{db}.json"
    out.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", MODULES[name], "--out", str(out), *phase_argv(name, args, db)]
    print(f"  … {name} on {db}: {shlex.join(cmd[1:])}", flush=True)
    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, env=db_env(url), capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return {"available": False, "reason": f"timed out after {args.timeout} s"}
    took = time.perf_counter() - t0
    if proc.returncode != 0 or not out.exists():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-8:]
        print("    failed:\n      " + "\n      ".join(tail), flush=True)
        return {"available": False, "reason": "failed: " + (tail[-1] if tail else f"exit {proc.returncode}")}
    result = json.loads(out.read_text())
    result["phase_seconds"] = round(took, 1)
    # Other work on the machine skews every figure: the 1-minute load average says how much.
    result["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    print(f"    done in {took:.1f} s (1-minute load average {load_before:.1f} → {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs)", flush=True)
    return result


def migrate(url: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "django", "migrate", "--noinput", "-v", "0"], env=db_env(url),
                   check=True, capture_output=True, text=True)
    return time.perf_counter() - t0


def prepare_databases(args, workdir: Path) -> tuple[dict, dict]:
    """{db name: url} for the engines that are ready, and notes about the ones skipped."""
    dbs, notes = {}, {}
    if not args.no_sqlite:
        path = workdir / f"bench-{os.getpid()}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        dbs["sqlite"] = sqlite_url(path)
    if not args.no_postgres:
        try:
            notes["postgresql_version"] = pg_recreate(args.pg_url)
            dbs["postgresql"] = args.pg_url
        except Exception as exc:  # unreachable server: say so, run the rest
            notes["postgresql"] = f"skipped: PostgreSQL unreachable at {args.pg_url} ({type(exc).__name__}: {exc})"
            print(notes["postgresql"], flush=True)
    for db, url in list(dbs.items()):
        try:
            took = migrate(url)
            print(f"migrated {db} in {took:.1f} s", flush=True)
        except subprocess.CalledProcessError as exc:
            last = (exc.stderr or "").strip().splitlines()[-1:] or [f"exit {exc.returncode}"]
            notes[db] = f"skipped: migrate failed: {last[0]}"
            print(notes[db], flush=True)
            del dbs[db]
    return dbs, notes


def cleanup(dbs: dict, args) -> None:
    if args.keep:
        print("kept: " + ", ".join(dbs.values()))
        return
    for db, url in dbs.items():
        if db == "sqlite":
            path = url.removeprefix("sqlite://")
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        else:
            try:
                pg_drop(url)
            except Exception as exc:  # pragma: no cover - the server went away mid-run
                print(f"could not drop {url}: {exc}")


def main(argv=None) -> int:
    args = parse(argv)
    workdir = VAR_BENCH
    workdir.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now().astimezone()
    info = machine_info()
    command = "python -m bench " + shlex.join(sys.argv[1:] if argv is None else argv)
    print(f"Dabir benchmarks — {started:%Y-%m-%d %H:%M %Z} — {command.strip()}")
    dbs, notes = prepare_databases(args, workdir)
    if "postgresql_version" in notes:
        info["postgresql"] = notes["postgresql_version"]
    print(table(["machine", ""], [[k, v] for k, v in info.items()]))
    results: dict = {
        "started": started.isoformat(timespec="seconds"), "command": command.strip(), "machine": info,
        "notes": notes, "databases": dict(dbs), "benchmarks": {},
    }
    reports = []
    try:
        for name in args.only:
            print(f"\n{TITLES[name]}", flush=True)
            per_db = {}
            for db, url in dbs.items():
                per_db[db] = run_phase(name, db, url, args, workdir)
            for db in ("sqlite", "postgresql"):
                if db not in dbs and db in notes:
                    per_db[db] = {"available": False, "reason": notes[db]}
            results["benchmarks"][name] = per_db
            module = importlib.import_module(MODULES[name])
            text = module.report(per_db)
            reports.append(f"{TITLES[name]}\n{text}")
            print(text, flush=True)
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    finally:
        cleanup(dbs, args)
    results["finished"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    print(f"\nresults written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
