"""Verification of a letter version: content, attachments, signatures, certificates, time-stamps.

`verify_version(version)` re-reads everything from the database and storage and says, part by
part, what holds and what does not, in Persian. Nothing is trusted from an earlier check.
"""

import base64
import binascii
import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import NamedTuple

from django.utils import timezone

from dabir.core.jalali import format_datetime
from dabir.letters.models import Attachment

from . import canonical, keys
from .models import Authority, CertificateStatus, LetterVersion, Signature

FIELD_LABELS = {
    "body": "متن",
    "subject": "موضوع",
    "recipients": "گیرندگان",
    "cc": "رونوشت",
    "sender": "فرستنده",
    "classification": "طبقه‌بندی",
    "urgency": "فوریت",
    "links": "پیوندها",
    "attachments": "فهرست پیوست‌ها",
    "number": "شماره",
    "registered_at": "تاریخ ثبت",
    "kind": "نوع نامه",
    "uid": "شناسه نامه",
    "format": "قالب",
}


class Check(NamedTuple):
    part: str  # content | attachments | signature | certificate | timestamp
    ok: bool
    message: str


@dataclass
class SignatureReport:
    signature: Signature
    ok: bool
    signature_ok: bool
    certificate_status: str  # valid | expired | revoked | not_yet_valid | untrusted (at signing time)
    status_now: str
    revoked_at: dt.datetime | None
    signed_at: dt.datetime
    timestamped: bool
    message: str


@dataclass
class Report:
    version: LetterVersion
    checks: list[Check] = field(default_factory=list)
    signatures: list[SignatureReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def failed(self) -> list[str]:
        return sorted({c.part for c in self.checks if not c.ok})

    def add(self, part: str, ok: bool, message: str) -> None:
        self.checks.append(Check(part, ok, message))


def _when(value: dt.datetime | None) -> str:
    return format_datetime(value) if value else ""


def _check_content(report: Report, version: LetterVersion) -> dict | None:
    raw = version.canonical.encode("utf-8")
    if hashlib.sha256(raw).hexdigest() != version.content_sha256:
        report.add("content", False, "متن متعارفِ ذخیره‌شده این نسخه با چکیده ثبت‌شده آن نمی‌خواند؛ دستکاری شده است.")
        try:
            return json.loads(raw)
        except ValueError:
            return None
    try:
        signed = json.loads(raw)
    except ValueError:
        report.add("content", False, "متن متعارف این نسخه خوانا نیست.")
        return None
    current = canonical.canonical_data(version.letter)
    diff = canonical.differences(signed, current)
    latest = version.letter.versions.order_by("-number").values_list("number", flat=True).first()
    if not diff:
        report.add("content", True, "محتوای نامه با نسخه امضاشده یکی است.")
    elif latest is not None and latest > version.number:
        # An older version: the letter moved on through a new version; this one stands on its own text.
        report.add(
            "content", True,
            f"این نسخه {version.number} است و نامه پس از آن نسخه تازه‌تر ({latest}) دارد؛ متن این نسخه دست‌نخورده است.",
        )
    else:
        labels = "، ".join(FIELD_LABELS.get(k, k) for k in diff)
        report.add("content", False, f"محتوای نامه پس از امضا تغییر کرده است: {labels}.")
    return signed


def _check_attachments(report: Report, version: LetterVersion, signed: dict | None) -> None:
    items = (signed or {}).get("attachments") or []
    if not items:
        report.add("attachments", True, "این نسخه پیوستی ندارد.")
        return
    rows = {a.sha256: a for a in Attachment.objects.filter(letter=version.letter)}
    for item in items:
        name, expected = item.get("name", ""), item.get("sha256", "")
        row = rows.get(expected)
        if row is None:
            report.add("attachments", False, f"پیوست «{name}» در سامانه پیدا نشد.")
            continue
        digest = hashlib.sha256()
        try:
            with row.file.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1024 * 1024), b""):
                    digest.update(chunk)
        except (FileNotFoundError, OSError):
            report.add("attachments", False, f"پرونده پیوست «{name}» در انبار پرونده‌ها نیست.")
            continue
        if digest.hexdigest() != expected:
            report.add("attachments", False, f"پیوست «{name}» تغییر کرده است؛ چکیده SHA-256 آن نمی‌خواند.")
        else:
            report.add("attachments", True, f"پیوست «{name}» دست‌نخورده است.")


