"""Who sees and does what in the exchange: the one place pages, the API and the admin ask.

- Arrivals (the queue «نامه‌های الکترونیکی رسیده») belong to the receiving agency's secretariat:
  its clerks see and decide them.
- A letter's deliveries are seen by whoever may see the letter (letters.policy); a failed transfer
  is sent again by a clerk of the letter's secretariat.
- The message log and refusals are for the agency admins of the member's agency and superusers.
- Inquiries: the asking staff member and the secretariat of the asking agency; incoming ones the
  clerks of the answering agency.
"""

from django.db.models import Q, QuerySet

from dabir.core.errors import NotAllowed
from dabir.letters import policy as letters_policy
from dabir.orgs.models import Agency
from dabir.orgs.selectors import secretariats_of

from .models import Arrival, Delivery, Inquiry, InquiryType, Kind, Message, Transfer


def clerk_agencies(user) -> QuerySet:
    return Agency.objects.filter(pk__in=secretariats_of(user).values("agency_id"))


def arrivals_of(user) -> QuerySet:
    if not user or not user.is_authenticated:
        return Arrival.objects.none()
    return Arrival.objects.filter(agency__in=clerk_agencies(user))


def check_arrival(user, arrival: Arrival) -> None:
    if not arrivals_of(user).filter(pk=arrival.pk).exists():
        raise NotAllowed("تصمیم درباره نامه‌های رسیده با دبیرخانه دستگاه گیرنده است.")


def deliveries_of(user) -> QuerySet:
    return Delivery.objects.filter(letter__in=letters_policy.visible_letters(user).values("pk"))


def sent_by(user) -> QuerySet:
    """Deliveries of the letters sent by the secretariats where the user is a clerk."""
    if not user or not user.is_authenticated:
        return Delivery.objects.none()
    return Delivery.objects.filter(letter__secretariat__in=secretariats_of(user))


def check_transfer(user, transfer: Transfer) -> None:
    delivery = Delivery.objects.filter(transfer=transfer).select_related("letter").first()
    if delivery is None or not secretariats_of(user).filter(pk=delivery.letter.secretariat_id).exists():
        raise NotAllowed("ارسال دوباره با دبیرخانه فرستنده نامه است.")


def admin_agencies(user) -> QuerySet:
    if not user or not user.is_authenticated:
        return Agency.objects.none()
    if user.is_superuser:
        return Agency.objects.all()
    return user.administered_agencies.all()


def messages_of(user) -> QuerySet:
    """The message log as an admin sees it: every message of their agencies' members."""
    if user and user.is_authenticated and user.is_superuser:
        return Message.objects.all()
    codes = list(admin_agencies(user).filter(exchange_member__isnull=False).values_list("exchange_member__code", flat=True))
    return Message.objects.filter(Q(sender__in=codes) | Q(receiver__in=codes))


def can_see_refusals(user) -> bool:
    return bool(user and user.is_authenticated and user.is_superuser)


def inquiries_of(user) -> QuerySet:
    """Inquiries the user asked, and those of the agencies where they are a clerk (asked or answered)."""
    if not user or not user.is_authenticated:
        return Inquiry.objects.none()
    agencies = clerk_agencies(user)
    return Inquiry.objects.filter(
        Q(asked_by=user)
        | Q(direction="out", asker__agency__in=agencies)
        | Q(direction="in", answerer__agency__in=agencies)
    )


def check_answer(user, inquiry: Inquiry) -> None:
    if inquiry.direction != "in" or not clerk_agencies(user).filter(pk=inquiry.answerer.agency_id).exists():
        raise NotAllowed("پاسخ این استعلام با دبیرخانه دستگاه پاسخ‌دهنده است.")


def can_answer(user, inquiry: Inquiry, clerk_agency_ids: set[int] | None = None) -> bool:
    """Whether the answer form is offered: a waiting incoming inquiry, to the answering clerks.

    A list passes `clerk_agency_ids` (set(clerk_agencies(user) ids)) once for all its rows."""
    if inquiry.state != Inquiry.State.WAITING or inquiry.direction != "in":
        return False
    if clerk_agency_ids is None:
        clerk_agency_ids = set(clerk_agencies(user).values_list("pk", flat=True))
    return inquiry.answerer.agency_id in clerk_agency_ids


def transfers_of(user) -> QuerySet:
    """The outbox as an admin sees it: transfers from or to their agencies' members."""
    if user and user.is_authenticated and user.is_superuser:
        return Transfer.objects.all()
    agencies = admin_agencies(user)
    return Transfer.objects.filter(Q(sender__agency__in=agencies) | Q(member__agency__in=agencies))


def can_see_directory(user) -> bool:
    """The directory (members and inquiry types) is for any signed-in member of staff, not citizens."""
    return bool(user and user.is_authenticated and user.is_active and not getattr(user, "is_citizen", False))


def askable_types(agency) -> QuerySet:
    """Inquiry types an agency may ask: answered by another active member (an agency does not ask itself)."""
    return InquiryType.objects.filter(member__active=True).exclude(member__agency=agency)


def can_read_raw(user, message: Message) -> bool:
    """The exact bytes of a logged message, to whoever sees its log entry. A letter's bytes carry its
    subject and PDF, and a receipt its number, so those only to someone who may also see the letter
    (at the sender) or its arrival (at the receiver): the log is no way around a classification."""
    if not messages_of(user).filter(pk=message.pk).exists():
        return False
    if message.kind not in (Kind.LETTER, Kind.RECEIPT):
        return True
    letter_uid = message.message_id if message.kind == Kind.LETTER else message.refers_to
    carried = Message.objects.filter(kind=Kind.LETTER, message_id=letter_uid)
    sent = Delivery.objects.filter(transfer__message__in=carried).values("letter_id")
    if letters_policy.visible_letters(user).filter(pk__in=sent).exists():
        return True
    arrived = Arrival.objects.filter(message__in=carried)
    return (arrivals_of(user).filter(pk__in=arrived.values("pk")).exists()
            or letters_policy.visible_letters(user).filter(pk__in=arrived.values("letter_id")).exists())


def can_see_log(user) -> bool:
    """The message log pages open to superusers and the admins of an agency."""
    return bool(user and user.is_authenticated and (user.is_superuser or admin_agencies(user).exists()))
