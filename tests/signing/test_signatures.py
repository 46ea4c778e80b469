"""Signing letters: canonical bytes, versions, circuits, tamper detection, certificate status, time-stamps."""

import base64
import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.utils import timezone

from dabir.core.audit import verify as verify_audit
from dabir.core.errors import Conflict, DomainError, NotAllowed, NotFound
from dabir.core.models import AuditEntry
from dabir.letters import services as letters
from dabir.letters.models import Letter
from dabir.orgs.models import Assignment
from dabir.signing import canonical, codes, keys, selectors, services
from dabir.signing.models import Certificate, LetterVersion, Signature, SigningStep
from dabir.signing.verify import verify_version
from tests.factories import PDF_BYTES, make_draft, make_position, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def ca(world):
    authority = services.create_authority(agency=world.agency)
    services.issue_certificate(position=world.manager_pos)
    return authority


def submitted(world, **kw):
    letter = make_draft(world, **kw)
    letters.submit_for_signature(user=world.expert, seat=world.seat(world.expert_pos), letter=letter)
    letter.refresh_from_db()
    return letter


def sign_as_manager(world, letter):
    return services.sign(user=world.manager, seat=world.seat(world.manager_pos), letter=letter)


def with_attachment(world):
    return submitted(world, uploads=[letters.Upload(name="گزارش.pdf", content=PDF_BYTES)])


def parts_failed(report):
    return report.failed()


# ---------------------------------------------------------------- canonical form


def test_canonical_bytes_are_deterministic_and_cover_the_content(world):
    letter = with_attachment(world)
    raw = canonical.canonical_bytes(letter)
    assert raw == canonical.canonical_bytes(Letter.objects.get(pk=letter.pk))
    data = json.loads(raw)
    assert list(data) == sorted(data)
    assert data["subject"] == letter.subject and data["body"] == letter.body
    assert data["classification"] == "unclassified" and data["urgency"] == "normal"
    assert data["recipients"][0]["position"]["code"] == world.other_pos.code
    assert data["sender"]["signer"]["code"] == world.manager_pos.code
    assert data["attachments"][0]["sha256"] == letter.attachments.get().sha256
    assert "گزارش" in raw.decode("utf-8")  # UTF-8, not \\u escapes
    assert canonical.content_sha256(letter) == canonical.sha256(raw)
    Letter.objects.filter(pk=letter.pk).update(subject=letter.subject + ".")
    assert canonical.content_sha256(Letter.objects.get(pk=letter.pk)) != canonical.sha256(raw)


# ---------------------------------------------------------------- signing and verification


def test_sign_and_verify(world, ca):
    letter = with_attachment(world)
    sig = sign_as_manager(world, letter)
    assert sig.algorithm == keys.ALG_ECDSA and sig.order == 1 and not sig.as_acting
    assert sig.timestamp_token == ""  # no TSA configured
    version = sig.version
    assert version.number == 1 and codes.is_valid(version.code)
    assert version.content_sha256 == canonical.content_sha256(letter)
    report = verify_version(version)
    assert report.ok, report.checks
    assert {c.part for c in report.checks} == {"content", "attachments", "signature", "certificate"}
    for _part, ok, message in report.checks:
        assert ok and message
    assert report.signatures[0].certificate_status == "valid"
    assert AuditEntry.objects.filter(action="signing.sign", object_id=str(sig.pk)).exists()
    assert verify_audit().ok
    step = SigningStep.objects.get(letter=letter)
    assert step.state == "signed" and step.signature == sig


def test_number_given_after_signing_keeps_the_signature_valid(world, ca):
    letter = submitted(world)
    sig = sign_as_manager(world, letter)
    letters.approve(user=world.manager, seat=world.seat(world.manager_pos), letter=letter)
    letters.register_letter(user=world.clerk, letter=letter)
    letter.refresh_from_db()
    assert letter.number
    assert verify_version(sig.version).ok
    # but another change of content is caught
    Letter.objects.filter(pk=letter.pk).update(number=letter.number + "9")
    assert verify_version(sig.version).ok  # signed without a number: a number is not part of it
    Letter.objects.filter(pk=letter.pk).update(subject="موضوع دیگر")
    assert parts_failed(verify_version(sig.version)) == ["content"]


