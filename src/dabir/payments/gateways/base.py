"""The payment gateway interface (verify-after-return, as Iranian bank gateways work).

    redirect_url = gateway.start(payment)      # sets payment.authority; send the payer there
    ... the bank sends the payer back to payment.callback_url (with ?token=…&status=OK|NOK…) ...
    result = gateway.verify(payment, params)   # ask the bank whether the money really moved
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    ref_id: str = ""
    card_mask: str = ""
    message: str = ""
    # The bank could not be asked (network, 5xx): the payment stays pending and may be verified again.
    retryable: bool = False
    # The bank had confirmed this payment before (Zarinpal's 101).
    already_verified: bool = False


class GatewayError(Exception):
    """The gateway refused to start a payment or could not be reached; message is Persian."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Gateway:
    name = "base"

    def start(self, payment) -> str:
        raise NotImplementedError

    def verify(self, payment, params: dict) -> VerifyResult:
        raise NotImplementedError
