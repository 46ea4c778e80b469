"""Every write to correspondence: one function per use case, one transaction, one audit entry.

Callers (pages, API, admin, commands, the demo) validate input at the edge and call these once.
`seat` is the position the user acts through (dabir.orgs.selectors.seat_for); acting for an
absent holder is recorded on every action.

One module per use case (incoming, drafts, approval, registration, referrals, closing, folders,
attachments, prints, deadlines); common holds what they share. Import from the package:
`from dabir.letters import services` then `services.refer(...)`.
"""

from ._shared import ALIGN_CLASSES, ALLOWED_TAGS, ReferralSpec, Upload, sanitize_body
from .approval import approve, return_to_author, submit_for_signature
from .attachments import add_attachments, record_text
from .closing import archive_letter, close_by_system, close_letter, void_letter
from .deadlines import default_deadline, move_open_deadlines
from .drafts import compose_with_circuit, create_draft, update_draft
from .folders import create_folder, file_letter
from .incoming import KeyTaken, Registered, register_incoming, register_incoming_rows
from .prints import record_print
from .referrals import complete, forward_by_system, mark_read, reassign, refer, withdraw
from .registration import dispatch, register_letter

__all__ = [
    "ALLOWED_TAGS",
    "ReferralSpec",
    "Upload",
    "ALIGN_CLASSES",
    "sanitize_body",
    "default_deadline",
    "register_incoming",
    "register_incoming_rows",
    "KeyTaken",
    "Registered",
    "create_draft",
    "update_draft",
    "compose_with_circuit",
    "submit_for_signature",
    "approve",
    "return_to_author",
    "register_letter",
    "dispatch",
    "refer",
    "mark_read",
    "complete",
    "forward_by_system",
    "withdraw",
    "reassign",
    "close_letter",
    "close_by_system",
    "void_letter",
    "file_letter",
    "create_folder",
    "archive_letter",
    "add_attachments",
    "record_text",
    "record_print",
    "move_open_deadlines",
]