def test_flipped_byte_in_the_body_fails_content(world, ca):
    letter = with_attachment(world)
    sig = sign_as_manager(world, letter)
    body = bytearray(letter.body.encode("utf-8"))
    body[3] ^= 0x01
    Letter.objects.filter(pk=letter.pk).update(body=body.decode("utf-8", "replace"))
    report = verify_version(sig.version)
    assert not report.ok
    assert parts_failed(report) == ["content"]
    assert any("متن" in c.message for c in report.checks if c.part == "content" and not c.ok)


def test_flipped_byte_in_an_attachment_on_disk_fails_attachments(world, ca):
    letter = with_attachment(world)
    sig = sign_as_manager(world, letter)
    att = letter.attachments.get()
    path = att.file.path
    with open(path, "rb") as fh:
        data = bytearray(fh.read())
    data[10] ^= 0xFF
    with open(path, "wb") as fh:
        fh.write(bytes(data))
    report = verify_version(sig.version)
    assert parts_failed(report) == ["attachments"]
    assert any("گزارش.pdf" in c.message for c in report.checks if not c.ok)


def test_flipped_byte_in_the_stored_signature_fails_signature(world, ca):
    letter = submitted(world)
    sig = sign_as_manager(world, letter)
    raw = bytearray(base64.b64decode(sig.value))
    raw[-5] ^= 0x01
    Signature.objects.filter(pk=sig.pk).update(value=base64.b64encode(bytes(raw)).decode())
    report = verify_version(sig.version)
    assert parts_failed(report) == ["signature"]
    assert report.signatures[0].signature_ok is False


def test_altered_stored_canonical_text_fails_content_and_signature(world, ca):
    letter = submitted(world)
    sig = sign_as_manager(world, letter)
    version = sig.version
    LetterVersion.objects.filter(pk=version.pk).update(canonical=version.canonical.replace("متن", "منن"))
    assert set(parts_failed(verify_version(version))) == {"content", "signature"}


def test_certificate_from_another_authority_is_untrusted(world, ca):
    letter = submitted(world)
    sig = sign_as_manager(world, letter)
    foreign_cert, foreign_key = keys.build_ca(agency_name="جعلی", common_name="جعلی")
    fake, _ = keys.build_position_certificate(
        ca_cert=foreign_cert, ca_key=foreign_key, common_name="جعلی", agency_name="جعلی"
    )
    Certificate.objects.filter(pk=sig.certificate_id).update(certificate_pem=keys.certificate_pem(fake))
    report = verify_version(sig.version)
    assert {"signature", "certificate"} <= set(parts_failed(report))


# ---------------------------------------------------------------- certificate status


def test_revoked_after_signing_is_valid_at_signing_time_with_the_revocation_time(world, ca):
    letter = submitted(world)
    sig = sign_as_manager(world, letter)
    services.revoke_certificate(certificate=sig.certificate, reason="superseded")
    report = verify_version(sig.version)
    assert report.ok
    cert_check = next(c for c in report.checks if c.part == "certificate")
    assert "هنگام امضا معتبر بود" in cert_check.message and "ابطال" in cert_check.message
    srep = report.signatures[0]
    assert srep.certificate_status == "valid" and srep.status_now == "revoked"
    assert srep.revoked_at == Certificate.objects.get(pk=sig.certificate_id).revoked_at


def test_signature_made_with_a_revoked_certificate_fails(world, ca):
    letter = submitted(world)
    sig = sign_as_manager(world, letter)
    revoked_at = sig.signed_at - dt.timedelta(hours=1)
    services.revoke_certificate(certificate=sig.certificate, reason="key_compromise", at=revoked_at)
    report = verify_version(sig.version)
    assert parts_failed(report) == ["certificate"]
    check = next(c for c in report.checks if c.part == "certificate")
    assert "هنگام امضا ابطال شده بود" in check.message
    from dabir.core.jalali import format_datetime

    assert format_datetime(revoked_at) in check.message
    assert report.signatures[0].certificate_status == "revoked"


