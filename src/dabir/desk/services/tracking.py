"""Public tracking by mobile.

Anyone with the tracking code and the applicant's mobile asks for a code; it is sent by SMS only
when the two match, but the answer is the same either way (and the row that counts for the rate
limits is stored either way), so nobody learns whose mobile a request carries. The code (six
digits, an HMAC only, two minutes, single use) then opens the request's status and public timeline."""

from django.db import transaction

from dabir.core.errors import NotFound
from dabir.core.validators import validate_mobile

from .. import codes
from ..models import Complaint, ServiceRequest
from ._shared import _code_text

TRACK_PURPOSE = "track"


def _tracked(code: str, mobile: str):
    model = Complaint if codes.is_complaint_code(code) else ServiceRequest
    return model.objects.select_related(
        "agency" if model is Complaint else "service__agency").filter(tracking_code=code, mobile=mobile).first()


def request_tracking_otp(*, tracking_code, mobile, ip: str = "") -> None:
    """Send a tracking code to the applicant's mobile when it is the request's (see above)."""
    from dabir.accounts.services import issue_purpose_code, sms_code_text

    code = codes.clean_tracking_code(tracking_code)  # a mistyped code: refused before any lookup
    mobile = validate_mobile(mobile)
    with transaction.atomic():
        found = _tracked(code, mobile)
        what = "شکایت" if isinstance(found, Complaint) else "درخواست"
        issue_purpose_code(
            purpose=TRACK_PURPOSE, subject=code, mobile=mobile, ip=ip,
            sms_text=(lambda otp: sms_code_text(f"کد پیگیری {what} {_code_text(code)}", otp)) if found else None,
            related=(f"desk.{'complaint' if what == 'شکایت' else 'request'}:{found.pk}" if found else ""),
        )


def track_with_otp(*, tracking_code, mobile, code) -> ServiceRequest | Complaint:
    """The request (or complaint) when the SMS code sent for this tracking code and mobile is right.

    The code is used up; a wrong one counts a try (call outside a transaction of your own)."""
    from dabir.accounts.services import consume_purpose_code

    tracking = codes.clean_tracking_code(tracking_code)
    mobile = validate_mobile(mobile)
    consume_purpose_code(purpose=TRACK_PURPOSE, subject=tracking, mobile=mobile, code=code)
    found = _tracked(tracking, mobile)
    if found is None:  # the mobile changed after the code was sent
        raise NotFound("درخواستی با این کد رهگیری و شماره همراه یافت نشد.")
    return found

