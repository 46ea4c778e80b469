import pytest

from .fakeserver import FakeServer, Reply

API_KEY = "TESTKEY-123"


class KavenegarFake:
    """Speaks Kavenegar's REST protocol. `mode` picks the answer: ok, 411, 412, 418, 500, timeout, garbage."""

    def __init__(self):
        self.mode = "ok"
        self.next_id = 8792343
        self.delivery: dict[str, int] = {}  # messageid → Kavenegar status code for status.json
        self.server = FakeServer(self.rule)

    def rule(self, req):
        if self.mode == "timeout":
            return Reply(200, {}, delay=1.5)
        if self.mode == "500":
            return Reply(500, "<html>Internal Server Error</html>", content_type="text/html")
        if self.mode == "garbage":
            return Reply(200, "not json", content_type="text/plain")
        if not req.path.startswith(f"/v1/{API_KEY}/sms/"):
            return Reply(403, {"return": {"status": 403, "message": "کد شناسائی API-Key معتبر نمی‌باشد"}, "entries": None})
        if self.mode in {"411", "412", "418"}:
            messages = {"411": "گیرنده نامعتبر است", "412": "ارسال کننده نامعتبر است", "418": "اعتبار حساب شما کافی نیست"}
            code = int(self.mode)
            return Reply(code, {"return": {"status": code, "message": messages[self.mode]}, "entries": None})
        if req.path.endswith("/sms/send.json"):
            params = req.form or req.query
            self.next_id += 1
            entry = {
                "messageid": self.next_id, "message": params.get("message", ""), "status": 1,
                "statustext": "در صف ارسال", "sender": params.get("sender", "10004346"),
                "receptor": params.get("receptor", ""), "date": 1356619709, "cost": 120,
            }
            return Reply(200, {"return": {"status": 200, "message": "تایید شد"}, "entries": [entry]})
        if req.path.endswith("/sms/status.json"):
            ids = (req.query.get("messageid") or req.form.get("messageid") or "").split(",")
            entries = []
            for mid in ids:
                code = self.delivery.get(mid, 100)
                entries.append({"messageid": int(mid), "status": code, "statustext": f"وضعیت {code}"})
            return Reply(200, {"return": {"status": 200, "message": "تایید شد"}, "entries": entries})
        return Reply(404, {"return": {"status": 404, "message": "متد نامعتبر"}, "entries": None})


@pytest.fixture
def kavenegar(settings):
    fake = KavenegarFake()
    fake.server.start()
    settings.DABIR_SMS_PROVIDER = "kavenegar"
    settings.DABIR_KAVENEGAR_BASE_URL = fake.server.url
    settings.DABIR_KAVENEGAR_API_KEY = API_KEY
    settings.DABIR_KAVENEGAR_SENDER = "10004346"
    settings.DABIR_SMS_TIMEOUT = 0.5
    yield fake
    fake.server.stop()


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
