"""Agencies' outsourcing declarations: which of an agency's services may be offered at counter offices
(outsourceable), which actually are (offered), and where (every office, or the offices chosen).

Only the agency's admins declare (policy.can_declare_outsourcing). What a declaration changes takes
effect on the operator's next step: the desk's counter gate asks policy.check_offered every time.
"""

from django.db import transaction
from django.utils import timezone

from dabir.core import audit
from dabir.core.errors import DomainError, NotAllowed, NotFound
from dabir.core.text import to_latin_digits
from dabir.desk.models import Service

from .. import policy
from ..models import CounterService, LicenceState, Office
from ..names import AuditAction


def _flag(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "on", "yes", "بله")
    return bool(value)


def _offices(offices) -> list[Office]:
    ids = []
    for each in offices or ():
        raw = getattr(each, "pk", each)
        text = to_latin_digits(str(raw)).strip()
        if not text.isascii() or not text.isdigit():
            raise DomainError("دفترهای برگزیده نامعتبرند.", field="offices")
        ids.append(int(text))
    found = list(Office.objects.filter(pk__in=set(ids)).order_by("code"))
    if len(found) != len(set(ids)):
        raise NotFound("یکی از دفترهای برگزیده در فهرست دفاتر نیست.", field="offices")
    revoked = [o for o in found if o.state == LicenceState.REVOKED]
    if revoked:
        raise DomainError(f"پروانه دفتر «{revoked[0].name}» لغو شده است؛ خدمت به آن واگذار نمی‌شود.", field="offices")
    return found


@transaction.atomic
def declare_service(*, user, service, outsourceable, offered, all_offices, offices=()) -> CounterService:
    """Declare one service of the user's agency: outsourceable, offered (only when outsourceable), at every
    office or only at the offices chosen (chosen offices only when not every office; at least one when
    offered there)."""
    found = Service.objects.select_related("agency").filter(pk=getattr(service, "pk", service)).first()
    if found is None:
        raise NotFound("این خدمت پیدا نشد.", field="service")
    if not policy.can_declare_outsourcing(user, found.agency):
        raise NotAllowed(f"واگذاری خدمات «{found.agency.name}» را فقط مدیران سامانه همین دستگاه اعلام می‌کنند.")
    outsourceable, offered, all_offices = _flag(outsourceable), _flag(offered), _flag(all_offices)
    if offered and not outsourceable:
        raise DomainError("خدمتی که قابل واگذاری نیست به دفاتر واگذار نمی‌شود؛ نخست «قابل واگذاری» را روشن کنید.",
                          field="offered")
    chosen = _offices(offices)
    if all_offices and chosen:
        raise DomainError("وقتی خدمت به همه دفاتر واگذار می‌شود دفتری را جدا برنگزینید؛ برای دفترهای برگزیده "
                          "«همه دفاتر» را خاموش کنید.", field="offices")
    if offered and not all_offices and not chosen:
        raise DomainError("دست‌کم یک دفتر را برگزینید یا خدمت را به همه دفاتر واگذار کنید.", field="offices")
    declared = CounterService.objects.select_for_update().filter(service=found).first()
    before = None
    if declared is None:
        declared = CounterService(service=found)
    else:
        before = {"outsourceable": declared.outsourceable, "offered": declared.offered,
                  "all_offices": declared.all_offices,
                  "offices": sorted(declared.offices.values_list("code", flat=True))}
    declared.outsourceable, declared.offered, declared.all_offices = outsourceable, offered, all_offices
    declared.updated_at = timezone.now()
    declared.updated_by = user if user is not None and user.is_authenticated else None
    declared.save()
    declared.offices.set(chosen)
    audit.record(action=AuditAction.SERVICE_DECLARE, obj=declared, actor=user, data={
        "service": found.code, "agency": found.agency.code, "outsourceable": outsourceable, "offered": offered,
        "all_offices": all_offices, "offices": [o.code for o in chosen], "before": before,
    })
    return declared
