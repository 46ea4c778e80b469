"""What the gapless number costs: N transactions with take_number + INSERT vs the same INSERTs alone.

Run by the orchestrator as `python -m bench.numbering --out FILE --n 2000 --threads 16` with
DABIR_DATABASE_URL set. Three variants, each one transaction per row:

  plain     INSERT of a minimal registered letter (its sequence comes from a Python counter)
  numbered  orgs.services.take_number (counter row locked until commit) + the same INSERT
  audited   take_number + INSERT + core.audit.record (what every real registration also does:
            the audit chain in lanes, DABIR_AUDIT_LANES of them)
  one head  the same with a single lane: the audit chain as it was before issue 9, one head row
            locked by every writer to its commit
  spread    audited, but each thread numbers in a series of its own (many secretariats at once, as
            in a province's network: only the audit chain is shared)
  unchained take_number + INSERT + an audit row with no link at all: what a writer would pay if
            entries were chained after commit by a single sequencer (the other design weighed);
            the sequencer's own pace, chaining those rows in batches, is measured after the runs

Sequentially (one connection) and with T threads (one connection each). The variants are
interleaved in rounds so that a table growing during the run favours none of them.

Then the registration service itself, `letters.services.register_incoming` with one referral
(what the API and the pages call), with one thread and with T threads.
"""

from __future__ import annotations

import itertools
import threading
import time

from bench.common import db_version, phase_args, ratio, run_concurrently, setup_django, summary, write_result

VARIANTS = ("plain", "numbered", "audited", "one_head", "unchained", "spread")
LABELS = {"one_head": "audited, one head", "unchained": "audited, unchained", "spread": "audited, a series each"}


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
        from django.conf import settings
        from django.utils import timezone

        from dabir.core.jalali import jalali_year

        self.world = world
        self.lanes = settings.DABIR_AUDIT_LANES
        self.year = jalali_year(timezone.now())
        self._plain_seq = itertools.count(1)
        self._lock = threading.Lock()
        self._local = threading.local()
        self._spread = itertools.count()

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

    def audited(self, series=None, lanes=None):
        from django.conf import settings
        from django.db import transaction
        from django.utils import timezone

        from dabir.core import audit
        from dabir.letters.names import AuditAction
        from dabir.orgs.services import take_number

        settings.DABIR_AUDIT_LANES = lanes or self.lanes
        series = series or self.world.internal
        with transaction.atomic():
            now = timezone.now()
            year, seq, number = take_number(series=series, at=now)
            letter = _row(self.world, series, year, seq, number, now)
            letter.save()
            audit.record(action=AuditAction.LETTER_REGISTER, obj=letter, actor=self.world.clerk, data={"number": number})

    def spread(self):
        mine = getattr(self._local, "series", None)
        if mine is None:
            with self._lock:
                mine = self._local.series = self.world.extra["spread"][next(self._spread) % len(self.world.extra["spread"])]
        self.audited(series=mine)

    def one_head(self):
        self.audited(series=self.world.extra["one_head"], lanes=1)

    def unchained(self):
        from django.db import transaction
        from django.utils import timezone

        from dabir.core.models import AuditEntry
        from dabir.letters.names import AuditAction
        from dabir.orgs.services import take_number

        series = self.world.extra["unchained"]
        with transaction.atomic():
            now = timezone.now()
            year, seq, number = take_number(series=series, at=now)
            letter = _row(self.world, series, year, seq, number, now)
            letter.save()
            AuditEntry.objects.create(
                at=now, actor=self.world.clerk, action=AuditAction.LETTER_REGISTER, object_type="letters.letter",
                object_id=str(letter.pk), data={"number": number}, lane=999, prev_hash="", hash=f"pending-{letter.pk}",
            )


def chain_pending(batch: int = 500) -> dict:
    """The sequencer of the unchained design: chain the pending entries in id order, a batch per transaction."""
    from django.db import transaction

    from dabir.core import audit
    from dabir.core.models import AuditEntry

    prev, done = audit.GENESIS, 0
    t0 = time.perf_counter()
    while True:
        with transaction.atomic():
            rows = list(AuditEntry.objects.select_for_update().filter(lane=999, hash__startswith="pending-")
                        .order_by("id")[:batch])
            if not rows:
                break
            for e in rows:
                e.prev_hash, e.hash = prev, audit._digest(prev, e)
                prev = e.hash
            AuditEntry.objects.bulk_update(rows, ["prev_hash", "hash"])
            done += len(rows)
    wall = time.perf_counter() - t0
    AuditEntry.objects.filter(lane=999).delete()  # a measurement only: not part of the real chain
    return {"entries": done, "wall_s": round(wall, 3), "per_s": round(done / wall, 1) if wall else None}


def register_service(world, threads: int, n: int) -> dict:
    """letters.services.register_incoming with one referral: n calls over `threads` threads."""
    from django.db import connections

    from dabir.letters import services
    from dabir.letters.models import Channel

    def one(_i):
        services.register_incoming(
            user=world.clerk, secretariat=world.secretariat, subject="درخواست بررسی پرونده", sender_name="شهرداری",
            channel=Channel.POST, sender_number="۱۲۳/ب", body="<p>متن نامه سنجش</p>",
            refer_to=[services.ReferralSpec(world.expert_pos.id)],
        )

    if threads == 1:
        lat = []
        for i in range(n):
            t0 = time.perf_counter()
            one(i)
            lat.append(time.perf_counter() - t0)
        return {**summary(lat), "ops_per_s": round(len(lat) / sum(lat), 1), "error_count": 0, "errors": []}
    run = run_concurrently(one, n, threads, on_exit=connections.close_all)
    lat, wall = run["latencies"], run["wall_s"]
    return {**summary(lat), "wall_s": round(wall, 3), "ops_per_s": round(len(lat) / wall, 1),
            "errors": run["errors"][:5], "error_count": len(run["errors"])}


