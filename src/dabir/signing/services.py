"""Every write of the signing app: one function per use case, one transaction, one audit entry.

Authorities and certificates are managed by agency admins (or superusers); signing, rejecting
and signature images are done by a user through a seat (dabir.orgs.selectors.Seat).
"""

import asyncio
import base64
import datetime as dt
import logging
from collections.abc import Sequence

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone

from dabir.core import audit
from dabir.core.errors import Conflict, DomainError, NotAllowed, NotFound
from dabir.letters.models import Access, Kind, Letter, Status
from dabir.orgs.models import Agency, Position
from dabir.orgs.policy import is_agency_admin
from dabir.orgs.selectors import Seat, holders, seats_of

from . import canonical, codes, keys, png
from .models import Authority, Certificate, LetterVersion, Signature, SignatureImage, SigningStep
from .names import AuditAction

log = logging.getLogger(__name__)

REVOCATION_REASONS = {
    "unspecified": (x509.ReasonFlags.unspecified, "نامشخص"),
    "key_compromise": (x509.ReasonFlags.key_compromise, "افشای کلید"),
    "affiliation_changed": (x509.ReasonFlags.affiliation_changed, "تغییر سمت یا سازمان"),
    "superseded": (x509.ReasonFlags.superseded, "جایگزینی با گواهی تازه"),
    "cessation_of_operation": (x509.ReasonFlags.cessation_of_operation, "پایان کار"),
}
MAX_IMAGE_BYTES = 1024 * 1024
MAX_IMPORT_BYTES = 256 * 1024
CRL_REISSUE = 300  # seconds a published CRL is served again before a new one is signed


# ---------------------------------------------------------------- permissions


def _require_admin(user, agency: Agency) -> None:
    if not is_agency_admin(user, agency):
        raise NotAllowed("این کار فقط از مدیر سامانه همین دستگاه برمی‌آید.")


def _own_seat(user, seat: Seat) -> Seat:
    for own in seats_of(user):
        if own.position.id == seat.position.id:
            return own
    raise NotAllowed("شما این سمت را در اختیار ندارید و از طرف آن نمی‌توانید اقدام کنید.", field="position")


def _agency_of(position: Position) -> Agency:
    return position.unit.agency


# ---------------------------------------------------------------- authorities


@transaction.atomic
def create_authority(*, user=None, agency: Agency, name: str = "", key_type: str = "ec", days: int | None = None) -> Authority:
    """Create the agency's own CA. An agency has one active CA; creating another needs the old one retired."""
    if user is not None:
        _require_admin(user, agency)
    if keys.authority_for(agency) is not None:
        raise Conflict("این دستگاه هم‌اکنون مرجع صدور گواهی فعال دارد.", field="agency")
    name = (name or "").strip()[:200] or f"مرجع صدور گواهی {agency.name}"
    cert, key = keys.build_ca(
        agency_name=agency.name, common_name=name, key_type=key_type, days=int(days or keys.DEFAULT_CA_DAYS)
    )
    authority = Authority.objects.create(
        agency=agency, kind=Authority.Kind.AGENCY, name=name, certificate_pem=keys.certificate_pem(cert),
        private_key_pem=keys.encrypt_private_key(key), serial=keys.serial_hex(cert),
        fingerprint=keys.fingerprint(cert), not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc,
    )
    audit.record(
        action=AuditAction.SIGNING_CREATE_AUTHORITY, obj=authority, actor=user,
        data={"agency": agency.code, "serial": authority.serial, "fingerprint": authority.fingerprint},
    )
    return authority


@transaction.atomic
def retire_authority(*, user=None, authority: Authority) -> Authority:
    """Stop issuing with an authority (key rotation); its certificates and CRL stay verifiable."""
    if user is not None:
        _require_admin(user, authority.agency)
    authority.active = False
    authority.save(update_fields=["active"])
    audit.record(action=AuditAction.SIGNING_RETIRE_AUTHORITY, obj=authority, actor=user, data={"serial": authority.serial})
    return authority


