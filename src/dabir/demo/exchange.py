"""The exchange part of the demo: the four agencies in the network, the civil registry's automatic
answers, an unreachable peer, and inquiries answered and waiting.

The agencies join through exchange.services (each gets an exchange certificate from its own CA);
inquiry types are saved through the service an admin uses. Letters travel in-process: the loader
dispatches them with «الکترونیکی» and runs the outbox right away (`run_outbox`, as the worker
would), so deliveries, arrivals, receipts and replies are the real ones.
"""

import datetime as dt

from django.utils import timezone

from dabir.core.errors import DomainError
from dabir.core.text import normalize
from dabir.core.validators import validate_national_code
from dabir.exchange import services as exchange
from dabir.exchange.models import Inquiry, InquiryType, Member, Transfer, TransferState

from . import data

RESPONDER = "civil-registry"
IDENTITY = "civil.identity"
PARCEL = "urban.parcel"

IDENTITY_QUESTION = {
    "type": "object",
    "title": "پرسش استعلام هویت",
    "required": ["national_code", "first_name", "last_name", "birth_date"],
    "additionalProperties": False,
    "properties": {
        "national_code": {"type": "string", "title": "کد ملی", "pattern": "^[0-9]{10}$"},
        "first_name": {"type": "string", "title": "نام", "minLength": 1, "maxLength": 80},
        "last_name": {"type": "string", "title": "نام خانوادگی", "minLength": 1, "maxLength": 80},
        "birth_date": {"type": "string", "title": "تاریخ تولد (میلادی، YYYY-MM-DD)",
                       "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
    },
}
IDENTITY_ANSWER = {
    "type": "object",
    "title": "پاسخ استعلام هویت",
    "required": ["match", "alive", "message"],
    "additionalProperties": False,
    "properties": {
        "match": {"type": "boolean", "title": "مشخصات با کد ملی همخوان است"},
        "alive": {"type": "boolean", "title": "در قید حیات"},
        "message": {"type": "string", "title": "توضیح", "maxLength": 500},
    },
}
PARCEL_QUESTION = {
    "type": "object",
    "title": "پرسش استعلام ملک",
    "required": ["parcel_number", "postal_code"],
    "additionalProperties": False,
    "properties": {
        "parcel_number": {"type": "string", "title": "پلاک ثبتی", "minLength": 1, "maxLength": 60},
        "postal_code": {"type": "string", "title": "کد پستی", "pattern": "^[0-9]{10}$"},
    },
}
PARCEL_ANSWER = {
    "type": "object",
    "title": "پاسخ استعلام ملک",
    "required": ["debt_rials", "land_use", "message"],
    "additionalProperties": False,
    "properties": {
        "debt_rials": {"type": "integer", "title": "بدهی عوارض (ریال)", "minimum": 0},
        "land_use": {"type": "string", "title": "کاربری در طرح تفصیلی", "maxLength": 100},
        "message": {"type": "string", "title": "توضیح", "maxLength": 500},
    },
}


def answer_identity(question: dict) -> dict:
    """The civil registry's automatic answer: do this national code, name and birth date belong together?"""
    try:
        code = validate_national_code(question.get("national_code"))
    except DomainError:
        return {"match": False, "alive": False, "message": "کد ملی نادرست است (رقم کنترل آن نمی‌خواند)."}
    person = data.CIVIL_REGISTRY.get(code)
    if person is None:
        return {"match": False, "alive": False, "message": "این کد ملی در پایگاه اطلاعات هویتی یافت نشد."}
    first, last, born, alive = person
    same = (normalize(question.get("first_name")) == normalize(first)
            and normalize(question.get("last_name")) == normalize(last) and question.get("birth_date") == born)
    if not same:
        return {"match": False, "alive": alive,
                "message": "نام، نام خانوادگی یا تاریخ تولد با اطلاعات ثبت‌شده برای این کد ملی همخوان نیست."}
    if not alive:
        return {"match": True, "alive": False, "message": "مشخصات همخوان است؛ دارنده این کد ملی فوت کرده است."}
    return {"match": True, "alive": True, "message": "مشخصات با پایگاه اطلاعات هویتی همخوان است."}


def setup(admin, agencies: dict) -> dict:
    """Every demo agency joins the exchange; the civil registry answers identity inquiries by itself,
    the municipality answers property inquiries by hand; one peer server cannot be reached."""
    members = {key: exchange.join_agency(user=admin, agency=agency) for key, agency in agencies.items()}
    code, name, url = data.UNREACHABLE_PEER
    exchange.save_member(user=admin, code=code, name=name, server_url=url)
    exchange.save_inquiry_type(user=admin, inquiry_type=InquiryType(
        code=IDENTITY, name="استعلام تطبیق هویت (کد ملی، نام و تاریخ تولد)", member=members["sa"],
        question_schema=IDENTITY_QUESTION, answer_schema=IDENTITY_ANSWER, deadline_hours=24, responder=RESPONDER,
        description="آیا این کد ملی از آنِ شخصی با این نام و تاریخ تولد است و او در قید حیات است؟ پاسخ خودکار.",
    ))
    exchange.save_inquiry_type(user=admin, inquiry_type=InquiryType(
        code=PARCEL, name="استعلام عوارض و کاربری ملک", member=members["sh"], question_schema=PARCEL_QUESTION,
        answer_schema=PARCEL_ANSWER, deadline_hours=72,
        description="بدهی عوارض نوسازی و کسب و کاربری ملک در طرح تفصیلی شهر اهواز؛ کارشناس شهرداری پاسخ می‌دهد.",
    ))
    Member.objects.filter(pk=members["sa"].pk).update(inquiry_types=[IDENTITY])
    Member.objects.filter(pk=members["sh"].pk).update(inquiry_types=[PARCEL])
    return members


def local_names() -> set[str]:
    return {spec["name"] for spec in data.AGENCIES}


def run_outbox(rounds: int = 10) -> None:
    """Run every due transfer as the worker would, until none is due (a failed try waits its backoff)."""
    for _ in range(rounds):
        due = list(Transfer.objects.filter(state__in=[TransferState.QUEUED, TransferState.SENT],
                                           next_attempt_at__lte=timezone.now()).values_list("pk", flat=True))
        if not due:
            return
        for pk in due:
            exchange.attempt(pk)


def exhaust(tries: int = 3) -> int:
    """The transfers to the unreachable peer: a few more real tries, then their time runs out and
    they are marked failed (the sending secretariat is alerted)."""
    stuck = Transfer.objects.filter(member__code=data.UNREACHABLE_PEER[0],
                                    state__in=[TransferState.QUEUED, TransferState.SENT])
    pks = list(stuck.values_list("pk", flat=True))
    for _ in range(tries):
        Transfer.objects.filter(pk__in=pks).update(next_attempt_at=timezone.now())
        for pk in pks:
            exchange.attempt(pk)
    Transfer.objects.filter(pk__in=pks).update(next_attempt_at=timezone.now(),
                                               expires_at=timezone.now() - dt.timedelta(seconds=1))
    for pk in pks:
        exchange.attempt(pk)
    return len(pks)


def inquiries(users: dict, agencies: dict) -> None:
    """Inquiries asked by staff: identity checks answered at once by the civil registry's responder,
    a property inquiry answered by the municipality's clerk, and one still waiting."""
    identity = InquiryType.objects.get(code=IDENTITY)
    parcel = InquiryType.objects.get(code=PARCEL)
    first, last, born, _alive = data.CIVIL_REGISTRY["1744441103"]
    exchange.ask(user=users["dabir.farmandari"], agency=agencies["fa"], inquiry_type=identity, question={
        "national_code": "1744441103", "first_name": first, "last_name": last, "birth_date": born})
    first, last, _born, _alive = data.CIVIL_REGISTRY["1744331091"]
    exchange.ask(user=users["dabir"], agency=agencies["os"], inquiry_type=identity, question={
        "national_code": "1744331091", "first_name": first, "last_name": last, "birth_date": "1953-07-28"})
    answered = exchange.ask(user=users["dabir"], agency=agencies["os"], inquiry_type=parcel, question={
        "parcel_number": "۲۱۴۵/۳۸ فرعی از ۶ اصلی", "postal_code": "6155714361"})
    exchange.ask(user=users["dabir.farmandari"], agency=agencies["fa"], inquiry_type=parcel, question={
        "parcel_number": "۸۸۷/۱۲ فرعی از ۱۱ اصلی", "postal_code": "6134894311"})
    run_outbox()
    received = Inquiry.objects.get(direction="in", uid=answered.uid)
    exchange.answer_inquiry(user=users["dabir.shahrdari"], inquiry=received, answer={
        "debt_rials": 18_450_000, "land_use": "مسکونی",
        "message": "عوارض نوسازی سال جاری پرداخت نشده است؛ کاربری ملک با پروانه همخوان است.",
    })
    run_outbox()
