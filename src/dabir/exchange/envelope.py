"""The wire format (docs/exchange.md): payload documents, the signed Message, and reading them safely.

A Message carries its payload as base64 of the exact payload bytes and a signature over those
bytes, so nothing is canonicalised: what was signed is what is stored and checked. Every document
that comes in is parsed with entities, DTDs and network access off, refused if it declares a DOCTYPE,
and validated against the XSD before any value is read.
"""

import base64
import binascii
import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from dabir.core.errors import DomainError
from dabir.signing import keys

NS = "urn:dabir:exchange:1"
XSD = Path(__file__).parent / "schema" / "exchange-1.xsd"
CONTENT_TYPE = "application/vnd.dabir.exchange+xml"


class Refused(DomainError):
    """A message this server will not take: the code names the check that failed."""

    status = 400


def q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


@cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD), parser=_parser()))


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        huge_tree=False, remove_comments=True, remove_pis=True,
    )


def parse(data: bytes, *, what: str = "پیام") -> etree._Element:
    """Parse and validate one exchange document; anything odd is refused with a Persian reason."""
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise Refused(f"{what} تعریف DOCTYPE یا موجودیت دارد و پذیرفته نمی‌شود.", code="xml_doctype")
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise Refused(f"{what} XML درستی نیست: {str(exc)[:200]}", code="xml_malformed") from exc
    if root.getroottree().docinfo.doctype:
        raise Refused(f"{what} تعریف DOCTYPE دارد و پذیرفته نمی‌شود.", code="xml_doctype")
    schema = _schema()
    if not schema.validate(root):
        error = schema.error_log.last_error
        raise Refused(f"{what} با شِمای تبادل نمی‌خواند: {error.message[:200] if error else ''}", code="schema")
    return root


# ---------------------------------------------------------------- building


def _el(parent, tag: str, text: str | None = None, **attrs) -> etree._Element:
    node = etree.SubElement(parent, q(tag), {k: str(v) for k, v in attrs.items() if v is not None})
    if text is not None:
        node.text = text
    return node


