"""Exchange between two agencies of one server: the same envelope, log and receipts as between servers."""

from dabir.exchange import services
from dabir.exchange.models import Arrival, Delivery, Direction, Message
from dabir.letters import services as letters
from dabir.letters.models import Link
from dabir.letters.services import ReferralSpec

from ..factories import make_registered
from .conftest import drain


def _send(pair, **kw):
    letter = make_registered(pair.a, kind="outgoing", to=[pair.b.agency.name], **kw)
    letters.dispatch(user=pair.a.clerk, letter=letter, channel="network")
    return letter


def test_a_dispatched_letter_arrives_is_accepted_and_the_sender_sees_both_receipts(pair):
    letter = _send(pair)
    delivery = Delivery.objects.get(letter=letter)
    assert delivery.state == "queued"
    assert drain() == ["delivered"]
    delivery.refresh_from_db()
    assert delivery.state == "delivered" and delivery.transfer.receipt is not None
    arrival = Arrival.objects.get()
    assert (arrival.agency, arrival.sender_number, arrival.subject) == (pair.b.agency, letter.number, letter.subject)
    incoming = services.accept_arrival(
        user=pair.b.clerk, arrival=arrival, secretariat=pair.b.secretariat,
        refer_to=[ReferralSpec(pair.b.manager_pos.id)], seat=pair.b.seat(pair.b.clerk_pos),
    )
    assert incoming.kind == "incoming" and incoming.sender_number == letter.number
    assert incoming.referrals.get().to_position == pair.b.manager_pos
    assert incoming.attachments.count() == 1  # the signed PDF
    drain()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.their_number) == ("registered", incoming.number)
    kinds = sorted(Message.objects.values_list("direction", "kind"))
    assert kinds.count((Direction.OUT, "letter")) == 1 and kinds.count((Direction.IN, "letter")) == 1


def test_a_reply_travels_back_linked_to_the_original(pair):
    original = _send(pair)
    drain()
    incoming = services.accept_arrival(user=pair.b.clerk, arrival=Arrival.objects.get(), secretariat=pair.b.secretariat,
                                       refer_to=[ReferralSpec(pair.b.expert_pos.id)])
    drain()
    # the expert it was referred to writes the reply (عطف), signed by their manager
    reply = make_registered(pair.b, kind="outgoing", to=[pair.a.agency.name], links=[(incoming.id, "replies")])
    letters.dispatch(user=pair.b.clerk, letter=reply, channel="network")
    drain()
    back = Arrival.objects.get(agency=pair.a.agency)
    answered = services.accept_arrival(user=pair.a.clerk, arrival=back, secretariat=pair.a.secretariat,
                                       refer_to=[ReferralSpec(pair.a.manager_pos.id)])
    assert Link.objects.filter(letter=answered, target=original, kind="replies").exists()


def test_a_returned_letter_shows_the_reason_at_the_sender(pair):
    letter = _send(pair)
    drain()
    services.return_arrival(user=pair.b.clerk, arrival=Arrival.objects.get(), reason="wrong_addressee")
    drain()
    delivery = Delivery.objects.get(letter=letter)
    assert delivery.state == "returned" and "گیرنده اشتباه" in delivery.reason


def test_the_same_message_twice_gets_the_same_receipt_and_one_arrival(pair):
    _send(pair)
    drain()
    sent = Message.objects.get(direction=Direction.OUT, kind="letter")
    first = Message.objects.get(direction=Direction.OUT, kind="receipt", refers_to=sent.message_id)
    again = services.receive(bytes(sent.raw))
    assert again == bytes(first.raw)
    assert Arrival.objects.count() == 1


def test_the_message_log_refuses_changes_in_the_database_too(pair):
    import pytest
    from django.db import DatabaseError, transaction

    _send(pair)
    drain()
    message = Message.objects.filter(direction=Direction.IN).first()
    with pytest.raises(ValueError):
        message.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        Message.objects.filter(pk=message.pk).update(raw=b"changed")
