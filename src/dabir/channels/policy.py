"""Who sees and does what in the channels: the one place pages, the API and the admin ask.

- The intake queue (e-mails and faxes that came in) belongs to the mailbox's secretariat: its clerks
  see the items and register or discard them. An item not yet registered is not a letter, so
  letters.policy has nothing to say about it; once registered, its letter is seen as any letter.
- Outgoing transmissions and post dispatches name letters: a row is shown only for a letter the
  viewer may see (letters.policy.visible_letters), and only a clerk of the letter's secretariat acts
  on it (send again, tracking number, receipt or return).
- The address book is an agency's: its staff read it (to address letters), the clerks of its
  secretariats and its agency admins keep it.
- Mailboxes are set up in the admin by the agency's admins and superusers.
"""

from django.db.models import QuerySet

from dabir.core.errors import NotAllowed
from dabir.letters import policy as letters_policy
from dabir.orgs.models import Agency
from dabir.orgs.selectors import position_ids_of, secretariats_of

from .models import Correspondent, IntakeItem, Mailbox, PostDispatch, Transmission


def _staff(user) -> bool:
    return bool(user and user.is_authenticated)


def is_clerk(user) -> bool:
    return _staff(user) and secretariats_of(user).exists()


def intake_of(user) -> QuerySet:
    """Items in the queues of the secretariats where the user is a clerk."""
    if not _staff(user):
        return IntakeItem.objects.none()
    return IntakeItem.objects.filter(secretariat__in=secretariats_of(user))


def check_intake(user, item: IntakeItem) -> None:
    if not intake_of(user).filter(pk=item.pk).exists():
        raise NotAllowed("ایمیل‌ها و نمابرهای رسیده را فقط دبیرخانه صاحب صندوق می‌بیند.")


def transmissions_of(user) -> QuerySet:
    """Transmissions of letters the user may see, sent by the secretariats where they are a clerk."""
    if not _staff(user):
        return Transmission.objects.none()
    return Transmission.objects.filter(
        letter__secretariat__in=secretariats_of(user),
        letter__in=letters_policy.visible_letters(user).values("pk"),
    )


def check_transmission(user, transmission: Transmission) -> None:
    if not transmissions_of(user).filter(pk=transmission.pk).exists():
        raise NotAllowed("ارسال دوباره با دبیرخانه فرستنده نامه است.")


def dispatches_of(user) -> QuerySet:
    """Post and courier dispatches of the user's secretariats, of letters they may see."""
    if not _staff(user):
        return PostDispatch.objects.none()
    return PostDispatch.objects.filter(
        secretariat__in=secretariats_of(user),
        letter__in=letters_policy.visible_letters(user).values("pk"),
    )


def check_dispatch(user, dispatch: PostDispatch) -> None:
    if not dispatches_of(user).filter(pk=dispatch.pk).exists():
        raise NotAllowed("ارسال‌های پستی را دبیرخانه فرستنده نامه پیگیری می‌کند.")


def staff_agencies(user) -> QuerySet:
    """Agencies whose address book the user reads: where they hold a position or are a clerk."""
    if not _staff(user):
        return Agency.objects.none()
    if user.is_superuser:
        return Agency.objects.all()
    return Agency.objects.filter(
        pk__in=[*secretariats_of(user).values_list("agency_id", flat=True),
                *Agency.objects.filter(units__positions__pk__in=position_ids_of(user)).values_list("pk", flat=True),
                *user.administered_agencies.values_list("pk", flat=True)]
    )


def keeper_agencies(user) -> QuerySet:
    """Agencies whose address book the user keeps: clerks of its secretariats and its admins."""
    if not _staff(user):
        return Agency.objects.none()
    if user.is_superuser:
        return Agency.objects.all()
    return Agency.objects.filter(
        pk__in=[*secretariats_of(user).values_list("agency_id", flat=True),
                *user.administered_agencies.values_list("pk", flat=True)]
    )


def contacts_of(user) -> QuerySet:
    return Correspondent.objects.filter(agency__in=staff_agencies(user))


def check_keep_contacts(user, agency: Agency) -> None:
    if not keeper_agencies(user).filter(pk=agency.pk).exists():
        raise NotAllowed("دفترچه نشانی‌ها را دبیرخانه و مدیران سامانه دستگاه نگه می‌دارند.")


def mailboxes_of(user) -> QuerySet:
    """Mailboxes an admin screen shows: the user's administered agencies' (all for a superuser)."""
    if not _staff(user):
        return Mailbox.objects.none()
    if user.is_superuser:
        return Mailbox.objects.all()
    return Mailbox.objects.filter(secretariat__agency__in=user.administered_agencies.all())


def may_set_up_mailbox(user, secretariat) -> bool:
    """mailboxes_of's rule for a mailbox not yet saved: superusers and the secretariat's agency's admins."""
    if not (_staff(user) and user.is_active and user.is_staff):
        return False
    return user.is_superuser or user.administered_agencies.filter(pk=secretariat.agency_id).exists()
