"""The exchange's panel on the letter page: each recipient's state, the arrival a letter came from,
and the inquiries asked about it."""

from . import policy
from .models import Arrival, Delivery, Inquiry


def has_exchange(letter) -> bool:
    return (
        Delivery.objects.filter(letter=letter).exists() or Arrival.objects.filter(letter=letter).exists()
        or Inquiry.objects.filter(letter=letter).exists()
    )


def exchange_panel(context, letter) -> dict:
    deliveries = list(
        Delivery.objects.filter(letter=letter).select_related("member", "transfer", "transfer__receipt")
        .order_by("is_copy", "id")
    )
    arrival = Arrival.objects.filter(letter=letter).select_related("sender", "message").first()
    user = context.get("user") or getattr(context.get("request"), "user", None)
    inquiries = list(policy.inquiries_of(user).filter(letter=letter).select_related("type", "answerer"))
    return {"deliveries": deliveries, "arrival": arrival, "letter": letter, "inquiries": inquiries}
