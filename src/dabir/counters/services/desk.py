"""The operator's desk pages and API, beyond what filing.py does: sending the citizen's consent code
again when it did not arrive (the one-time code limits apply: a minimum gap per mobile, an hourly cap
per mobile and per address).
"""

from django.db import transaction

from dabir.accounts.models import OneTimeCode
from dabir.accounts.services import issue_purpose_code, sms_code_text
from dabir.core import audit
from dabir.core.errors import Conflict

from .. import policy
from ..models import Visit
from ..names import AuditAction
from .filing import _own_visit, _visit_subject


@transaction.atomic
def resend_visit_code(*, user, visit: Visit, ip: str = "") -> Visit:
    """A fresh consent code to the visit's mobile (the earlier one no longer counts: the latest is checked).
    Refused with the wait in Persian (TooManyRequests, 429) when the limits say it is too soon."""
    staff = policy.acting_staff(user)
    visit = _own_visit(staff, visit)
    if visit.verified_at is not None:
        raise Conflict("رضایت این متقاضی پیش‌تر با کد پیامکی تأیید شده است.", field="code")
    office = staff.office.name
    issue_purpose_code(
        purpose=OneTimeCode.Purpose.COUNTER, subject=_visit_subject(visit), mobile=visit.mobile, ip=ip,
        sms_text=lambda code: sms_code_text(f"کد رضایت شما برای ثبت درخواست در دفتر پیشخوان «{office}»", code),
        related=f"counters.visit:{visit.pk}",
    )
    audit.record(action=AuditAction.VISIT_RESEND, obj=visit, actor=user, data={"office": staff.office.code})
    return visit
