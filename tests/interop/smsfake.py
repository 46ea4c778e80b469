"""A Kavenegar that counts: the fault test's SMS provider, a real HTTP server the task workers call.

It speaks the subset of Kavenegar's REST API Dabir uses (send.json, status.json; see
tests/notify/conftest.py for the protocol) and keeps, per receptor and text, how many times a message
was handed over for sending. Like Kavenegar, a `localid` seen before is not sent again: the first
message's entry is answered once more. Now and then it misbehaves the way a provider does: a 502
before doing anything, or a message taken for sending whose answer is lost (the connection is dropped).
"""

import random
import threading
from collections import Counter

from tests.notify.fakeserver import FakeServer, Reply

API_KEY = "FAULTKEY-9"


class CountingKavenegar:
    def __init__(self, *, seed: int, refuse: float = 0.02, lose_answer: float = 0.01):
        self.rng = random.Random(seed)
        self.refuse, self.lose_answer = refuse, lose_answer
        self.lock = threading.Lock()
        self.sent: Counter = Counter()  # (receptor, message) → times handed over for sending
        self.by_localid: dict[str, dict] = {}
        self.calls = Counter()  # what happened to each call, for the test's report
        self.next_id = 5_000_000
        self.server = FakeServer(self.rule)

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> "CountingKavenegar":
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def rule(self, req):
        # The recorded requests are not needed (the counts are): keep memory flat over a long run.
        self.server.requests.clear()
        if not req.path.startswith(f"/v1/{API_KEY}/sms/"):
            return Reply(403, {"return": {"status": 403, "message": "کد شناسائی API-Key معتبر نمی‌باشد"},
                               "entries": None})
        if req.path.endswith("/sms/status.json"):
            ids = [i for i in (req.query.get("messageid") or "").split(",") if i]
            entries = [{"messageid": int(i), "status": 10, "statustext": "رسیده به گیرنده"} for i in ids]
            return Reply(200, {"return": {"status": 200, "message": "تایید شد"}, "entries": entries})
        if not req.path.endswith("/sms/send.json"):
            return Reply(404, {"return": {"status": 404, "message": "متد نامعتبر"}, "entries": None})
        params = req.form or req.query
        receptor, message, localid = params.get("receptor", ""), params.get("message", ""), params.get("localid", "")
        with self.lock:
            roll = self.rng.random()
            if roll < self.refuse:
                self.calls["refused_502"] += 1
                return Reply(502, "<html>Bad Gateway</html>", content_type="text/html")
            if localid and localid in self.by_localid:
                self.calls["duplicate_localid"] += 1
                entry = self.by_localid[localid]
            else:
                self.next_id += 1
                entry = {"messageid": self.next_id, "message": message, "status": 1, "statustext": "در صف ارسال",
                         "sender": params.get("sender", ""), "receptor": receptor, "date": 1356619709, "cost": 120}
                if localid:
                    entry["localid"] = localid
                    self.by_localid[localid] = entry
                self.sent[(receptor, message)] += 1
                self.calls["sent"] += 1
            if roll > 1 - self.lose_answer:
                # Taken for sending, but the answer never arrives: the client times out.
                self.calls["answer_lost"] += 1
                return Reply(200, {"return": {"status": 200, "message": "تایید شد"}, "entries": [entry]}, delay=5)
        return Reply(200, {"return": {"status": 200, "message": "تایید شد"}, "entries": [entry]})
