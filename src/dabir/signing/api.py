"""Signing over JSON: authorities, certificates, signature images, circuits, signing, verification.

Thin handlers: parse, one selector or service call, a schema. Answers carry certificates (public)
but never a private key. The CRL endpoint is public (no sign-in), like the verification page.
"""

import datetime as dt

from django.http import HttpResponse
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from dabir.core.errors import DomainError, NotAllowed, NotFound
from dabir.core.schemas import LatinInt
from dabir.letters import services as letter_services
from dabir.letters.selectors import get_visible_letter
from dabir.orgs.models import Agency, Position
from dabir.orgs.policy import is_agency_admin
from dabir.orgs.selectors import acting_seat, seats_of

from . import selectors, services
from .models import Authority, Certificate, SigningStep
from .verify import verify_version

router = Router(tags=["signing"])

MAX_UPLOAD = services.MAX_IMPORT_BYTES


# ---------------------------------------------------------------- schemas


class AuthorityIn(Schema):
    agency_id: LatinInt
    name: str = Field("", max_length=200)
    key_type: str = Field("ec", description="ec (ECDSA P-256) یا rsa (RSA-3072)")


class AuthorityImportIn(Schema):
    agency_id: LatinInt
    certificate_pem: str = Field(..., max_length=MAX_UPLOAD)
    name: str = Field("", max_length=200)


class AuthorityOut(Schema):
    id: int
    agency_id: int
    agency_code: str
    kind: str
    name: str
    serial: str
    fingerprint: str
    not_before: dt.datetime
    not_after: dt.datetime
    active: bool
    certificate_pem: str


class SigningPositionRef(Schema):
    id: int
    title: str
    unit: str


class CertificateIn(Schema):
    position_id: LatinInt
    days: LatinInt | None = None
    key_type: str = "ec"


class RevokeIn(Schema):
    reason: str = "unspecified"
    note: str = Field("", max_length=500)


class CertificateOut(Schema):
    id: int
    serial: str
    subject: str
    issuer: str
    position: SigningPositionRef
    authority_id: int | None
    not_before: dt.datetime
    not_after: dt.datetime
    status: str
    revoked_at: dt.datetime | None
    revocation_reason: str
    imported: bool
    has_key: bool
    certificate_pem: str


class SignatureImageOut(Schema):
    id: int
    position_id: int
    sha256: str
    uploaded_at: dt.datetime


class CircuitIn(Schema):
    positions: list[LatinInt] = Field(..., max_length=10)
    position_id: LatinInt | None = None


class StepOut(Schema):
    order: int
    position: SigningPositionRef
    state: str
    acted_at: dt.datetime | None
    note: str


class SeatIn(Schema):
    position_id: LatinInt | None = None


class RejectIn(Schema):
    note: str = Field(..., max_length=4000)
    position_id: LatinInt | None = None


class SignatureOut(Schema):
    id: int
    version: int
    code: str
    order: int
    position: SigningPositionRef
    user: str
    as_acting: bool
    certificate_serial: str
    algorithm: str
    signed_at: dt.datetime
    timestamped: bool


class CheckOut(Schema):
    part: str
    ok: bool
    message: str


class SignerOut(Schema):
    order: int
    position: SigningPositionRef
    user: str
    as_acting: bool
    signed_at: dt.datetime
    ok: bool
    certificate_serial: str
    certificate_status: str
    status_now: str
    revoked_at: dt.datetime | None
    timestamped: bool
    message: str


class VersionReportOut(Schema):
    number: int
    code: str
    display_code: str
    content_sha256: str
    created_at: dt.datetime
    ok: bool
    failed: list[str]
    checks: list[CheckOut]
    signers: list[SignerOut]


class VerificationOut(Schema):
    letter_id: int
    ok: bool
    circuit: list[StepOut]
    versions: list[VersionReportOut]


class PendingOut(Schema):
    id: int
    subject: str
    kind: str
    status: str
    created_at: dt.datetime


class CertificatesQuery(Schema):
    position_id: LatinInt | None = None
    agency_id: LatinInt | None = None


# ---------------------------------------------------------------- rendering helpers


