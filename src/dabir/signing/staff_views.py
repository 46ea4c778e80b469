"""Staff page «امضای من» (/signing/me/). Thin: check the form, call one signing service, render.

For each of the user's seats: the position's certificate status, its signature image with an
upload form, and the letters waiting for its signature. For agency admins: the agency's signing
certificates, with forms to issue one for a signing position and to revoke one with a reason.
No private key is ever read here; certificates are shown by subject, serial and dates only.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from dabir.core.errors import DomainError, NotAllowed, NotFound
from dabir.core.files import file_response
from dabir.orgs.models import Agency, Position
from dabir.orgs.policy import is_agency_admin
from dabir.orgs.selectors import seat_for, seats_of

from . import forms, keys, selectors, services
from .models import Certificate, CertificateStatus

PENDING_LIMIT = 50
CERTIFICATES_LIMIT = 100
REASONS = [(key, label) for key, (_flag, label) in services.REVOCATION_REASONS.items()]
REASON_LABELS = dict(REASONS)


def _labelled(cert: Certificate | None) -> Certificate | None:
    if cert is not None:
        cert.reason_label = REASON_LABELS.get(cert.revocation_reason, cert.revocation_reason)
    return cert


def _image_form(position_id: int, data=None, files=None):
    return forms.SignatureImageForm(data, files, prefix=f"img-{position_id}", max_bytes=services.MAX_IMAGE_BYTES)


def _issue_form(agency: Agency, positions, data=None):
    return forms.IssueCertificateForm(data, prefix=f"issue-{agency.id}", positions=positions)


def _revoke_form(certificate_id: int, data=None):
    return forms.RevokeCertificateForm(data, prefix=f"revoke-{certificate_id}", reasons=REASONS)


def _signing_positions(agency: Agency):
    return list(
        Position.objects.filter(unit__agency=agency, active=True, can_sign=True)
        .select_related("unit")
        .order_by("unit__name", "-is_manager", "title")
    )


def _admin_agencies(user) -> list[Agency]:
    """Agencies whose signing the user manages: those they administer (a superuser: also their seats' agencies)."""
    wanted = Q(admins=user)
    if user.is_superuser:
        wanted |= Q(pk__in=[seat.position.unit.agency_id for seat in seats_of(user)])
    return list(Agency.objects.filter(wanted).distinct().order_by("name"))


def _certificate_state(position: Position, certificates: list[Certificate]) -> dict:
    """What the page says about a position's certificate: the valid one, else the newest one's state."""
    valid = services.valid_certificate(position)
    if valid is not None:
        return {"state": "valid", "certificate": _labelled(valid)}
    latest = certificates[0] if certificates else None
    if latest is None:
        return {"state": "none", "certificate": None}
    status = latest.status
    if status == CertificateStatus.VALID:  # valid but imported without its key: it cannot sign here
        status = "no_key"
    return {"state": status, "certificate": _labelled(latest)}


def _context(request, bound: dict | None = None) -> dict:
    bound = bound or {}
    user = request.user
    seats = getattr(request, "_dabir_seats", None)
    if seats is None:
        seats = request._dabir_seats = seats_of(user)
    by_position: dict[int, list[Certificate]] = {}
    for cert in selectors.certificates_for_positions(seat.position.id for seat in seats):
        by_position.setdefault(cert.position_id, []).append(cert)
    cards = []
    for seat in seats:
        pid = seat.position.id
        cards.append({
            "seat": seat,
            "position": seat.position,
            **_certificate_state(seat.position, by_position.get(pid, [])),
            "image": selectors.signature_image(pid),
            "image_form": bound.get(("image", pid)) or _image_form(pid),
            "pending": list(selectors.pending_signatures(user, pid)[:PENDING_LIMIT]),
        })
    admin = []
    for agency in _admin_agencies(user):
        certificates = list(
            Certificate.objects.filter(position__unit__agency=agency)
            .select_related("position__unit")
            .order_by("-created_at", "-id")[:CERTIFICATES_LIMIT]
        )
        rows = []
        for cert in certificates:
            revocable = cert.revoked_at is None and cert.status != CertificateStatus.EXPIRED
            rows.append({
                "certificate": _labelled(cert),
                "revoke_form": (bound.get(("revoke", cert.id)) or _revoke_form(cert.id)) if revocable else None,
            })
        admin.append({
            "agency": agency,
            "authority": keys.authority_for(agency),
            "issue_form": bound.get(("issue", agency.id)) or _issue_form(agency, _signing_positions(agency)),
            "rows": rows,
            "error": bound.get(("agency", agency.id)),
        })
    return {
        "cards": cards, "admin": admin, "max_image_kb": services.MAX_IMAGE_BYTES // 1024,
        "bound_key": bound.get("key"),
    }


def _page(request, bound: dict | None = None, status: int = 200):
    return render(request, "signing/me.html", _context(request, bound), status=status)


def _done(request, message: str, anchor: str):
    messages.success(request, message)
    return redirect(reverse("signing_me") + f"#{anchor}")


def _admin_agency(user, agency_id) -> Agency:
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise NotFound("این دستگاه پیدا نشد.")
    if not is_agency_admin(user, agency):
        raise NotAllowed("این کار فقط از مدیر سامانه همین دستگاه برمی‌آید.")
    return agency


# ---------------------------------------------------------------- the page


@login_required
@require_GET
@never_cache
def me(request):
    if request.user.is_citizen:
        return redirect("citizen_home")
    return _page(request)


@login_required
@require_GET
@never_cache
def signature_image(request, position_id):
    """The current signature image of one of the user's positions (or of a position of an agency they administer)."""
    position = Position.objects.select_related("unit__agency").filter(pk=position_id).first()
    if position is None:
        raise NotFound("این سمت پیدا نشد.")
    own = any(seat.position.id == position.id for seat in seats_of(request.user))
    if not own and not is_agency_admin(request.user, position.unit.agency):
        raise NotAllowed("تصویر امضای این سمت را نمی‌توانید ببینید.")
    image = selectors.signature_image(position.id)
    if image is None:
        raise NotFound("این سمت تصویر امضا ندارد.")
    response = file_response(image.image, content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def upload_image(request, position_id):
    seat = seat_for(request.user, position_id)
    pid = seat.position.id
    form = _image_form(pid, request.POST, request.FILES)
    if form.is_valid():
        try:
            services.upload_signature_image(user=request.user, seat=seat, content=form.cleaned_data["image"].read())
        except DomainError as exc:
            form.add_error("image" if exc.field in ("image", None, "") else None, exc.message)
        else:
            return _done(request, "تصویر امضا بارگذاری شد.", f"position-{pid}")
    return _page(request, {("image", pid): form, "key": f"position-{pid}"}, status=400)


@login_required
@require_POST
def create_authority(request, agency_id):
    agency = _admin_agency(request.user, agency_id)
    try:
        services.create_authority(user=request.user, agency=agency)
    except DomainError as exc:
        if isinstance(exc, NotAllowed):
            raise
        return _page(request, {("agency", agency.id): exc.message, "key": f"agency-{agency.id}"}, status=400)
    return _done(request, "مرجع صدور گواهی دستگاه ساخته شد.", f"agency-{agency.id}")


@login_required
@require_POST
def issue_certificate(request, agency_id):
    agency = _admin_agency(request.user, agency_id)
    positions = _signing_positions(agency)
    form = _issue_form(agency, positions, request.POST)
    if form.is_valid():
        position = next(p for p in positions if p.id == form.cleaned_data["position"])
        try:
            certificate = services.issue_certificate(
                user=request.user, position=position, days=form.cleaned_data.get("days")
            )
        except DomainError as exc:
            if isinstance(exc, NotAllowed):
                raise
            form.add_error("position" if exc.field == "position" else None, exc.message)
        else:
            return _done(request, f"گواهی امضا برای «{certificate.position.title}» صادر شد.", f"agency-{agency.id}")
    return _page(request, {("issue", agency.id): form, "key": f"agency-{agency.id}"}, status=400)


@login_required
@require_POST
def revoke_certificate(request, certificate_id):
    certificate = (
        Certificate.objects.select_related("position__unit__agency").filter(pk=certificate_id).first()
    )
    if certificate is None:
        raise NotFound("این گواهی پیدا نشد.")
    agency = _admin_agency(request.user, certificate.position.unit.agency_id)
    form = _revoke_form(certificate.id, request.POST)
    if form.is_valid():
        try:
            services.revoke_certificate(
                user=request.user, certificate=certificate, reason=form.cleaned_data["reason"],
                note=form.cleaned_data.get("note") or "",
            )
        except DomainError as exc:
            if isinstance(exc, NotAllowed):
                raise
            form.add_error("reason" if exc.field == "reason" else None, exc.message)
        else:
            return _done(request, f"گواهی «{certificate.position.title}» ابطال شد.", f"agency-{agency.id}")
    return _page(request, {("revoke", certificate.id): form, "key": f"agency-{agency.id}"}, status=400)
