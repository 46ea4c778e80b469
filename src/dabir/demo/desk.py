"""The service-desk part of the demo: the catalogue, desk settings, a citizen and requests in every state.

Loaded by dabir.demo.loader after the letters. The service definitions are the files in
dabir/desk/definitions/ (the same files an agency would import); desk settings, categories and
three desk-only positions are organisation configuration, made with plain ORM calls as an admin
would; every request, payment, decision, rating and complaint goes through desk.services (and the
payments and test bank services), so letters, referrals, SMS in the outbox and the audit chain are
the real ones. Deterministic: random.Random(1405) picks the form answers.

The one thing written by hand afterwards is demo-only back-dating of the overdue request (its stage
started two weeks ago and its deadline has passed), so the late-requests list is not empty.
"""

import datetime as dt
import json
import random
import struct
import zlib
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

import dabir.desk
from dabir.accounts.models import User
from dabir.core.calendar import add_working_days
from dabir.core.jalali import today
from dabir.core.validators import national_code_check_digit
from dabir.desk import services
from dabir.desk.models import Category, Complaint, DeskProfile, RequestStatus, ServiceRequest
from dabir.letters.models import Referral
from dabir.letters.services import Upload
from dabir.orgs.models import Agency, Assignment, Position, Secretariat, Unit

from . import data
from .pdf import scan_pdf

DEFINITIONS = Path(dabir.desk.__file__).parent / "definitions"

CATEGORIES = [
    ("urban", "شهرسازی و عمران"),
    ("civil", "ثبت احوال و هویت"),
    ("business", "کسب‌وکار و سرمایه‌گذاری"),
    ("citizen", "ارتباطات مردمی و شکایات"),
]

# Desk-only posts: (agency key, unit name, position code, title, holder username).
POSITIONS = [
    ("sh", "معاونت شهرسازی و معماری", "SH.URBAN.DOCS", "کارشناس پذیرش و صدور پروانه", "paziresh.shahrsazi"),
    ("sh", "مدیریت ارتباطات مردمی و سامانه ۱۳۷", "SH.137", "کارشناس رسیدگی به شکایات (۱۳۷)", "karshenas.137"),
    ("os", "اداره کل بازرسی و پاسخگویی به شکایات", "OS.COMPLAINTS", "کارشناس رسیدگی به شکایات",
     "karshenas.bazresi"),
]
# username → (first name, last name, national code, mobile)
PEOPLE = {
    "paziresh.shahrsazi": ("نسرین", "بهرامی", "1742789012", "09161000027"),
    "karshenas.137": ("حمید", "عبیات", "1742890123", "09161000028"),
    "karshenas.bazresi": ("شهلا", "مرادی", "1742901234", "09161000029"),
}
# Each agency's desk: the secretariat requests are registered in and who answers complaints.
COMPLAINTS_POSITION = {"os": "OS.COMPLAINTS", "fa": "FA.SOCIAL.EXP", "sh": "SH.137", "sa": "SA.CIVIL"}


def _national_code(nine: str) -> str:
    return nine + str(national_code_check_digit(nine))


CITIZEN = {
    "national_code": _national_code("228736154"),
    "mobile": "09121405140",
    "first_name": "نرگس",
    "last_name": "عامری",
}
# Other applicants (at counter offices, in person, or online without an account).
APPLICANTS = [
    ("آقای عبدالله عبیداوی", _national_code("174455021"), "09163301122"),
    ("خانم زینب سیاحی", _national_code("174466032"), "09163302233"),
    ("آقای جواد حزباوی", _national_code("174477043"), "09163303344"),
    ("خانم مریم دریس", _national_code("174488054"), "09163304455"),
    ("آقای حسن ساکی", _national_code("174499065"), "09163305566"),
    ("خانم فریبا پورمحمدی", _national_code("174400076"), "09163306677"),
]
TEST_CARD = "6037990000000006"  # passes the test bank's Luhn check