def _parse_pem_certificate(pem: str | bytes, field: str) -> x509.Certificate:
    data = pem.encode("utf-8", "replace") if isinstance(pem, str) else bytes(pem)
    if len(data) > MAX_IMPORT_BYTES:
        raise DomainError("پرونده گواهی بیش از اندازه بزرگ است.", field=field)
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError:
        try:
            return x509.load_der_x509_certificate(data)
        except ValueError as exc:
            raise DomainError("گواهی خوانده نشد؛ پرونده باید گواهی X.509 به قالب PEM یا DER باشد.", field=field) from exc


@transaction.atomic
def import_authority(*, user=None, agency: Agency, certificate_pem: str | bytes, name: str = "") -> Authority:
    """Trust an outside authority (e.g. a national CA root) for this agency: its certificate only, no key."""
    if user is not None:
        _require_admin(user, agency)
    cert = _parse_pem_certificate(certificate_pem, "certificate")
    try:
        basic = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        basic = None
    if basic is None or not basic.ca:
        raise DomainError("این گواهی گواهی مرجع صدور (CA) نیست.", field="certificate")
    now = timezone.now()
    if cert.not_valid_after_utc < now:
        raise DomainError("گواهی این مرجع منقضی شده است.", field="certificate")
    fp = keys.fingerprint(cert)
    if Authority.objects.filter(agency=agency, fingerprint=fp).exists():
        raise Conflict("این مرجع پیش‌تر برای این دستگاه ثبت شده است.", field="certificate")
    authority = Authority.objects.create(
        agency=agency, kind=Authority.Kind.EXTERNAL, name=(name or "").strip()[:200] or keys.name_text(cert.subject)[:200],
        certificate_pem=keys.certificate_pem(cert), serial=keys.serial_hex(cert), fingerprint=fp,
        not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc,
    )
    audit.record(
        action=AuditAction.SIGNING_IMPORT_AUTHORITY, obj=authority, actor=user,
        data={"agency": agency.code, "fingerprint": fp, "subject": keys.name_text(cert.subject)},
    )
    return authority


# ---------------------------------------------------------------- certificates


def _crl_url(agency: Agency) -> str:
    base = str(settings.DABIR_PUBLIC_URL or "").rstrip("/")
    return f"{base}/verify/crl/{agency.code}.crl" if base else ""


@transaction.atomic
def issue_certificate(
    *, user=None, position: Position, days: int | None = None, key_type: str = "ec", holder_name: str = ""
) -> Certificate:
    """Issue a position certificate from the agency CA; the key is generated here and stored encrypted."""
    agency = _agency_of(position)
    if user is not None:
        _require_admin(user, agency)
    if not position.active:
        raise DomainError("این سمت غیرفعال است.", field="position")
    authority = keys.authority_for(agency)
    if authority is None:
        raise Conflict("این دستگاه هنوز مرجع صدور گواهی ندارد؛ نخست آن را بسازید.", field="agency")
    holder = (holder_name or holders([position.id]).get(position.id) or "").strip()
    common_name = f"{holder} — {position.title}" if holder else position.title
    ca_cert = keys.load_certificate(authority.certificate_pem)
    ca_key = keys.decrypt_private_key(authority.private_key_pem)
    cert, key = keys.build_position_certificate(
        ca_cert=ca_cert, ca_key=ca_key, common_name=common_name, agency_name=agency.name,
        unit_name=position.unit.name, days=days, key_type=key_type, crl_url=_crl_url(agency),
    )
    certificate = Certificate.objects.create(
        position=position, authority=authority, serial=keys.serial_hex(cert), subject=keys.name_text(cert.subject),
        issuer=keys.name_text(cert.issuer), certificate_pem=keys.certificate_pem(cert),
        private_key_pem=keys.encrypt_private_key(key), fingerprint=keys.fingerprint(cert),
        not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc,
        created_by=user if user is not None and user.is_authenticated else None,
    )
    audit.record(
        action=AuditAction.SIGNING_ISSUE_CERTIFICATE, obj=certificate, actor=user,
        data={"position": position.code, "serial": certificate.serial, "not_after": certificate.not_after},
    )
    return certificate


