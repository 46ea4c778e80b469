"""The operator's desk: the services offered at the office, its visits and submissions."""

import datetime as dt

from django.db.models import Q

from dabir.core.errors import NotFound
from dabir.core.jalali import TEHRAN, today
from dabir.desk import selectors as desk_selectors
from dabir.desk.models import Service

from .. import policy
from ..models import CounterService, Visit


def offered_services(office, q: str = ""):
    """The services offered at `office` (declared by their agency for every office or for this one), matched
    word by word on the desk catalogue's normalised search text."""
    declared = CounterService.objects.filter(offered=True).filter(Q(all_offices=True) | Q(offices=office))
    return desk_selectors.catalogue(q=q).filter(pk__in=declared.values("service_id"))


def offered_service(office, code):
    """An active service by its code, offered at `office`; NotFound or the Persian «not outsourced» refusal."""
    service = Service.objects.select_related("agency", "current_version").filter(
        code=str(code or "").strip()[:32], active=True, current_version__isnull=False).first()
    if service is None:
        raise NotFound("خدمتی با این کد پیدا نشد.", field="service")
    policy.check_offered(service, office)
    return service


def visit_for(user, visit_id):
    """A visit of the user's own office, or NotFound (another office's visit is not there)."""
    staff = policy.staff_of(user)
    found = Visit.objects.filter(pk=visit_id, office_id=staff.office_id).first() if staff is not None else None
    if found is None:
        raise NotFound("این مراجعه در دفتر شما پیدا نشد.", field="visit")
    return found


def submission_for(user, submission_id):
    """One submission the user may see (policy.submissions_for), or NotFound: another office's is not there."""
    found = policy.submissions_for(user).select_related(
        "office", "operator", "agency", "service", "visit", "payment", "request").filter(pk=submission_id).first()
    if found is None:
        raise NotFound("این ثبت در دفتر شما پیدا نشد.")
    return found


def submission_by_key(user, key: str):
    """The submission the user's office filed with this one-time key (the API's Idempotency-Key), or None."""
    return policy.submissions_for(user).select_related(
        "office", "agency", "service", "payment").filter(key=key).first() if key else None


def day_submissions(user, day: dt.date | None = None, office=None):
    """The submissions the user may see made on a Tehran day (today by default), newest first."""
    start = dt.datetime.combine(day or today(), dt.time.min, tzinfo=TEHRAN)
    rows = policy.submissions_for(user).filter(created_at__gte=start, created_at__lt=start + dt.timedelta(days=1))
    if office is not None:
        rows = rows.filter(office=office)
    return rows.select_related("office", "service", "agency", "operator").order_by("-created_at", "-id")
