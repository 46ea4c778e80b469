"""The operator's desk: a citizen identified at the counter (national code, consent by an SMS code to
their own mobile), a desk request filed for them with the fees in force, the fee taken at the card
reader or through the bank gateway, and the receipt's record (Submission).

Every function asks policy.acting_staff first: an operator of a suspended or expired office is refused
at the very next step, even in the middle of a filing.
"""

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from dabir.accounts.models import OneTimeCode
from dabir.accounts.services import consume_purpose_code, issue_purpose_code, sms_code_text
from dabir.core import audit
from dabir.core.errors import Conflict, DomainError, NotFound
from dabir.core.text import to_latin_digits, to_persian_digits
from dabir.core.validators import clean_text, validate_mobile, validate_national_code
from dabir.desk import codes as desk_codes
from dabir.desk import services as desk
from dabir.desk.models import Channel, Service

from .. import policy, selectors
from ..models import PaymentMethod, Submission, Visit
from ..names import AuditAction, SmsKind
from ._shared import local_day, open_month, sms

PAYMENT_PURPOSE = "counters.submission"
UNVERIFIED = "هویت متقاضی هنوز با کد پیامکی تأیید نشده است؛ نخست کد را از متقاضی بگیرید."


def visit_minutes() -> int:
    return settings.DABIR_COUNTER_VISIT_MINUTES


def _visit_subject(visit: Visit) -> str:
    return f"visit:{visit.pk}"


@transaction.atomic
def start_visit(*, user, national_code, mobile, name: str = "", ip: str = "") -> Visit:
    """The operator names the citizen at the counter; a consent code goes by SMS to the citizen's mobile."""
    staff = policy.acting_staff(user)
    national_code = validate_national_code(national_code)
    mobile = validate_mobile(mobile)
    name = clean_text(name, "name", "نام متقاضی", 200, required=False)
    visit = Visit.objects.create(office=staff.office, operator=user, national_code=national_code, mobile=mobile,
                                 name=name)
    office = staff.office.name
    issue_purpose_code(
        purpose=OneTimeCode.Purpose.COUNTER, subject=_visit_subject(visit), mobile=mobile, ip=ip,
        sms_text=lambda code: sms_code_text(f"کد رضایت شما برای ثبت درخواست در دفتر پیشخوان «{office}»", code),
        related=f"counters.visit:{visit.pk}",
    )
    audit.record(action=AuditAction.VISIT_START, obj=visit, actor=user,
                 data={"office": staff.office.code, "national_code": national_code})
    return visit


def verify_visit(*, user, visit: Visit, code) -> Visit:
    """The citizen reads out the code: their consent is recorded (wrong tries count; not in a transaction)."""
    staff = policy.acting_staff(user)
    visit = _own_visit(staff, visit)
    if visit.verified_at is not None:
        return visit
    consume_purpose_code(purpose=OneTimeCode.Purpose.COUNTER, subject=_visit_subject(visit), mobile=visit.mobile,
                         code=code)
    with transaction.atomic():
        Visit.objects.filter(pk=visit.pk).update(verified_at=timezone.now())
        visit.refresh_from_db()
        audit.record(action=AuditAction.VISIT_VERIFY, obj=visit, actor=user, data={"office": staff.office.code})
    return visit


def _own_visit(staff, visit: Visit) -> Visit:
    visit = Visit.objects.filter(pk=getattr(visit, "pk", visit), office=staff.office).first()
    if visit is None:
        raise NotFound("این مراجعه در دفتر شما پیدا نشد.", field="visit")
    return visit


def check_visit(staff, visit: Visit) -> Visit:
    """A verified, recent visit of the operator's own office."""
    visit = _own_visit(staff, visit)
    if visit.verified_at is None:
        raise DomainError(UNVERIFIED, field="code", code="unverified")
    if visit.verified_at < timezone.now() - dt.timedelta(minutes=visit_minutes()):
        raise DomainError(f"تأیید هویت متقاضی بیش از {to_persian_digits(visit_minutes())} دقیقه پیش بوده است؛ "
                          "کد تازه‌ای برای او بفرستید.", field="code", code="visit_expired")
    return visit