def _load_import(content: bytes, key_pem: bytes | None, password: str | None):
    """(key or None, cert, extra certs) from PKCS#12, or PEM certificate(s) with an optional PEM key."""
    pw = password.encode("utf-8") if password else None
    if content.lstrip().startswith(b"-----BEGIN"):
        try:
            certs = x509.load_pem_x509_certificates(content)
        except ValueError as exc:
            raise DomainError("گواهی PEM خوانده نشد.", field="certificate") from exc
        key = None
        key_data = key_pem if key_pem else (content if b"PRIVATE KEY-----" in content else None)
        if key_data:
            try:
                key = serialization.load_pem_private_key(key_data, password=pw)
            except TypeError as exc:
                raise DomainError("کلید خصوصی رمزدار است؛ گذرواژه آن را بفرستید.", field="password") from exc
            except ValueError as exc:
                raise DomainError("کلید خصوصی خوانده نشد یا گذرواژه نادرست است.", field="key") from exc
        return key, certs[0], certs[1:]
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(content, pw)
    except ValueError as exc:
        raise DomainError(
            "پرونده خوانده نشد؛ PKCS#12 (.p12/.pfx) با گذرواژه درست یا گواهی PEM بفرستید.", field="certificate"
        ) from exc
    if cert is None:
        raise DomainError("در پرونده PKCS#12 گواهی‌ای نیست.", field="certificate")
    return key, cert, list(extra or [])


@transaction.atomic
def import_certificate(
    *, user=None, position: Position, content: bytes, key_pem: bytes | None = None, password: str | None = None,
) -> Certificate:
    """Import a position certificate issued by an outside (e.g. national) CA, with its key when given.

    The certificate must chain to an authority this agency trusts (its own CA or an imported root),
    carry digitalSignature or nonRepudiation, be valid now, and match the key.
    """
    agency = _agency_of(position)
    if user is not None:
        _require_admin(user, agency)
    if len(content) > MAX_IMPORT_BYTES or (key_pem and len(key_pem) > MAX_IMPORT_BYTES):
        raise DomainError("پرونده گواهی بیش از اندازه بزرگ است.", field="certificate")
    key, cert, extra = _load_import(content, key_pem, password)
    roots = list(Authority.objects.filter(agency=agency))
    root_certs = [keys.load_certificate(a.certificate_pem) for a in roots]
    path = keys.chain_to(cert, extra, root_certs)
    if path is None:
        raise DomainError(
            "این گواهی از مرجعی صادر نشده که این دستگاه به آن اعتماد دارد؛ نخست گواهی ریشه آن را وارد کنید.",
            field="certificate",
        )
    authority = roots[root_certs.index(path[-1])]
    if not all(keys.name_is_portable(c.subject) and keys.name_is_portable(c.issuer) for c in [cert, *path]):
        raise DomainError(
            "نام دارنده یا صادرکننده این گواهی قاعده‌های متن دوسویه (RFC 4518) را رعایت نمی‌کند و "
            "امضای PDF با آن در نرم‌افزارهای دیگر تأیید نمی‌شود.",
            field="certificate",
        )
    now = timezone.now()
    if not (cert.not_valid_before_utc <= now <= cert.not_valid_after_utc):
        raise DomainError("این گواهی اکنون معتبر نیست (منقضی یا هنوز آغاز نشده).", field="certificate")
    if not keys.has_signing_usage(cert):
        raise DomainError("کاربرد کلید این گواهی امضای دیجیتال نیست.", field="certificate")
    if key is not None and not keys.same_public_key(key, cert):
        raise DomainError("کلید خصوصی با گواهی جور نیست.", field="key")
    serial = keys.serial_hex(cert)
    if Certificate.objects.filter(serial=serial).exists():
        raise Conflict("گواهی‌ای با این شماره سریال پیش‌تر ثبت شده است.", field="certificate")
    certificate = Certificate.objects.create(
        position=position, authority=authority, serial=serial, subject=keys.name_text(cert.subject),
        issuer=keys.name_text(cert.issuer), certificate_pem=keys.certificate_pem(cert),
        private_key_pem=keys.encrypt_private_key(key) if key is not None else "",
        chain_pem="".join(keys.certificate_pem(c) for c in path[:-1]), fingerprint=keys.fingerprint(cert),
        not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc, imported=True,
        created_by=user if user is not None and user.is_authenticated else None,
    )
    audit.record(
        action=AuditAction.SIGNING_IMPORT_CERTIFICATE, obj=certificate, actor=user,
        data={"position": position.code, "serial": serial, "issuer": certificate.issuer, "with_key": key is not None},
    )
    return certificate


