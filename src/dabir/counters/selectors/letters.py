"""Letters filed at the counter: the office's list, the secretariat's queue, public tracking."""





from dabir.desk.models import DeskProfile
from dabir.orgs.models import Agency, Secretariat

from .. import policy
from ..models import CounterLetter


def letter_secretariat(agency):
    """Where a counter letter for `agency` goes: its desk's secretariat, else its first secretariat (None: none)."""
    profile = DeskProfile.objects.select_related("secretariat").filter(agency=agency).first()
    if profile is not None:
        return profile.secretariat
    return Secretariat.objects.filter(agency=agency).order_by("id").first()


def letter_agencies():
    """The agencies a citizen's letter can be sent to at the counter: those with a secretariat."""
    return Agency.objects.filter(secretariats__isnull=False).distinct().order_by("name")


def office_letters(user):
    """The letters filed at the user's own office (none for anyone else), newest first."""
    staff = policy.staff_of(user)
    if staff is None:
        return CounterLetter.objects.none()
    return CounterLetter.objects.filter(office_id=staff.office_id).select_related("agency", "answer", "letter")


def counter_letter_queue(user, state: str = ""):
    """The counter letters sent to the user's secretariats (all states, or one)."""
    rows = CounterLetter.objects.filter(secretariat_id__in=policy.clerk_secretariat_ids(user)).select_related(
        "office", "agency", "secretariat", "letter")
    return rows.filter(state=state) if state else rows


def pending_counter_letters(user) -> int:
    """How many counter letters wait for the user's secretariats to register or return them."""
    if not user or not user.is_authenticated:
        return 0
    return counter_letter_queue(user, CounterLetter.State.SENT).count()


def public_counter_letter(tracking_code: str, national_code: str):
    """A counter letter by its tracking code and the citizen's national code (both must match), or None."""
    return CounterLetter.objects.select_related("office", "agency", "letter", "answer").filter(
        tracking_code=tracking_code, national_code=national_code).first()
