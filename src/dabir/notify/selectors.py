"""Reads of a user's own notices (the bell and its page): never anyone else's."""

from django.db.models import Case, IntegerField, Value, When

from .models import Notification

BELL_SIZE = 5


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def latest(user, size: int = BELL_SIZE) -> list[Notification]:
    return list(Notification.objects.filter(user=user).order_by("-created_at", "-id")[:size])


def notices(user, *, unread_only: bool = False, unread_first: bool = False):
    rows = Notification.objects.filter(user=user)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    if unread_first:
        unread = Case(When(read_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField())
        return rows.order_by(unread, "-created_at", "-id")
    return rows.order_by("-created_at", "-id")


def own(user, notice_id: int) -> Notification | None:
    return Notification.objects.filter(user=user, pk=notice_id).first()
