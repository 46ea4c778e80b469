"""The counter offices' panel on the letter page (registered in apps.ready): on an incoming letter filed at a
counter, the office, the citizen and the counter letter's state; on a reply that answered one, the same."""

from django.db.models import Q

from .models import CounterLetter


def _counter_letters(letter):
    return CounterLetter.objects.filter(Q(letter=letter) | Q(answer=letter))


def has_counter_letter(letter) -> bool:
    return _counter_letters(letter).exists()


def counter_letter_panel(context, letter) -> dict:
    rows = list(_counter_letters(letter).select_related("office", "letter", "answer").order_by("id"))
    return {"counter_letters": rows, "letter": letter}
