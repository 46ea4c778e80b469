"""The SMS provider interface: send one message, ask for the delivery status of sent ones."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ProviderResult:
    message_id: str
    status: str  # one of SmsStatus: sent or delivered (or queued while the provider still holds it)
    detail: str = ""


@dataclass(frozen=True)
class DeliveryStatus:
    status: str  # one of SmsStatus
    detail: str = ""


class ProviderError(Exception):
    """The provider refused or could not be reached. `retryable` tells the worker to try again later."""

    def __init__(self, message: str, *, retryable: bool, code: int | None = None):
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.code = code


class SmsProvider:
    name = "base"

    def send(self, message) -> ProviderResult:
        raise NotImplementedError

    def status(self, message_ids: list[str]) -> dict[str, DeliveryStatus]:
        """The current status of each known id; ids the provider does not know are left out."""
        raise NotImplementedError
