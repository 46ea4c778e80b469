"""What the gapless number costs: N transactions with take_number + INSERT vs the same INSERTs alone.

Run by the orchestrator as `python -m bench.numbering --out FILE --n 2000 --threads 16` with
DABIR_DATABASE_URL set. Three variants, each one transaction per row:

  plain     INSERT of a minimal registered letter (its sequence comes from a Python counter)
  numbered  orgs.services.take_number (counter row locked until commit) + the same INSERT
  audited   take_number + INSERT + core.audit.record (what every real registration also does:
            the audit chain head is one locked row)

Sequentially (one connection) and with T threads (one connection each). The variants are
interleaved in rounds so that a table growing during the run favours none of them.
"""

from __future__ import annotations

import itertools
import threading
import time

from bench.common import db_version, phase_args, ratio, run_concurrently, setup_django, summary, write_result

VARIANTS = ("plain", "numbered", "audited")


def _row(world, series, year, seq, number, now):
    from dabir.letters.models import Kind, Letter, Status

    return Letter(
        kind=Kind.INCOMING, status=Status.REGISTERED, agency=world.agency, secretariat=world.secretariat,
        series=series, year=year, seq=seq, number=number, registered_at=now, registered_by=world.clerk,
        subject="نامه سنجش شماره‌گذاری", sender_name="فرستنده آزمون", created_by=world.clerk,
    )


class Ops:
    """One operation per variant, each in its own transaction."""

    def __init__(self, world):
        from django.utils import timezone

        from dabir.core.jalali import jalali_year

        self.world = world
        self.year = jalali_year(timezone.now())
        self._plain_seq = itertools.count(1)
        self._lock = threading.Lock()

    def plain(self):
        from django.db import transaction
        from django.utils import timezone

        with self._lock:
            seq = next(self._plain_seq)
        with transaction.atomic():
            s = self.world.outgoing
            _row(self.world, s, self.year, seq, s.format(year=self.year, seq=seq), timezone.now()).save()

    def numbered(self):
        from django.db import transaction
        from django.utils import timezone

        from dabir.orgs.services import take_number

        with transaction.atomic():
            now = timezone.now()
            year, seq, number = take_number(series=self.world.incoming, at=now)
            _row(self.world, self.world.incoming, year, seq, number, now).save()

    def audited(self):
        from django.db import transaction
        from django.utils import timezone

        from dabir.core import audit
        from dabir.letters.names import AuditAction
        from dabir.orgs.services import take_number

        with transaction.atomic():
            now = timezone.now()
            year, seq, number = take_number(series=self.world.internal, at=now)
            letter = _row(self.world, self.world.internal, year, seq, number, now)
            letter.save()
            audit.record(action=AuditAction.LETTER_REGISTER, obj=letter, actor=self.world.clerk, data={"number": number})


def run_sequential(ops: Ops, n: int, rounds: int = 10) -> dict:
    times = {v: [] for v in VARIANTS}
    per_round = max(1, n // rounds)
    done = 0
    r = 0
    while done < n:
        k = min(per_round, n - done)
        order = VARIANTS[r % 3:] + VARIANTS[: r % 3]
        for v in order:
            fn = getattr(ops, v)
            for _ in range(k):
                t0 = time.perf_counter()
                fn()
                times[v].append(time.perf_counter() - t0)
        done += k
        r += 1
    return {v: {**summary(ts), "total_s": round(sum(ts), 3), "ops_per_s": round(len(ts) / sum(ts), 1)}
            for v, ts in times.items()}


def run_threads(ops: Ops, n: int, threads: int) -> dict:
    from django.db import connections

    out = {}
    for v in VARIANTS:
        fn = getattr(ops, v)
        run = run_concurrently(lambda _i, fn=fn: fn(), n, threads, on_exit=connections.close_all)
        lat, wall = run["latencies"], run["wall_s"]
        out[v] = {**summary(lat), "wall_s": round(wall, 3), "ops_per_s": round(len(lat) / wall, 1),
                  "errors": run["errors"][:5], "error_count": len(run["errors"])}
    return out


def gapless(series) -> dict:
    from dabir.letters.models import Letter

    seqs = list(Letter.objects.filter(series=series).order_by("seq").values_list("seq", flat=True))
    return {"count": len(seqs), "gapless": seqs == list(range(1, len(seqs) + 1))}


def main(argv=None) -> None:
    parser = phase_args(__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args(argv)
    vendor = setup_django()
    from bench.world import make_world

    world = make_world("num")
    ops = Ops(world)
    for v in VARIANTS:  # warm up connection, caches and the counter rows
        getattr(ops, v)()
    seq = run_sequential(ops, args.n)
    threaded = run_threads(ops, args.n, args.threads) if args.threads > 1 else None
    result = {
        "available": True, "db": vendor, "db_version": db_version(), "n": args.n, "threads": args.threads,
        "sequential": seq, "threaded": threaded,
        "ratio_numbered_vs_plain": ratio(seq["numbered"]["mean_ms"], seq["plain"]["mean_ms"]),
        "ratio_audited_vs_plain": ratio(seq["audited"]["mean_ms"], seq["plain"]["mean_ms"]),
        "gapless": {"numbered": gapless(world.incoming), "audited": gapless(world.internal)},
    }
    if threaded:
        result["threaded_throughput_ratio_plain_vs_numbered"] = ratio(
            threaded["plain"]["ops_per_s"], threaded["numbered"]["ops_per_s"])
        result["threaded_throughput_ratio_plain_vs_audited"] = ratio(
            threaded["plain"]["ops_per_s"], threaded["audited"]["ops_per_s"])
    write_result(args.out, result)


def report(results: dict) -> str:
    """The table for the orchestrator: results maps db name to this phase's JSON."""
    from bench.common import fmt, table

    rows = []
    for db, r in results.items():
        if not r.get("available"):
            rows.append([f"{db}", r.get("reason", "not available"), "", "", "", "", ""])
            continue
        base = r["sequential"]["plain"]["mean_ms"]
        for v in VARIANTS:
            s = r["sequential"][v]
            rows.append([f"{db} 1 thread {v}", fmt(s["mean_ms"], " ms"), fmt(s["p50_ms"], " ms"),
                         fmt(s["p95_ms"], " ms"), fmt(s["ops_per_s"], "/s"), fmt(ratio(s["mean_ms"], base), "×"), ""])
        if r.get("threaded"):
            tbase = r["threaded"]["plain"]["ops_per_s"]
            for v in VARIANTS:
                s = r["threaded"][v]
                err = f"{s['error_count']} errors" if s["error_count"] else ""
                rows.append([f"{db} {r['threads']} threads {v}", fmt(s["mean_ms"], " ms"), fmt(s["p50_ms"], " ms"),
                             fmt(s["p95_ms"], " ms"), fmt(s["ops_per_s"], "/s"),
                             fmt(ratio(tbase, s["ops_per_s"]), "×"), err])
    head = ["variant", "mean/op", "p50", "p95", "throughput", "cost vs plain", "note"]
    lines = [table(head, rows)]
    for db, r in results.items():
        if r.get("available"):
            g = r["gapless"]
            lines.append(
                f"{db}: numbers issued gapless: numbered {g['numbered']['count']} → "
                f"{'yes' if g['numbered']['gapless'] else 'NO'}; audited {g['audited']['count']} → "
                f"{'yes' if g['audited']['gapless'] else 'NO'}"
            )
    lines.append("cost vs plain: 1 thread = mean time per op ÷ plain's; threads = plain's throughput ÷ this one's")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
