"""Printing a letter and its referral sheet (each print is counted)."""

import re

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from dabir.core.jalali import persian
from dabir.core.text import to_latin_digits
from dabir.orgs import selectors as org_selectors

from .. import selectors, services
from ..models import PrintRecord

_DIGIT_TEXT = re.compile(r"(<[^>]*>|&#?\w+;)")


def persian_digits_html(html: str) -> str:
    """Persian digits in the text of sanitised HTML, leaving tags and entities alone."""
    return "".join(
        part if _DIGIT_TEXT.fullmatch(part) else persian(part) for part in _DIGIT_TEXT.split(html or "")
    )


def _copies(request) -> int:
    """?copies=N from the print button (1 when missing); the service refuses a number out of range."""
    text = to_latin_digits(request.GET.get("copies", "1")).strip()
    return int(text) if text.isascii() and text.isdigit() else 0


@login_required
def letter_print(request, letter_id):
    letter = selectors.get_visible_letter(request.user, letter_id)
    services.record_print(user=request.user, letter=letter, kind=PrintRecord.Kind.LETTER,
                          copies=_copies(request))
    detail = selectors.letter_detail(request.user, letter)
    return render(request, "letters/print.html", {
        **detail,
        "body_fa": persian_digits_html(letter.body),
        "to_recipients": [r for r in detail["recipients"] if r.role == "to"],
        "cc_recipients": [r for r in detail["recipients"] if r.role == "cc"],
        "signer_name": org_selectors.holders([letter.signer_position_id]).get(letter.signer_position_id, "")
        if letter.signer_position_id else "",
    })


@login_required
def referral_sheet(request, letter_id):
    letter = selectors.get_visible_letter(request.user, letter_id)
    services.record_print(user=request.user, letter=letter, kind=PrintRecord.Kind.REFERRAL_SHEET)
    return render(request, "letters/referral_sheet.html", selectors.letter_detail(request.user, letter))