def _expected_total(expected_total) -> int | None:
    """The total the page showed the citizen, sent back with the form: it must be the fee in force."""
    if expected_total in (None, ""):
        return None
    text = to_latin_digits(str(expected_total)).replace(",", "").replace("٬", "").strip()
    try:
        value = int(text)
    except ValueError:
        raise DomainError("مبلغ کل باید عدد باشد.", field="expected_total") from None
    if value < 0:
        raise DomainError("مبلغ منفی پذیرفته نیست.", field="expected_total")
    return value


def _existing(key: str | None, staff) -> Submission | None:
    if not key:
        return None
    found = Submission.objects.filter(key=key).select_related("request", "office").first()
    if found is not None and found.office_id != staff.office_id:
        raise Conflict("این فرم پیش‌تر از دفتر دیگری فرستاده شده است.", field="submission_key")
    return found


def submit_request(*, user, visit: Visit, service: Service, data: dict, uploads: dict | None = None,
                   submission_key: str | None = None, expected_total=None, rng=None) -> Submission:
    """File a desk request for the visit's citizen. The fees are the quote in force today: when the page's
    `expected_total` (what the citizen was shown) differs, nothing is written and the new figure is given.
    A second call with the same `submission_key` returns the first submission and writes nothing.
    `rng` draws the tracking code (the demo's seeded random.Random; None: the secrets module)."""
    staff = policy.acting_staff(user)
    key = (submission_key or "").strip()[:64] or None
    existing = _existing(key, staff)
    if existing is not None:
        return existing
    visit = check_visit(staff, visit)
    service = Service.objects.select_related("agency", "current_version").get(pk=getattr(service, "pk", service))
    policy.check_offered(service, staff.office)
    quote = selectors.quote(service)
    shown = _expected_total(expected_total)
    if shown is not None and shown != quote.total_rials:
        raise DomainError(f"مبلغ کل در تعرفه جاری {to_persian_digits(f'{quote.total_rials:,}')} ریال است، نه "
                          f"{to_persian_digits(f'{shown:,}')}؛ مبلغ را به متقاضی بگویید و دوباره ثبت کنید.",
                          field="expected_total", code="fee_changed")
    try:
        with transaction.atomic():
            req = desk.submit_request(
                service=service, channel=Channel.COUNTER, national_code=visit.national_code, mobile=visit.mobile,
                data=data, uploads=uploads or {}, applicant_name=visit.name, operator=user,
                submission_key=f"counter:{key}" if key else None, rng=rng,
            )
            sub = _record(staff=staff, user=user, visit=visit, kind=Submission.Kind.REQUEST, service=service,
                          agency=service.agency, tracking_code=req.tracking_code, key=key, request=req,
                          agency_fee=req.fee_rials, counter_fee=quote.counter_fee_rials, schedule=quote.schedule)
            sms(mobile=visit.mobile, kind=SmsKind.COUNTER_SUBMITTED, related=f"counters.submission:{sub.pk}",
                text=f"درخواست «{service.title}» در دفتر پیشخوان «{staff.office.name}» با کد رهگیری "
                     f"{desk_codes.text(req.tracking_code)} ثبت شد.")
            return sub
    except IntegrityError:
        existing = _existing(key, staff)  # the same form sent twice at once: the other one won
        if existing is None:
            raise
        return existing


def _record(*, staff, user, visit, kind, service, agency, tracking_code, key, request=None, counter_letter=None,
            agency_fee: int, counter_fee: int, schedule) -> Submission:
    total = agency_fee + counter_fee
    sub = Submission(
        office=staff.office, operator=user, agency=agency, kind=kind, service=service, request=request,
        counter_letter=counter_letter, visit=visit, tracking_code=tracking_code, national_code=visit.national_code,
        schedule=schedule, agency_fee_rials=agency_fee, counter_fee_rials=counter_fee, total_rials=total, key=key,
    )
    if total == 0:  # nothing to pay: settled at once, for the day's statement
        _mark_paid(sub, method=PaymentMethod.NONE, payment=None)
    sub.save()
    audit.record(action=AuditAction.SUBMIT, obj=sub, actor=user, data={
        "office": staff.office.code, "kind": kind, "tracking_code": tracking_code, "agency_fee": agency_fee,
        "counter_fee": counter_fee, "schedule": schedule.year if schedule else None,
    })
    return sub


