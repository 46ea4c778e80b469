"""Every write of the service desk: one function per use case, one transaction, one audit entry,
and the citizen's SMS queued in the same transaction (no SMS for a change that rolled back).

A request continues inside the agency as an incoming letter:

- submit_request registers it in the agency's desk secretariat (DeskProfile.secretariat) through
  letters.services.register_incoming, referred to the first stage's position with the stage's
  deadline in working days. The registration is made by the agency's desk account (a system user,
  ``desk.<agency code>``, clerk of that secretariat, who can never sign in); the citizen is recorded
  in the desk's own audit entry.
- decide_stage works through the letter's referrals: the stage holder's referral is marked done and
  the letter referred on to the next stage's position (letters.services.complete + refer).
- At an "approve" outcome the result is drafted as an outgoing letter from the result template at
  the deciding position and sent for signature to the result's signer position. If the deciding
  user also holds the signer position it is approved (digitally signed where the position has a
  certificate) and numbered at once and the request completes; otherwise the request waits,
  approved, until the signer signs it (sign_result, from the desk panel on the letter page, or
  finish_signed_results, the sweeper for results signed from the ordinary inbox).

One module per use case; callers import from this package (`from dabir.desk import services`):

- catalogue.py    publishing a service definition (versions), switching it on/off, looking it up
- requests.py     the citizen's own request: submit, add the documents asked for, cancel
- payment.py      the request's fee: to the bank and back (registers the payments on_paid hook)
- stages.py       staff at the current stage: decide an outcome, ask for more documents; inquiry stages
                  asking another agency by themselves and moving on when the answer matches
- results.py      the result letter: drafted, signed, numbered; the request completes
- ratings.py      the citizen rates a finished request
- tracking.py     public tracking by tracking code + mobile and an SMS code
- complaints.py   filing and answering complaints
- _shared.py      what several of these share (desk account, lock, events, SMS, registration as a letter)
"""

from ..definition import TERMINAL
from ._shared import LETTER_CHANNEL, definition_of, desk_account
from .catalogue import lookup_service, publish_service, set_service_active
from .complaints import answer_complaint, file_complaint
from .payment import PAYMENT_PURPOSE, fee_paid, start_fee_payment
from .ratings import FINISHED, rate_request
from .requests import CANCELLED_NOTE, add_documents, cancel_request, submit_request, working_days_between
from .results import draft_result, finish_signed_results, render_result_body, render_result_title, sign_result
from .stages import DECIDING, REQUESTER, decide_stage, inquiry_answered, request_documents, start_inquiry
from .tracking import TRACK_PURPOSE, request_tracking_otp, track_with_otp

__all__ = [
    "TERMINAL", "publish_service", "submit_request", "decide_stage", "request_documents", "add_documents",
    "cancel_request", "rate_request", "file_complaint", "answer_complaint", "sign_result", "start_fee_payment",
    "finish_signed_results", "fee_paid", "desk_account", "lookup_service", "set_service_active",
    # also reached as services.<name> by pages, the API, the demo and tests
    "definition_of", "working_days_between", "render_result_body", "render_result_title", "draft_result",
    "request_tracking_otp", "track_with_otp", "PAYMENT_PURPOSE", "TRACK_PURPOSE", "LETTER_CHANNEL",
    "DECIDING", "FINISHED", "CANCELLED_NOTE", "REQUESTER", "inquiry_answered", "start_inquiry",
]
