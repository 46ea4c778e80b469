"""Keys and X.509: key generation, encryption at rest, certificate building, raw signing.

Private keys live in the database only as PKCS#8 PEM encrypted with BestAvailableEncryption
under a password derived (HKDF-SHA256) from settings.DABIR_SIGNING_KEY. They are decrypted in
memory by `signer_material` when a signature is made and are never logged or returned.
"""

import base64
import datetime as dt
import hashlib

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.utils import timezone

from dabir.core.errors import DomainError

KEY_TYPES = ("ec", "rsa")
DEFAULT_CA_DAYS = 3650

ALG_ECDSA = "ecdsa-sha256"
ALG_RSA_PSS = "rsa-pss-sha256"


# ---------------------------------------------------------------- keys at rest

def _password() -> bytes:
    secret = str(settings.DABIR_SIGNING_KEY or settings.SECRET_KEY).encode()
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"dabir-signing-v1", info=b"private-key-pem").derive(
        secret
    )
    return base64.urlsafe_b64encode(derived)


def new_private_key(key_type: str = "ec"):
    if key_type == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=3072)
    raise DomainError("نوع کلید باید ec (ECDSA P-256) یا rsa (RSA-3072) باشد.", field="key_type")


def encrypt_private_key(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(_password()),
    ).decode("ascii")


def decrypt_private_key(pem: str):
    if not pem:
        raise DomainError("کلید خصوصی این گواهی در سامانه نگهداری نمی‌شود.", code="no_key")
    try:
        return serialization.load_pem_private_key(pem.encode("ascii"), password=_password())
    except (ValueError, TypeError) as exc:
        raise DomainError(
            "کلید خصوصی گشوده نشد؛ کلید رمزگذاری (DABIR_SIGNING_KEY) با کلید هنگام ساخت یکی نیست.",
            code="key_locked",
        ) from exc


# ---------------------------------------------------------------- certificates

def load_certificate(pem: str | bytes) -> x509.Certificate:
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    return x509.load_pem_x509_certificate(data)


def load_certificates(pem: str) -> list[x509.Certificate]:
    if not pem:
        return []
    return x509.load_pem_x509_certificates(pem.encode("ascii"))


def certificate_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def serial_hex(cert: x509.Certificate) -> str:
    return format(cert.serial_number, "x")


def name_text(name: x509.Name) -> str:
    """A readable subject/issuer: CN, OU, O in that order."""
    parts = []
    for oid in (NameOID.COMMON_NAME, NameOID.TITLE, NameOID.ORGANIZATIONAL_UNIT_NAME, NameOID.ORGANIZATION_NAME):
        parts += [str(a.value) for a in name.get_attributes_for_oid(oid)]
    return "، ".join(parts) or name.rfc4514_string()


_TATWEEL = "\u0640"  # an Arabic letter (bidi class AL) that draws only a short joining stroke


def dn_value(text: str, limit: int = 64, *, chars: bool = False) -> str:
    """A name attribute value that passes RFC 4518 string preparation (bidi rules of RFC 3454 §6).

    Validators (asn1crypto, so pyHanko) refuse a right-to-left value that contains left-to-right
    letters or does not begin and end with a right-to-left letter. So, for Persian values: Latin
    letters are dropped, Latin digits become Persian, and a value that starts or ends with a digit
    or a sign gets a tatweel there. Values without right-to-left letters are left alone.

    A value longer than `limit` (UTF-8 bytes, or characters with `chars`) is cut at a word boundary.
    """
    import stringprep

    from dabir.core.text import to_persian_digits

    text = " ".join(str(text).split())
    if not any(stringprep.in_table_d1(ch) for ch in text):
        return _fit(text, limit, chars=chars)
    text = "".join(ch for ch in to_persian_digits(text) if not stringprep.in_table_d2(ch))
    room = 2 if chars else 4  # for two tatweels
    text = _fit(" ".join(text.replace("\u200c", " ").split()), limit - room, chars=chars)
    if not stringprep.in_table_d1(text[0]):
        text = _TATWEEL + text
    if not stringprep.in_table_d1(text[-1]):
        text = text + _TATWEEL
    return text


def _fit(text: str, limit: int, *, chars: bool = False) -> str:
    """At most `limit` UTF-8 bytes (what `cryptography` allows in a CN) or characters (X.520's ub-title
    and the other upper bounds), cut between words: a word is never cut unless it alone is too long."""
    def size(value: str) -> int:
        return len(value) if chars else len(value.encode("utf-8"))

    if size(text) <= limit:
        return text
    cut = text
    while size(cut) > limit:
        cut = cut[:-1]
    if not text[len(cut)].isspace() and " " in cut.strip():
        cut = cut.rsplit(" ", 1)[0]  # the cut fell inside a word: drop the broken word
    return cut.strip(" —-،,")


def name_is_portable(name: x509.Name) -> bool:
    """True when every attribute passes RFC 4518 preparation (what PDF validators compare names with)."""
    from asn1crypto import x509 as asn1_x509

    try:
        asn1_x509.Name.load(name.public_bytes()).hashable  # noqa: B018
        return True
    except ValueError:
        return False


def _ski(public_key):
    return x509.SubjectKeyIdentifier.from_public_key(public_key)


def _sig_hash(key):
    return hashes.SHA256()


def _rsa_padding():
    return padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)


