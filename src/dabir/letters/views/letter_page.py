"""The letter page: what the viewer may see and do, the signing circuit; opening marks a referral read."""

from django.contrib.auth.decorators import login_required

from dabir.core.jalali import today
from dabir.orgs.selectors import Seat

from .. import forms as F
from .. import policy, selectors, services
from ..models import Folder, Letter, ReferralStatus
from ._shared import _clerk_secretariat_ids, _page, current_seat


def _signing_context(letter: Letter) -> dict:
    """The signing circuit and the newest signed version (with its public verification code)."""
    steps = list(letter.signing_steps.select_related("position__unit", "acted_by", "signature"))
    version = letter.versions.order_by("-number").first() if any(s.signature_id for s in steps) else None
    return {"signing_steps": steps, "signed_version": version}


def _letter_context(request, letter: Letter, seat: Seat | None, forms: dict | None = None) -> dict:
    detail = selectors.letter_detail(request.user, letter)
    facts = policy.standing(
        request.user, seat, letter, referrals=detail["referrals"], clerk_secretariat_ids=_clerk_secretariat_ids(request)
    )
    can = policy.allowed_actions(request.user, seat, letter, facts=facts)
    open_ref = facts.open_referral
    position_id = seat.position.id if seat else None
    folders = list(Folder.objects.filter(agency_id=letter.agency_id)) if seat else []
    can["file"] = can["file"] and bool(folders)
    forms = forms or {}
    context = {
        **detail,
        "seat": seat,
        "open_referral": open_ref,
        "can": can,
        "to_recipients": [r for r in detail["recipients"] if r.role == "to"],
        "cc_recipients": [r for r in detail["recipients"] if r.role == "cc"],
        "complete_form": forms.get("complete") or F.NoteForm(prefix="complete"),
        "close_form": forms.get("close") or F.RequiredNoteForm(prefix="close"),
        "return_form": forms.get("return") or F.RequiredNoteForm(prefix="return"),
        "approve_form": forms.get("approve") or F.NoteForm(prefix="approve"),
        "submit_form": forms.get("submit") or F.NoteForm(prefix="submit"),
        "void_form": forms.get("void") or F.VoidForm(prefix="void"),
        "dispatch_form": forms.get("dispatch") or F.DispatchForm(prefix="dispatch",
                                                                 letter=letter if can.get("dispatch") else None),
        "file_form": forms.get("file") or F.FileForm(prefix="file", folders=folders),
        "action_error": forms.get("error"),
        "action_form": forms.get(forms.get("error")) if forms.get("error") else None,
        "today": today(),
        "other_seat_referral": None,
        **_signing_context(letter),
    }
    if seat and open_ref is None:
        seat_ids = {s.position.id for s in getattr(request, "_dabir_seats", [])} - {position_id}
        context["other_seat_referral"] = next(
            (r for r in detail["referrals"] if r.to_position_id in seat_ids and r.is_open), None
        )
    return context


@login_required
def letter_detail(request, letter_id):
    letter = selectors.get_visible_letter(request.user, letter_id)
    seat = current_seat(request)
    if seat is not None:
        unread = selectors.open_referral_at(letter, seat.position.id)
        if unread is not None and unread.status == ReferralStatus.UNREAD:
            services.mark_read(user=request.user, seat=seat, referral=unread)
    return _page(request, "letters/detail.html", _letter_context(request, letter, seat))
