"""What the interop tests do on one server, run inside that server's environment (its database).

    python -m tests.interop.agent ACTION '{"json": "arguments"}'

Each action goes through the real services, as a clerk or signer of the server's agency would, and
prints its result as one JSON line. The harness (servers.py) runs it with the server's variables.
"""

import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dabir.settings")

import django  # noqa: E402

django.setup()

from django.db.models import Count  # noqa: E402

from dabir.accounts.models import User  # noqa: E402
from dabir.exchange import services  # noqa: E402
from dabir.exchange.management.commands._peer import seed_agency  # noqa: E402
from dabir.exchange.models import (  # noqa: E402
    Arrival,
    Credential,
    Delivery,
    Direction,
    Inquiry,
    InquiryType,
    Member,
    Message,
    Refusal,
    Transfer,
)
from dabir.letters import services as letters  # noqa: E402
from dabir.letters.models import Letter, Link  # noqa: E402
from dabir.letters.services import ReferralSpec  # noqa: E402
from dabir.orgs.models import Agency, Position, Secretariat  # noqa: E402
from dabir.orgs.selectors import Seat  # noqa: E402

PASSWORD = "dabir1405"


class Staff:
    """The agency's people, as seed_agency made them (prefix = the agency's code)."""

    def __init__(self, code: str):
        self.agency = Agency.objects.get(code=code)
        self.secretariat = Secretariat.objects.get(agency=self.agency)
        self.clerk = User.objects.get(username=f"{code}-clerk")
        self.signer = User.objects.get(username=f"{code}-signer")
        self.expert = User.objects.get(username=f"{code}-expert")
        self.clerk_pos = Position.objects.get(code=f"{code}-clerk")
        self.signer_pos = Position.objects.get(code=f"{code}-signer")
        self.expert_pos = Position.objects.get(code=f"{code}-expert")


def _identity_type(code: str, member: Member, responder: str = "") -> InquiryType:
    """The demo civil registry's identity inquiry; with its responder, answered automatically."""
    from dabir.demo.exchange import IDENTITY_ANSWER, IDENTITY_QUESTION

    return InquiryType.objects.get_or_create(code=code, defaults={
        "name": "استعلام تطبیق هویت", "member": member, "question_schema": IDENTITY_QUESTION,
        "answer_schema": IDENTITY_ANSWER, "responder": responder,
    })[0]


def setup(code: str, name: str, inquiry_type: str = "", more: list = (), auto_inquiry_type: str = "") -> dict:
    seeded = seed_agency(name=name, code=code, prefix=code, password=PASSWORD)
    if auto_inquiry_type:  # answered by the demo's civil-registry responder, registered in every process
        from dabir.demo.exchange import RESPONDER

        _identity_type(auto_inquiry_type, Member.objects.get(code=code), RESPONDER)
    for other_code, other_name in more:  # a second agency on the same server (a CC recipient)
        seed_agency(name=other_name, code=other_code, prefix=other_code, password=PASSWORD)
    if inquiry_type:  # a type this agency answers by hand
        schema_q = {"type": "object", "required": ["national_code"],
                    "properties": {"national_code": {"type": "string", "pattern": "^[0-9]{10}$"}}}
        schema_a = {"type": "object", "required": ["match"], "properties": {"match": {"type": "boolean"}}}
        InquiryType.objects.get_or_create(code=inquiry_type, defaults={
            "name": "استعلام آزمون", "member": Member.objects.get(code=code), "question_schema": schema_q,
            "answer_schema": schema_a, "responder": "",
        })
    return seeded.as_dict()


def add_inquiry_type(code: str, member: str, identity: bool = False) -> dict:
    """The asking side learns a type another server answers (as a directory would tell it)."""
    if identity:
        return {"id": _identity_type(code, Member.objects.get(code=member)).pk}
    schema_q = {"type": "object", "required": ["national_code"],
                "properties": {"national_code": {"type": "string", "pattern": "^[0-9]{10}$"}}}
    schema_a = {"type": "object", "required": ["match"], "properties": {"match": {"type": "boolean"}}}
    t, _ = InquiryType.objects.get_or_create(code=code, defaults={
        "name": "استعلام آزمون", "member": Member.objects.get(code=member), "question_schema": schema_q,
        "answer_schema": schema_a,
    })
    return {"id": t.pk}


