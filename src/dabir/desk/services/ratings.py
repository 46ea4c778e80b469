"""The citizen's rating of a finished request: once, a score from 1 to 5 and an optional comment."""

from django.db import transaction

from dabir.core import audit
from dabir.core.errors import Conflict, DomainError
from dabir.core.text import to_persian_digits

from ..models import Rating, RequestEvent, RequestStatus, ServiceRequest
from ..names import AuditAction
from ._shared import _check_owner, _event, _lock, _text

FINISHED = (RequestStatus.COMPLETED, RequestStatus.REJECTED)


@transaction.atomic
def rate_request(*, user, request: ServiceRequest, score, comment: str = "") -> Rating:
    """Once per finished request: a score from 1 to 5 and an optional comment."""
    req = _lock(request)
    _check_owner(user, req)
    if req.status not in FINISHED:
        raise Conflict("نظرسنجی پس از پایان رسیدگی به درخواست ممکن است.", field="score")
    try:
        score = int(str(score).strip()) if not isinstance(score, bool) else 0
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise DomainError("امتیاز باید عددی از ۱ تا ۵ باشد.", field="score")
    comment = _text(comment, "comment", "نظر", 2000, required=False)
    if Rating.objects.filter(request=req).exists():
        raise Conflict("شما پیش‌تر به این درخواست امتیاز داده‌اید.", field="score")
    rating = Rating.objects.create(request=req, score=score, comment=comment)
    _event(req, RequestEvent.Kind.RATED, note=f"امتیاز {to_persian_digits(score)} از ۵", actor=user)
    audit.record(action=AuditAction.DESK_REQUEST_RATE, obj=req, actor=user, data={"score": score})
    return rating

