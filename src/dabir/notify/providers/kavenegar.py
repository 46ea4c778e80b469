"""Kavenegar (کاوه‌نگار) through its REST API.

    POST {base}/v1/{api_key}/sms/send.json      receptor, message, sender, localid (form fields)
    GET  {base}/v1/{api_key}/sms/status.json    messageid=1,2,3

Every answer is JSON with {"return": {"status": 200, "message": ...}, "entries": [...]}; a refusal
has another return.status (4xx: the request is wrong, sending it again will not help) and the same
code as the HTTP status. Network errors, time-outs and 5xx answers are retried by the worker.
"""

import httpx

from .base import DeliveryStatus, ProviderError, ProviderResult, SmsProvider

# Kavenegar's message status codes and what they mean for us.
STATUS_MAP = {
    1: ("sent", "در صف ارسال"),
    2: ("sent", "زمان‌بندی شده"),
    4: ("sent", "ارسال به مخابرات"),
    5: ("sent", "ارسال به مخابرات"),
    6: ("failed", "خطا در ارسال پیام"),
    10: ("delivered", "رسیده به گیرنده"),
    11: ("failed", "نرسیده به گیرنده"),
    13: ("failed", "ارسال پیام لغو شد"),
    14: ("failed", "بلاک شده؛ گیرنده دریافت پیامک تبلیغاتی را نپذیرفته است"),
}
UNKNOWN_ID = 100  # "شناسه پیامک نامعتبر است"

UNREACHABLE = "سامانه کاوه‌نگار در دسترس نبود"


class KavenegarProvider(SmsProvider):
    name = "kavenegar"

    def __init__(self, *, api_key: str, sender: str = "", base_url: str = "https://api.kavenegar.com",
                 timeout: float = 10.0):
        self.api_key = api_key
        self.sender = sender
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _url(self, method: str) -> str:
        return f"{self.base_url}/v1/{self.api_key}/sms/{method}.json"

    def _call(self, method: str, *, data: dict | None = None, params: dict | None = None) -> list:
        if not self.api_key:
            raise ProviderError("کلید API کاوه‌نگار تنظیم نشده است (DABIR_KAVENEGAR_API_KEY).", retryable=False)
        try:
            with httpx.Client(timeout=self.timeout) as client:
                if data is not None:
                    response = client.post(self._url(method), data=data)
                else:
                    response = client.get(self._url(method), params=params)
        except httpx.TimeoutException as exc:
            raise ProviderError(f"{UNREACHABLE}: زمان انتظار پاسخ گذشت", retryable=True) from exc
        except httpx.HTTPError as exc:
            raise ProviderError(f"{UNREACHABLE}: {type(exc).__name__}", retryable=True) from exc
        if response.status_code >= 500:
            raise ProviderError(f"{UNREACHABLE}: پاسخ HTTP {response.status_code}", retryable=True,
                                code=response.status_code)
        try:
            body = response.json()
            ret = body.get("return") or {}
            code = int(ret.get("status", response.status_code))
        except (ValueError, AttributeError, TypeError):
            retryable = response.status_code != 200 and response.status_code not in range(400, 500)
            raise ProviderError(f"پاسخ نامفهوم از کاوه‌نگار (HTTP {response.status_code})",
                                retryable=retryable, code=response.status_code) from None
        if code != 200:
            text = str(ret.get("message") or "")
            raise ProviderError(f"کاوه‌نگار نپذیرفت ({code}): {text}".strip(), retryable=code >= 500, code=code)
        entries = body.get("entries")
        return entries if isinstance(entries, list) else []

    def send(self, message) -> ProviderResult:
        data = {"receptor": message.mobile, "message": message.text}
        if message.pk:
            # Kavenegar sends a localid only once and answers a repeat with the first message: a retry
            # after a lost answer, or after a worker died before recording the send, is not sent twice.
            # The outbox row's id is unique per installation: one Kavenegar account per installation.
            data["localid"] = str(message.pk)
        if self.sender:
            data["sender"] = self.sender
        entries = self._call("send", data=data)
        if not entries or "messageid" not in entries[0]:
            raise ProviderError("کاوه‌نگار شناسه پیامک را برنگرداند", retryable=False)
        entry = entries[0]
        status, detail = STATUS_MAP.get(int(entry.get("status") or 1), ("sent", ""))
        return ProviderResult(message_id=str(entry["messageid"]), status=status,
                              detail=str(entry.get("statustext") or detail))

    def status(self, message_ids: list[str]) -> dict[str, DeliveryStatus]:
        result: dict[str, DeliveryStatus] = {}
        for start in range(0, len(message_ids), 500):  # the API takes up to 500 ids a call
            chunk = message_ids[start:start + 500]
            for entry in self._call("status", params={"messageid": ",".join(chunk)}):
                try:
                    code = int(entry.get("status"))
                    mid = str(entry["messageid"])
                except (TypeError, ValueError, KeyError):
                    continue
                if code == UNKNOWN_ID or code not in STATUS_MAP:
                    continue
                status, detail = STATUS_MAP[code]
                result[mid] = DeliveryStatus(status, str(entry.get("statustext") or detail))
        return result