def _mark_paid(sub: Submission, *, method: str, payment) -> None:
    now = timezone.now()
    sub.state, sub.method, sub.payment, sub.paid_at = Submission.State.PAID, method, payment, now
    sub.day = local_day(now)
    sub.month = open_month(sub.office.province, sub.day)


def _lock(user, submission) -> tuple:
    staff = policy.acting_staff(user)
    sub = Submission.objects.select_for_update(of=("self",)).select_related("office").filter(
        pk=getattr(submission, "pk", submission), office=staff.office).first()
    if sub is None:
        raise NotFound("این ثبت در دفتر شما پیدا نشد.")
    if sub.state != Submission.State.AWAITING_PAYMENT:
        raise Conflict("این ثبت در انتظار پرداخت نیست.")
    return staff, sub


@transaction.atomic
def pay_by_card(*, user, submission, reference, card_mask: str = "") -> Submission:
    """The total was paid at the office's card reader; `reference` is the terminal's reference number."""
    from dabir.payments.services import record_card_payment

    staff, sub = _lock(user, submission)
    record_card_payment(purpose=PAYMENT_PURPOSE, object_id=str(sub.pk), amount_rials=sub.total_rials,
                        reference=reference, card_mask=card_mask,
                        description=f"دفتر پیشخوان {staff.office.code} — {sub.tracking_code}")
    sub.refresh_from_db()
    return sub


@transaction.atomic
def start_gateway_payment(*, user, submission, callback_url: str) -> str:
    """Send the citizen to the bank gateway for the total; returns the bank's address."""
    from dabir.payments.services import start_payment

    staff, sub = _lock(user, submission)
    mobile = sub.visit.mobile if sub.visit_id else ""
    payment, url = start_payment(
        purpose=PAYMENT_PURPOSE, object_id=str(sub.pk), amount_rials=sub.total_rials, payer_mobile=mobile,
        callback_url=callback_url, description=f"دفتر پیشخوان {staff.office.code} — {sub.tracking_code}"[:200],
    )
    audit.record(action=AuditAction.PAYMENT_START, obj=sub, actor=user, data={"payment": payment.pk})
    return url


def _on_paid(payment) -> None:
    """payments.on_paid hook (card reader or gateway): the submission is paid; a request awaiting its
    agency fee is registered in the agency's secretariat."""
    sub = Submission.objects.select_for_update(of=("self",)).select_related("office", "operator").filter(
        pk=int(payment.object_id) if str(payment.object_id).isdigit() else 0).first()
    if sub is None or sub.state != Submission.State.AWAITING_PAYMENT:
        return
    if payment.amount_rials != sub.total_rials:
        raise DomainError("مبلغ پرداخت‌شده با جمع هزینه‌ها نمی‌خواند.", code="amount_mismatch")
    _mark_paid(sub, method=PaymentMethod.CARD if payment.gateway == "pos" else PaymentMethod.GATEWAY, payment=payment)
    sub.save(update_fields=["state", "method", "payment", "paid_at", "day", "month"])
    if sub.request_id and sub.agency_fee_rials:
        desk.fee_paid(request_id=sub.request_id, payment=payment, amount_rials=sub.agency_fee_rials,
                      actor=sub.operator)
    audit.record(action=AuditAction.PAID, obj=sub, actor=sub.operator, data={
        "payment": payment.pk, "method": sub.method, "total": sub.total_rials, "month": sub.month,
    })


def _register_payment_hook() -> None:
    from dabir.payments.services import on_paid

    on_paid(PAYMENT_PURPOSE, _on_paid)


_register_payment_hook()
