"""The exchange's panel on the letter page: each recipient's state, and the arrival a letter came from."""

from .models import Arrival, Delivery


def has_exchange(letter) -> bool:
    return Delivery.objects.filter(letter=letter).exists() or Arrival.objects.filter(letter=letter).exists()


def exchange_panel(context, letter) -> dict:
    deliveries = list(
        Delivery.objects.filter(letter=letter).select_related("member", "transfer", "transfer__receipt")
        .order_by("is_copy", "id")
    )
    arrival = Arrival.objects.filter(letter=letter).select_related("sender", "message").first()
    return {"deliveries": deliveries, "arrival": arrival, "letter": letter}