@transaction.atomic
def revoke_certificate(
    *, user=None, certificate: Certificate, reason: str = "unspecified", note: str = "", at: dt.datetime | None = None
) -> Certificate:
    """Revoke a certificate: by an agency admin, or by the position's own holder (e.g. a lost key)."""
    certificate = Certificate.objects.select_for_update().select_related("position__unit__agency").get(
        pk=certificate.pk
    )
    if user is not None:
        agency = _agency_of(certificate.position)
        own = any(s.position.id == certificate.position_id and not s.as_acting for s in seats_of(user))
        if not own and not is_agency_admin(user, agency):
            raise NotAllowed("ابطال این گواهی فقط از مدیر سامانه دستگاه یا دارنده خود سمت برمی‌آید.")
    if reason not in REVOCATION_REASONS:
        raise DomainError("علت ابطال نامعتبر است.", field="reason")
    if certificate.revoked_at is not None:
        raise Conflict("این گواهی پیش‌تر ابطال شده است.")
    certificate.revoked_at = at or timezone.now()
    certificate.revocation_reason = reason
    certificate.revocation_note = (note or "").strip()[:500]
    certificate.save(update_fields=["revoked_at", "revocation_reason", "revocation_note"])
    audit.record(
        action=AuditAction.SIGNING_REVOKE_CERTIFICATE, obj=certificate, actor=user,
        data={"serial": certificate.serial, "reason": reason, "at": certificate.revoked_at},
    )
    return certificate


def crl_der(agency: Agency) -> bytes:
    """The agency CA's current certificate revocation list (DER), signed by the CA.

    A CRL is issued (with the next CRL number) at most every CRL_REISSUE seconds or when the set of
    revocations changes; in between the same CRL is served from the cache. Publishing is not a
    change of record, so no audit entry.
    """
    authority = keys.authority_for(agency)
    if authority is None:
        raise NotFound("این دستگاه مرجع صدور گواهی ندارد.")
    state = Certificate.objects.filter(authority__agency=agency, revoked_at__isnull=False).aggregate(
        n=Count("id"), last=Max("revoked_at")
    )
    slot = f"dabir:crl:{authority.fingerprint}"

    def stamp(number):
        return f"{number}:{state['n']}:{state['last']}"

    cached = cache.get(slot)
    if cached and cached[0] == stamp(authority.crl_number):
        return cached[1]
    der = _issue_crl(agency, authority)
    cache.set(slot, (stamp(authority.crl_number + 1), der), CRL_REISSUE)
    return der


def _issue_crl(agency: Agency, authority: Authority) -> bytes:
    with transaction.atomic():
        locked = Authority.objects.select_for_update().get(pk=authority.pk)
        locked.crl_number += 1
        locked.save(update_fields=["crl_number"])
        number = locked.crl_number
    ca_cert = keys.load_certificate(authority.certificate_pem)
    ca_key = keys.decrypt_private_key(authority.private_key_pem)
    now = timezone.now()
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now)
        .next_update(now + dt.timedelta(days=1))
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()), critical=False)
    )
    revoked = Certificate.objects.filter(
        authority__agency=agency, authority__kind=Authority.Kind.AGENCY, revoked_at__isnull=False,
    )
    for cert in revoked:
        flag = REVOCATION_REASONS.get(cert.revocation_reason, REVOCATION_REASONS["unspecified"])[0]
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(int(cert.serial, 16))
            .revocation_date(cert.revoked_at)
        )
        if flag != x509.ReasonFlags.unspecified:
            entry = entry.add_extension(x509.CRLReason(flag), critical=False)
        builder = builder.add_revoked_certificate(entry.build())
    from cryptography.hazmat.primitives.asymmetric import rsa

    crl = builder.sign(
        ca_key, hashes.SHA256(), rsa_padding=keys._rsa_padding() if isinstance(ca_key, rsa.RSAPrivateKey) else None
    )
    return crl.public_bytes(serialization.Encoding.DER)


