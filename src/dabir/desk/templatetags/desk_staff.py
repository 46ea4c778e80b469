"""`{% desk_staff_panel letter %}`: the desk actions on the letter page of a service request
(its request letter or its result letter) or of a complaint; renders nothing for other letters."""

from django import template

from dabir.orgs.selectors import seats_of

from .. import selectors
from ..answers import answer_rows
from ..definition import version_definition
from ..models import Complaint, RequestStatus

register = template.Library()


@register.inclusion_tag("desk/staff_panel.html", takes_context=True)
def desk_staff_panel(context, letter):
    request = context.get("request")
    user = getattr(request, "user", None)
    out = {"show": False, "csrf_token": context.get("csrf_token"), "letter": letter}
    if user is None or not user.is_authenticated or letter is None:
        return out
    seats = seats_of(user)
    seat_ids = {s.position.id: s for s in seats}
    complaint = Complaint.objects.filter(letter=letter).select_related("agency", "request").first()
    if complaint is not None:
        open_at = [r.to_position_id for r in letter.referrals.filter(status__in=["unread", "read"])]
        mine = [seat_ids[p] for p in open_at if p in seat_ids]
        out.update(show=True, complaint=complaint, answer_seat=mine[0] if mine else None)
        return out
    req = selectors.request_for_letter(user, letter)
    if req is None:
        return out
    definition = version_definition(req.version)
    stage = definition.stage(req.stage_code)
    stage_seat = None
    if stage and req.status in (RequestStatus.SUBMITTED, RequestStatus.IN_PROGRESS) and req.letter_id == letter.id:
        from dabir.letters.selectors import open_referral_at

        for seat in seats:
            if seat.position.code == stage.position and open_referral_at(letter, seat.position.id):
                stage_seat = seat
                break
    sign_seat = None
    if req.status == RequestStatus.APPROVED and req.result_letter_id and req.result_letter.signer_position_id:
        sign_seat = seat_ids.get(req.result_letter.signer_position_id)
    out.update(
        show=True, req=req, stage=stage, stage_seat=stage_seat, sign_seat=sign_seat,
        outcomes=stage.outcomes if stage else [], document_specs=definition.documents,
        answers=answer_rows(definition, req.data),
        documents=list(req.documents.all()), events=list(selectors.timeline(req, public_only=False)),
        late=bool(req.stage_due and req.status in selectors.LATE_STATES and req.stage_due < _today()),
    )
    return out


def _today():
    from dabir.core.jalali import today

    return today()
