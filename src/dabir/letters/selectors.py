"""Reads of letters, always filtered by who may see what (one helper: visible_letters)."""

from django.db.models import Exists, OuterRef, Q

from dabir.core.errors import NotFound
from dabir.orgs.selectors import position_ids_of, secretariats_of

from .models import OPEN_REFERRAL, Access, Classification, Letter, Referral, Status

_CLOSE = [Access.Reason.AUTHOR, Access.Reason.SIGNER, Access.Reason.CHAIN]
# A secretariat sees what it registers, not what is still being drafted or signed.
_SECRETARIAT_HIDDEN = [Status.DRAFT, Status.AWAITING_SIGNATURE]


def visibility_filter(user) -> Q:
    """The Q that keeps the letters a user may see, through their positions and secretariats."""
    if not user or not user.is_authenticated:
        return Q(pk__in=[])
    positions = position_ids_of(user)
    secretariat_ids = list(secretariats_of(user).values_list("id", flat=True))
    close = Exists(Access.objects.filter(letter=OuterRef("pk"), position_id__in=positions, reason__in=_CLOSE))
    recipient = Exists(
        Access.objects.filter(letter=OuterRef("pk"), position_id__in=positions, reason=Access.Reason.RECIPIENT)
    )
    q = close | (Q(classification=Classification.UNCLASSIFIED) & recipient)
    if secretariat_ids:
        q |= Q(secretariat_id__in=secretariat_ids) & ~Q(status__in=_SECRETARIAT_HIDDEN)
    return q


def visible_letters(user):
    return Letter.objects.filter(visibility_filter(user))


def get_visible_letter(user, letter_id) -> Letter:
    """The letter, if the user may see it; the same 404 whether it is missing or hidden."""
    letter = (
        visible_letters(user)
        .select_related(
            "agency", "secretariat", "series", "author_position__unit", "signer_position__unit", "created_by",
            "registered_by", "approved_by",
        )
        .filter(pk=letter_id)
        .first()
    )
    if letter is None:
        raise NotFound("نامه پیدا نشد یا اجازه دیدن آن را ندارید.")
    return letter


def letter_detail(letter: Letter) -> dict:
    """Everything the letter page shows, in a fixed number of queries."""
    referrals = list(
        letter.referrals.select_related(
            "from_position__unit", "to_position__unit", "from_user", "read_by", "acted_by"
        ).order_by("created_at", "id")
    )
    return {
        "letter": letter,
        "recipients": list(letter.recipients.select_related("position__unit")),
        "attachments": list(letter.attachments.all()),
        "links": list(letter.links.select_related("target")),
        "linked_from": list(letter.linked_from.select_related("letter")),
        "referrals": referrals,
        "tree": referral_tree(referrals),
        "folders": list(letter.folders.all()),
    }


def referral_tree(referrals: list[Referral]) -> list[tuple[Referral, int]]:
    """Referrals in depth-first order with their depth, for the timeline."""
    children: dict[int | None, list[Referral]] = {}
    for r in referrals:
        children.setdefault(r.parent_id, []).append(r)
    out: list[tuple[Referral, int]] = []

    def walk(parent_id, depth):
        for r in children.get(parent_id, []):
            out.append((r, depth))
            walk(r.id, depth + 1)

    walk(None, 0)
    return out


def inbox(position_id, *, filters: dict | None = None):
    """A position's open referrals with the letter and sender loaded, newest first."""
    f = filters or {}
    qs = Referral.objects.filter(to_position_id=position_id)
    state = f.get("state") or "open"
    if state == "open":
        qs = qs.filter(status__in=OPEN_REFERRAL)
    elif state == "unread":
        qs = qs.filter(status="unread")
    elif state == "done":
        qs = qs.exclude(status__in=OPEN_REFERRAL)
    if f.get("overdue"):
        from dabir.core.jalali import today

        qs = qs.filter(status__in=OPEN_REFERRAL, deadline__lt=today())
    if f.get("urgency"):
        qs = qs.filter(urgency=f["urgency"])
    if f.get("kind"):
        qs = qs.filter(letter__kind=f["kind"])
    if f.get("action"):
        qs = qs.filter(action=f["action"])
    if f.get("date_from"):
        qs = qs.filter(created_at__date__gte=f["date_from"])
    if f.get("date_to"):
        qs = qs.filter(created_at__date__lte=f["date_to"])
    return qs.select_related(
        "letter", "from_position__unit", "from_user"
    ).order_by("-created_at", "-id")


def inbox_counts(position_id) -> dict:
    from django.db.models import Count

    from dabir.core.jalali import today

    row = Referral.objects.filter(to_position_id=position_id, status__in=OPEN_REFERRAL).aggregate(
        open=Count("id"),
        unread=Count("id", filter=Q(status="unread")),
        overdue=Count("id", filter=Q(deadline__lt=today())),
        urgent=Count("id", filter=~Q(urgency="normal")),
    )
    return row


def sent_referrals(position_id):
    return Referral.objects.filter(from_position_id=position_id).select_related(
        "letter", "to_position__unit"
    ).order_by("-created_at", "-id")


def open_referral_at(letter: Letter, position_id) -> Referral | None:
    return (
        Referral.objects.filter(letter=letter, to_position_id=position_id, status__in=OPEN_REFERRAL)
        .order_by("-created_at")
        .first()
    )


def overdue_referrals(agency_id=None, unit_id=None):
    """Open referrals past their deadline, for the follow-up view."""
    from dabir.core.jalali import today

    qs = Referral.objects.filter(status__in=OPEN_REFERRAL, deadline__lt=today())
    if agency_id:
        qs = qs.filter(to_position__unit__agency_id=agency_id)
    if unit_id:
        qs = qs.filter(to_position__unit_id=unit_id)
    return qs.select_related("letter", "to_position__unit", "from_position").order_by("deadline", "id")


def to_register(user):
    """Signed letters waiting for a number in the user's secretariats."""
    return Letter.objects.filter(
        status=Status.APPROVED, secretariat__in=secretariats_of(user)
    ).select_related("author_position", "signer_position").order_by("approved_at")
