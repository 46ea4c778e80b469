"""Complaints about offices: every read goes through policy.complaints_for; a viewer who may not see the
complainant (an office manager) gets the personal data masked."""


from dabir.core.errors import NotFound
from dabir.core.jalali import today
from dabir.core.text import to_latin_digits

from .. import policy
from ..models import Office, OfficeComplaint

# Complaints about offices (views/complaints.py): every read goes through policy.complaints_for, and a
# viewer who may not see the complainant (an office manager) gets the personal data masked.

def mask(value, keep: int = 2, *, head: int = 0) -> str:
    """A personal number shown masked: its first `head` and last `keep` digits only, the rest as «*» (a
    bullet would read as the Persian zero «۰» beside Persian digits)."""
    value = to_latin_digits(str(value or ""))
    if len(value) <= head + keep:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - keep) + value[-keep:]


def shown_complaints(user, complaints):
    """The complaints as `user` may see them: the complainant's national code, mobile and name masked for
    anyone but the regulator of the office's province (the objects are changed in memory, never saved)."""
    complaints = list(complaints)
    for complaint in complaints:
        complaint.masked = not policy.sees_complainant(user, complaint)
        if complaint.masked:
            complaint.national_code, complaint.mobile = mask(complaint.national_code), mask(complaint.mobile)
            complaint.name = ""
    return complaints


def complaints_list(user, *, status: str = "", office_code: str = "", overdue: bool = False):
    """The complaints the user may see, newest first, filtered by status, office code and overdue
    (unanswered past the answer deadline)."""
    found = policy.complaints_for(user).select_related("office", "staff__user")
    if status in OfficeComplaint.Status.values:
        found = found.filter(status=status)
    if office_code:
        found = found.filter(office__code=office_code)
    if overdue:
        found = found.filter(status=OfficeComplaint.Status.SUBMITTED, answer_due__lt=today())
    return found.order_by("-created_at", "-id")


def complaint_for(user, complaint_id):
    """One complaint the user may see (masked as shown_complaints), or NotFound."""
    complaint = (policy.complaints_for(user).select_related("office", "staff__user", "submission", "answered_by")
                 .filter(pk=complaint_id).first())
    if complaint is None:
        raise NotFound("این شکایت پیدا نشد یا دیدن آن در اختیار شما نیست.")
    return shown_complaints(user, [complaint])[0]


def public_complaint(tracking_code: str, national_code: str):
    """A complaint by its tracking code and the complainant's national code (both already checked), or None."""
    return (OfficeComplaint.objects.select_related("office")
            .filter(tracking_code=tracking_code, national_code=national_code).first())


def complaint_cities() -> list[tuple[str, str]]:
    """Every (province, city) with an office, for the public complaint form's picker."""
    return list(Office.objects.order_by("province", "city").values_list("province", "city").distinct())


def offices_in_city(city: str):
    """The offices of a city, active or not (a complaint about a closed office still counts)."""
    return Office.objects.filter(city=city).order_by("name", "code") if city else Office.objects.none()