# ---------------------------------------------------------------- signature images


@transaction.atomic
def upload_signature_image(*, user, seat: Seat, content: bytes, position: Position | None = None) -> SignatureImage:
    """The holder of a position uploads its handwritten signature image (PNG). Decoration only."""
    seat = _own_seat(user, seat)
    if position is not None and position.id != seat.position.id:
        raise NotAllowed("تصویر امضا را فقط برای سمت خودتان می‌توانید بفرستید.", field="position")
    if seat.as_acting:
        raise NotAllowed("جانشین نمی‌تواند تصویر امضای سمت را تغییر دهد.", field="position")
    if not content:
        raise DomainError("پرونده تصویر امضا خالی است.", field="image")
    if len(content) > MAX_IMAGE_BYTES:
        raise DomainError("تصویر امضا بیش از یک مگابایت است.", field="image")
    if not content.startswith(png.SIGNATURE):
        raise DomainError("تصویر امضا باید پرونده PNG باشد.", field="image")
    if not png.is_valid_png(content):
        raise DomainError("پرونده PNG تصویر امضا ناقص یا خراب است؛ آن را دوباره ذخیره و بارگذاری کنید.", field="image")
    image = SignatureImage(position=seat.position, sha256=canonical.sha256(content), uploaded_by=user)
    image.image.save("signature.png", ContentFile(content), save=False)
    image.save()
    audit.record(
        action=AuditAction.SIGNING_UPLOAD_SIGNATURE_IMAGE, obj=image, actor=user, position=seat.position,
        data={"sha256": image.sha256, "size": len(content)},
    )
    return image


# ---------------------------------------------------------------- versions


def _new_code() -> str:
    for _ in range(10):
        code = codes.generate()
        if not LetterVersion.objects.filter(code=code).exists():
            return code
    raise Conflict("ساخت کد صحت‌سنجی یکتا ممکن نشد؛ دوباره بکوشید.")  # pragma: no cover


def current_version(letter: Letter) -> LetterVersion | None:
    return letter.versions.order_by("-number").first()


def _snapshot(letter: Letter, user=None) -> LetterVersion:
    data = canonical.canonical_data(letter)
    raw = canonical.dumps(data)
    last = current_version(letter)
    version = LetterVersion(
        letter=letter, number=(last.number + 1) if last else 1, canonical=raw.decode("utf-8"),
        content_sha256=canonical.sha256(raw), code=_new_code(),
        created_by=user if user is not None and getattr(user, "is_authenticated", False) else None,
    )
    version.save()
    return version


def _matches(version: LetterVersion, letter: Letter) -> bool:
    import json

    signed = json.loads(version.canonical)
    return not canonical.differences(signed, canonical.canonical_data(letter))


@transaction.atomic
def new_version(letter: Letter, *, user=None) -> LetterVersion:
    """Freeze the letter's current content as a version (returns the current one if nothing changed).

    When a signed version exists and the content has changed, a new version is made and the
    signing circuit starts again: every step is pending, because the new content needs new signatures.
    The old version, its signatures and its code stay verifiable.
    """
    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    last = current_version(letter)
    if last is not None and _matches(last, letter):
        return last
    version = _snapshot(letter, user)
    if last is not None and last.signatures.exists():
        letter.signing_steps.update(state=SigningStep.State.PENDING, signature=None, acted_at=None, acted_by=None)
    audit.record(
        action=AuditAction.SIGNING_NEW_VERSION, obj=version, actor=user,
        data={"letter": letter.pk, "number": version.number, "sha256": version.content_sha256, "code": version.code},
    )
    return version


# ---------------------------------------------------------------- circuit