def build_ca(*, agency_name: str, common_name: str, key_type: str = "ec", days: int = DEFAULT_CA_DAYS):
    """A self-signed root for one agency: CA:TRUE, keyCertSign and cRLSign."""
    key = new_private_key(key_type)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "IR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, dn_value(agency_name)),
            x509.NameAttribute(NameOID.COMMON_NAME, dn_value(common_name)),
        ]
    )
    now = timezone.now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(_ski(key.public_key()), critical=False)
        .sign(key, _sig_hash(key), rsa_padding=_rsa_padding() if isinstance(key, rsa.RSAPrivateKey) else None)
    )
    return cert, key


def signer_builder(*, subject: x509.Name, issuer: x509.Name, public_key, not_after) -> x509.CertificateBuilder:
    """What every end-entity certificate that signs has: a random serial, validity from five minutes
    ago, CA:FALSE, and digitalSignature + nonRepudiation. Callers add their own extensions and sign."""
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(timezone.now() - dt.timedelta(minutes=5))
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
    )


def sign_certificate(builder: x509.CertificateBuilder, issuer_key) -> x509.Certificate:
    return builder.sign(
        issuer_key, _sig_hash(issuer_key),
        rsa_padding=_rsa_padding() if isinstance(issuer_key, rsa.RSAPrivateKey) else None,
    )


def build_position_certificate(
    *, ca_cert: x509.Certificate, ca_key, common_name: str, agency_name: str, unit_name: str = "",
    days: int | None = None, key_type: str = "ec", crl_url: str = "", title: str = "",
):
    """A signing certificate for a position: digitalSignature + nonRepudiation, random serial.

    The subject names the holder in its CN and the position in its `title` attribute, each within its
    X.509 bound and cut only between words; a common name given as «holder — position title» is split
    so. Pages and PDFs take the full title from the position, never from the certificate.
    """
    days = int(days if days is not None else settings.DABIR_SIGNING_CERT_DAYS)
    if days < 1 or days > 3650:
        raise DomainError("مدت اعتبار گواهی باید بین ۱ تا ۳۶۵۰ روز باشد.", field="days")
    key = new_private_key(key_type)
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "IR"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, dn_value(agency_name)),
    ]
    if unit_name:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, dn_value(unit_name)))
    if not title and " — " in common_name:
        common_name, title = (part.strip() for part in common_name.split(" — ", 1))
    if title:
        attrs.append(x509.NameAttribute(NameOID.TITLE, dn_value(title, 64, chars=True)))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, dn_value(common_name or title)))
    not_after = min(timezone.now() + dt.timedelta(days=days), ca_cert.not_valid_after_utc)
    builder = (
        signer_builder(subject=x509.Name(attrs), issuer=ca_cert.subject, public_key=key.public_key(), not_after=not_after)
        .add_extension(_ski(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()), critical=False
        )
    )
    if crl_url:
        builder = builder.add_extension(
            x509.CRLDistributionPoints(
                [x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)]
            ),
            critical=False,
        )
    return sign_certificate(builder, ca_key), key


def issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
        return True
    except (ValueError, TypeError, InvalidSignature):
        return False


def chain_to(cert: x509.Certificate, intermediates: list, roots: list) -> list | None:
    """The path [intermediates..., root] from `cert` to one of `roots`, or None."""
    current = cert
    path: list = []
    pool = list(intermediates)
    for _ in range(len(pool) + 1):
        for root in roots:
            if issued_by(current, root):
                return [*path, root]
        nxt = next((c for c in pool if issued_by(current, c)), None)
        if nxt is None:
            return None
        pool.remove(nxt)
        path.append(nxt)
        current = nxt
    return None


def has_signing_usage(cert: x509.Certificate) -> bool:
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return bool(usage.digital_signature or usage.content_commitment)


def same_public_key(key, cert: x509.Certificate) -> bool:
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    return key.public_key().public_bytes(der, spki) == cert.public_key().public_bytes(der, spki)


# ---------------------------------------------------------------- raw signatures

def sign_bytes(key, data: bytes) -> tuple[bytes, str]:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(hashes.SHA256())), ALG_ECDSA
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, _rsa_padding(), hashes.SHA256()), ALG_RSA_PSS
    raise DomainError("نوع کلید این گواهی برای امضا پشتیبانی نمی‌شود.", code="key_type")


def verify_bytes(public_key, signature: bytes, data: bytes, algorithm: str) -> bool:
    try:
        if algorithm == ALG_ECDSA and isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
            return True
        if algorithm == ALG_RSA_PSS and isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, data, _rsa_padding(), hashes.SHA256())
            return True
    except InvalidSignature:
        return False
    return False


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- lookups used by signing and PDF

def authority_for(agency):
    """The agency's active own CA (an Authority of kind `agency`), or None when none was created."""
    from .models import Authority

    return Authority.objects.filter(agency=agency, kind=Authority.Kind.AGENCY, active=True).first()


def trusted_roots(agency=None) -> list[x509.Certificate]:
    """Root certificates trusted for an agency (all agencies when None): own CAs and imported outside roots."""
    from .models import Authority

    qs = Authority.objects.all()
    if agency is not None:
        qs = qs.filter(agency=agency)
    return [load_certificate(a.certificate_pem) for a in qs]


def signer_material(certificate):
    """(private_key, x509 certificate, chain up to and including the root) for a Certificate with a key.

    The key is decrypted in memory only; callers must not store or log it.
    """
    cert = load_certificate(certificate.certificate_pem)
    key = decrypt_private_key(certificate.private_key_pem)
    chain = load_certificates(certificate.chain_pem)
    if certificate.authority_id:
        chain.append(load_certificate(certificate.authority.certificate_pem))
    return key, cert, chain