def test_expired_certificates(world, ca):
    letter = submitted(world)
    sig = sign_as_manager(world, letter)
    # expired long after signing: fine then, reported as expired now
    later = sig.certificate.not_after + dt.timedelta(days=1)
    report = verify_version(sig.version, at=later)
    assert report.ok and report.signatures[0].status_now == "expired"
    # a certificate that had expired before the signature
    Certificate.objects.filter(pk=sig.certificate_id).update(not_after=sig.signed_at - dt.timedelta(days=1))
    report = verify_version(sig.version)
    assert parts_failed(report) == ["certificate"]
    assert report.signatures[0].certificate_status == "expired"


def test_signing_is_refused_without_a_valid_certificate(world, ca):
    letter = submitted(world)
    cert = Certificate.objects.get(position=world.manager_pos)
    services.revoke_certificate(certificate=cert, reason="key_compromise")
    with pytest.raises(DomainError) as exc:
        sign_as_manager(world, letter)
    assert "گواهی" in exc.value.message
    assert not LetterVersion.objects.filter(letter=letter).exists()  # rolled back
    services.issue_certificate(position=world.manager_pos)
    assert sign_as_manager(world, letter).certificate != cert


def test_a_signature_image_alone_never_counts(world, ca):
    from tests.factories import PNG_BYTES

    services.upload_signature_image(user=world.manager, seat=world.seat(world.manager_pos), content=PNG_BYTES)
    letter = submitted(world)
    assert not selectors.versions_of(letter)
    services.new_version(letter)
    report = verify_version(letter.versions.get())
    assert not report.ok and parts_failed(report) == ["signature"]
    with pytest.raises(DomainError):
        services.upload_signature_image(user=world.manager, seat=world.seat(world.manager_pos), content=b"GIF89a...")


# ---------------------------------------------------------------- versions


def test_editing_a_signed_letter_makes_a_new_version_and_the_old_stays_verifiable(world, ca):
    letter = submitted(world)
    first = sign_as_manager(world, letter)
    manager_seat, expert_seat = world.seat(world.manager_pos), world.seat(world.expert_pos)
    letters.return_to_author(user=world.manager, seat=manager_seat, letter=letter, note="اصلاح شود")
    letters.update_draft(
        user=world.expert, seat=expert_seat, letter=letter, subject="گزارش اصلاح‌شده", body="<p>متن تازه</p>",
        to=[world.other_pos.id], cc=[], signer_position_id=world.manager_pos.id, urgency="normal",
        classification="unclassified", keywords="", links=[],
    )
    letters.submit_for_signature(user=world.expert, seat=expert_seat, letter=letter)
    v2 = services.new_version(letter)
    assert v2.number == 2 and v2.code != first.version.code
    assert services.new_version(letter) == v2  # nothing changed since: no third version
    # the circuit starts again: a new signature is needed
    assert SigningStep.objects.get(letter=letter).state == "pending"
    assert not verify_version(v2).ok
    assert verify_version(first.version).ok  # the old version and its code stay verifiable
    assert selectors.version_by_code(first.version.code) == first.version
    second = sign_as_manager(world, letter)
    assert second.version == v2 and verify_version(v2).ok
    assert json.loads(v2.canonical)["subject"] == "گزارش اصلاح‌شده"
    assert json.loads(first.version.canonical)["subject"] == "گزارش پیشرفت طرح"


# ---------------------------------------------------------------- circuit


@pytest.fixture
def circuit(world, ca):
    deputy = make_user(first_name="حسن", last_name="معاون")
    director = make_user(first_name="سارا", last_name="مدیرکل")
    deputy_pos = make_position(world.unit, "معاون", holder=deputy, can_sign=True)
    director_pos = make_position(world.unit, "مدیر ارشد", holder=director, can_sign=True)
    services.issue_certificate(position=deputy_pos)
    services.issue_certificate(position=director_pos)
    letter = submitted(world)
    services.set_circuit(
        letter, [world.manager_pos, deputy_pos, director_pos], user=world.expert, seat=world.seat(world.expert_pos)
    )
    return letter, [(world.manager, world.manager_pos), (deputy, deputy_pos), (director, director_pos)]


