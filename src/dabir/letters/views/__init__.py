"""Pages of the electronic secretariat. Thin: check input with a form, call one service, render.

A DomainError from a service goes back onto the form (status 400) with what the user typed;
one that escapes (NotFound, NotAllowed) becomes the Persian error page (core.middleware).

One module per page or group of pages (inbox_page, letter_page, letter_acts, drafts, incoming,
referrals, search_page, followup_page, secretariat_queue, prints, folder_pages, downloads, positions);
common holds what they share. urls.py names the views through this package.
"""

from ._shared import PAGE_SIZE, current_seat
from .downloads import attachment_download
from .drafts import compose, draft_edit
from .folder_pages import folder_detail, folders
from .followup_page import followup
from .inbox_page import inbox
from .incoming import register_incoming
from .letter_acts import (
    letter_approve,
    letter_archive,
    letter_close,
    letter_complete,
    letter_dispatch,
    letter_file,
    letter_register,
    letter_return,
    letter_submit,
    letter_void,
)
from .letter_page import letter_detail
from .positions import switch_position
from .prints import letter_print, persian_digits_html, referral_sheet
from .referrals import refer, referral_reassign, referral_withdraw
from .search_page import search
from .secretariat_queue import to_register

__all__ = [
    "PAGE_SIZE",
    "current_seat",
    "persian_digits_html",
    "switch_position",
    "inbox",
    "referral_withdraw",
    "referral_reassign",
    "letter_detail",
    "letter_complete",
    "letter_close",
    "letter_archive",
    "letter_file",
    "letter_approve",
    "letter_return",
    "letter_submit",
    "letter_register",
    "letter_dispatch",
    "letter_void",
    "attachment_download",
    "compose",
    "draft_edit",
    "register_incoming",
    "refer",
    "search",
    "followup",
    "to_register",
    "letter_print",
    "referral_sheet",
    "folder_detail",
    "folders",
]
