"""What the receiver refuses, each with a clear code and a logged Refusal, never a 500."""

import base64
import uuid

import pytest
from django.test import Client
from lxml import etree

from dabir.exchange import envelope, services
from dabir.exchange.envelope import q
from dabir.exchange.models import Arrival, Direction, Message, Refusal
from dabir.exchange.services._shared import sign_as
from dabir.letters import services as letters

from ..factories import make_registered
from .conftest import drain

URL = "/exchange/v1/messages"


def _post(raw: bytes, content_type=envelope.CONTENT_TYPE):
    return Client().post(URL, data=raw, content_type=content_type)


def _sent_letter(pair, **kw) -> bytes:
    letter = make_registered(pair.a, kind="outgoing", to=[pair.b.agency.name], **kw)
    letters.dispatch(user=pair.a.clerk, letter=letter, channel="network")
    drain()
    return bytes(Message.objects.get(direction=Direction.OUT, kind="letter").raw)


def _refused(response, code: str):
    assert response.status_code in (400, 413, 415), response.content
    body = response.json()
    assert body["type"].rsplit("/", 1)[1] == code, body
    assert body["detail"]  # a Persian sentence
    return body


def _payload(raw: bytes) -> bytes:
    return base64.b64decode(etree.fromstring(raw).findtext(q("Payload")))


def _resign(pair, payload: bytes, *, message_id=None) -> bytes:
    """A payload re-signed with the sender's real key (what a sender with a bug or bad intent could send)."""
    root = etree.fromstring(payload)
    message_id = message_id or uuid.UUID(root.get("id"))
    root.set("id", str(message_id))
    payload = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return sign_as(pair.ma, payload, message_id=message_id, kind="letter", receiver=pair.mb.code)


def test_a_flipped_byte_in_flight_is_refused_and_logged(pair):
    raw = bytearray(_sent_letter(pair))
    payload_at = raw.index(b"<Payload>") + 200
    raw[payload_at] = ord("A") if raw[payload_at] != ord("A") else ord("B")
    before = Refusal.objects.count()
    _refused(_post(bytes(raw)), "signature")
    assert Refusal.objects.count() == before + 1
    assert Refusal.objects.latest("id").code == "signature"


def test_a_flipped_byte_in_a_stored_message_is_found(pair):
    """The log keeps exact bytes: re-opening a damaged copy fails the signature check."""
    raw = bytearray(_sent_letter(pair))
    at = raw.index(b"<Signature") + 60
    raw[at] = ord("A") if raw[at] != ord("A") else ord("B")
    with pytest.raises(envelope.Refused) as caught:
        envelope.open_message(bytes(raw))
    assert caught.value.code in ("signature", "encoding")


def test_a_swapped_attachment_is_refused(pair):
    payload = _payload(_sent_letter(pair))
    root = etree.fromstring(payload)
    document = root.find(q("Document"))
    document.text = base64.b64encode(b"%PDF-1.4 another document").decode()
    raw = _resign(pair, etree.tostring(root, xml_declaration=True, encoding="UTF-8"), message_id=uuid.uuid4())
    _refused(_post(raw), "file_hash")
    assert Arrival.objects.count() == 1  # only the honest one