def png(width: int = 30, height: int = 40, rgb: tuple = (200, 170, 140)) -> bytes:
    """A small valid PNG (a passport-photo-sized colour block) for the demo's photo fields."""
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def definitions() -> list[dict]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(DEFINITIONS.glob("*.json"))]


class DeskDemo:
    def __init__(self, *, seed: int = 1405, log=None):
        self.rng = random.Random(seed)
        self.seed = seed
        # Tracking codes come from their own seeded generator, so a reload makes the same letters
        # (their subjects carry the codes); outside the demo they come from the secrets module.
        self.code_rng = random.Random(seed)
        self.log = log or (lambda message: None)
        self.services = {}
        self.requests: dict[str, ServiceRequest] = {}

    # ------------------------------------------------------------ configuration

    def setup(self) -> None:
        agencies = {spec["key"]: Agency.objects.get(code=spec["code"]) for spec in data.AGENCIES}
        password = make_password(data.DEMO_PASSWORD)
        since = timezone.now() - dt.timedelta(days=365)
        for key, unit_name, code, title, username in POSITIONS:
            unit, _ = Unit.objects.get_or_create(agency=agencies[key], name=unit_name)
            position = Position.objects.create(unit=unit, title=title, code=code)
            first, last, national_code, mobile = PEOPLE[username]
            user = User.objects.create(username=username, first_name=first, last_name=last,
                                       national_code=national_code, mobile=mobile, password=password)
            Assignment.objects.create(user=user, position=position, role=Assignment.Role.HOLDER, starts_at=since)
        for spec in data.AGENCIES:
            DeskProfile.objects.create(
                agency=agencies[spec["key"]],
                secretariat=Secretariat.objects.get(agency=agencies[spec["key"]], code=spec["secretariat"][1]),
                complaints_position=Position.objects.get(code=COMPLAINTS_POSITION[spec["key"]]),
            )
        for order, (slug, name) in enumerate(CATEGORIES):
            Category.objects.create(slug=slug, name=name, order=order)
        for definition in definitions():
            version = services.publish_service(user=None, definition=definition)
            self.services[definition["code"]] = version.service
        citizen = User(username=f"c{CITIZEN['national_code']}", first_name=CITIZEN["first_name"],
                       last_name=CITIZEN["last_name"], national_code=CITIZEN["national_code"],
                       mobile=CITIZEN["mobile"], is_citizen=True)
        citizen.set_unusable_password()  # citizens sign in with national code, mobile and an SMS code
        citizen.save()
        self.citizen = citizen

    # ------------------------------------------------------------ helpers (each calls one service)

    def acting_user(self, code: str) -> tuple[User, int]:
        """Who works a position now: its acting holder during an absence, else its holder."""
        position = Position.objects.get(code=code)
        rows = Assignment.objects.current().filter(position=position).select_related("user")
        row = rows.filter(role=Assignment.Role.ACTING).first() or rows.get(role=Assignment.Role.HOLDER)
        return row.user, position.id

    def submit(self, code: str, answers: dict, *, who=None, channel="online", docs=(), files=None):
        service = self.services[code]
        if who is None:
            applicant, name = self.citizen, self.citizen.get_full_name()
            national_code, mobile = CITIZEN["national_code"], CITIZEN["mobile"]
        else:
            applicant = None
            name, national_code, mobile = who
        uploads = {doc: [Upload(name=f"{doc}.pdf", content=scan_pdf([f"Demo document {doc}", f"{national_code}"]))]
                   for doc in docs}
        uploads.update(files or {})
        return services.submit_request(
            service=service, channel=channel, national_code=national_code, mobile=mobile, data=answers,
            uploads=uploads, applicant=applicant, applicant_name=name, rng=self.code_rng,
        )

    def pay(self, req: ServiceRequest) -> ServiceRequest:
        """The fee paid at the built-in test bank: start, confirm on the bank's page, return and verify."""
        from dabir.payments import services as payments
        from dabir.payments.models import Payment

        owner = req.applicant or self.citizen
        if req.applicant is None:
            # A counter office or in-person payer: the payment is opened on the applicant's behalf.
            payment, _url = payments.start_payment(
                purpose=services.PAYMENT_PURPOSE, object_id=str(req.pk), amount_rials=req.fee_rials,
                payer_mobile=req.mobile, callback_url=self._callback(req),
                description=f"هزینه خدمت {req.service.title} — {req.tracking_code}")
        else:
            services.start_fee_payment(user=owner, request=req, callback_url=self._callback(req))
            req.refresh_from_db()
            payment = Payment.objects.get(token=req.payment_token)
        payments.testbank_pay(authority=payment.authority, card_number=TEST_CARD)
        payments.complete_payment(payment_token=payment.token, params={"authority": payment.authority,
                                                                       "status": "OK"})
        req.refresh_from_db()
        return req

    def _callback(self, req: ServiceRequest) -> str:
        path = reverse("desk:paid", kwargs={"tracking_code": req.tracking_code})
        return settings.DABIR_PUBLIC_URL.rstrip("/") + path

    def decide(self, req: ServiceRequest, outcome: str, *, note: str = "", public_note: str = "") -> ServiceRequest:
        req.refresh_from_db()
        stage = services.definition_of(req).stage(req.stage_code)
        user, position_id = self.acting_user(stage.position)
        return services.decide_stage(user=user, position_id=position_id, request=req, outcome=outcome, note=note,
                                     public_note=public_note)

    def sign(self, req: ServiceRequest) -> ServiceRequest:
        req.refresh_from_db()
        user, position_id = self.acting_user(services.definition_of(req).result.signer_position)
        return services.sign_result(user=user, position_id=position_id, request=req)

    def pick(self, options):
        return self.rng.choice(options)

    # ------------------------------------------------------------ the requests

    def build_requests(self) -> None:
        rng, pick = self.rng, self.pick
        county = pick(data.COUNTIES)
        r = self.requests

        # The demo citizen's own history ------------------------------------------------
        # A building permit: paid online, documents checked, the site visit found a conflict with the
        # detailed plan, so it now waits for the Article 5 commission.
        r["permit"] = self.pay(self.submit("sh-building-permit", {
            "parcel_number": f"{rng.randint(100, 999)}/{rng.randint(10, 99)} فرعی از ۶ اصلی",
            "postal_code": "6135673511", "district": pick(["منطقه ۲", "منطقه ۳", "منطقه ۶"]),
            "permit_type": "احداث بنا", "land_area": rng.randint(180, 420), "floors": 4,
            "engineer_name": "مهندس علی‌اصغر فروزان",
        }, docs=["deed", "plans"]))
        self.decide(r["permit"], "complete", note="مدارک کامل است؛ جهت بازدید", public_note="مدارک شما کامل است.")
        self.decide(r["permit"], "conflict", note="تراکم درخواستی بیش از ضوابط پهنه R2",
                    public_note="تراکم درخواستی با طرح تفصیلی مغایر است و در کمیسیون ماده ۵ طرح می‌شود.")

        # A business licence renewal waiting for its fee.
        r["licence"] = self.submit("sh-business-licence", {
            "licence_number": f"{rng.randint(10, 99)}-{rng.randint(10000, 99999)}", "guild": "خواربار و سوپرمارکت",
            "shop_postal_code": "6134894311", "expiry_date": f"{jalali_year_text()}/۰۲/۳۱", "shop_area": 36,
            "first_name": CITIZEN["first_name"], "last_name": CITIZEN["last_name"], "birth_date": "۱۳۶۸/۰۶/۱۲",
        }, docs=["old_licence"])

        # A fresh report to the 137 line.
        r["report"] = self.submit("sh-urban-complaint", {
            "topic": "روشنایی معابر", "address": "اهواز، کیانپارس، خیابان ۹ غربی، نبش کوچه ۴",
            "description": "سه تیر چراغ برق خیابان از یک هفته پیش خاموش است و شب‌ها کوچه کاملاً تاریک است.",
        })

        # A duplicate birth certificate: paid, checked, approved, signed — the result is ready.
        r["duplicate"] = self.pay(self.submit("sa-duplicate-id", {
            "reason": "مفقودی", "birth_date": "۱۳۶۸/۰۶/۱۲", "father_name": "محمود",
            "postal_code": "6139854471", "birth_certificate_serial": "۴۵/ب ۲۳۸۸۱۶",
        }, docs=["id_card"], files={"photo": [Upload(name="photo.png", content=png())]}))
        self.decide(r["duplicate"], "verified", public_note="هویت شما با پایگاه اطلاعات هویتی تطبیق داده شد.")
        self.decide(r["duplicate"], "ok")
        self.decide(r["duplicate"], "issue", public_note="المثنی صادر شد و با پست ارسال می‌شود.")
        self.sign(r["duplicate"])

        # A meeting with the governor, refused (out of the governorate's remit), then a complaint.
        r["meeting"] = self.submit("fa-public-meeting", {
            "subject": "تأخیر در پرداخت خسارت سیل به باغ‌داران", "related_agency": "سایر",
            "details": f"باغ خانواده ما در {county} در سیلاب اسفند آسیب دید و هنوز خسارتی پرداخت نشده است.",
        })
        self.decide(r["meeting"], "not_needed", note="موضوع در صلاحیت جهاد کشاورزی است",
                    public_note="موضوع در صلاحیت مدیریت جهاد کشاورزی شهرستان است؛ لطفاً به آن اداره مراجعه کنید.")

        # An investment plan waiting for the citizen's missing licence.
        r["investment"] = self.submit("os-investment", {
            "project_title": "کارگاه بسته‌بندی خرما", "sector": "کشاورزی", "county": "شادگان",
            "investment": 42000, "jobs": 18,
        }, docs=["feasibility", "licence"])
        user, position_id = self.acting_user("OS.ECON.EXP")
        services.request_documents(
            user=user, position_id=position_id, request=r["investment"], codes=["licence"],
            note="تصویر موافقت اصولی خواناست ولی صفحه دوم آن بارگذاری نشده است.")

        # A birth registration the citizen cancelled (registered by the hospital meanwhile).
        r["birth_cancelled"] = self.submit("sa-birth-registration", {
            "baby_first_name": "آرمان", "baby_sex": "پسر", "birth_date": today().isoformat(),
            "hospital": "بیمارستان امام خمینی (ره) اهواز", "father_national_code": _national_code("174411087"),
            "mother_national_code": CITIZEN["national_code"], "birth_certificate_id": 4471209,
        }, docs=["birth_certificate", "marriage"])
        services.cancel_request(user=self.citizen, request=r["birth_cancelled"],
                                reason="ثبت ولادت در بیمارستان انجام شد.")

        # Other applicants --------------------------------------------------------------
        a = APPLICANTS
        # At a counter office: a completion certificate, inspected, now late at the deputy's desk.
        r["completion"] = self.pay(self.submit("sh-completion-inquiry", {
            "parcel_number": "۲۱۴۵/۳۸", "postal_code": "6155714361", "inquiry_type": "گواهی پایان کار",
            "permit_number": "۱۴۰۲/۸۸۱۲",
        }, who=a[0], channel="counter", docs=["deed"]))
        self.decide(r["completion"], "conforms", public_note="بنا با پروانه مطابقت دارد.")

        # In person: a name change, before the dispute board.
        r["name_change"] = self.pay(self.submit("sa-name-change", {
            "current_name": "کبری", "new_name": "کیانا", "reason": "نام فعلی در محیط کار و اجتماع موجب آزردگی است.",
            "birth_date": "۱۳۷۴/۱۱/۰۳",
        }, who=a[1], channel="counter", docs=["id_card", "birth_cert"]))
        self.decide(r["name_change"], "to_board", public_note="پرونده در جلسه آینده هیئت حل اختلاف طرح می‌شود.")

        # Online without an account: a pothole report, resolved and signed.
        r["resolved"] = self.submit("sh-urban-complaint", {
            "topic": "خرابی آسفالت و چاله", "address": "اهواز، زیتون کارمندی، خیابان زهره",
            "description": "چاله عمیق جلوی مدرسه دخترانه که هنگام بارندگی پر از آب می‌شود.",
        }, who=a[2])
        self.decide(r["resolved"], "assign", note="به منطقه ۲ جهت لکه‌گیری")
        self.decide(r["resolved"], "resolved", public_note="لکه‌گیری آسفالت انجام شد.")
        self.sign(r["resolved"])

        # In person: a birth registered and approved, its certificate waiting for the signature.
        r["birth"] = self.submit("sa-birth-registration", {
            "baby_first_name": "هستی", "baby_sex": "دختر", "birth_date": today().isoformat(),
            "hospital": "بیمارستان رازی اهواز", "father_national_code": a[3][1],
            "mother_national_code": _national_code("174422098"), "birth_certificate_id": 4471388,
        }, who=a[3], channel="in_person", docs=["birth_certificate", "marriage"])
        self.decide(r["birth"], "assign")
        self.decide(r["birth"], "ok", public_note="ولادت ثبت شد؛ شناسنامه پس از امضا صادر می‌شود.")

        # Online: an excavation permit refused by the excavation committee.
        r["excavation"] = self.pay(self.submit("sh-excavation", {
            "utility": "مخابرات و فیبر نوری", "street": "اهواز، بلوار گلستان، از فلکه دانشگاه تا پل هفتم",
            "length_m": 850, "start_date": "2026-06-01", "contractor": "شرکت ارتباطات کارون",
        }, who=a[4], docs=["route_map"]))
        self.decide(r["excavation"], "refuse", note="بلوار در برنامه روکش آسفالت امسال است",
                    public_note="این مسیر تا پایان روکش آسفالت بلوار گلستان (دو ماه دیگر) حفاری نمی‌پذیرد.")

        # Online: an investment plan before the provincial employment and investment board.
        r["board"] = self.submit("os-investment", {
            "project_title": "اقامتگاه بوم‌گردی ساحلی", "sector": "گردشگری", "county": "هندیجان",
            "investment": 18500, "jobs": 9, "company_national_id": "14009876543",
        }, who=a[5], docs=["feasibility", "licence"])
        self.decide(r["board"], "to_board", public_note="طرح در جلسه کارگروه اشتغال و سرمایه‌گذاری استان طرح می‌شود.")

        # Business licence renewals, paid online: the holder's identity is asked of the civil registry
        # by the service's inquiry stage. One matches and moves on by itself once the answer is back;
        # in the other the birth date does not match, and the reception expert has to look at it.
        r["licence_checked"] = self.pay(self.submit("sh-business-licence", {
            "licence_number": f"{rng.randint(10, 99)}-{rng.randint(10000, 99999)}", "guild": "پوشاک",
            "shop_postal_code": "6135816645", "expiry_date": f"{jalali_year_text()}/۰۳/۱۵", "shop_area": 48,
            "first_name": "جواد", "last_name": "حزباوی", "birth_date": "۱۳۶۱/۰۲/۲۴",
        }, who=a[2], docs=["old_licence"]))
        r["licence_mismatch"] = self.pay(self.submit("sh-business-licence", {
            "licence_number": f"{rng.randint(10, 99)}-{rng.randint(10000, 99999)}", "guild": "تعمیرات خودرو",
            "shop_postal_code": "6137745193", "expiry_date": f"{jalali_year_text()}/۰۴/۰۱", "shop_area": 120,
            "first_name": "حسن", "last_name": "ساکی", "birth_date": "۱۳۵۸/۰۲/۳۰",
        }, who=a[4], docs=["old_licence"]))

        # Ratings and complaints -----------------------------------------------------------
        services.rate_request(user=self.citizen, request=r["duplicate"], score=5,
                              comment="بدون مراجعه حضوری و زودتر از موعد انجام شد. سپاسگزارم.")
        services.rate_request(user=self.citizen, request=r["meeting"], score=2,
                              comment="پاسخ زود آمد، ولی کاش موضوع را خودتان به جهاد کشاورزی ارجاع می‌دادید.")
        fa = self.services["fa-public-meeting"].agency
        services.file_complaint(
            user=self.citizen, national_code=CITIZEN["national_code"], mobile=CITIZEN["mobile"], about="request",
            agency=fa, request=r["meeting"], rng=self.code_rng,
            text="درخواست ملاقات من بدون بررسی کافی رد شد؛ خسارت سیل موضوعی استانی است و فرمانداری باید پیگیری کند.",
        )
        sh = self.services["sh-urban-complaint"].agency
        answered = services.file_complaint(
            user=self.citizen, national_code=CITIZEN["national_code"], mobile=CITIZEN["mobile"], about="agency",
            agency=sh, rng=self.code_rng,
            text="پسماند کوچه ما سه روز است جمع‌آوری نشده و بوی نامطبوع آن همسایه‌ها را آزار می‌دهد.",
        )
        user, position_id = self.acting_user(COMPLAINTS_POSITION["sh"])
        services.answer_complaint(user=user, position_id=position_id, complaint=answered,
                                  answer="پیمانکار منطقه ۳ تذکر کتبی گرفت و پسماند کوچه همان روز جمع‌آوری شد.")

    def backdate_overdue(self) -> None:
        """Demo only: the completion certificate's current stage started two weeks ago and is now late."""
        req = self.requests["completion"]
        started = timezone.now() - dt.timedelta(days=14)
        due = add_working_days(started.date(), 2)
        ServiceRequest.objects.filter(pk=req.pk).update(stage_started_at=started, stage_due=due)
        Referral.objects.filter(letter_id=req.letter_id, status__in=["unread", "read"]).update(deadline=due)

    def build(self) -> dict:
        with transaction.atomic():
            self.setup()
            self.build_requests()
            self.backdate_overdue()
        statuses = {}
        for req in ServiceRequest.objects.all():
            statuses[req.status] = statuses.get(req.status, 0) + 1
        self.log(f"میز خدمت: {len(self.services)} خدمت، {sum(statuses.values())} درخواست.")
        return {"services": len(self.services), "requests": sum(statuses.values()), "statuses": statuses,
                "complaints": Complaint.objects.count()}


def jalali_year_text() -> str:
    from dabir.core.jalali import jalali_year
    from dabir.core.text import to_persian_digits

    return to_persian_digits(jalali_year(timezone.now()))


def load(*, seed: int = 1405, log=None) -> dict:
    """Load the desk demo (after the letters): the catalogue, desk settings, a citizen and requests."""
    return DeskDemo(seed=seed, log=log).build()


def accounts() -> list[dict]:
    """Rows for the demo's account table: the desk's staff are listed by the loader; this is the citizen."""
    citizen = User.objects.filter(username=f"c{CITIZEN['national_code']}").first()
    if citizen is None:
        return []
    return [{
        "username": citizen.username, "password": "(SMS code)", "role": "citizen",
        "name": citizen.get_full_name(), "agency": "",
        "positions": (f"ورود در /citizen/login/ با کد ملی {CITIZEN['national_code']} و همراه {CITIZEN['mobile']}؛ "
                      "کد یک‌بارمصرف در /notify/outbox/ (با admin) دیده می‌شود"),
    }]


__all__ = ["RequestStatus", "load", "accounts", "PEOPLE", "CITIZEN"]
