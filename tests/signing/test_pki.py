"""Agency CA, position certificates, keys at rest, import of outside certificates, revocation and CRL."""

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.utils import timezone

from dabir.core.audit import verify as verify_audit
from dabir.core.errors import Conflict, DomainError, NotAllowed
from dabir.core.models import AuditEntry
from dabir.orgs.services import make_agency_admin
from dabir.signing import keys, services
from dabir.signing.models import Authority, Certificate, CertificateStatus
from tests.factories import make_user, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(world):
    user = make_user(first_name="مدیر", last_name="سامانه")
    make_agency_admin(actor=None, user=user, agency=world.agency)
    return user


@pytest.fixture
def ca(world, admin):
    return services.create_authority(user=admin, agency=world.agency)


def _ku(cert):
    return cert.extensions.get_extension_for_class(x509.KeyUsage)


def test_agency_ca_is_a_self_signed_root_with_cert_and_crl_signing(ca, world):
    cert = keys.load_certificate(ca.certificate_pem)
    assert cert.issuer == cert.subject
    cert.verify_directly_issued_by(cert)
    basic = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical and basic.value.ca is True
    usage = _ku(cert)
    assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign
    assert not usage.value.digital_signature
    assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    assert cert.public_key().curve.name == "secp256r1"
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == keys.dn_value(world.agency.name)
    assert keys.name_is_portable(cert.subject)
    assert keys.authority_for(world.agency) == ca
    assert AuditEntry.objects.filter(action="signing.create_authority", object_id=str(ca.pk)).exists()
    assert verify_audit().ok


def test_rsa_3072_authority(world):
    authority = services.create_authority(agency=world.agency, key_type="rsa")
    cert = keys.load_certificate(authority.certificate_pem)
    assert isinstance(cert.public_key(), rsa.RSAPublicKey) and cert.public_key().key_size == 3072
    issued = services.issue_certificate(position=world.manager_pos)
    keys.load_certificate(issued.certificate_pem).verify_directly_issued_by(cert)


def test_one_active_ca_per_agency_and_only_agency_admins_create_it(world, admin, ca):
    with pytest.raises(Conflict):
        services.create_authority(user=admin, agency=world.agency)
    other_world = make_world("فرمانداری")
    with pytest.raises(NotAllowed):
        services.create_authority(user=admin, agency=other_world.agency)
    with pytest.raises(NotAllowed):
        services.create_authority(user=world.manager, agency=other_world.agency)


def test_position_certificate_fields(ca, world, admin):
    cert_row = services.issue_certificate(user=admin, position=world.manager_pos)
    cert = keys.load_certificate(cert_row.certificate_pem)
    cert.verify_directly_issued_by(keys.load_certificate(ca.certificate_pem))
    usage = _ku(cert).value
    assert usage.digital_signature and usage.content_commitment  # content_commitment = nonRepudiation
    assert not usage.key_cert_sign
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    cn = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert cn == "علی مدیری"  # the holder; the position is the title attribute
    assert cert.subject.get_attributes_for_oid(NameOID.TITLE)[0].value == "مدیرکل"
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == keys.dn_value(world.agency.name)
    assert keys.name_is_portable(cert.subject) and keys.name_is_portable(cert.issuer)
    # two years by default
    life = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert dt.timedelta(days=729) < life < dt.timedelta(days=731)
    assert cert_row.serial == format(cert.serial_number, "x")
    assert cert.serial_number.bit_length() > 100  # random, not a counter
    second = services.issue_certificate(user=admin, position=world.manager_pos, days=30)
    assert second.serial != cert_row.serial
    assert dt.timedelta(days=29) < second.not_after - second.not_before < dt.timedelta(days=31)
    assert cert_row.status == CertificateStatus.VALID


def test_only_the_agency_admin_issues(world, ca):
    with pytest.raises(NotAllowed):
        services.issue_certificate(user=world.manager, position=world.manager_pos)


def test_issue_without_a_ca_is_refused_in_persian(world):
    with pytest.raises(Conflict) as exc:
        services.issue_certificate(position=world.manager_pos)
    assert "مرجع صدور" in exc.value.message


def test_bad_validity_is_refused(world, ca):
    with pytest.raises(DomainError) as exc:
        services.issue_certificate(position=world.manager_pos, days=0)
    assert exc.value.field == "days"