def test_a_replayed_id_with_other_content_is_refused(pair):
    raw = _sent_letter(pair)
    root = etree.fromstring(_payload(raw))
    root.find(q("Subject")).text = "موضوع دیگر"
    forged = _resign(pair, etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    _refused(_post(forged), "replay")
    assert Arrival.objects.count() == 1


def test_the_same_message_again_over_http_gets_the_same_receipt(pair):
    raw = _sent_letter(pair)
    first = _post(raw)
    second = _post(raw)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert Arrival.objects.count() == 1


def test_a_revoked_certificate_is_refused(pair):
    raw = _sent_letter(pair)
    credential = pair.ma.credentials.get()
    services.revoke_credential(credential=credential)
    root = etree.fromstring(_payload(raw))
    forged = sign_as_unchecked(pair, credential, etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    _refused(_post(forged), "revoked_certificate")


def sign_as_unchecked(pair, credential, payload: bytes) -> bytes:
    from dabir.signing import keys

    message_id = uuid.uuid4()
    root = etree.fromstring(payload)
    root.set("id", str(message_id))
    payload = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return envelope.sign(payload, message_id=message_id, kind="letter", sender=pair.ma.code, receiver=pair.mb.code,
                         key=keys.decrypt_private_key(credential.private_key_pem),
                         certificate=keys.load_certificate(credential.certificate_pem))


def test_an_unknown_certificate_is_refused(pair):
    from dabir.signing import keys

    payload = _payload(_sent_letter(pair))
    key = keys.new_private_key("ec")
    stranger = services.credentials._certificate(
        subject=keys.load_certificate(pair.ma.certificate_pem).subject, issuer_cert=None, issuer_key=None,
        key=key, days=10)
    message_id = uuid.uuid4()
    root = etree.fromstring(payload)
    root.set("id", str(message_id))
    raw = envelope.sign(etree.tostring(root, xml_declaration=True, encoding="UTF-8"), message_id=message_id,
                        kind="letter", sender=pair.ma.code, receiver=pair.mb.code, key=key, certificate=stranger)
    _refused(_post(raw), "unknown_certificate")


def test_an_unknown_receiver_is_refused(pair):
    payload = _payload(_sent_letter(pair))
    message_id = uuid.uuid4()
    root = etree.fromstring(payload)
    root.set("id", str(message_id))
    root.find(q("To")).set("code", "nobody-here")
    raw = sign_as(pair.ma, etree.tostring(root, xml_declaration=True, encoding="UTF-8"), message_id=message_id,
                  kind="letter", receiver="nobody-here")
    _refused(_post(raw), "unknown_receiver")


@pytest.mark.parametrize("body, code", [
    (b"not xml at all", "xml_malformed"),
    (b"<?xml version='1.0'?><Message xmlns='urn:dabir:exchange:1'/>", "schema"),
    (b"<?xml version='1.0'?><!DOCTYPE m [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
     b"<Message xmlns='urn:dabir:exchange:1'>&x;</Message>", "xml_doctype"),
    (b"<?xml version='1.0'?><!DOCTYPE lol [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;'>]>"
     b"<Message>&b;</Message>", "xml_doctype"),
    (b"<Message xmlns='urn:dabir:exchange:1' version='1' id='x' kind='letter' from='a' to='b'>"
     b"<Payload>!!</Payload><Signature algorithm='ecdsa-sha256'>AA==</Signature><Certificate>AA==</Certificate></Message>",
     "schema"),
])
def test_malformed_and_hostile_documents_are_refused(db, body, code):
    _refused(_post(body), code)
    assert Refusal.objects.filter(code=code).exists()


def test_a_payload_that_breaks_the_schema_is_refused_even_when_signed(pair):
    payload = _payload(_sent_letter(pair))
    root = etree.fromstring(payload)
    message_id = uuid.uuid4()
    root.set("id", str(message_id))
    root.find(q("Classification")).text = "whatever"
    raw = sign_as(pair.ma, etree.tostring(root, xml_declaration=True, encoding="UTF-8"), message_id=message_id,
                  kind="letter", receiver=pair.mb.code)
    _refused(_post(raw), "schema")


def test_an_oversized_message_is_refused_before_it_is_read(db, settings):
    settings.DABIR_EXCHANGE_MAX_BYTES = 1000
    _refused(_post(b"x" * 2000), "too_large")


def test_a_wrong_content_type_is_refused(db):
    _refused(_post(b"{}", content_type="application/json"), "content_type")


def test_a_get_is_not_allowed(db):
    assert Client().get(URL).status_code == 405
