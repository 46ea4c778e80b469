"""Every write of the counter offices: one function per use case, one transaction, one audit entry.
Callers import from this package (`from dabir.counters import services`).

- filing.py       the operator's desk: the citizen's visit and consent, a desk request filed with the
                  fees in force, the fee at the card reader or the bank gateway (payments on_paid hook)
- _shared.py      settlement months, text checks, the citizen's SMS
"""

from .filing import (
    PAYMENT_PURPOSE,
    pay_by_card,
    start_gateway_payment,
    start_visit,
    submit_request,
    verify_visit,
)

__all__ = ["PAYMENT_PURPOSE", "start_visit", "verify_visit", "submit_request", "pay_by_card", "start_gateway_payment"]