def _new_letter(staff: Staff, *, to: list[str], cc: list[str], subject: str, links=()) -> Letter:
    letter = letters.create_draft(
        user=staff.expert, seat=Seat(staff.expert_pos, False), kind="outgoing", subject=subject,
        body="<p>متن نامه آزمون تبادل</p>", to=list(to), cc=list(cc), signer_position_id=staff.signer_pos.id,
        links=list(links),
    )
    letters.submit_for_signature(user=staff.expert, seat=Seat(staff.expert_pos, False), letter=letter)
    letters.approve(user=staff.signer, seat=Seat(staff.signer_pos, False), letter=letter)
    letter.refresh_from_db()
    letters.register_letter(user=staff.clerk, letter=letter)
    letter.refresh_from_db()
    return letter


def send(code: str, to: list[str], cc: list[str] = (), subject: str = "نامه آزمون تبادل",
         reply_to: int | None = None) -> dict:
    """A letter written, signed, numbered and dispatched «الکترونیکی» to members by name."""
    staff = Staff(code)
    names = lambda codes: [Member.objects.get(code=c).name for c in codes]  # noqa: E731
    links = [(reply_to, "replies")] if reply_to else ()
    letter = _new_letter(staff, to=names(to), cc=names(cc), subject=subject, links=links)
    letters.dispatch(user=staff.clerk, letter=letter, channel="network")
    return {"id": letter.pk, "uid": str(letter.uid), "number": letter.number}


def bulk_send(code: str, to: str, count: int) -> dict:
    """Many letters at once (the fault test): created, signed and numbered, then all dispatched."""
    staff = Staff(code)
    name = Member.objects.get(code=to).name
    started = time.monotonic()
    made = [_new_letter(staff, to=[name], cc=[], subject=f"نامه انبوه {i + 1}").pk for i in range(count)]
    created = time.monotonic() - started
    for pk in made:
        letters.dispatch(user=staff.clerk, letter=Letter.objects.get(pk=pk), channel="network")
    return {"letters": len(made), "create_seconds": round(created, 1),
            "dispatch_seconds": round(time.monotonic() - started - created, 1)}


def arrivals(code: str) -> list[dict]:
    return [
        {"id": a.pk, "state": a.state, "sender_number": a.sender_number, "sender_letter": str(a.sender_letter),
         "is_copy": a.is_copy, "subject": a.subject, "letter": a.letter_id}
        for a in Arrival.objects.filter(agency__code=code).order_by("id")
    ]


def accept(code: str, ids: list[int] | None = None) -> dict:
    """The clerk registers arrivals (the given ones, or every pending one), referred to the expert."""
    staff = Staff(code)
    pending = Arrival.objects.filter(agency=staff.agency, state=Arrival.State.PENDING).order_by("id")
    if ids is not None:
        pending = pending.filter(pk__in=ids)
    done = {}
    for arrival in pending:
        letter = services.accept_arrival(user=staff.clerk, arrival=arrival, secretariat=staff.secretariat,
                                         refer_to=[ReferralSpec(staff.expert_pos.id)], seat=Seat(staff.clerk_pos, False))
        done[arrival.pk] = {"letter": letter.pk, "number": letter.number}
    return done


def return_back(code: str, arrival: int, reason: str, note: str = "") -> dict:
    staff = Staff(code)
    services.return_arrival(user=staff.clerk, arrival=Arrival.objects.get(pk=arrival), reason=reason, note=note)
    return {"ok": True}


def deliveries(letter: int) -> list[dict]:
    return [
        {"member": d.member.code, "state": d.state, "is_copy": d.is_copy, "their_number": d.their_number,
         "reason": d.reason, "receipt": d.transfer.receipt_id is not None, "outcome_receipt": d.outcome_message_id is not None}
        for d in Delivery.objects.filter(letter_id=letter).select_related("member", "transfer").order_by("id")
    ]


def links(letter: int) -> list[dict]:
    return [{"target": link.target_id, "kind": link.kind} for link in Link.objects.filter(letter_id=letter)]


def replies_to(letter: int) -> list[dict]:
    return [{"letter": link.letter_id, "kind": link.kind} for link in Link.objects.filter(target_id=letter)]


