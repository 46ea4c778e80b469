"""Signing: agency certificate authorities, position certificates, letter versions and signatures.

Private keys are kept only as PKCS#8 PEM encrypted with a key derived from
settings.DABIR_SIGNING_KEY (see keys.py); they are decrypted in memory when a signature is made.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Authority(models.Model):
    """A certificate authority an agency trusts.

    `agency` kind: the agency's own CA (self-signed root, private key encrypted at rest), which
    issues position certificates. `external` kind: an outside authority's certificate (e.g. a
    national CA root) imported as a trusted root; it has no private key here.
    """

    class Kind(models.TextChoices):
        AGENCY = "agency", "مرجع صدور گواهی دستگاه"
        EXTERNAL = "external", "مرجع بیرونی مورد اعتماد"

    agency = models.ForeignKey(
        "orgs.Agency", on_delete=models.PROTECT, related_name="signing_authorities", verbose_name="دستگاه"
    )
    kind = models.CharField("نوع", max_length=10, choices=Kind.choices, default=Kind.AGENCY)
    name = models.CharField("نام", max_length=200)
    certificate_pem = models.TextField("گواهی (PEM)")
    # Encrypted PKCS#8 PEM; empty for external authorities.
    private_key_pem = models.TextField(blank=True, editable=False)
    serial = models.CharField("شماره سریال", max_length=64)
    fingerprint = models.CharField("اثر انگشت SHA-256", max_length=64, db_index=True)
    not_before = models.DateTimeField("اعتبار از")
    not_after = models.DateTimeField("اعتبار تا")
    active = models.BooleanField("فعال", default=True)
    crl_number = models.PositiveBigIntegerField("شماره فهرست ابطال", default=0)
    created_at = models.DateTimeField(default=timezone.now, verbose_name="زمان ایجاد")

    class Meta:
        ordering = ["agency", "-created_at"]
        verbose_name = "مرجع صدور گواهی"
        verbose_name_plural = "مراجع صدور گواهی"
        constraints = [
            models.UniqueConstraint(fields=["agency", "fingerprint"], name="authority_unique_fingerprint"),
            models.UniqueConstraint(
                fields=["agency"], condition=Q(kind="agency", active=True), name="authority_one_active_ca"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def has_key(self) -> bool:
        return bool(self.private_key_pem)


class CertificateStatus(models.TextChoices):
    VALID = "valid", "معتبر"
    NOT_YET_VALID = "not_yet_valid", "هنوز معتبر نشده"
    EXPIRED = "expired", "منقضی"
    REVOKED = "revoked", "ابطال شده"


class Certificate(models.Model):
    """An X.509 certificate of a signing position, issued by the agency CA or imported."""

    position = models.ForeignKey(
        "orgs.Position", on_delete=models.PROTECT, related_name="certificates", verbose_name="سمت"
    )
    authority = models.ForeignKey(
        Authority, null=True, blank=True, on_delete=models.PROTECT, related_name="certificates",
        verbose_name="صادرکننده",
    )
    serial = models.CharField("شماره سریال", max_length=64, unique=True)  # lower-case hex
    subject = models.CharField("دارنده", max_length=500)
    issuer = models.CharField("صادرکننده", max_length=500, blank=True)
    certificate_pem = models.TextField("گواهی (PEM)")
    # Encrypted PKCS#8 PEM; empty when only the certificate was imported.
    private_key_pem = models.TextField(blank=True, editable=False)
    # Intermediate certificates up to (not including) the trusted root, PEM, for imported certificates.
    chain_pem = models.TextField(blank=True, verbose_name="زنجیره گواهی")
    fingerprint = models.CharField("اثر انگشت SHA-256", max_length=64, db_index=True)
    not_before = models.DateTimeField("اعتبار از")
    not_after = models.DateTimeField("اعتبار تا")
    imported = models.BooleanField("وارد شده از مرجع بیرونی", default=False)
    revoked_at = models.DateTimeField("زمان ابطال", null=True, blank=True)
    revocation_reason = models.CharField("علت ابطال", max_length=32, blank=True)
    revocation_note = models.CharField("توضیح ابطال", max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="صادرکننده"
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name="زمان ایجاد")

    class Meta:
        ordering = ["position", "-not_before"]
        verbose_name = "گواهی امضا"
        verbose_name_plural = "گواهی‌های امضا"
        indexes = [models.Index(fields=["position", "not_after"])]

    def __str__(self) -> str:
        return f"{self.subject} [{self.serial[:12]}]"

    @property
    def has_key(self) -> bool:
        return bool(self.private_key_pem)

    def status_at(self, at: dt.datetime | None = None) -> str:
        at = at or timezone.now()
        if self.revoked_at is not None and self.revoked_at <= at:
            return CertificateStatus.REVOKED
        if at < self.not_before:
            return CertificateStatus.NOT_YET_VALID
        if at > self.not_after:
            return CertificateStatus.EXPIRED
        return CertificateStatus.VALID

    @property
    def status(self) -> str:
        return self.status_at()

    def is_valid_at(self, at: dt.datetime | None = None) -> bool:
        return self.status_at(at) == CertificateStatus.VALID


def signature_image_path(instance, filename):
    return f"signatures/{instance.position_id}/{timezone.now():%Y%m%d%H%M%S%f}.png"


class SignatureImage(models.Model):
    """The scanned handwritten signature of a position's holder, drawn on rendered letters.

    Decoration only: an image alone never counts as a signature.
    """

    position = models.ForeignKey(
        "orgs.Position", on_delete=models.CASCADE, related_name="signature_images", verbose_name="سمت"
    )
    image = models.FileField("تصویر امضا (PNG)", upload_to=signature_image_path, max_length=200)
    sha256 = models.CharField(max_length=64, verbose_name="چکیده SHA-256")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="بارگذارنده"
    )
    uploaded_at = models.DateTimeField(default=timezone.now, verbose_name="زمان بارگذاری")

    class Meta:
        ordering = ["position", "-uploaded_at", "-id"]
        verbose_name = "تصویر امضا"
        verbose_name_plural = "تصاویر امضا"


def version_pdf_path(instance, filename):
    return f"letters/{instance.letter_id}/v{instance.number}-{instance.code}.pdf"


class LetterVersion(models.Model):
    """A frozen snapshot of a letter's canonical content; signatures bind to one version.

    `code` is the public verification code (see selectors.version_by_code).
    """

    letter = models.ForeignKey("letters.Letter", on_delete=models.PROTECT, related_name="versions", verbose_name="نامه")
    number = models.PositiveIntegerField("نسخه")
    canonical = models.TextField("متن متعارف (JSON)")
    content_sha256 = models.CharField(max_length=64, verbose_name="چکیده محتوا")
    code = models.CharField("کد رهگیری/صحت‌سنجی", max_length=16, unique=True)
    created_at = models.DateTimeField(default=timezone.now, verbose_name="زمان ایجاد")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="ایجادکننده"
    )
    # Filled by pdf.letter_pdf: the rendered and PAdES-signed PDF of this version.
    pdf = models.FileField(upload_to=version_pdf_path, null=True, blank=True, max_length=200, verbose_name="فایل PDF")
    pdf_sha256 = models.CharField(max_length=64, blank=True, db_index=True, verbose_name="چکیده PDF")

    class Meta:
        ordering = ["letter", "number"]
        verbose_name = "نسخه نامه"
        verbose_name_plural = "نسخه‌های نامه"
        constraints = [models.UniqueConstraint(fields=["letter", "number"], name="version_unique_number")]

    def __str__(self) -> str:
        return f"{self.letter_id} v{self.number} ({self.code})"

    @property
    def display_code(self) -> str:
        from .codes import display

        return display(self.code)

    @property
    def canonical_bytes(self) -> bytes:
        return self.canonical.encode("utf-8")


class Signature(models.Model):
    """A digital signature by a position (through a user, holder or acting) over a version's canonical bytes."""

    version = models.ForeignKey(LetterVersion, on_delete=models.PROTECT, related_name="signatures", verbose_name="نسخه")
    order = models.PositiveSmallIntegerField("ترتیب")
    position = models.ForeignKey("orgs.Position", on_delete=models.PROTECT, related_name="+", verbose_name="سمت")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="کاربر")
    as_acting = models.BooleanField("به جانشینی", default=False)
    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="signatures", verbose_name="گواهی")
    value = models.TextField("امضا (base64)")
    algorithm = models.CharField(max_length=32, verbose_name="الگوریتم")  # ecdsa-sha256 | rsa-pss-sha256
    signed_at = models.DateTimeField("زمان امضا", default=timezone.now)
    # RFC 3161 time-stamp token (DER, base64) over the signature value, when a TSA is configured.
    timestamp_token = models.TextField(blank=True, verbose_name="مهر زمانی")
    timestamp_at = models.DateTimeField(null=True, blank=True, verbose_name="زمان مهر زمانی")

    class Meta:
        ordering = ["version", "order", "id"]
        verbose_name = "امضای دیجیتال"
        verbose_name_plural = "امضاهای دیجیتال"
        constraints = [models.UniqueConstraint(fields=["version", "position"], name="signature_once_per_version")]

    def __str__(self) -> str:
        return f"{self.position} — {self.version}"