def _pending(pos):
    holder = pos.assignments.get().user
    return list(selectors.pending_signatures(holder, pos.id).values_list("id", flat=True))


def test_circuit_signs_in_order(world, circuit):
    letter, signers = circuit
    (u1, p1), (u2, p2), (u3, p3) = signers
    assert _pending(p1) == [letter.id] and _pending(p2) == [] and _pending(p3) == []
    with pytest.raises(Conflict) as exc:
        services.sign(user=u2, seat=world.seat(p2), letter=letter)
    assert "نوبت" in exc.value.message
    services.sign(user=u1, seat=world.seat(p1), letter=letter)
    assert _pending(p1) == [] and _pending(p2) == [letter.id]
    with pytest.raises(Conflict):
        services.sign(user=u1, seat=world.seat(p1), letter=letter)
    with pytest.raises(Conflict):  # the circuit is fixed once someone signed
        services.set_circuit(letter, [p2, p1])
    services.sign(user=u2, seat=world.seat(p2), letter=letter)
    last = services.sign(user=u3, seat=world.seat(p3), letter=letter)
    assert _pending(p3) == []
    version = last.version
    assert list(version.signatures.values_list("position_id", "order")) == [(p1.id, 1), (p2.id, 2), (p3.id, 3)]
    report = verify_version(version)
    assert report.ok and len(report.signatures) == 3
    with pytest.raises(NotAllowed):
        services.sign(user=world.other, seat=world.seat(world.other_pos), letter=letter)


def test_a_return_in_the_circuit_goes_to_the_author_and_signing_starts_again(world, circuit):
    """Returning is one act (letters.services.return_to_author) from the page or the API's reject."""
    letter, signers = circuit
    (u1, p1), (u2, p2), (u3, p3) = signers
    letters.approve(user=u1, seat=world.seat(p1), letter=letter)
    with pytest.raises(DomainError):
        letters.return_to_author(user=u2, seat=world.seat(p2), letter=letter, note="  ")
    with pytest.raises(NotAllowed):
        letters.return_to_author(user=u3, seat=world.seat(p3), letter=letter, note="نه")
    letters.return_to_author(user=u2, seat=world.seat(p2), letter=letter, note="بند دوم روشن نیست")
    letter.refresh_from_db()
    assert letter.status == "draft"
    steps = list(letter.signing_steps.order_by("order").values_list("state", "note"))
    assert steps == [("pending", ""), ("rejected", "بند دوم روشن نیست"), ("pending", "")]
    assert _pending(p1) == [] and _pending(p2) == []  # a draft waits for nobody's signature
    assert AuditEntry.objects.filter(action="letter.return_to_author", object_id=str(letter.pk)).count() == 1
    # the author sends it again: the circuit starts from the first signer, who signs the same content again
    letters.submit_for_signature(user=world.expert, seat=world.seat(world.expert_pos), letter=letter)
    assert _pending(p1) == [letter.id]
    letters.approve(user=u1, seat=world.seat(p1), letter=letter)
    assert Signature.objects.filter(version__letter=letter, position=p1).count() == 1
    assert _pending(p2) == [letter.id]


def test_set_circuit_refusals(world, circuit):
    letter, signers = circuit
    (_, p1), (_, p2), _ = signers
    with pytest.raises(DomainError):
        services.set_circuit(letter, [p1, p1])
    with pytest.raises(DomainError):
        services.set_circuit(letter, [world.other_pos])  # cannot sign
    with pytest.raises(DomainError):
        services.set_circuit(letter, [])
    with pytest.raises(NotAllowed):
        services.set_circuit(letter, [p2], user=world.other, seat=world.seat(world.other_pos))