def _pos(p: Position) -> dict:
    return {"id": p.id, "title": p.title, "unit": p.unit.name}


def _authority(a: Authority) -> dict:
    return {
        "id": a.id, "agency_id": a.agency_id, "agency_code": a.agency.code, "kind": a.kind, "name": a.name,
        "serial": a.serial, "fingerprint": a.fingerprint, "not_before": a.not_before, "not_after": a.not_after,
        "active": a.active, "certificate_pem": a.certificate_pem,
    }


def _certificate(c: Certificate) -> dict:
    return {
        "id": c.id, "serial": c.serial, "subject": c.subject, "issuer": c.issuer, "position": _pos(c.position),
        "authority_id": c.authority_id, "not_before": c.not_before, "not_after": c.not_after, "status": c.status,
        "revoked_at": c.revoked_at, "revocation_reason": c.revocation_reason, "imported": c.imported,
        "has_key": c.has_key, "certificate_pem": c.certificate_pem,
    }


def _signature(s) -> dict:
    return {
        "id": s.id, "version": s.version.number, "code": s.version.code, "order": s.order, "position": _pos(s.position),
        "user": str(s.user), "as_acting": s.as_acting, "certificate_serial": s.certificate.serial,
        "algorithm": s.algorithm, "signed_at": s.signed_at, "timestamped": bool(s.timestamp_token),
    }


def _steps(letter) -> list[dict]:
    return [
        {"order": s.order, "position": _pos(s.position), "state": s.state, "acted_at": s.acted_at, "note": s.note}
        for s in selectors.circuit(letter)
    ]


def _agency(agency_id) -> Agency:
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise NotFound("دستگاه پیدا نشد.", field="agency_id")
    return agency


def _position(position_id) -> Position:
    position = Position.objects.select_related("unit__agency").filter(pk=position_id).first()
    if position is None:
        raise NotFound("سمت پیدا نشد.", field="position_id")
    return position


def _read_upload(request, name: str, *, required: bool, limit: int = MAX_UPLOAD) -> bytes | None:
    f = request.FILES.get(name)
    if f is None:
        if required:
            raise DomainError(f"پرونده را در فیلد {name} بفرستید.", field=name)
        return None
    if f.size > limit:
        raise DomainError("پرونده بیش از اندازه بزرگ است.", field=name)
    return f.read()


def _multipart(request) -> None:
    if not (request.content_type or "").startswith("multipart/"):
        raise DomainError("این درخواست باید multipart/form-data باشد.", field="file")


# ---------------------------------------------------------------- authorities and CRL


@router.get("/authorities", response=list[AuthorityOut], summary="مراجع صدور گواهی مورد اعتماد یک دستگاه")
def authorities(request, agency_id: LatinInt):
    agency = _agency(agency_id)
    return [_authority(a) for a in Authority.objects.filter(agency=agency).select_related("agency")]


@router.post("/authorities", response={201: AuthorityOut}, summary="ساخت مرجع صدور گواهی دستگاه (مدیر سامانه دستگاه)")
def create_authority(request, payload: AuthorityIn):
    authority = services.create_authority(
        user=request.user, agency=_agency(payload.agency_id), name=payload.name, key_type=payload.key_type
    )
    return Status(201, _authority(authority))


@router.post("/authorities/import", response={201: AuthorityOut},
             summary="افزودن گواهی ریشه مرجع بیرونی (مثلاً مرجع ملی) به مراجع مورد اعتماد")
def import_authority(request, payload: AuthorityImportIn):
    authority = services.import_authority(
        user=request.user, agency=_agency(payload.agency_id), certificate_pem=payload.certificate_pem,
        name=payload.name,
    )
    return Status(201, _authority(authority))


@router.get("/crl/{agency_code}", auth=None, response={200: None}, url_name="signing_crl",
            summary="فهرست ابطال گواهی‌های دستگاه (CRL، DER)")