def test_private_keys_are_stored_encrypted(world, ca, settings):
    cert_row = services.issue_certificate(position=world.manager_pos)
    for pem in (ca.private_key_pem, cert_row.private_key_pem):
        assert pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
        with pytest.raises(TypeError):  # no password: refused
            serialization.load_pem_private_key(pem.encode(), password=None)
    key, cert, chain = keys.signer_material(cert_row)
    assert keys.same_public_key(key, cert)
    assert chain and chain[0].subject == cert.issuer
    # Another deployment's key cannot open it.
    settings.DABIR_SIGNING_KEY = "another-deployment"
    with pytest.raises(DomainError) as exc:
        keys.signer_material(cert_row)
    assert "DABIR_SIGNING_KEY" in exc.value.message


# ---------------------------------------------------------------- outside authorities


def _national_ca(name="مرکز صدور گواهی ملی"):
    return keys.build_ca(agency_name="دولت", common_name=name)


def _national_position_cert(ca_cert, ca_key, days=365):
    return keys.build_position_certificate(
        ca_cert=ca_cert, ca_key=ca_key, common_name="علی مدیری — مدیرکل", agency_name="استانداری", days=days,
    )


def test_import_outside_authority_then_pkcs12_position_certificate(world, admin):
    root_cert, root_key = _national_ca()
    authority = services.import_authority(user=admin, agency=world.agency, certificate_pem=keys.certificate_pem(root_cert))
    assert authority.kind == Authority.Kind.EXTERNAL and not authority.has_key
    cert, key = _national_position_cert(root_cert, root_key)
    p12 = pkcs12.serialize_key_and_certificates(
        b"ali", key, cert, [root_cert], serialization.BestAvailableEncryption(b"p12-pass")
    )
    row = services.import_certificate(user=admin, position=world.manager_pos, content=p12, password="p12-pass")
    assert row.imported and row.authority == authority and row.has_key
    assert row.private_key_pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    key2, cert2, chain = keys.signer_material(row)
    assert cert2 == cert and keys.same_public_key(key2, cert) and chain == [root_cert]


def test_import_pem_with_key_and_through_an_intermediate(world, admin):
    root_cert, root_key = _national_ca()
    services.import_authority(user=admin, agency=world.agency, certificate_pem=keys.certificate_pem(root_cert))
    # an intermediate CA under the national root
    inter_key = ec.generate_private_key(ec.SECP256R1())
    now = timezone.now()
    inter = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "میانی")]))
        .issuer_name(root_cert.subject)
        .public_key(inter_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=900))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(root_key, keys.hashes.SHA256())
    )
    cert, key = _national_position_cert(inter, inter_key)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    content = (keys.certificate_pem(cert) + keys.certificate_pem(inter)).encode()
    row = services.import_certificate(user=admin, position=world.manager_pos, content=content, key_pem=key_pem)
    assert row.chain_pem.strip() == keys.certificate_pem(inter).strip()
    _, _, chain = keys.signer_material(row)
    assert chain == [inter, root_cert]


def test_import_refusals(world, admin):
    root_cert, root_key = _national_ca()
    cert, key = _national_position_cert(root_cert, root_key)
    pem = keys.certificate_pem(cert).encode()
    # root not trusted yet
    with pytest.raises(DomainError) as exc:
        services.import_certificate(user=admin, position=world.manager_pos, content=pem)
    assert "اعتماد" in exc.value.message
    services.import_authority(user=admin, agency=world.agency, certificate_pem=keys.certificate_pem(root_cert))
    # a key that is not the certificate's
    other_key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(DomainError) as exc:
        services.import_certificate(user=admin, position=world.manager_pos, content=pem, key_pem=other_key)
    assert exc.value.field == "key"
    # wrong PKCS#12 password, garbage
    p12 = pkcs12.serialize_key_and_certificates(b"x", key, cert, None, serialization.BestAvailableEncryption(b"right"))
    with pytest.raises(DomainError):
        services.import_certificate(user=admin, position=world.manager_pos, content=p12, password="wrong")
    with pytest.raises(DomainError):
        services.import_certificate(user=admin, position=world.manager_pos, content=b"not a certificate")
    # a position certificate is not an authority
    with pytest.raises(DomainError):
        services.import_authority(user=admin, agency=world.agency, certificate_pem=pem)
    # certificate only (no key) is accepted, but it cannot sign here
    row = services.import_certificate(user=admin, position=world.manager_pos, content=pem)
    assert not row.has_key
    with pytest.raises(Conflict):
        services.import_certificate(user=admin, position=world.manager_pos, content=pem)
    with pytest.raises(NotAllowed):
        services.import_certificate(user=world.manager, position=world.manager_pos, content=pem)


# ---------------------------------------------------------------- revocation and CRL


