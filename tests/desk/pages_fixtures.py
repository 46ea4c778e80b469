"""Test data for the citizen desk pages: an agency with a desk, a published service of every field
type, citizens, and requests brought to each state through the desk services themselves."""

from dataclasses import dataclass

from django.test import Client

from dabir.accounts.models import User
from dabir.core.validators import national_code_check_digit
from dabir.desk import services
from dabir.desk.models import Category, DeskProfile, ServiceRequest
from dabir.letters.services import Upload
from tests.factories import PDF_BYTES, PNG_BYTES, World, make_world

# A real-looking postal code under the rule core.validators checks, and a valid Jalali date.
POSTAL = "1346713589"
DEED_DATE = "۱۴۰۲/۰۵/۱۷"


def national_code(seed: int) -> str:
    nine = f"{seed:09d}"[-9:]
    return nine + str(national_code_check_digit(nine))


def make_citizen(seed: int = 4_411_223, mobile: str = "09161234567", **names) -> User:
    nc = national_code(seed)
    existing = User.objects.filter(username=f"c{nc}").first()
    if existing is not None:
        return existing
    user = User.objects.create_user(username=f"c{nc}", is_citizen=True, national_code=nc, mobile=mobile, **names)
    user.set_unusable_password()
    user.save()
    return user


def citizen_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def permit_definition(world: World, *, code: str | None = None, fee: int = 0, **overrides) -> dict:
    """A building-permit renewal with every field type the form builder knows."""
    d = {
        "code": code or f"renew-{world.agency.code}".lower(),
        "title": "تمدید پروانه ساختمان",
        "agency": world.agency.code,
        "category": "urban",
        "national_id": "13021500100",
        "keywords": ["پروانه", "ساختمان", "تمدید"],
        "profile": {
            "description": "تمدید مهلت پروانه ساختمانی برای ملک‌هایی که عملیات ساخت آن‌ها در مهلت پروانه به پایان نرسیده است.",
            "eligibility": "مالک ملک یا وکیل رسمی او",
            "steps": ["پر کردن فرم و بارگذاری پروانه پیشین", "بررسی کارشناس شهرسازی", "امضای پروانه تمدیدشده"],
            "laws": ["قانون شهرداری‌ها، ماده ۱۰۰", "مقررات ملی ساختمان، مبحث ۲"],
            "faq": [{"question": "تمدید چند بار ممکن است؟", "answer": "تا دو بار، هر بار یک سال."},
                    {"question": "آیا بازدید لازم است؟", "answer": "اگر کارشناس لازم بداند، از پیش هماهنگ می‌شود."}],
            "duration_days": 7,
            "complaint_procedure": "شکایت را از صفحه درخواست ثبت کنید؛ ظرف ده روز کاری پاسخ داده می‌شود.",
            "channels": ["online", "counter", "in_person"],
            "responsible_unit": "اداره شهرسازی",
            "contact": "تلفن ۱۳۷",
        },
        "form": [
            {"name": "parcel_number", "label": "پلاک ثبتی", "type": "text", "pattern": r"^[0-9۰-۹]+/[0-9۰-۹]+$",
             "help": "مانند ۱۲۳/۴۵"},
            {"name": "owner_code", "label": "کد ملی مالک", "type": "national_code"},
            {"name": "contact_mobile", "label": "تلفن همراه ناظر", "type": "mobile", "required": False},
            {"name": "postal_code", "label": "کد پستی ملک", "type": "postal_code"},
            {"name": "deed_date", "label": "تاریخ سند", "type": "jalali_date"},
            {"name": "floors", "label": "تعداد طبقات", "type": "number", "min": 1, "max": 30},
            {"name": "district", "label": "منطقه شهرداری", "type": "choice",
             "choices": [f"منطقه {n}" for n in "۱۲۳۴۵۶۷۸"]},
            {"name": "usage", "label": "کاربری", "type": "choice", "choices": ["مسکونی", "تجاری", "اداری"]},
            {"name": "reason", "label": "علت تمدید", "type": "textarea", "required": False, "max_length": 1000},
            {"name": "site_photo", "label": "عکس وضع موجود", "type": "file", "file_types": ["jpg", "png"],
             "max_mb": 2, "required": False},
        ],
        "documents": [
            {"code": "old_permit", "label": "پروانه پیشین", "file_types": ["pdf"], "max_mb": 2},
            {"code": "deed", "label": "سند مالکیت", "file_types": ["pdf", "jpg", "png"], "required": False},
        ],
        "stages": [
            {"code": "review", "title": "بررسی کارشناس شهرسازی", "position": world.expert_pos.code, "deadline_days": 3,
             "outcomes": [{"code": "ok", "label": "تأیید کارشناس", "next": "approve"},
                          {"code": "no", "label": "رد", "next": "reject"}]},
        ],
        "fees": {"online": fee, "counter": 50_000, "in_person": 0},
        "result": {"title": "پروانه تمدیدشده", "signer_position": world.manager_pos.code,
                   "body": "پروانه پلاک {parcel_number} برای {applicant_name} با کد رهگیری {tracking_code} تمدید شد."},
    }
    d.update(overrides)
    return d


