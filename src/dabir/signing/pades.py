"""PAdES signatures inside letter PDFs (pyHanko): one incremental signature per signer, in order.

Each signature is PAdES baseline (SubFilter ETSI.CAdES.detached, signing-certificate-v2 attribute),
made with the signer position's certificate and carrying the chain up to the agency root, so any
standard reader (poppler's pdfsig, Acrobat, pyHanko) can check it without our server.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import SigningError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

log = logging.getLogger(__name__)


@dataclass
class SignerMaterial:
    """What one PAdES signature needs: a key (in memory only), its certificate and the chain above it."""

    key: object  # a cryptography private key
    certificate: object  # cryptography x509.Certificate
    chain: Sequence  # cryptography x509.Certificate, up to and including the root
    name: str = ""
    reason: str = "امضای نامه اداری"
    location: str = ""


def _asn1_cert(cert) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _asn1_key(key) -> asn1_keys.PrivateKeyInfo:
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return asn1_keys.PrivateKeyInfo.load(der)


# Room for the CMS container beyond the certificates it carries: signed attributes (content type, digest,
# signing time, signing-certificate-v2, algorithm protection), the signer's issuer and serial, algorithm
# identifiers and the signature value. Measured: about 600 bytes with ECDSA P-256; RSA-3072 adds its
# longer signature value (384 bytes, not 72). A PDF is then no larger than with pyHanko's estimate.
_CMS_OVERHEAD = 1536


def _reserved_bytes(m: SignerMaterial) -> int:
    """The /Contents space for one signature (hex digits, so twice the bytes), from the certificates'
    sizes. Left to pyHanko, the space is found by a dry-run signature first: a second CMS build that
    costs about as much as the real one."""
    der = sum(len(c.public_bytes(serialization.Encoding.DER)) for c in (m.certificate, *m.chain))
    return 2 * (der + _CMS_OVERHEAD)


def _sign_once(data: bytes, n: int, m: SignerMaterial) -> bytes:
    signer = signers.SimpleSigner(
        signing_cert=_asn1_cert(m.certificate),
        signing_key=_asn1_key(m.key),
        cert_registry=SimpleCertificateStore.from_certs([_asn1_cert(c) for c in m.chain]),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=f"Signature{n}",
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        name=m.name or None,
        reason=m.reason or None,
        location=m.location or None,
    )
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
        return signers.sign_pdf(writer, meta, signer=signer, bytes_reserved=_reserved_bytes(m)).getvalue()
    except SigningError:
        # A container larger than reserved (an unusually long chain): let pyHanko measure it.
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
        return signers.sign_pdf(writer, meta, signer=signer).getvalue()


def sign_with(pdf_bytes: bytes, materials: Iterable[SignerMaterial]) -> bytes:
    """Add one PAdES signature per material, in order, each as an incremental update."""
    data = pdf_bytes
    existing = count_signatures(data)
    for n, m in enumerate(materials, start=max(existing, 0) + 1):
        data = _sign_once(data, n, m)
    return data


def material_for(signature) -> SignerMaterial:
    """The material of one Signature record (its certificate's key decrypted in memory)."""
    from . import keys

    key, cert, chain = keys.signer_material(signature.certificate)
    position = signature.position
    agency = position.unit.agency
    return SignerMaterial(
        key=key, certificate=cert, chain=chain,
        name=f"{signature.user} — {position.title}" + (" (جانشین)" if signature.as_acting else ""),
        location=agency.name,
    )


def sign_pdf(pdf_bytes: bytes, signatures: Iterable) -> bytes:
    """One PAdES signature per Signature record, in circuit order."""
    ordered = sorted(signatures, key=lambda s: (s.order, s.pk or 0))
    return sign_with(pdf_bytes, (material_for(s) for s in ordered))


# ---------------------------------------------------------------- validation


def _reader(data: bytes) -> PdfFileReader | None:
    try:
        return PdfFileReader(io.BytesIO(data), strict=False)
    except Exception:  # any malformed file is simply "not a readable PDF"
        return None


def count_signatures(data: bytes) -> int:
    """How many signatures a PDF holds; -1 when it cannot be read."""
    reader = _reader(data)
    if reader is None:
        return -1
    try:
        return len(reader.embedded_signatures)
    except (PdfError, KeyError, ValueError, TypeError):
        return -1


def validation_context(roots=None) -> ValidationContext:
    """Trust only our authorities' roots (all agencies' own CAs and imported outside roots)."""
    from . import keys

    roots = keys.trusted_roots() if roots is None else roots
    return ValidationContext(
        trust_roots=[_asn1_cert(c) for c in roots], allow_fetching=False, revocation_mode="soft-fail",
    )


def _signer_name(emb) -> str:
    try:
        cert = emb.signer_cert
        cn = cert.subject.native.get("common_name")
        return cn if isinstance(cn, str) else cert.subject.human_friendly
    except Exception:
        return "نامعلوم"


def validate(data: bytes, roots=None) -> list[dict] | None:
    """Each embedded signature checked by pyHanko: intact (bytes unchanged), valid (cryptography),
    trusted (chain to our roots), and whether it covers the whole file. None if the PDF is unreadable.
    """
    reader = _reader(data)
    if reader is None:
        return None
    try:
        embedded = list(reader.embedded_signatures)
    except Exception:
        return None
    context = validation_context(roots)
    results = []
    for emb in embedded:
        row = {"field": emb.field_name, "signer": _signer_name(emb), "intact": False, "valid": False,
               "trusted": False, "covers_whole_file": False, "signed_at": None}
        try:
            status = validate_pdf_signature(emb, context)
            row.update(
                intact=bool(status.intact), valid=bool(status.valid), trusted=bool(status.trusted),
                covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
                signed_at=status.signer_reported_dt,
            )
        except Exception as exc:  # a broken signature dictionary is a failed check, never an error page
            log.info("PAdES validation failed: %s", type(exc).__name__)
        results.append(row)
    return results
