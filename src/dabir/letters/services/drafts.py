"""Drafting internal and outgoing letters: create, edit, and save with a signing circuit."""

from collections.abc import Sequence

from django.db import transaction

from dabir.core.errors import Conflict, DomainError
from dabir.orgs.models import Secretariat
from dabir.orgs.selectors import Seat

from .. import policy
from ..circuit import signing
from ..models import Access, Channel, Classification, Kind, Letter, Link, Recipient, Status, Urgency
from ..names import AuditAction
from ._shared import (
    Upload,
    _check_choice,
    _check_files,
    _grant,
    _index,
    _lock,
    _own_seat,
    _positions,
    _record,
    _require_text,
    _save_files,
    sanitize_body,
)


def _set_recipients(letter: Letter, to: Sequence, cc: Sequence) -> None:
    """`to`/`cc` items are position ids (int) or outside parties' names (str)."""
    letter.recipients.all().delete()
    ids = [x for x in [*to, *cc] if isinstance(x, int)]
    _positions(ids, "to")
    rows = []
    for role, items in ((Recipient.Role.TO, to), (Recipient.Role.CC, cc)):
        for order, item in enumerate(items):
            if isinstance(item, int):
                rows.append(Recipient(letter=letter, role=role, position_id=item, order=order))
            elif str(item).strip():
                rows.append(Recipient(letter=letter, role=role, name=str(item).strip()[:300], order=order))
    Recipient.objects.bulk_create(rows)


def _set_links(letter: Letter, user, links: Sequence[tuple[int, str]]) -> None:
    letter.links.all().delete()
    for target_id, kind in links:
        if kind not in Link.Kind.values:
            raise DomainError("نوع پیوند نامه نامعتبر است.", field="links")
        target = policy.visible_letters(user).filter(pk=target_id).first()
        if target is None or target.pk == letter.pk:
            raise DomainError("نامه پیوندشده پیدا نشد.", field="links")
        Link.objects.create(letter=letter, target=target, kind=kind)


@transaction.atomic
def create_draft(
    *,
    user,
    seat: Seat,
    kind: str,
    subject: str,
    body: str = "",
    to: Sequence = (),
    cc: Sequence = (),
    signer_position_id: int | None = None,
    urgency: str = Urgency.NORMAL,
    classification: str = Classification.UNCLASSIFIED,
    keywords: str = "",
    links: Sequence[tuple[int, str]] = (),
    uploads: Sequence[Upload] = (),
    secretariat: Secretariat | None = None,
) -> Letter:
    """A staff member drafts an internal or outgoing letter at their position."""
    seat = _own_seat(user, seat)
    if kind not in (Kind.INTERNAL, Kind.OUTGOING):
        raise DomainError("پیش‌نویس فقط برای نامه داخلی یا صادره است.", field="kind")
    checked = _check_files(uploads)
    agency = seat.position.unit.agency
    secretariat = secretariat or agency.secretariats.order_by("id").first()
    if secretariat is None or secretariat.agency_id != agency.id:
        raise DomainError("این دستگاه دبیرخانه‌ای ندارد.", field="secretariat")
    letter = Letter(kind=kind, status=Status.DRAFT, agency=agency, secretariat=secretariat, created_by=user,
                    author_position=seat.position, channel=Channel.SYSTEM)
    _fill_draft(letter, user, subject=subject, body=body, to=to, cc=cc, signer_position_id=signer_position_id,
                urgency=urgency, classification=classification, keywords=keywords, links=links)
    _save_files(letter, user, uploads, checked)
    _grant(letter, [seat.position.id], Access.Reason.AUTHOR)
    _index(letter)
    _record(AuditAction.LETTER_DRAFT, letter, user, seat, {"kind": kind})
    return letter


def _fill_draft(letter, user, *, subject, body, to, cc, signer_position_id, urgency, classification, keywords, links):
    letter.subject = _require_text(subject, "subject", "موضوع", 500)
    _check_choice(urgency, Urgency, "urgency", "فوریت")
    _check_choice(classification, Classification, "classification", "طبقه‌بندی")
    if not to:
        raise DomainError("دست‌کم یک گیرنده لازم است.", field="to")
    if letter.kind == Kind.INTERNAL and any(not isinstance(x, int) for x in [*to, *cc]):
        raise DomainError("گیرندگان نامه داخلی باید سمت‌های سازمانی باشند.", field="to")
    if signer_position_id is not None:
        signer = _positions([signer_position_id], "signer_position")[signer_position_id]
        if not signer.can_sign or signer.unit.agency_id != letter.agency_id:
            raise DomainError("سمت انتخاب‌شده امضاکننده این دستگاه نیست.", field="signer_position")
    letter.signer_position_id = signer_position_id
    letter.body = sanitize_body(body)
    letter.urgency, letter.classification = urgency, classification
    letter.keywords = (keywords or "").strip()[:500]
    letter.save()
    _set_recipients(letter, list(to), list(cc))
    _set_links(letter, user, links)


@transaction.atomic
def update_draft(*, user, seat: Seat, letter: Letter, uploads: Sequence[Upload] = (), **fields) -> Letter:
    """The author edits a draft (also one the signer returned)."""
    seat = _own_seat(user, seat)
    checked = _check_files(uploads)  # parsed before the lock, so the letter is not held meanwhile
    letter = _lock(letter)
    if letter.status != Status.DRAFT:
        raise Conflict("فقط پیش‌نویس را می‌توان ویرایش کرد.")
    policy.check(user, seat, letter, "edit")
    _fill_draft(letter, user, **fields)
    _save_files(letter, user, uploads, checked)
    _index(letter)
    _record(AuditAction.LETTER_UPDATE_DRAFT, letter, user, seat)
    return letter


@transaction.atomic
def compose_with_circuit(
    *, user, seat: Seat, earlier: Sequence[int] = (), letter: Letter | None = None, **fields
) -> Letter:
    """Save a draft (create_draft, or update_draft when `letter` is given) and its signing circuit
    in one transaction: the earlier signers in order (e.g. head of unit, then deputy), then the
    final signer. Without earlier signers a draft keeps the single signer; a draft that already has
    a circuit (e.g. one returned by a signer) gets it replaced, so the circuit follows the form.
    """
    if letter is None:
        letter = create_draft(user=user, seat=seat, **fields)
    else:
        letter = update_draft(user=user, seat=seat, letter=letter, **fields)
    earlier = [int(pid) for pid in earlier]
    existing = list(letter.signing_steps.order_by("order").values_list("position_id", flat=True))
    if not earlier and not existing:
        return letter
    if not letter.signer_position_id:
        message = (
            "برای امضاکنندگان پیشین، امضاکننده نهایی را هم انتخاب کنید." if earlier
            else "این نامه زنجیره امضا دارد؛ امضاکننده نهایی را انتخاب کنید."
        )
        raise DomainError(message, field="signer_position")
    positions = [*earlier, letter.signer_position_id]
    if positions != existing:
        signing().set_circuit(letter, positions, user=user, seat=seat)
    return letter