def _timestamp_time(sig: Signature, value: bytes) -> tuple[bool | None, dt.datetime | None]:
    """(token matches the signature value, time in the token); (None, None) without a token."""
    if not sig.timestamp_token:
        return None, None
    try:
        from asn1crypto import cms

        info = cms.ContentInfo.load(base64.b64decode(sig.timestamp_token))
        tst = info["content"]["encap_content_info"]["content"].parsed
        imprint = tst["message_imprint"]
        ok = (
            imprint["hash_algorithm"]["algorithm"].native == "sha256"
            and imprint["hashed_message"].native == hashlib.sha256(value).digest()
        )
        return ok, tst["gen_time"].native
    except Exception:  # a malformed token is a failed check, not an error page
        return False, None


def _certificate_trusted(sig: Signature) -> bool:
    cert = keys.load_certificate(sig.certificate.certificate_pem)
    roots = [keys.load_certificate(a.certificate_pem) for a in Authority.objects.filter(pk=sig.certificate.authority_id)]
    if not roots:
        return False
    return keys.chain_to(cert, keys.load_certificates(sig.certificate.chain_pem), roots) is not None


def _check_signature(report: Report, version: LetterVersion, sig: Signature, at: dt.datetime) -> None:
    who = f"{sig.position.title}" + (" (جانشین)" if sig.as_acting else "")
    certificate = sig.certificate
    try:
        value = base64.b64decode(sig.value, validate=True)
    except (binascii.Error, ValueError):
        value = b""
    cert = keys.load_certificate(certificate.certificate_pem)
    sig_ok = bool(value) and keys.verify_bytes(cert.public_key(), value, version.canonical_bytes, sig.algorithm)
    if sig_ok:
        report.add("signature", True, f"امضای دیجیتال {who} درست است.")
    else:
        report.add("signature", False, f"امضای دیجیتال {who} با محتوای این نسخه و کلید گواهی او نمی‌خواند.")

    ts_ok, ts_at = _timestamp_time(sig, value)
    if ts_ok is not None:
        if ts_ok:
            report.add("timestamp", True, f"مهر زمانی امضای {who}: {_when(ts_at)}.")
        else:
            report.add("timestamp", False, f"مهر زمانی امضای {who} با امضا نمی‌خواند.")
    signed_at = ts_at if ts_ok and ts_at else sig.signed_at

    status_then = certificate.status_at(signed_at)
    status_now = certificate.status_at(at)
    trusted = _certificate_trusted(sig)
    ok = True
    if not trusted:
        ok = False
        msg = f"گواهی {who} از مرجعی مورد اعتماد صادر نشده یا زنجیره آن گسسته است."
        status_then = "untrusted"
    elif status_then == CertificateStatus.REVOKED:
        ok = False
        msg = f"گواهی {who} هنگام امضا ابطال شده بود (زمان ابطال: {_when(certificate.revoked_at)})."
    elif status_then == CertificateStatus.EXPIRED:
        ok = False
        msg = f"گواهی {who} هنگام امضا منقضی شده بود (پایان اعتبار: {_when(certificate.not_after)})."
    elif status_then == CertificateStatus.NOT_YET_VALID:
        ok = False
        msg = f"گواهی {who} هنگام امضا هنوز معتبر نشده بود."
    elif status_now == CertificateStatus.REVOKED:
        msg = (
            f"گواهی {who} هنگام امضا معتبر بود؛ گواهی در {_when(certificate.revoked_at)} ابطال شده است."
        )
    elif status_now == CertificateStatus.EXPIRED:
        msg = f"گواهی {who} هنگام امضا معتبر بود؛ اعتبار آن در {_when(certificate.not_after)} به پایان رسیده است."
    else:
        msg = f"گواهی {who} معتبر است (تا {_when(certificate.not_after)})."
    report.add("certificate", ok, msg)
    report.signatures.append(
        SignatureReport(
            signature=sig, ok=ok and sig_ok and ts_ok is not False, signature_ok=sig_ok,
            certificate_status=status_then, status_now=status_now, revoked_at=certificate.revoked_at,
            signed_at=signed_at, timestamped=bool(ts_ok), message=msg,
        )
    )


def verify_version(version: LetterVersion, at: dt.datetime | None = None) -> Report:
    """Check one version part by part; `at` is the moment certificate status is judged for "now"."""
    at = at or timezone.now()
    version = LetterVersion.objects.select_related("letter__agency").get(pk=version.pk)
    report = Report(version=version)
    signed = _check_content(report, version)
    _check_attachments(report, version, signed)
    signatures = list(
        version.signatures.select_related("position__unit", "user", "certificate__authority").order_by("order", "id")
    )
    if not signatures:
        report.add("signature", False, "این نسخه هنوز امضای دیجیتال ندارد.")
    for sig in signatures:
        _check_signature(report, version, sig, at)
    return report