def ask(code: str, type_code: str, question: dict) -> dict:
    staff = Staff(code)
    inquiry = services.ask(user=staff.clerk, agency=staff.agency, inquiry_type=InquiryType.objects.get(code=type_code),
                           question=question)
    return {"id": inquiry.pk, "uid": str(inquiry.uid)}


def inquiries(direction: str) -> list[dict]:
    return [
        {"id": i.pk, "uid": str(i.uid), "state": i.state, "answer": i.answer, "automatic": i.automatic}
        for i in Inquiry.objects.filter(direction=direction).order_by("id")
    ]


def answer(code: str, uid: str, answer: dict) -> dict:
    staff = Staff(code)
    inquiry = Inquiry.objects.get(uid=uid, direction=Direction.IN)
    services.answer_inquiry(user=staff.clerk, inquiry=inquiry, answer=answer)
    return {"ok": True}


def messages(direction: str = "", kind: str = "") -> list[dict]:
    found = Message.objects.all()
    if direction:
        found = found.filter(direction=direction)
    if kind:
        found = found.filter(kind=kind)
    return [{"id": m.pk, "message_id": str(m.message_id), "direction": m.direction, "kind": m.kind,
             "refers_to": str(m.refers_to) if m.refers_to else None}
            for m in found.order_by("id")]


def raw_message(pk: int) -> dict:
    return {"hex": bytes(Message.objects.get(pk=pk).raw).hex()}


def refusals() -> list[dict]:
    return [{"code": r.code, "message_id": r.message_id, "sender": r.sender} for r in Refusal.objects.order_by("id")]


def revoke(code: str) -> dict:
    """Revoke the member's exchange credential here (the directory then publishes it revoked)."""
    credential = Credential.objects.filter(member__code=code, revoked_at__isnull=True).first()
    services.credentials.revoke_credential(credential=credential)
    return {"fingerprint": credential.fingerprint}


def sign_with_revoked(code: str, receiver: str) -> dict:
    """A new inquiry signed with the member's revoked key (what a stolen or retired key could send)."""
    import uuid

    from dabir.exchange import envelope
    from dabir.signing import keys

    credential = Credential.objects.filter(member__code=code).exclude(revoked_at=None).order_by("-created_at").first()
    sender = Member.objects.get(code=code)
    target = Member.objects.get(code=receiver)
    message_id = uuid.uuid4()
    payload = envelope.inquiry_payload(
        message_id=message_id, sender=(sender.code, sender.name), receiver=(target.code, target.name),
        inquiry_id=uuid.uuid4(), type_code="interop.manual", deadline=django.utils.timezone.now(),
        question=json.dumps({"national_code": "0012345678"}),
    )
    raw = envelope.sign(payload, message_id=message_id, kind="inquiry", sender=code, receiver=receiver,
                        key=keys.decrypt_private_key(credential.private_key_pem),
                        certificate=keys.load_certificate(credential.certificate_pem))
    return {"hex": raw.hex()}


def _counts(model, *fields) -> dict:
    rows = model.objects.values(*fields).annotate(n=Count("id")).order_by()
    return {"|".join(str(row[f]) for f in fields): row["n"] for row in rows}


def summary() -> dict:
    """Counts the fault test checks on each side."""
    return {
        "messages": _counts(Message, "direction", "kind"),
        "transfers": _counts(Transfer, "kind", "state"),
        "deliveries": _counts(Delivery, "outcome"),
        "arrivals": _counts(Arrival, "state"),
        "arrival_letters": Arrival.objects.values("sender_letter").distinct().count(),
        "incoming_letters": Letter.objects.filter(kind="incoming", arrival__isnull=False).count(),
        "refusals": Refusal.objects.count(),
    }


def message_ids(direction: str, kind: str) -> list[str]:
    return sorted(str(u) for u in Message.objects.filter(direction=direction, kind=kind)
                  .values_list("message_id", flat=True))


ACTIONS = {f.__name__: f for f in (
    setup, add_inquiry_type, send, bulk_send, arrivals, accept, return_back, deliveries, links, replies_to, ask,
    inquiries, answer, messages, raw_message, refusals, revoke, sign_with_revoked, summary, message_ids,
)}


def main() -> None:
    action, args = sys.argv[1], json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}")
    result = ACTIONS[action](**args)
    sys.stdout.write(json.dumps(result, ensure_ascii=False, default=str) + "\n")


if __name__ == "__main__":
    main()