def _grant_signers(letter: Letter, position_ids) -> None:
    Access.objects.bulk_create(
        [Access(letter=letter, position_id=pid, reason=Access.Reason.SIGNER) for pid in position_ids],
        ignore_conflicts=True,
    )


def _steps(letter: Letter) -> list[SigningStep]:
    return list(letter.signing_steps.select_related("position").order_by("order"))


def _ensure_circuit(letter: Letter) -> list[SigningStep]:
    """The letter's circuit; a letter without one is signed by its signer position alone."""
    steps = _steps(letter)
    if not steps and letter.signer_position_id:
        steps = [SigningStep.objects.create(letter=letter, order=1, position_id=letter.signer_position_id)]
        _grant_signers(letter, [letter.signer_position_id])
    return steps


def current_step(steps: Sequence[SigningStep]) -> SigningStep | None:
    """The step whose turn it is: the first not yet signed, if it is pending."""
    for step in steps:
        if step.state == SigningStep.State.SIGNED:
            continue
        return step if step.state == SigningStep.State.PENDING else None
    return None


@transaction.atomic
def set_circuit(letter: Letter, positions: Sequence, *, user=None, seat: Seat | None = None) -> list[SigningStep]:
    """Set who signs the letter, in order. Positions are Position objects or ids.

    Refused once anyone has signed the current version. When `user` is given, they must act
    through the letter's author position (or be an agency admin).
    """
    letter = Letter.objects.select_for_update().get(pk=letter.pk)
    if user is not None:
        authorised = is_agency_admin(user, letter.agency)
        if seat is not None:
            seat = _own_seat(user, seat)
            authorised = authorised or seat.position.id in (letter.author_position_id, letter.signer_position_id)
        if not authorised:
            raise NotAllowed("زنجیره امضا را فقط نویسنده نامه یا مدیر سامانه دستگاه تعیین می‌کند.")
    if letter.kind == Kind.INCOMING:
        raise DomainError("نامه وارده امضای درونی ندارد.", field="letter")
    if letter.status in (Status.VOID, Status.ARCHIVED, Status.CLOSED):
        raise Conflict("این نامه بسته یا ابطال شده است.")
    ids = [p.id if isinstance(p, Position) else int(p) for p in positions]
    if not ids:
        raise DomainError("زنجیره امضا دست‌کم یک امضاکننده می‌خواهد.", field="positions")
    if len(ids) > 10:
        raise DomainError("زنجیره امضا بیش از ده امضاکننده نمی‌تواند داشته باشد.", field="positions")
    if len(set(ids)) != len(ids):
        raise DomainError("یک سمت دو بار در زنجیره امضا آمده است.", field="positions")
    found = {p.id: p for p in Position.objects.select_related("unit").filter(id__in=ids, active=True)}
    for pid in ids:
        pos = found.get(pid)
        if pos is None or pos.unit.agency_id != letter.agency_id:
            raise DomainError("سمت امضاکننده پیدا نشد یا از این دستگاه نیست.", field="positions")
        if not pos.can_sign:
            raise DomainError(f"سمت «{pos.title}» اجازه امضا ندارد.", field="positions")
    if letter.signing_steps.filter(state=SigningStep.State.SIGNED).exists():
        raise Conflict("کسی این نامه را امضا کرده است؛ زنجیره امضا دیگر تغییر نمی‌کند.")
    letter.signing_steps.all().delete()
    steps = SigningStep.objects.bulk_create(
        [SigningStep(letter=letter, order=i, position_id=pid) for i, pid in enumerate(ids, start=1)]
    )
    _grant_signers(letter, ids)
    audit.record(
        action=AuditAction.SIGNING_SET_CIRCUIT, obj=letter, actor=user, position=seat.position if seat else None,
        as_acting=bool(seat and seat.as_acting), data={"positions": ids},
    )
    return steps


def valid_certificate(position: Position, at: dt.datetime | None = None) -> Certificate | None:
    """The newest certificate of the position that is valid now and has its key here."""
    at = at or timezone.now()
    qs = (
        Certificate.objects.filter(position=position, revoked_at__isnull=True, not_before__lte=at, not_after__gte=at)
        .exclude(private_key_pem="")
        .select_related("authority")
        .order_by("-not_before", "-id")
    )
    return qs.first()