def test_revocation_records_time_and_reason_and_appears_in_the_crl(world, admin, ca):
    cert_row = services.issue_certificate(user=admin, position=world.manager_pos)
    kept = services.issue_certificate(user=admin, position=world.expert_pos)
    before = timezone.now()
    services.revoke_certificate(user=admin, certificate=cert_row, reason="key_compromise", note="گم شدن رایانه")
    cert_row.refresh_from_db()
    assert cert_row.revoked_at >= before and cert_row.revocation_reason == "key_compromise"
    assert cert_row.status == CertificateStatus.REVOKED
    assert cert_row.status_at(before - dt.timedelta(seconds=1)) == CertificateStatus.VALID
    with pytest.raises(Conflict):
        services.revoke_certificate(user=admin, certificate=cert_row)

    crl = x509.load_der_x509_crl(services.crl_der(world.agency))
    ca_cert = keys.load_certificate(ca.certificate_pem)
    assert crl.is_signature_valid(ca_cert.public_key())
    assert crl.issuer == ca_cert.subject
    entry = crl.get_revoked_certificate_by_serial_number(int(cert_row.serial, 16))
    assert entry is not None
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == x509.ReasonFlags.key_compromise
    assert abs(entry.revocation_date_utc - cert_row.revoked_at) < dt.timedelta(seconds=1)
    assert crl.get_revoked_certificate_by_serial_number(int(kept.serial, 16)) is None
    number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    # served again unchanged until something is revoked (or the re-issue period passes)
    assert services.crl_der(world.agency) == services.crl_der(world.agency)
    services.revoke_certificate(user=admin, certificate=kept, reason="superseded")
    again = x509.load_der_x509_crl(services.crl_der(world.agency))
    assert again.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == number + 1
    assert again.get_revoked_certificate_by_serial_number(int(kept.serial, 16)) is not None
    assert again.is_signature_valid(ca_cert.public_key())


def test_revoke_permissions_and_reason(world, admin, ca):
    cert_row = services.issue_certificate(user=admin, position=world.manager_pos)
    with pytest.raises(NotAllowed):
        services.revoke_certificate(user=world.expert, certificate=cert_row)
    with pytest.raises(DomainError):
        services.revoke_certificate(user=admin, certificate=cert_row, reason="because")
    # the holder may revoke their own certificate (e.g. a lost key)
    services.revoke_certificate(user=world.manager, certificate=cert_row, reason="key_compromise")
    assert Certificate.objects.get(pk=cert_row.pk).revoked_at is not None


def test_rotation_retired_ca_keeps_old_certificates_verifiable(world, admin, ca):
    old = services.issue_certificate(user=admin, position=world.manager_pos)
    services.retire_authority(user=admin, authority=ca)
    new_ca = services.create_authority(user=admin, agency=world.agency, name="مرجع دوم")
    new = services.issue_certificate(user=admin, position=world.manager_pos)
    assert new.authority == new_ca and old.authority == ca
    assert len(keys.trusted_roots(world.agency)) == 2
    keys.load_certificate(old.certificate_pem).verify_directly_issued_by(keys.load_certificate(ca.certificate_pem))


@pytest.mark.parametrize("text", [
    "استانداری آزمون 68", "کارشناس IT فناوری", "۲ منطقه شهرداری", "اداره\u200cکل راه و شهرسازی", "Ministry of Roads",
    "مدیرکل (امور مالی)", "علی مدیری — مدیرکل", "مرجع صدور گواهی استانداری آزمون شماره 68 در استان خوزستان ایران",
])
def test_persian_names_pass_rfc4518_preparation(text):
    value = keys.dn_value(text)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, value)])
    assert keys.name_is_portable(name)
    assert value.replace("\u0640", "")  # nothing vanished entirely
    assert len(value.encode("utf-8")) <= 64
    if text.isascii():
        assert value == text
    mixed = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "استانداری 68")])
    assert not keys.name_is_portable(mixed)  # why dn_value exists


def test_import_refuses_certificates_with_names_validators_reject(world, admin):
    root, root_key = _national_ca()
    services.import_authority(user=admin, agency=world.agency, certificate_pem=keys.certificate_pem(root))
    now = timezone.now()
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "کارشناس IT")]))
        .issuer_name(root.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .sign(root_key, keys.hashes.SHA256())
    )
    with pytest.raises(DomainError) as exc:
        services.import_certificate(user=admin, position=world.manager_pos, content=keys.certificate_pem(cert).encode())
    assert "RFC 4518" in exc.value.message