def answers(**overrides) -> dict:
    """A correct filled-in form as the browser posts it (Persian digits, as people type)."""
    data = {
        "applicant_name": "سارا شهروند", "mobile": "۰۹۱۶۱۲۳۴۵۶۷",
        "f-parcel_number": "۱۲۳/۴۵", "f-owner_code": national_code(4_411_223), "f-contact_mobile": "",
        "f-postal_code": POSTAL, "f-deed_date": DEED_DATE, "f-floors": "۳", "f-district": "منطقه ۲",
        "f-usage": "مسکونی", "f-reason": "کار ساخت به علت کمبود مصالح عقب افتاد.",
    }
    data.update(overrides)
    return data


def form_data(defn_answers: dict) -> dict:
    """The same answers as submit_request takes them (no input prefixes)."""
    return {k[2:]: v for k, v in defn_answers.items() if k.startswith("f-")}


@dataclass
class Desk:
    world: World
    service: object
    citizen: User


def make_desk(*, fee: int = 0, code: str | None = None) -> Desk:
    world = make_world("شهرداری آزمون")
    Category.objects.get_or_create(slug="urban", defaults={"name": "شهرسازی و عمران"})
    DeskProfile.objects.create(agency=world.agency, secretariat=world.secretariat,
                               complaints_position=world.manager_pos)
    version = services.publish_service(user=None, definition=permit_definition(world, fee=fee, code=code))
    return Desk(world=world, service=version.service, citizen=make_citizen(first_name="سارا", last_name="شهروند"))


def submit(desk: Desk, *, citizen: User | None = None, key: str | None = None) -> ServiceRequest:
    citizen = citizen or desk.citizen
    return services.submit_request(
        service=desk.service, channel="online", national_code=citizen.national_code, mobile=citizen.mobile,
        data=form_data(answers()), uploads={"old_permit": [Upload("permit.pdf", PDF_BYTES)],
                                            "site_photo": [Upload("site.png", PNG_BYTES)]},
        applicant=citizen, applicant_name="سارا شهروند", submission_key=key,
    )


def ask_documents(desk: Desk, req: ServiceRequest) -> ServiceRequest:
    w = desk.world
    return services.request_documents(user=w.expert, position_id=w.expert_pos.id, request=req, codes=["deed"],
                                      note="تصویر سند مالکیت خواناتر بفرستید.")


def complete(desk: Desk, req: ServiceRequest) -> ServiceRequest:
    w = desk.world
    services.decide_stage(user=w.expert, position_id=w.expert_pos.id, request=req, outcome="ok",
                          note="درون‌سازمانی: سوابق بررسی شد", public_note="مدارک کامل است.")
    req.refresh_from_db()
    if req.status != "completed":
        services.sign_result(user=w.manager, position_id=w.manager_pos.id, request=req)
        req.refresh_from_db()
    return req


def reject(desk: Desk, req: ServiceRequest, reason: str = "پلاک ثبتی با سند نمی‌خواند.") -> ServiceRequest:
    w = desk.world
    services.decide_stage(user=w.expert, position_id=w.expert_pos.id, request=req, outcome="no", public_note=reason)
    req.refresh_from_db()
    return req
