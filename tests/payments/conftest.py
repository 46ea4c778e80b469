import pytest

from dabir.payments import services
from tests.notify.fakeserver import FakeServer, Reply

MERCHANT = "1344b5d4-0048-11e8-94db-005056a205be"


class ZarinpalFake:
    """Speaks Zarinpal's v4 protocol. request_mode / verify_mode pick the answer:
    ok, 101, an error code such as -9 or -51, 500, timeout."""

    def __init__(self):
        self.request_mode = "ok"
        self.verify_mode = "ok"
        self.n = 0
        self.ref_id = None  # a fixed ref_id for every verify, when set
        self.paid_amount = {}  # authority → amount the payer paid (for -50)
        self.server = FakeServer(self.rule)

    @staticmethod
    def _error(code):
        return Reply(200 if code != -9 else 422, {"data": [], "errors": {"code": code, "message": "error", "validations": []}})

    def rule(self, req):
        if req.path == "/pg/v4/payment/request.json":
            mode = self.request_mode
            if mode == "500":
                return Reply(502, "Bad Gateway", content_type="text/html")
            if mode == "timeout":
                return Reply(200, {}, delay=1.5)
            if mode != "ok":
                return self._error(int(mode))
            if (req.json or {}).get("merchant_id") != MERCHANT:
                return self._error(-10)
            self.n += 1
            authority = f"A{self.n:035d}"
            self.paid_amount[authority] = req.json["amount"]
            return Reply(200, {"data": {"code": 100, "message": "Success", "authority": authority,
                                        "fee_type": "Merchant", "fee": 100}, "errors": []})
        if req.path == "/pg/v4/payment/verify.json":
            mode = self.verify_mode
            if mode == "500":
                return Reply(500, "Internal Server Error", content_type="text/html")
            if mode == "timeout":
                return Reply(200, {}, delay=1.5)
            body = req.json or {}
            if mode not in ("ok", "101"):
                return self._error(int(mode))
            if body.get("authority") not in self.paid_amount:
                return self._error(-54)
            if self.paid_amount[body["authority"]] != body.get("amount"):
                return self._error(-50)
            ref = self.ref_id or 201 + int(body["authority"][1:])
            code = 101 if mode == "101" else 100
            return Reply(200, {"data": {"code": code, "message": "Verified", "card_hash": "1EBE3EBEBE35C7EC0F8D6EE4F2F859107A87822CA179BC9528767EA7B5489B69",
                                        "card_pan": "502229******5995", "ref_id": ref, "fee_type": "Merchant", "fee": 0},
                               "errors": []})
        return Reply(404, {"data": [], "errors": {"code": -1, "message": "not found"}})


@pytest.fixture
def zarinpal(settings):
    fake = ZarinpalFake()
    fake.server.start()
    settings.DABIR_PAYMENT_GATEWAY = "zarinpal"
    settings.DABIR_ZARINPAL_BASE_URL = fake.server.url
    settings.DABIR_ZARINPAL_MERCHANT_ID = MERCHANT
    settings.DABIR_PAYMENT_TIMEOUT = 0.5
    settings.DABIR_PUBLIC_URL = "https://dabir.example.ir"
    yield fake
    fake.server.stop()


@pytest.fixture
def paid_calls():
    """Records on_paid callbacks for the purpose "test.fee"; cleared afterwards."""
    calls = []
    services.on_paid("test.fee", calls.append)
    yield calls
    services._on_paid.pop("test.fee", None)