def test_acting_signer_is_recorded(world, ca):
    acting = make_user(first_name="نرگس", last_name="جانشین")
    Assignment.objects.create(
        user=acting, position=world.manager_pos, role=Assignment.Role.ACTING,
        starts_at=timezone.now() - dt.timedelta(hours=1), ends_at=timezone.now() + dt.timedelta(days=1),
    )
    letter = submitted(world)
    sig = services.sign(user=acting, seat=world.seat(world.manager_pos, acting=True), letter=letter)
    assert sig.as_acting and sig.user == acting
    assert AuditEntry.objects.get(action="signing.sign", object_id=str(sig.pk)).as_acting
    assert "جانشین" in next(c.message for c in verify_version(sig.version).checks if c.part == "signature")


def test_someone_without_the_seat_cannot_sign(world, ca):
    letter = submitted(world)
    with pytest.raises(NotAllowed):
        services.sign(user=world.expert, seat=world.seat(world.manager_pos), letter=letter)


def test_drafts_are_not_signed(world, ca):
    letter = make_draft(world)
    with pytest.raises(Conflict):
        sign_as_manager(world, letter)


# ---------------------------------------------------------------- verification codes


def test_codes_detect_every_single_typo():
    code = codes.generate()
    assert codes.is_valid(code) and len(code) == 11
    assert not set(code) & set("01IO")
    for i in range(len(code)):
        for ch in codes.ALPHABET:
            if ch != code[i]:
                assert not codes.is_valid(code[:i] + ch + code[i + 1 :])


def test_version_by_code_normalises_and_checks_before_the_database(world, ca, django_assert_num_queries):
    letter = submitted(world)
    version = sign_as_manager(world, letter).version
    display = version.display_code
    assert display.count("-") == 2
    persian = display.lower().translate(str.maketrans("23456789", "۲۳۴۵۶۷۸۹")).replace("-", " - ")
    assert selectors.version_by_code(persian) == version
    wrong = version.code[:-1] + next(c for c in codes.ALPHABET if c != version.code[-1])
    with django_assert_num_queries(0):
        with pytest.raises(DomainError) as exc:
            selectors.version_by_code(wrong)
    assert exc.value.code == "code_check"
    with django_assert_num_queries(0):
        with pytest.raises(DomainError):
            selectors.version_by_code("<script>")
        with pytest.raises(DomainError):
            selectors.version_by_code("")
    unknown = codes.generate()
    with pytest.raises(NotFound):
        selectors.version_by_code(unknown)


# ---------------------------------------------------------------- RFC 3161 time-stamps


def _tsa_server():
    from pyhanko.sign.timestamps import DummyTimeStamper

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # pyHanko's test TSA signs with RSA
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "TSA آزمون")])
    now = timezone.now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, keys.hashes.SHA256())
    )
    stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption())
        ),
    )

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            req = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            body = stamper.request_tsa_response(req).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_rfc3161_timestamp_only_when_a_tsa_is_configured(world, ca, settings):
    server = _tsa_server()
    try:
        settings.DABIR_TSA_URL = f"http://127.0.0.1:{server.server_port}/"
        letter = submitted(world)
        sig = sign_as_manager(world, letter)
    finally:
        server.shutdown()
    assert sig.timestamp_token and sig.timestamp_at is not None
    assert abs(sig.timestamp_at - sig.signed_at) < dt.timedelta(minutes=1)
    report = verify_version(sig.version)
    assert report.ok and report.signatures[0].timestamped
    assert any(c.part == "timestamp" and c.ok for c in report.checks)
    # a token that does not belong to this signature
    raw = bytearray(base64.b64decode(sig.value))
    raw[-3] ^= 1
    Signature.objects.filter(pk=sig.pk).update(value=base64.b64encode(bytes(raw)).decode())
    assert {"signature", "timestamp"} <= set(verify_version(sig.version).failed())


def test_an_unreachable_tsa_refuses_in_persian(world, ca, settings):
    settings.DABIR_TSA_URL = "http://127.0.0.1:9/"
    settings.DABIR_TSA_TIMEOUT = 2
    letter = submitted(world)
    with pytest.raises(DomainError) as exc:
        sign_as_manager(world, letter)
    assert "مهر زمانی" in exc.value.message
    assert not Signature.objects.exists()
