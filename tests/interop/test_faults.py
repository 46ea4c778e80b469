"""Faults: N letters (DABIR_FAULT_LETTERS, default 1000) from A to B while processes are SIGKILLed.

B's gunicorn and A's task workers (and, less often, A's gunicorn and B's worker, which carry the
registration receipts back) are killed at random moments and restarted, several times, while the
letters drain and while B's clerk registers them. Afterwards: every letter registered exactly once
at B, both receipts at A for every one, every message in one log has its twin in the other, and the
audit chains verify. PostgreSQL only (two servers' workers and gunicorns writing at once).
The timings are printed (run with -s to see them).
"""

import os
import random
import threading
import time

import pytest

from .servers import Pair, postgres_url, wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not postgres_url(), reason="the fault test runs on PostgreSQL (DABIR_DATABASE_URL=postgres://…)"),
]

N = int(os.environ.get("DABIR_FAULT_LETTERS", "1000"))
TIMEOUT = float(os.environ.get("DABIR_FAULT_TIMEOUT", "1800"))
# (server, process, weight): mostly the two the issue names, sometimes the receipts' way back.
TARGETS = [("b", "web", 3), ("a", "worker", 3), ("a", "web", 1), ("b", "worker", 1)]


class Chaos(threading.Thread):
    """Kill a random process every few seconds, restart it a moment later; stops on request."""

    def __init__(self, pair: Pair, seed: int):
        super().__init__(daemon=True)
        self.pair, self.rng, self.stopping = pair, random.Random(seed), threading.Event()
        self.kills: list[tuple[float, str]] = []
        self.error: BaseException | None = None
        self.started_at = time.monotonic()

    def run(self):
        try:
            # B's gunicorn and A's workers first, early, so a short run kills both; then at random
            first = [("b", "web"), ("a", "worker")]
            while not self.stopping.wait(self.rng.uniform(2, 6) if first else self.rng.uniform(8, 25)):
                name, what = first.pop(0) if first else self.rng.choices(
                    [t[:2] for t in TARGETS], weights=[t[2] for t in TARGETS])[0]
                server = getattr(self.pair, name)
                server.kill(what)
                self.kills.append((round(time.monotonic() - self.started_at, 1), f"{name}.{what}"))
                time.sleep(self.rng.uniform(0.3, 3))
                restart(server, what)
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            self.error = exc


def restart(server, what: str) -> None:
    if what == "web":
        if server.procs["web"].poll() is not None:
            server.start_web()
    else:
        if any(p.poll() is not None for n, p in server.procs.items() if n.startswith("worker")):
            server.kill("worker")
            server.start_worker()


class Acceptor(threading.Thread):
    """B's clerk registers whatever has arrived, round after round (a script through the services)."""

    def __init__(self, pair: Pair):
        super().__init__(daemon=True)
        self.pair, self.stopping, self.accepted, self.error = pair, threading.Event(), 0, None

    def run(self):
        try:
            while not self.stopping.wait(5):
                self.accepted += len(self.pair.b.agent("accept", code=self.pair.b.code))
        except BaseException as exc:  # noqa: BLE001
            self.error = exc


def _done(a_sum: dict, b_sum: dict) -> bool:
    return (
        a_sum["transfers"].get("letter|delivered") == N and a_sum["deliveries"].get("registered") == N
        and b_sum["arrivals"].get("accepted") == N and b_sum["transfers"].get("receipt|delivered") == N
    )


def test_letters_survive_killed_servers_and_workers(tmp_path):
    seed = int(os.environ.get("DABIR_FAULT_SEED", str(int(time.time()))))
    timings = {}
    started = time.monotonic()
    pair = Pair(tmp_path, a_workers=2)
    with pair:
        a, b = pair.a, pair.b
        timings["setup"] = round(time.monotonic() - started, 1)
        chaos, acceptor = Chaos(pair, seed), Acceptor(pair)
        chaos.start()
        acceptor.start()
        t = time.monotonic()
        made = a.agent("bulk_send", code=a.code, to=b.code, count=N, timeout=TIMEOUT)
        timings.update(create=made["create_seconds"], dispatch=made["dispatch_seconds"])
        marks = {}

        def progress():
            if chaos.error or acceptor.error:
                raise chaos.error or acceptor.error
            a_sum, b_sum = a.agent("summary"), b.agent("summary")
            if "drained" not in marks and a_sum["transfers"].get("letter|delivered") == N:
                marks["drained"] = round(time.monotonic() - t, 1)
            return _done(a_sum, b_sum) and (a_sum, b_sum)

        try:
            wait_for(progress, timeout=TIMEOUT, interval=5, what=f"{N} letters registered with both receipts")
        finally:
            chaos.stopping.set()
            acceptor.stopping.set()
            chaos.join(60)
            acceptor.join(600)
            for server in (a, b):
                restart(server, "web")
                restart(server, "worker")
        timings["all_delivered_since_bulk_send"] = marks.get("drained")
        timings["all_registered_since_bulk_send"] = round(time.monotonic() - t, 1)
        # quiet now: nothing may still be moving, and nothing may move any more
        time.sleep(3)
        a_sum, b_sum = a.agent("summary"), b.agent("summary")

        # every letter registered exactly once at B
        assert b_sum["arrivals"] == {"accepted": N}
        assert b_sum["arrival_letters"] == N and b_sum["incoming_letters"] == N
        # both receipts at A for every letter
        assert a_sum["deliveries"] == {"registered": N}
        assert a_sum["transfers"] == {"letter|delivered": N}
        assert b_sum["transfers"] == {"receipt|delivered": N}
        # the logs: every letter A sent is in B's log, every receipt B sent is in A's log, and no more
        assert a.agent("message_ids", direction="out", kind="letter") == b.agent("message_ids", direction="in",
                                                                                kind="letter")
        b_receipts = b.agent("message_ids", direction="out", kind="receipt")
        assert len(b_receipts) == 2 * N  # a delivery receipt and a registration receipt for each
        assert b_receipts == a.agent("message_ids", direction="in", kind="receipt")
        # …and B's registration receipts were acknowledged by A with delivery receipts of their own
        assert a.agent("message_ids", direction="out", kind="receipt") == b.agent("message_ids", direction="in",
                                                                                 kind="receipt")
        assert a_sum["messages"] == {"out|letter": N, "in|receipt": 2 * N, "out|receipt": N}
        assert b_sum["messages"] == {"in|letter": N, "out|receipt": 2 * N, "in|receipt": N}
        for server in (a, b):
            assert server.dabir("audit", "verify").startswith("OK")
        timings["total"] = round(time.monotonic() - started, 1)
        kinds = {}
        for _, what in chaos.kills:
            kinds[what] = kinds.get(what, 0) + 1
        print(f"\nfault test: N={N} seed={seed} timings(s)={timings} kills={kinds} refusals_at_b={b_sum['refusals']}")
        assert chaos.kills, "the test killed nothing"
        assert kinds.get("b.web") and kinds.get("a.worker"), kinds
