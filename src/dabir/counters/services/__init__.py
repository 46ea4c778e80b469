"""Every write of the counter offices: one function per use case, one transaction, one audit entry.
Callers import from this package (`from dabir.counters import services`).

- filing.py       the operator's desk: the citizen's visit and consent, a desk request filed with the
                  fees in force, the fee at the card reader or the bank gateway (payments on_paid hook)
- _shared.py      settlement months and the citizen's SMS
- registry.py     the regulator's registry: offices, licence state, renewals, holder, staff, the expiry sweep
- outsourcing.py  agencies' declarations of the services offered at counters
- desk.py         the operator's desk pages and API: the consent code sent again (within the code limits)
- fees.py         fee schedules: a year's draft (empty or from another by an inflation %), its fees, approval
- complaints.py   complaints about offices (web or the 195 line), answered by the province's regulator
- letters.py      citizens' letters filed at the counter: sent to the agency's secretariat, registered or
                  returned by its clerk, answered by a reply dispatched «دفتر پیشخوان» (the letters outlet)
- settlement.py   closing a settlement month (its totals and digest), and the guard of closed months
"""

from .complaints import answer_complaint, file_complaint
from .desk import resend_visit_code
from .fees import approve_schedule, draft_schedule, remove_fee, set_fee, set_fees
from .filing import (
    PAYMENT_PURPOSE,
    pay_by_card,
    start_gateway_payment,
    start_visit,
    submit_request,
    verify_visit,
)
from .letters import answer_dispatched, file_letter, register_counter_letter, return_counter_letter
from .outsourcing import declare_service
from .registry import (
    change_holder,
    create_office,
    edit_office,
    end_staff,
    expire_due,
    renew_licence,
    set_licence_state,
    set_staff,
)
from .settlement import close_month

__all__ = ["PAYMENT_PURPOSE", "start_visit", "verify_visit", "submit_request", "pay_by_card", "start_gateway_payment"]
__all__ += ["draft_schedule", "set_fee", "set_fees", "remove_fee", "approve_schedule"]
__all__ += ["file_complaint", "answer_complaint"]
__all__ += ["resend_visit_code"]
__all__ += ["create_office", "edit_office", "set_licence_state", "renew_licence", "change_holder", "set_staff",
            "end_staff", "expire_due", "declare_service"]
__all__ += ["file_letter", "register_counter_letter", "return_counter_letter", "answer_dispatched"]
__all__ += ["close_month"]
