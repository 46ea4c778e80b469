"""The canonical form of a letter: the exact bytes a digital signature covers.

Deterministic JSON (sorted keys, UTF-8, no insignificant whitespace) of the number and
registration time, kind, agency, parties (sender, recipients, CC), subject, body,
classification, urgency, links to earlier letters and the SHA-256 of every attachment.

A letter is usually signed before the secretariat numbers it; the signed version then carries
an empty number and registration time, and verification accepts a number given afterwards
(see verify.py). Everything else must match byte for byte.
"""

import datetime as dt
import hashlib
import json

FORMAT = "dabir-letter/1"
REGISTRATION_FIELDS = ("number", "registered_at")


def _utc(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value else None


def _position(position) -> dict | None:
    if position is None:
        return None
    return {"code": position.code, "title": position.title, "unit": position.unit.name}


def canonical_data(letter) -> dict:
    """The canonical content of a letter as plain JSON-able data."""
    recipients = {"to": [], "cc": []}
    for r in letter.recipients.select_related("position__unit").order_by("role", "order", "id"):
        recipients[r.role].append({"position": _position(r.position), "name": r.name or None})
    sender: dict = {"agency": {"code": letter.agency.code, "name": letter.agency.name}}
    if letter.kind == "incoming":
        sender.update(
            name=letter.sender_name,
            number=letter.sender_number or None,
            date=letter.sender_date.isoformat() if letter.sender_date else None,
        )
    else:
        sender.update(
            author=_position(letter.author_position),
            signer=_position(letter.signer_position),
        )
    links = [
        {"kind": link.kind, "uid": str(link.target.uid), "number": link.target.number or None}
        for link in letter.links.select_related("target").order_by("kind", "target__uid")
    ]
    attachments = [
        {"name": a.name, "sha256": a.sha256, "size": a.size, "content_type": a.content_type}
        for a in letter.attachments.order_by("id")
    ]
    return {
        "format": FORMAT,
        "uid": str(letter.uid),
        "kind": letter.kind,
        "number": letter.number or None,
        "registered_at": _utc(letter.registered_at),
        "sender": sender,
        "recipients": recipients["to"],
        "cc": recipients["cc"],
        "subject": letter.subject,
        "body": letter.body,
        "classification": letter.classification,
        "urgency": letter.urgency,
        "links": links,
        "attachments": attachments,
    }


def dumps(data: dict) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def canonical_bytes(letter) -> bytes:
    return dumps(canonical_data(letter))


def content_sha256(letter) -> str:
    return hashlib.sha256(canonical_bytes(letter)).hexdigest()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def without_registration(data: dict) -> dict:
    return {k: v for k, v in data.items() if k not in REGISTRATION_FIELDS}


def differences(signed: dict, current: dict) -> list[str]:
    """Top-level keys whose values differ, with a number given after signing not counted."""
    keys = sorted(set(signed) | set(current))
    diff = [k for k in keys if signed.get(k) != current.get(k)]
    if all(signed.get(k) is None for k in REGISTRATION_FIELDS):
        diff = [k for k in diff if k not in REGISTRATION_FIELDS]
    return diff
