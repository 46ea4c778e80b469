"""Every write of the exchange, one module per use case (see each module's docstring)."""

from .arrivals import accept_arrival, return_arrival
from .credentials import issue_credential, revoke_credential
from .directory import import_directory, join_agency, publish_directory, save_member, sync_directory
from .inbox import receive
from .inquiries import answer_inquiry, ask, expire_inquiries, save_inquiry_type
from .outbox import attempt, queue_letter, requeue_due

__all__ = [
    "accept_arrival", "answer_inquiry", "ask", "attempt", "expire_inquiries", "import_directory", "issue_credential",
    "join_agency", "publish_directory", "queue_letter", "receive", "requeue_due", "return_arrival", "revoke_credential",
    "save_inquiry_type", "save_member", "sync_directory",
]
