"""Zarinpal (زرین‌پال) v4 REST gateway.

    POST {base}/pg/v4/payment/request.json  {merchant_id, amount, currency, callback_url, description, metadata}
         → {"data": {"code": 100, "authority": "A000…"}, "errors": []}
    redirect the payer to {base}/pg/StartPay/{authority}
    back at callback_url?…&Authority=…&Status=OK|NOK
    POST {base}/pg/v4/payment/verify.json   {merchant_id, amount, authority}
         → {"data": {"code": 100 | 101, "ref_id": 201, "card_pan": "502229******5995"}, "errors": []}

A refusal comes as {"data": [], "errors": {"code": -9, "message": "…"}}. Amounts are sent in Rials.
"""

import httpx
from django.conf import settings

from .base import Gateway, GatewayError, VerifyResult

ERRORS = {
    -9: "اطلاعات ارسالی به درگاه نادرست است.",
    -10: "نشانی یا شناسه پذیرنده در درگاه معتبر نیست.",
    -11: "درگاه پذیرنده فعال نیست.",
    -12: "تلاش‌های بیش از حد در زمان کوتاه؛ کمی بعد دوباره بکوشید.",
    -50: "مبلغ پرداخت‌شده با مبلغ درخواست نمی‌خواند؛ پرداخت پذیرفته نشد.",
    -51: "پرداخت ناموفق بود؛ اگر مبلغی کسر شده، بانک آن را بازمی‌گرداند.",
    -52: "خطای پیش‌بینی‌نشده در درگاه؛ کمی بعد دوباره بکوشید.",
    -53: "این تراکنش از آنِ این پذیرنده نیست.",
    -54: "شناسه تراکنش درگاه نامعتبر است.",
}
RETRYABLE_CODES = {-12, -52}
UNREACHABLE = "درگاه زرین‌پال پاسخ نداد؛ پرداخت هنوز تأیید نشده است و دوباره بررسی می‌شود."


class ZarinpalGateway(Gateway):
    name = "zarinpal"

    def __init__(self, *, merchant_id: str, base_url: str = "https://payment.zarinpal.com", timeout: float = 15.0):
        self.merchant_id = merchant_id
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _post(self, path: str, payload: dict) -> tuple[dict, dict]:
        """(data, errors) of a JSON call; raises httpx errors and ValueError on a bad answer."""
        with httpx.Client(timeout=self.timeout) as client:
            response = client.post(f"{self.base_url}{path}", json=payload,
                                   headers={"Accept": "application/json"})
        if response.status_code >= 500:
            raise httpx.HTTPStatusError(f"HTTP {response.status_code}", request=response.request, response=response)
        body = response.json()
        if not isinstance(body, dict):
            raise ValueError("not an object")
        data = body.get("data") if isinstance(body.get("data"), dict) else {}
        errors = body.get("errors") if isinstance(body.get("errors"), dict) else {}
        return data, errors

    @staticmethod
    def _code(data: dict, errors: dict) -> int | None:
        for source in (data, errors):
            try:
                return int(source["code"])
            except (KeyError, TypeError, ValueError):
                continue
        return None

    @staticmethod
    def _absolute(url: str) -> str:
        """The bank needs a full address; a path is put under DABIR_PUBLIC_URL."""
        if url.startswith(("http://", "https://")):
            return url
        return settings.DABIR_PUBLIC_URL.rstrip("/") + "/" + url.lstrip("/")

    def start(self, payment) -> str:
        if not self.merchant_id:
            raise GatewayError("شناسه پذیرنده زرین‌پال تنظیم نشده است.")
        payload = {
            "merchant_id": self.merchant_id,
            "amount": payment.amount_rials,
            "currency": "IRR",
            "callback_url": self._absolute(payment.callback_url),
            "description": payment.description or "پرداخت هزینه خدمت",
            "metadata": {"mobile": payment.payer_mobile} if payment.payer_mobile else {},
        }
        try:
            data, errors = self._post("/pg/v4/payment/request.json", payload)
        except (httpx.HTTPError, ValueError) as exc:
            raise GatewayError("درگاه پرداخت در دسترس نیست؛ کمی بعد دوباره بکوشید.") from exc
        code = self._code(data, errors)
        authority = str(data.get("authority") or "")
        if code != 100 or not authority:
            raise GatewayError(ERRORS.get(code, f"درگاه پرداخت درخواست را نپذیرفت (کد {code})."))
        payment.authority = authority
        return f"{self.base_url}/pg/StartPay/{authority}"

    def verify(self, payment, params: dict) -> VerifyResult:
        payload = {"merchant_id": self.merchant_id, "amount": payment.amount_rials, "authority": payment.authority}
        try:
            data, errors = self._post("/pg/v4/payment/verify.json", payload)
        except (httpx.HTTPError, ValueError):
            return VerifyResult(False, message=UNREACHABLE, retryable=True)
        code = self._code(data, errors)
        if code in (100, 101):
            ref_id = str(data.get("ref_id") or "")
            if not ref_id:
                return VerifyResult(False, message=UNREACHABLE, retryable=True)
            return VerifyResult(True, ref_id=ref_id, card_mask=str(data.get("card_pan") or ""),
                                message="پرداخت از سوی بانک تأیید شد.", already_verified=code == 101)
        return VerifyResult(False, message=ERRORS.get(code, f"بانک پرداخت را تأیید نکرد (کد {code})."),
                            retryable=code in RETRYABLE_CODES)
