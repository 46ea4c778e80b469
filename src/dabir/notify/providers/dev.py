"""The development provider: the message stays in the database and shows on the staff outbox page."""

from .base import DeliveryStatus, ProviderResult, SmsProvider


class DevProvider(SmsProvider):
    name = "dev"

    def send(self, message) -> ProviderResult:
        return ProviderResult(message_id=f"dev-{message.pk}", status="delivered", detail="در صندوق آزمایشی")

    def status(self, message_ids: list[str]) -> dict[str, DeliveryStatus]:
        return {mid: DeliveryStatus("delivered", "در صندوق آزمایشی") for mid in message_ids}