def crl(request, agency_code: str):
    code = agency_code.removesuffix(".crl")
    agency = Agency.objects.filter(code=code).first()
    if agency is None:
        raise NotFound("دستگاه پیدا نشد.")
    response = HttpResponse(services.crl_der(agency), content_type="application/pkix-crl")
    response["Content-Disposition"] = f'attachment; filename="{agency.code}.crl"'
    response["Cache-Control"] = "public, max-age=300"
    return response


# ---------------------------------------------------------------- certificates


@router.get("/certificates", response=list[CertificateOut],
            summary="گواهی‌های سمت‌های من (یا همه سمت‌های دستگاهی که مدیر سامانه آنم)")
def certificates(request, filters: Query[CertificatesQuery]):
    if filters.agency_id is not None:
        agency = _agency(filters.agency_id)
        if not is_agency_admin(request.user, agency):
            raise NotAllowed("فهرست گواهی‌های همه سمت‌ها را فقط مدیر سامانه دستگاه می‌بیند.")
        ids = list(Position.objects.filter(unit__agency=agency).values_list("id", flat=True))
    else:
        ids = [s.position.id for s in seats_of(request.user)]
    if filters.position_id is not None:
        ids = [i for i in ids if i == filters.position_id]
    return [_certificate(c) for c in selectors.certificates_for_positions(ids)]


@router.post("/certificates", response={201: CertificateOut}, summary="صدور گواهی امضا برای یک سمت (مدیر سامانه دستگاه)")
def issue_certificate(request, payload: CertificateIn):
    cert = services.issue_certificate(
        user=request.user, position=_position(payload.position_id), days=payload.days, key_type=payload.key_type
    )
    return Status(201, _certificate(cert))


_IMPORT_DOC = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["position_id", "file"],
                    "properties": {
                        "position_id": {"type": "integer"},
                        "file": {"type": "string", "format": "binary", "description": "PKCS#12 (.p12/.pfx) یا PEM"},
                        "key": {"type": "string", "format": "binary", "description": "کلید خصوصی PEM (اختیاری)"},
                        "password": {"type": "string"},
                    },
                }
            }
        }
    }
}


@router.post("/certificates/import", response={201: CertificateOut}, openapi_extra=_IMPORT_DOC,
             summary="وارد کردن گواهی سمت صادرشده از مرجع بیرونی (PKCS#12 یا PEM با کلید)")
def import_certificate(request):
    _multipart(request)
    position = _position(_latin_id(request.POST.get("position_id")))
    cert = services.import_certificate(
        user=request.user, position=position, content=_read_upload(request, "file", required=True),
        key_pem=_read_upload(request, "key", required=False), password=request.POST.get("password") or None,
    )
    return Status(201, _certificate(cert))


def _latin_id(value) -> int:
    from dabir.core.text import to_latin_digits

    text = to_latin_digits(str(value or "")).strip()
    if not text.isdigit():
        raise DomainError("شناسه سمت باید عدد باشد.", field="position_id")
    return int(text)


@router.post("/certificates/{serial}/revoke", response=CertificateOut, summary="ابطال گواهی")
def revoke_certificate(request, serial: str, payload: RevokeIn):
    cert = selectors.certificate_by_serial(serial)
    cert = services.revoke_certificate(user=request.user, certificate=cert, reason=payload.reason, note=payload.note)
    return _certificate(cert)


# ---------------------------------------------------------------- signature image


@router.post("/signature-image", response={201: SignatureImageOut},
             summary="بارگذاری تصویر امضای دارنده سمت (PNG؛ فقط برای نمایش، امضای دیجیتال نیست)",
             openapi_extra={"requestBody": {"content": {"multipart/form-data": {"schema": {
                 "type": "object", "required": ["image"],
                 "properties": {"image": {"type": "string", "format": "binary"}, "position_id": {"type": "integer"}},
             }}}}})
def upload_signature_image(request):
    _multipart(request)
    seat = acting_seat(request, request.POST.get("position_id"))
    content = _read_upload(request, "image", required=True, limit=services.MAX_IMAGE_BYTES)
    image = services.upload_signature_image(user=request.user, seat=seat, content=content)
    return Status(201, {"id": image.id, "position_id": image.position_id, "sha256": image.sha256,
                        "uploaded_at": image.uploaded_at})