def _timestamp(signature_value: bytes) -> tuple[str, dt.datetime | None]:
    """An RFC 3161 token over SHA-256 of the signature value, when DABIR_TSA_URL is set."""
    url = settings.DABIR_TSA_URL
    if not url:
        return "", None
    from pyhanko.sign.timestamps import HTTPTimeStamper

    digest = canonical.sha256(signature_value)
    stamper = HTTPTimeStamper(url, timeout=int(settings.DABIR_TSA_TIMEOUT))
    try:
        token = asyncio.run(stamper.async_timestamp(bytes.fromhex(digest), "sha256"))
    except Exception as exc:  # the service is outside: any failure is a refusal in Persian, not a 500
        log.warning("time-stamping service failed: %s", type(exc).__name__)
        raise DomainError("سرویس مهر زمانی پاسخ نداد؛ امضا انجام نشد. دوباره بکوشید.", code="tsa_failed") from exc
    tst_info = token["content"]["encap_content_info"]["content"].parsed
    return base64.b64encode(token.dump()).decode("ascii"), tst_info["gen_time"].native


@transaction.atomic
def sign(*, user, seat: Seat, letter: Letter) -> Signature:
    """The seat signs the letter's current content, if it is its turn in the circuit.

    A step of approve_step: pages, the API and commands approve through letters.services.approve,
    which calls this and moves the referrals and the letter's state with it.

    Uses (or makes) the version matching the content; signs its canonical bytes with the
    position's valid certificate; time-stamps when a TSA is configured; passes the turn on.
    """
    seat = _own_seat(user, seat)
    letter = Letter.objects.select_for_update().select_related("agency").get(pk=letter.pk)
    if letter.kind == Kind.INCOMING:
        raise DomainError("نامه وارده امضای درونی ندارد.", field="letter")
    if letter.status in (Status.VOID, Status.ARCHIVED, Status.CLOSED, Status.DRAFT):
        raise Conflict("این نامه در وضعیتی نیست که امضا شود.")
    _ensure_circuit(letter)
    # The version first: a changed content makes a new version and restarts the circuit.
    version = new_version(letter, user=user)
    steps = _steps(letter)
    if not steps:
        raise DomainError("برای این نامه امضاکننده‌ای تعیین نشده است.", field="letter")
    step = current_step(steps)
    if step is None or step.position_id != seat.position.id:
        mine = next((s for s in steps if s.position_id == seat.position.id), None)
        if mine is None:
            raise NotAllowed("سمت شما در زنجیره امضای این نامه نیست.")
        if mine.state == SigningStep.State.SIGNED:
            raise Conflict("شما این نامه را پیش‌تر امضا کرده‌اید.")
        raise Conflict("هنوز نوبت امضای شما نرسیده است.")
    certificate = valid_certificate(seat.position)
    if certificate is None:
        raise DomainError(
            "سمت شما گواهی امضای معتبری ندارد (صادر نشده، منقضی یا ابطال شده است).", code="no_certificate"
        )
    existing = version.signatures.filter(position=seat.position).first()
    if existing is not None:
        signature = existing  # returned to this signer without a change: the signature already covers it
    else:
        key, cert, _chain = keys.signer_material(certificate)
        value, algorithm = keys.sign_bytes(key, version.canonical_bytes)
        del key
        token, ts_at = _timestamp(value)
        signature = Signature(
            version=version, order=step.order, position=seat.position, user=user, as_acting=seat.as_acting,
            certificate=certificate, value=base64.b64encode(value).decode("ascii"), algorithm=algorithm,
            signed_at=timezone.now(), timestamp_token=token, timestamp_at=ts_at,
        )
        try:
            with transaction.atomic():
                signature.save()
        except IntegrityError as exc:  # pragma: no cover - the letter row lock serialises signers
            raise Conflict("این نسخه هم‌زمان امضا شد؛ دوباره بکوشید.") from exc
    now = timezone.now()
    SigningStep.objects.filter(pk=step.pk).update(
        state=SigningStep.State.SIGNED, signature=signature, acted_at=now, acted_by=user, note=""
    )
    nxt = next((s for s in steps if s.order > step.order), None)
    if nxt is not None and nxt.state == SigningStep.State.REJECTED:
        SigningStep.objects.filter(pk=nxt.pk).update(state=SigningStep.State.PENDING)
    audit.record(
        action=AuditAction.SIGNING_SIGN, obj=signature, actor=user, position=seat.position, as_acting=seat.as_acting,
        data={
            "letter": letter.pk, "version": version.number, "sha256": version.content_sha256,
            "certificate": certificate.serial, "timestamped": bool(signature.timestamp_token),
        },
    )
    return signature