class SigningStep(models.Model):
    """One place in a letter's signing circuit; the turn passes in `order` once the previous signed."""

    class State(models.TextChoices):
        PENDING = "pending", "در انتظار امضا"
        SIGNED = "signed", "امضا شده"
        REJECTED = "rejected", "برگشت داده شده"

    letter = models.ForeignKey("letters.Letter", on_delete=models.CASCADE, related_name="signing_steps", verbose_name="نامه")
    order = models.PositiveSmallIntegerField("ترتیب")
    position = models.ForeignKey("orgs.Position", on_delete=models.PROTECT, related_name="signing_steps", verbose_name="سمت")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING, verbose_name="وضعیت")
    signature = models.ForeignKey(Signature, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="امضا")
    acted_at = models.DateTimeField(null=True, blank=True, verbose_name="زمان اقدام")
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="اقدام‌کننده"
    )
    note = models.TextField("یادداشت", blank=True)

    class Meta:
        ordering = ["letter", "order"]
        verbose_name = "مرحله امضا"
        verbose_name_plural = "زنجیره امضا"
        constraints = [
            models.UniqueConstraint(fields=["letter", "order"], name="step_unique_order"),
            models.UniqueConstraint(fields=["letter", "position"], name="step_unique_position"),
        ]
        indexes = [models.Index(fields=["position", "state"])]