# ---------------------------------------------------------------- circuit, signing, verification


@router.get("/pending", response=list[PendingOut], summary="نامه‌های در انتظار امضای سمت من (نوبت من)")
def pending(request, position_id: LatinInt | None = None):
    seat = acting_seat(request, position_id)
    return [
        {"id": x.id, "subject": x.subject, "kind": x.kind, "status": x.status, "created_at": x.created_at}
        for x in selectors.pending_signatures(request.user, seat.position.id)[:200]
    ]


@router.get("/letters/{letter_id}/circuit", response=list[StepOut], summary="زنجیره امضای نامه")
def get_circuit(request, letter_id: LatinInt):
    return _steps(get_visible_letter(request.user, letter_id))


@router.put("/letters/{letter_id}/circuit", response=list[StepOut], summary="تعیین زنجیره امضا (به ترتیب)")
def set_circuit(request, letter_id: LatinInt, payload: CircuitIn):
    letter = get_visible_letter(request.user, letter_id)
    seat = acting_seat(request, payload.position_id, prefer=[letter.author_position_id])
    services.set_circuit(letter, payload.positions, user=request.user, seat=seat)
    return _steps(letter)


def _turn_position(letter) -> list[int]:
    step = letter.signing_steps.filter(state=SigningStep.State.PENDING).order_by("order").first()
    return [step.position_id] if step else [letter.signer_position_id]


@router.post("/letters/{letter_id}/sign", response={201: SignatureOut}, summary="امضای دیجیتال نامه (نوبت سمت من)")
def sign(request, letter_id: LatinInt, payload: SeatIn):
    """The same approval as the letter page's «امضا و تأیید» (letters.services.approve), digitally signed."""
    letter = get_visible_letter(request.user, letter_id)
    seat = acting_seat(request, payload.position_id, prefer=_turn_position(letter))
    letter_services.approve(user=request.user, seat=seat, letter=letter, digital=True)
    return Status(201, _signature(selectors.signature_of(letter, seat.position.id)))


@router.post("/letters/{letter_id}/reject", response=StepOut, summary="برگرداندن نامه به نویسنده در زنجیره امضا")
def reject(request, letter_id: LatinInt, payload: RejectIn):
    """The same return as the letter page's «بازگرداندن به نویسنده» (letters.services.return_to_author)."""
    letter = get_visible_letter(request.user, letter_id)
    seat = acting_seat(request, payload.position_id, prefer=_turn_position(letter))
    letter_services.return_to_author(user=request.user, seat=seat, letter=letter, note=payload.note)
    step = selectors.circuit(letter).get(position_id=seat.position.id)
    return {"order": step.order, "position": _pos(step.position), "state": step.state, "acted_at": step.acted_at,
            "note": step.note}


@router.get("/letters/{letter_id}/verification", response=VerificationOut,
            summary="گزارش صحت‌سنجی همه نسخه‌ها و امضاهای نامه")
def verification(request, letter_id: LatinInt):
    letter = get_visible_letter(request.user, letter_id)
    versions = []
    for version in selectors.versions_of(letter):
        report = verify_version(version)
        versions.append({
            "number": version.number, "code": version.code, "display_code": version.display_code,
            "content_sha256": version.content_sha256, "created_at": version.created_at, "ok": report.ok,
            "failed": report.failed(),
            "checks": [{"part": c.part, "ok": c.ok, "message": c.message} for c in report.checks],
            "signers": [
                {
                    "order": s.signature.order, "position": _pos(s.signature.position), "user": str(s.signature.user),
                    "as_acting": s.signature.as_acting, "signed_at": s.signed_at, "ok": s.ok,
                    "certificate_serial": s.signature.certificate.serial, "certificate_status": s.certificate_status,
                    "status_now": s.status_now, "revoked_at": s.revoked_at, "timestamped": s.timestamped,
                    "message": s.message,
                }
                for s in report.signatures
            ],
        })
    latest_ok = versions[-1]["ok"] if versions else False
    return {"letter_id": letter.id, "ok": latest_ok, "circuit": _steps(letter), "versions": versions}