def requires_certificate(agency: Agency) -> bool:
    """An agency that has set up its signing authority signs every approval digitally."""
    return Authority.objects.filter(agency=agency, active=True).exists()


def first_signer(letter: Letter) -> int | None:
    """The position whose turn it is in the letter's circuit (made from its signer if it has none)."""
    step = current_step(_ensure_circuit(letter))
    return step.position_id if step else None


def start_circuit(letter: Letter) -> int | None:
    """A draft goes (again) to signing: a step that returned it signs anew; whose turn it is.

    Part of letters.services' submit and approve (their transaction and audit entry)."""
    steps = _ensure_circuit(letter)
    letter.signing_steps.filter(state=SigningStep.State.REJECTED).update(state=SigningStep.State.PENDING)
    step = current_step(_steps(letter)) if steps else None
    return step.position_id if step else None


@transaction.atomic
def approve_step(*, user, seat: Seat, letter: Letter, digital: bool = False) -> int | None:
    """The signer whose turn it is approves: a digital signature where the position has a valid
    certificate (required once the agency has an authority, or when `digital`), a recorded approval
    otherwise. Called only by letters.services.approve (through letters.circuit), which moves the
    referrals and the letter's state in the same transaction: no entry point signs a step alone.

    Returns the next signer's position id, or None when the circuit is complete.
    """
    seat = _own_seat(user, seat)
    steps = _ensure_circuit(letter)
    mine = next((s for s in steps if s.position_id == seat.position.id), None)
    if mine is None:
        raise NotAllowed("سمت شما در زنجیره امضای این نامه نیست.")
    already = mine.state == SigningStep.State.SIGNED and mine.signature_id is not None and (
        mine.signature.version_id == getattr(current_version(letter), "id", None)
    )
    if not already:
        if valid_certificate(seat.position) is not None:
            sign(user=user, seat=seat, letter=letter)
        elif digital or requires_certificate(letter.agency):
            raise DomainError(
                "سمت شما گواهی امضای معتبری ندارد؛ از مدیر سامانه دستگاه بخواهید گواهی صادر کند.",
                code="no_certificate",
            )
        else:
            step = current_step(steps)
            if step is None or step.pk != mine.pk:
                raise Conflict("هنوز نوبت امضای شما نرسیده است.")
            # Recorded by the caller's audit entry (letters.services.approve).
            SigningStep.objects.filter(pk=mine.pk).update(
                state=SigningStep.State.SIGNED, acted_at=timezone.now(), acted_by=user, note=""
            )
    nxt = current_step(_steps(letter))
    return nxt.position_id if nxt else None


def reset_circuit(letter: Letter, *, user=None, seat: Seat | None = None, note: str = "") -> None:
    """A letter returned to its author is signed again from the first signer (old versions keep theirs).

    The returning seat's step keeps who returned it, when and why (state `rejected`) until the
    author sends the draft again (start_circuit). Part of letters.services.return_to_author."""
    letter.signing_steps.update(
        state=SigningStep.State.PENDING, signature=None, acted_at=None, acted_by=None, note=""
    )
    if seat is not None:
        letter.signing_steps.filter(position_id=seat.position.id).update(
            state=SigningStep.State.REJECTED, acted_at=timezone.now(), acted_by=user, note=note
        )