def _header(tag: str, *, message_id: uuid.UUID, sender: tuple[str, str], receiver: tuple[str, str],
            copy: bool = False, created: dt.datetime | None = None) -> etree._Element:
    root = etree.Element(q(tag), nsmap={None: NS})
    root.set("id", str(message_id))
    root.set("created", (created or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"))
    _el(root, "From", code=sender[0], name=sender[1])
    to = _el(root, "To", code=receiver[0], name=receiver[1])
    if copy:
        to.set("copy", "true")
    return root


def _bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@dataclass
class FilePart:
    name: str
    content_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _file(parent, tag: str, part: FilePart) -> None:
    _el(parent, tag, base64.b64encode(part.content).decode("ascii"), name=part.name[:500],
        type=part.content_type[:500], size=len(part.content), sha256=part.sha256)


def letter_payload(*, message_id, sender, receiver, copy: bool, recipients: list[dict], letter_id,
                   number: str, date: dt.date, jalali: str, subject: str, classification: str, urgency: str,
                   keywords: str, related: list[dict], document: FilePart, attachments: list[FilePart]) -> bytes:
    root = _header("Letter", message_id=message_id, sender=sender, receiver=receiver, copy=copy)
    box = _el(root, "Recipients")
    for r in recipients:
        _el(box, "Recipient", code=r.get("code") or None, name=r["name"][:500], role=r["role"])
    _el(root, "LetterId", str(letter_id))
    _el(root, "Number", number)
    _el(root, "Date", iso=date.isoformat(), jalali=jalali)
    _el(root, "Subject", subject[:500])
    _el(root, "Classification", classification)
    _el(root, "Urgency", urgency)
    if keywords:
        _el(root, "Keywords", keywords[:500])
    for rel in related:
        _el(root, "Related", kind=rel["kind"], letter=rel["letter"], number=rel.get("number") or None)
    _file(root, "Document", document)
    for part in attachments:
        _file(root, "Attachment", part)
    return _bytes(root)


def receipt_payload(*, message_id, sender, receiver, refers_to, refers_sha256: str, status: str,
                    number: str = "", date: dt.date | None = None, jalali: str = "", reason: str = "") -> bytes:
    root = _header("Receipt", message_id=message_id, sender=sender, receiver=receiver)
    _el(root, "RefersTo", message=str(refers_to), sha256=refers_sha256)
    _el(root, "Status", status)
    if number:
        _el(root, "Number", number)
    if date:
        _el(root, "Date", iso=date.isoformat(), jalali=jalali)
    if reason:
        _el(root, "Reason", reason[:500])
    return _bytes(root)


def inquiry_payload(*, message_id, sender, receiver, inquiry_id, type_code: str, deadline: dt.datetime,
                    question: str) -> bytes:
    root = _header("Inquiry", message_id=message_id, sender=sender, receiver=receiver)
    _el(root, "InquiryId", str(inquiry_id))
    _el(root, "Type", type_code)
    _el(root, "Deadline", deadline.astimezone(dt.UTC).isoformat(timespec="seconds"))
    _el(root, "Question", question)
    return _bytes(root)


def answer_payload(*, message_id, sender, receiver, refers_to, refers_sha256: str, inquiry_id, answer: str) -> bytes:
    root = _header("Answer", message_id=message_id, sender=sender, receiver=receiver)
    _el(root, "RefersTo", message=str(refers_to), sha256=refers_sha256)
    _el(root, "InquiryId", str(inquiry_id))
    _el(root, "Answer", answer)
    return _bytes(root)


def directory_payload(*, message_id, issuer: tuple[str, str], serial: int, members: list[dict],
                      inquiry_types: list[dict]) -> bytes:
    root = etree.Element(q("Directory"), nsmap={None: NS})
    root.set("id", str(message_id))
    root.set("created", dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    root.set("serial", str(serial))
    _el(root, "Issuer", code=issuer[0], name=issuer[1])
    for m in members:
        node = _el(root, "Member", code=m["code"], name=m["name"][:500], url=m["url"],
                   revoked="true" if m.get("revoked") else None)
        _el(node, "Certificate", base64.b64encode(m["certificate_der"]).decode("ascii"))
        for code in m.get("answers", []):
            _el(node, "Answers", code)
    for t in inquiry_types:
        node = _el(root, "InquiryType", code=t["code"], name=t["name"][:500], member=t["member"],
                   deadlineHours=t["deadline_hours"])
        if t.get("description"):
            _el(node, "Description", t["description"])
        _el(node, "QuestionSchema", t["question_schema"])
        _el(node, "AnswerSchema", t["answer_schema"])
    return _bytes(root)


def sign(payload: bytes, *, message_id, kind: str, sender: str, receiver: str, key, certificate: x509.Certificate) -> bytes:
    """Wrap a payload in a signed Message."""
    signature, algorithm = keys.sign_bytes(key, payload)
    root = etree.Element(q("Message"), nsmap={None: NS})
    for name, value in (("version", "1"), ("id", str(message_id)), ("kind", kind), ("from", sender), ("to", receiver)):
        root.set(name, value)
    _el(root, "Payload", base64.b64encode(payload).decode("ascii"))
    _el(root, "Signature", base64.b64encode(signature).decode("ascii"), algorithm=algorithm)
    _el(root, "Certificate", base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode("ascii"))
    return _bytes(root)


# ---------------------------------------------------------------- reading


@dataclass
class Opened:
    """A signed Message whose signature checked against its own certificate (trust is checked apart)."""

    message_id: uuid.UUID
    kind: str
    sender: str
    receiver: str
    payload: bytes
    root: etree._Element  # the validated payload document
    certificate: x509.Certificate
    fingerprint: str
    sha256: str  # of the whole Message as received
    extra: dict = field(default_factory=dict)


def _b64(text: str | None, what: str) -> bytes:
    try:
        return base64.b64decode((text or "").encode("ascii"), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Refused(f"{what} base64 درستی نیست.", code="encoding") from exc


def open_message(data: bytes) -> Opened:
    """Check a received Message: well-formed, valid, signed over its payload by its certificate, and
    its header the same as the signed payload's."""
    root = parse(data)
    if root.tag != q("Message"):
        raise Refused("سند رسیده پیام تبادل (Message) نیست.", code="schema")
    payload = _b64(root.findtext(q("Payload")), "محتوای پیام")
    sig_node = root.find(q("Signature"))
    signature = _b64(sig_node.text, "امضای پیام")
    try:
        certificate = x509.load_der_x509_certificate(_b64(root.findtext(q("Certificate")), "گواهی پیام"))
    except ValueError as exc:
        raise Refused("گواهی پیام خوانده نشد.", code="certificate") from exc
    if not keys.verify_bytes(certificate.public_key(), signature, payload, sig_node.get("algorithm")):
        raise Refused("امضای پیام با محتوای آن نمی‌خواند.", code="signature")
    inner = parse(payload, what="محتوای پیام")
    kind = root.get("kind")
    expected = {"letter": "Letter", "receipt": "Receipt", "inquiry": "Inquiry", "answer": "Answer",
                "directory": "Directory"}[kind]
    if inner.tag != q(expected) or inner.get("id") != root.get("id"):
        raise Refused("سرآیند پیام با محتوای امضاشده آن یکی نیست.", code="header")
    if kind != "directory":
        sender, receiver = inner.find(q("From")).get("code"), inner.find(q("To")).get("code")
        if (sender, receiver) != (root.get("from"), root.get("to")):
            raise Refused("فرستنده یا گیرنده سرآیند با محتوای امضاشده یکی نیست.", code="header")
    return Opened(
        message_id=uuid.UUID(root.get("id")), kind=kind, sender=root.get("from"), receiver=root.get("to"),
        payload=payload, root=inner, certificate=certificate, fingerprint=keys.fingerprint(certificate),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def files_of(root: etree._Element) -> tuple[FilePart, list[FilePart]]:
    """The Document and Attachments of a Letter, each checked against its declared size and SHA-256."""
    parts = []
    for node in [root.find(q("Document")), *root.findall(q("Attachment"))]:
        content = _b64(node.text, "پرونده")
        part = FilePart(node.get("name"), node.get("type"), content)
        if len(content) != int(node.get("size")) or part.sha256 != node.get("sha256"):
            raise Refused(f"چکیده یا اندازه پرونده «{part.name}» با محتوای آن نمی‌خواند.", code="file_hash")
        parts.append(part)
    return parts[0], parts[1:]


def party(root: etree._Element, tag: str) -> tuple[str, str]:
    node = root.find(q(tag))
    return node.get("code"), node.get("name")


def day(node) -> dt.date | None:
    return dt.date.fromisoformat(node.get("iso")) if node is not None else None
