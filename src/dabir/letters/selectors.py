"""Reads of letters. Every one that lists or shows letters takes the user and filters through the
access policy (policy.py), so a caller cannot forget to."""

from django.db.models import Q

from dabir.core.errors import NotFound
from dabir.orgs.selectors import secretariats_of

from . import policy
from .models import OPEN_REFERRAL, Letter, Referral, RegistrationKey, Status

# Kept here as the entry points other apps use; the rule itself lives in policy.py.
visibility_filter = policy.visibility_filter
visible_letters = policy.visible_letters


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


def registered_with_key(user, key: str) -> tuple[int, str] | None:
    """(letter id, request fingerprint) of the registration this user made with a client key, if any.

    The letter itself is then read through get_visible_letter like any other."""
    return RegistrationKey.objects.filter(user=user, key=key).values_list("letter_id", "fingerprint").first()


def letter_detail(user, letter: Letter) -> dict:
    """Everything the letter page shows, in a fixed number of queries.

    Linked letters (پیرو/عطف, either way) are kept to those the user may see: a link never shows the
    number or subject of a letter its viewer could not open."""
    links = list(letter.links.select_related("target"))
    linked_from = list(letter.linked_from.select_related("letter"))
    visible = policy.visible_ids(user, [x.target_id for x in links] + [x.letter_id for x in linked_from])
    referrals = list(
        letter.referrals.select_related(
            "from_position__unit", "to_position__unit", "from_user", "read_by", "acted_by"
        ).order_by("created_at", "id")
    )
    return {
        "letter": letter,
        "recipients": list(letter.recipients.select_related("position__unit")),
        "attachments": list(letter.attachments.all()),
        "links": [x for x in links if x.target_id in visible],
        "linked_from": [x for x in linked_from if x.letter_id in visible],
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


def _on_visible_letters(user, qs):
    return qs.filter(letter__in=policy.visible_letters(user).values("pk"))


def inbox(user, position_id, *, filters: dict | None = None):
    """A position's open referrals with the letter and sender loaded, newest first (letters the user may see)."""
    f = filters or {}
    qs = _on_visible_letters(user, Referral.objects.filter(to_position_id=position_id))
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


def sent_referrals(user, position_id):
    return _on_visible_letters(user, Referral.objects.filter(from_position_id=position_id)).select_related(
        "letter", "to_position__unit"
    ).order_by("-created_at", "-id")


def open_referral_at(letter: Letter, position_id) -> Referral | None:
    return (
        Referral.objects.filter(letter=letter, to_position_id=position_id, status__in=OPEN_REFERRAL)
        .order_by("-created_at")
        .first()
    )


def overdue_counts(*, agency_id, unit_id=None, position_id=None):
    """Open referrals past their deadline, for counting per position and unit only: no letter of
    them is shown (the follow-up's figures cover the whole agency, as supervision needs)."""
    from dabir.core.jalali import today

    qs = Referral.objects.filter(status__in=OPEN_REFERRAL, deadline__lt=today(), to_position__unit__agency_id=agency_id)
    if unit_id:
        qs = qs.filter(to_position__unit_id=unit_id)
    if position_id:
        qs = qs.filter(to_position_id=position_id)
    return qs.order_by()


def overdue_referrals(user, *, agency_id, unit_id=None, position_id=None):
    """Overdue referrals to list, with their letters: only letters the user may see."""
    qs = _on_visible_letters(user, overdue_counts(agency_id=agency_id, unit_id=unit_id, position_id=position_id))
    return qs.select_related("letter", "to_position__unit", "from_position").order_by("deadline", "id")


def to_register(user):
    """Signed letters waiting for a number in the user's secretariats."""
    return policy.visible_letters(user).filter(
        status=Status.APPROVED, secretariat__in=secretariats_of(user)
    ).select_related("author_position", "signer_position").order_by("approved_at")


def folder_letters(user, folder):
    """A folder's letters, newest first: only those the user may see."""
    return policy.visible_letters(user).filter(folders=folder).order_by("-created_at", "-id")
