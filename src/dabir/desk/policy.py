"""Who may see which service request and complaint: the desk's one access policy.

Selectors, pages, the JSON API and Open311 read requests through these functions only.
- A citizen sees their own requests and complaints: those they submitted signed in, or made for
  their national code (at a counter office, for instance).
- Staff see a request only through their positions: its letter (or its result letter, for the
  signer) was referred to one of them, AND they may see that letter under the letters policy
  (dabir.letters.policy), so a confidential request stays with the letter's chain.
- An API key's owner sees what the rules above give its user, plus what they submitted themselves
  (a counter operator's requests).
- The late list of an agency is for its managers and its agency admins.
- The public sees a request's status only with its tracking code and the applicant's national code
  (selectors.public_status), or in Open311's public form, which carries nothing personal.
"""

from django.db.models import Exists, OuterRef, Q

from dabir.letters.models import OPEN_REFERRAL, Referral
from dabir.letters.policy import visibility_filter
from dabir.orgs.selectors import position_ids_of, seats_of

from .models import Complaint, RequestEvent, ServiceRequest


def citizen_national_code(user) -> str:
    if not user or not user.is_authenticated or not getattr(user, "is_citizen", False):
        return ""
    if user.national_code:
        return user.national_code
    return user.username[1:] if user.username.startswith("c") and user.username[1:].isdigit() else ""


def requests_of(user):
    """A citizen's own requests (none for anyone else)."""
    national_code = citizen_national_code(user)
    if not national_code:
        return ServiceRequest.objects.none()
    return ServiceRequest.objects.filter(Q(applicant=user) | Q(national_code=national_code)).select_related(
        "service__agency", "letter", "result_letter")


def complaints_of(user):
    national_code = citizen_national_code(user)
    if not national_code:
        return Complaint.objects.none()
    return Complaint.objects.filter(Q(complainant=user) | Q(national_code=national_code)).select_related(
        "agency", "request")


def _referred(field: str, position_ids, open_only: bool = False):
    refs = Referral.objects.filter(letter_id=OuterRef(field), to_position_id__in=position_ids)
    return Exists(refs.filter(status__in=OPEN_REFERRAL) if open_only else refs)


def staff_requests(user, *, position_id=None, open_only: bool = False, status: str | None = None):
    """Requests whose letter (or result letter, for its signer) reached the user's positions, and which the
    user may see as letters."""
    positions = position_ids_of(user)
    if position_id is not None:
        positions = [p for p in positions if p == int(position_id)]
    if not positions:
        return ServiceRequest.objects.none()
    from dabir.letters.models import Letter

    visible = Letter.objects.filter(visibility_filter(user)).values("pk")
    qs = ServiceRequest.objects.filter(letter__isnull=False).filter(
        (_referred("letter_id", positions, open_only) & Q(letter__in=visible))
        | (_referred("result_letter_id", positions, open_only) & Q(result_letter__in=visible))
    )
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("service__agency", "letter", "result_letter").order_by("stage_due", "-id")


def visible_requests(user):
    """What an api_key's owner may see: a citizen their own requests, staff through their positions,
    a counter operator the requests they submitted."""
    if user.is_citizen:
        return requests_of(user)
    mine = Q(events__kind=RequestEvent.Kind.SUBMITTED, events__actor=user)
    staff = staff_requests(user).values("pk")
    return ServiceRequest.objects.filter(mine | Q(pk__in=staff)).distinct()


def late_agencies(user):
    """The agencies whose late list the user may read: managers' and agency admins' agencies."""
    from dabir.orgs.models import Agency

    ids = {s.position.unit.agency_id for s in seats_of(user) if s.position.is_manager}
    q = Q(pk__in=ids)
    if user.is_authenticated:
        q |= Q(admins=user)
        if user.is_superuser:
            return Agency.objects.all()
    return Agency.objects.filter(q).distinct()
