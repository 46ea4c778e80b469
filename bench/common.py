"""Shared pieces of the benchmarks: timing statistics, tables, databases and a small world.

Nothing here imports Django at module level: the orchestrator (`python -m bench`) only
formats tables, and each phase runs in its own subprocess with DABIR_DATABASE_URL set
before `django.setup()` (settings read the database from the environment at start).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
VAR_BENCH = PROJECT_DIR / "var" / "bench"


# ---------------------------------------------------------------- statistics


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0..100) by linear interpolation between closest ranks."""
    if not values:
        return float("nan")
    data = sorted(values)
    if len(data) == 1:
        return data[0]
    k = (len(data) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (k - lo)


def summary(seconds: Sequence[float]) -> dict:
    """p50/p95/mean/max of a list of durations, in milliseconds."""
    if not seconds:
        return {"n": 0, "p50_ms": None, "p95_ms": None, "mean_ms": None, "max_ms": None}
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 3),
        "p95_ms": round(percentile(ms, 95), 3),
        "mean_ms": round(statistics.fmean(ms), 3),
        "max_ms": round(max(ms), 3),
    }


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def ratio(a, b) -> float | None:
    if a is None or b is None or not b:
        return None
    return round(a / b, 2)


# ---------------------------------------------------------------- formatting


def fmt(value, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        if abs(value) >= 100:
            text = f"{value:,.0f}"
        elif abs(value) >= 10:
            text = f"{value:.1f}"
        else:
            text = f"{value:.2f}"
    else:
        text = str(value)
    return f"{text}{unit}"


def table(headers: Sequence[str], rows: Sequence[Sequence]) -> str:
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    line = "-+-".join("-" * w for w in widths)
    out = []
    for n, row in enumerate(cells):
        out.append(" | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))))
        if n == 0:
            out.append(line)
    return "\n".join(out)


# ---------------------------------------------------------------- databases


def sqlite_url(path: Path) -> str:
    return f"sqlite://{path.resolve()}"


def pg_parts(url: str) -> dict:
    from urllib.parse import unquote, urlparse

    p = urlparse(url)
    return {
        "dbname": unquote(p.path.lstrip("/")),
        "user": unquote(p.username or "postgres"),
        "password": unquote(p.password or "") or None,
        "host": p.hostname or "127.0.0.1",
        "port": p.port or 5432,
    }


def pg_admin(url: str):
    """A connection to the server's `postgres` database, for CREATE/DROP DATABASE."""
    import psycopg

    parts = pg_parts(url)
    kwargs = {k: v for k, v in parts.items() if k != "dbname" and v is not None}
    return psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=3, **kwargs)


def pg_recreate(url: str) -> str:
    """Drop and create the bench database; returns the server version. Raises when unreachable."""
    from psycopg import sql

    name = pg_parts(url)["dbname"]
    with pg_admin(url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return conn.execute("SHOW server_version").fetchone()[0]


def pg_drop(url: str) -> None:
    from psycopg import sql

    name = pg_parts(url)["dbname"]
    with pg_admin(url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def db_env(url: str) -> dict:
    env = dict(os.environ)
    env["DABIR_DATABASE_URL"] = url
    env["DJANGO_SETTINGS_MODULE"] = "dabir.settings"
    env.setdefault("DABIR_CONN_MAX_AGE", "60")
    # Make `bench` importable from a subprocess started anywhere.
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(PROJECT_DIR), env.get("PYTHONPATH", "")] if p)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def machine_info() -> dict:
    import sqlite3

    info = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "load_average_at_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    try:
        import django

        info["django"] = django.get_version()
    except ImportError:  # pragma: no cover
        pass
    return info


# ---------------------------------------------------------------- phase scaffolding (subprocess side)


def phase_args(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", required=True, help="where to write this phase's JSON result")
    return parser


def setup_django() -> str:
    """Start Django against DABIR_DATABASE_URL (already in the environment); returns the engine name."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dabir.settings")
    import django

    django.setup()
    from django.db import connection

    return connection.vendor  # "sqlite" or "postgresql"


def db_version() -> str:
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SHOW server_version")
        else:
            cur.execute("select sqlite_version()")
        return cur.fetchone()[0]


def write_result(path: str, result: dict) -> None:
    Path(path).write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str))


def not_available(path: str, reason: str) -> None:
    print(f"not available yet: {reason}", file=sys.stderr)
    write_result(path, {"available": False, "reason": reason})


def run_concurrently(fn: Callable[[int], object], n: int, threads: int, *, deadline_s: float | None = None,
                     on_exit: Callable[[], object] | None = None) -> dict:
    """Call fn(i) n times spread over `threads` threads, all starting together.

    Stops early when deadline_s seconds have passed. Returns the latencies (seconds), the
    wall time, the number of calls and the first errors (an exception is a finding, counted).
    """
    import threading

    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(n))
    start = threading.Barrier(threads + 1)
    stop_at: list[float] = []

    def worker():
        mine, my_errors = [], []
        try:
            start.wait()
            while True:
                with lock:
                    i = next(counter, None)
                if i is None or (stop_at and time.perf_counter() > stop_at[0]):
                    break
                t0 = time.perf_counter()
                try:
                    fn(i)
                except Exception as exc:
                    my_errors.append(f"{type(exc).__name__}: {exc}"[:300])
                    continue
                mine.append(time.perf_counter() - t0)
        finally:
            if on_exit:
                on_exit()
            with lock:
                latencies.extend(mine)
                errors.extend(my_errors)

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for t in pool:
        t.start()
    t0 = time.perf_counter()
    if deadline_s:
        stop_at.append(t0 + deadline_s)
    start.wait()
    for t in pool:
        t.join()
    wall = time.perf_counter() - t0
    return {"latencies": latencies, "wall_s": wall, "calls": len(latencies), "errors": errors}


@contextmanager
def stopwatch():
    box = {}
    t0 = time.perf_counter()
    try:
        yield box
    finally:
        box["seconds"] = time.perf_counter() - t0