def run_sequential(ops: Ops, n: int, rounds: int = 10) -> dict:
    times = {v: [] for v in VARIANTS}
    per_round = max(1, n // rounds)
    done = 0
    r = 0
    while done < n:
        k = min(per_round, n - done)
        order = VARIANTS[r % len(VARIANTS):] + VARIANTS[: r % len(VARIANTS)]
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


def _all_gapless(series_list) -> dict:
    each = [gapless(s) for s in series_list]
    return {"count": sum(g["count"] for g in each), "gapless": all(g["gapless"] for g in each)}


def main(argv=None) -> None:
    parser = phase_args(__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args(argv)
    vendor = setup_django()
    from bench.world import make_world
    from dabir.core import audit
    from dabir.orgs.models import NumberSeries

    world = make_world("num")
    for code in ("one_head", "unchained"):
        world.extra[code] = NumberSeries.objects.create(
            secretariat=world.secretariat, name=code, code=code[:1], kinds=["incoming"])
    world.extra["spread"] = [
        NumberSeries.objects.create(secretariat=world.secretariat, name=f"s{i}", code=f"s{i}", kinds=["incoming"])
        for i in range(max(1, args.threads))]
    ops = Ops(world)
    for v in VARIANTS:  # warm up connection, caches and the counter rows
        getattr(ops, v)()
    seq = run_sequential(ops, args.n)
    threaded = run_threads(ops, args.n, args.threads) if args.threads > 1 else None
    ops.audited()  # back to the configured lanes
    sequencer = chain_pending()
    svc_world = make_world("svc")
    service = {"1": register_service(svc_world, 1, max(50, args.n // 10))}
    if args.threads > 1:
        service[str(args.threads)] = register_service(svc_world, args.threads, args.n)
    result = {
        "available": True, "db": vendor, "db_version": db_version(), "n": args.n, "threads": args.threads,
        "lanes": ops.lanes, "sequential": seq, "threaded": threaded, "sequencer": sequencer, "service": service,
        "ratio_numbered_vs_plain": ratio(seq["numbered"]["mean_ms"], seq["plain"]["mean_ms"]),
        "ratio_audited_vs_plain": ratio(seq["audited"]["mean_ms"], seq["plain"]["mean_ms"]),
        "gapless": {"numbered": gapless(world.incoming), "audited": gapless(world.internal),
                    "one_head": gapless(world.extra["one_head"]), "unchained": gapless(world.extra["unchained"]),
                    "spread": _all_gapless(world.extra["spread"]),
                    "service": gapless(svc_world.incoming)},
        "audit_verified": audit.verify().ok,
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
            rows.append([f"{db} 1 thread {LABELS.get(v, v)}", fmt(s["mean_ms"], " ms"), fmt(s["p50_ms"], " ms"),
                         fmt(s["p95_ms"], " ms"), fmt(s["ops_per_s"], "/s"), fmt(ratio(s["mean_ms"], base), "×"), ""])
        if r.get("threaded"):
            tbase = r["threaded"]["plain"]["ops_per_s"]
            for v in VARIANTS:
                s = r["threaded"][v]
                err = f"{s['error_count']} errors" if s["error_count"] else ""
                rows.append([f"{db} {r['threads']} threads {LABELS.get(v, v)}", fmt(s["mean_ms"], " ms"), fmt(s["p50_ms"], " ms"),
                             fmt(s["p95_ms"], " ms"), fmt(s["ops_per_s"], "/s"),
                             fmt(ratio(tbase, s["ops_per_s"]), "×"), err])
    head = ["variant", "mean/op", "p50", "p95", "throughput", "cost vs plain", "note"]
    lines = [table(head, rows)]
    for db, r in results.items():
        if r.get("available"):
            g = r["gapless"]
            lines.append(f"{db}: numbers issued gapless: " + "; ".join(
                f"{k} {v['count']} → {'yes' if v['gapless'] else 'NO'}" for k, v in g.items()))
            sq = r.get("sequencer") or {}
            lines.append(f"{db}: {r.get('lanes')} audit lanes; audit chain verified: "
                         f"{'yes' if r.get('audit_verified') else 'NO'}; a single sequencer chained "
                         f"{sq.get('entries')} unchained entries at {fmt(sq.get('per_s'), '/s')}")
    lines.append("cost vs plain: 1 thread = mean time per op ÷ plain's; threads = plain's throughput ÷ this one's "
                 "(target: audited ≤ 2× at 16 threads)")
    srows = []
    for db, r in results.items():
        for threads, s in (r.get("service") or {}).items():
            err = f"{s['error_count']} errors" if s.get("error_count") else ""
            srows.append([f"{db} register_incoming, {threads} thread{'s' if threads != '1' else ''}",
                          fmt(s["p50_ms"], " ms"), fmt(s["p95_ms"], " ms"), fmt(s["ops_per_s"], "/s"), err])
    if srows:
        lines.append("")
        lines.append("Registration service (letters.services.register_incoming with one referral; target on "
                     "PostgreSQL: ≥ 300/s at 16 threads)")
        lines.append(table(["call", "p50", "p95", "throughput", "note"], srows))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
