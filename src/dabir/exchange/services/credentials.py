"""Exchange certificates: an agency's, issued by its own CA, and the directory authority's."""

import datetime as dt

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dabir.core.errors import Conflict, NotAllowed
from dabir.orgs.policy import is_agency_admin
from dabir.signing import keys
from dabir.signing import services as signing_services

from ..models import Credential, Member
from ..names import AuditAction
from ._shared import record


def _certificate(*, subject: x509.Name, issuer_cert, issuer_key, key, days: int) -> x509.Certificate:
    """An exchange certificate: issued by the agency's CA, or self-signed (the directory authority's)."""
    not_after = timezone.now() + dt.timedelta(days=days)
    if issuer_cert is not None:
        not_after = min(not_after, issuer_cert.not_valid_after_utc)
    builder = keys.signer_builder(
        subject=subject, issuer=issuer_cert.subject if issuer_cert is not None else subject,
        public_key=key.public_key(), not_after=not_after,
    ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    return keys.sign_certificate(builder, issuer_key if issuer_key is not None else key)


def _check_admin(user, member: Member | None) -> None:
    if user is None or user.is_superuser:
        return
    if member is None or member.agency is None or not is_agency_admin(user, member.agency):
        raise NotAllowed("صدور و ابطال گواهی تبادل با مدیر سامانه همین دستگاه است.")


@transaction.atomic
def issue_credential(*, user=None, member: Member, days: int | None = None) -> Credential:
    """A new exchange key and certificate for a member on this server, issued by its agency's CA.

    The directory must then publish the new certificate (or a local peer's admin enter it) before
    other servers accept what it signs.
    """
    _check_admin(user, member)
    if member.agency is None:
        raise Conflict("گواهی تبادل فقط برای دستگاه‌های همین سرور صادر می‌شود.", field="member")
    agency = member.agency
    authority = keys.authority_for(agency) or signing_services.create_authority(agency=agency)
    ca_cert = keys.load_certificate(authority.certificate_pem)
    ca_key = keys.decrypt_private_key(authority.private_key_pem)
    key = keys.new_private_key("ec")
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "IR"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, keys.dn_value(agency.name)),
        x509.NameAttribute(NameOID.COMMON_NAME, member.code),
    ])
    cert = _certificate(subject=subject, issuer_cert=ca_cert, issuer_key=ca_key, key=key,
                        days=int(days or settings.DABIR_EXCHANGE_CERT_DAYS))
    credential = Credential.objects.create(
        kind=Credential.Kind.MEMBER, member=member, certificate_pem=keys.certificate_pem(cert),
        private_key_pem=keys.encrypt_private_key(key), fingerprint=keys.fingerprint(cert),
        not_after=cert.not_valid_after_utc,
    )
    member.certificate_pem, member.fingerprint = credential.certificate_pem, credential.fingerprint
    member.not_after, member.revoked_at, member.updated_at = credential.not_after, None, timezone.now()
    member.save(update_fields=["certificate_pem", "fingerprint", "not_after", "revoked_at", "updated_at"])
    record(AuditAction.EXCHANGE_ISSUE_CREDENTIAL, credential, user,
           {"member": member.code, "fingerprint": credential.fingerprint})
    return credential


@transaction.atomic
def directory_credential(*, name: str = "") -> Credential:
    """The directory authority's own signing key (created once, on the server that publishes)."""
    existing = Credential.objects.filter(kind=Credential.Kind.DIRECTORY, revoked_at__isnull=True).first()
    if existing is not None:
        return existing
    key = keys.new_private_key("ec")
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "IR"),
        x509.NameAttribute(NameOID.COMMON_NAME, keys.dn_value(name or settings.DABIR_EXCHANGE_DIRECTORY_NAME)),
    ])
    cert = _certificate(subject=subject, issuer_cert=None, issuer_key=None, key=key, days=3650)
    credential = Credential.objects.create(
        kind=Credential.Kind.DIRECTORY, certificate_pem=keys.certificate_pem(cert),
        private_key_pem=keys.encrypt_private_key(key), fingerprint=keys.fingerprint(cert),
        not_after=cert.not_valid_after_utc,
    )
    record(AuditAction.EXCHANGE_ISSUE_CREDENTIAL, credential, None, {"directory": True,
                                                                      "fingerprint": credential.fingerprint})
    return credential


@transaction.atomic
def revoke_credential(*, user=None, credential: Credential) -> Credential:
    """Stop trusting a key: this server refuses it at once; the directory publishes the revocation."""
    _check_admin(user, credential.member)
    credential = Credential.objects.select_for_update().get(pk=credential.pk)
    if credential.revoked_at is None:
        credential.revoked_at = timezone.now()
        credential.save(update_fields=["revoked_at"])
        member = credential.member
        if member is not None and member.fingerprint == credential.fingerprint:
            member.revoked_at, member.updated_at = credential.revoked_at, timezone.now()
            member.save(update_fields=["revoked_at", "updated_at"])
        record(AuditAction.EXCHANGE_REVOKE_CREDENTIAL, credential, user, {"fingerprint": credential.fingerprint})
    return credential
