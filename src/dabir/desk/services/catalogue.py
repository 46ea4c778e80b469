"""The service catalogue: an agency admin publishes a service definition (each publication a new
version), switches a service on or off; anyone looks an active service up by its code."""

import re

from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify

from dabir.core import audit
from dabir.core.errors import Conflict, DomainError, NotAllowed, NotFound
from dabir.core.text import normalize
from dabir.orgs.models import Agency
from dabir.orgs.policy import is_agency_admin

from ..definition import parse_definition
from ..models import Category, Service, ServiceVersion
from ..names import AuditAction
from ._shared import _position, _real


@transaction.atomic
def publish_service(*, user, definition: dict) -> ServiceVersion:
    """Publish a service definition: the service is made on first publication, then each call adds a version.

    Only the agency's admins (or a superuser) publish; `user=None` is for commands and the demo.
    """
    if not isinstance(definition, dict):
        raise DomainError("تعریف خدمت باید یک شیء JSON باشد.", field="definition")
    d = parse_definition(definition)
    agency = Agency.objects.filter(code=d.agency).first()
    if agency is None:
        raise DomainError(f"دستگاهی با شناسه «{d.agency}» پیدا نشد.", field="agency")
    if user is not None:
        if not is_agency_admin(user, agency):
            raise NotAllowed("فقط مدیر سامانه همین دستگاه می‌تواند خدمت آن را تعریف کند.", field="agency")
    positions = {}
    for stage in d.stages:
        positions[stage.code] = _position(stage.position, agency, "stages")
        if not positions[stage.code].active:
            raise DomainError(f"سمت مرحله «{stage.title}» غیرفعال است.", field="stages")
    signer = _position(d.result.signer_position, agency, "result.signer_position")
    if not signer.can_sign or not signer.active:
        raise DomainError("سمت امضاکننده نتیجه، امضاکننده فعال این دستگاه نیست.", field="result.signer_position")
    for stage in d.stages:
        if any(o.next == "approve" for o in stage.outcomes) and stage.position == signer.code:
            raise DomainError(
                f"نتیجه در مرحله «{stage.title}» نوشته و برای امضا فرستاده می‌شود؛ سمت امضاکننده باید سمت دیگری باشد.",
                field="result.signer_position",
            )
    category = _category(d.category)
    service = Service.objects.select_for_update().filter(code=d.code).first()
    if service is None:
        service = Service.objects.create(agency=agency, code=d.code, title=d.title)
    elif service.agency_id != agency.id:
        raise Conflict("خدمتی با این کد از دستگاه دیگری هست.", field="code")
    number = (service.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ServiceVersion.objects.create(
        service=service, number=number, definition=d.model_dump(mode="json"),
        created_by=user if _real(user) else None,
    )
    service.title, service.category, service.national_id = d.title, category, d.national_id
    service.current_version, service.active = version, True
    service.search_text = normalize(" ".join([
        d.title, d.profile.description, " ".join(d.keywords), agency.name, category.name if category else "",
        d.national_id,
    ]))
    service.save()
    audit.record(action=AuditAction.DESK_SERVICE_PUBLISH, obj=service, actor=user,
                 data={"version": number, "code": d.code})
    return version


_SLUG = re.compile(r"^[A-Za-z0-9_-]+$")


def _category(text: str) -> Category | None:
    """The definition's category: an existing one by slug or name; a Persian name not yet known makes a new
    category (that name, slugified as its slug); an unknown Latin slug is refused, naming it."""
    text = (text or "").strip()
    if not text:
        return None
    category = Category.objects.filter(slug=text).first() or Category.objects.filter(name=text).first()
    if category is not None:
        return category
    if _SLUG.match(text):
        known = "، ".join(Category.objects.order_by("order", "slug").values_list("slug", flat=True)[:12])
        raise DomainError(
            f"دسته‌بندی «{text}» تعریف نشده است؛ یکی از دسته‌های موجود"
            + (f" ({known})" if known else "") + " یا نام فارسی دسته‌ای تازه را بنویسید.",
            field="category",
        )
    if len(text) > 200:
        raise DomainError("نام دسته‌بندی بیش از ۲۰۰ نویسه است.", field="category")
    slug = slugify(text, allow_unicode=True)[:64].strip("-")
    if not slug:
        raise DomainError(f"از نام دسته‌بندی «{text}» شناسه‌ای ساخته نمی‌شود؛ نام را با حرف بنویسید.",
                          field="category")
    return Category.objects.filter(slug=slug).first() or Category.objects.create(name=text, slug=slug)


@transaction.atomic
def set_service_active(*, user, service: Service, active: bool) -> Service:
    if not is_agency_admin(user, service.agency):
        raise NotAllowed("فقط مدیر سامانه همین دستگاه می‌تواند خدمت آن را فعال یا غیرفعال کند.")
    service.active = bool(active)
    service.save(update_fields=["active"])
    audit.record(action=AuditAction.DESK_SERVICE_ACTIVE, obj=service, actor=user, data={"active": service.active})
    return service


def lookup_service(code: str) -> Service:
    service = Service.objects.select_related("agency", "category", "current_version").filter(
        code=(code or "").strip()[:32], active=True, current_version__isnull=False).first()
    if service is None:
        raise NotFound("خدمت پیدا نشد.")
    return service

