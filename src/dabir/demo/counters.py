"""The counter offices part of the demo: the regulator, a dozen offices in Khuzestan (urban and rural;
one suspended, one whose licence is about to expire), their staff, the services each demo agency
outsources, last year's and this year's approved fee schedules and next year's draft, three months
of requests and letters filed at the counters, two closed settlement months and complaints.

Loaded after the desk. Every office, declaration, schedule, filing, payment, letter decision, month
close and complaint goes through dabir.counters.services (and desk, letters, payments), so letters,
SMS in the outbox and the audit chain are the real ones. The citizen's consent code is read from the
SMS outbox, as the citizen reads it out at the counter.

Demo-only afterwards: the filings are spread over the last three months (back-dated with their
payments, requests and letters), then the two months that have ended are closed.
"""

import datetime as dt
import random
import re

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from dabir.accounts.models import User
from dabir.core.jalali import to_jalali, today
from dabir.core.validators import national_code_check_digit
from dabir.counters import services as counters
from dabir.counters.models import CounterLetter, FeeSchedule, Office, Regulator, Submission, Visit
from dabir.counters.services._shared import jalali_month
from dabir.desk.models import RequestEvent, Service, ServiceRequest
from dabir.letters.services import ReferralSpec, Upload
from dabir.notify.models import SmsMessage
from dabir.orgs.models import Agency, Position
from dabir.payments.models import Payment

from . import counters_data as D
from . import data
from .pdf import scan_pdf

CODE = re.compile(r":\s*([0-9]{6})")


def _nc(ten: str) -> str:
    return ten[:9] + str(national_code_check_digit(ten[:9]))


def _legal_id(eleven: str) -> str:
    from dabir.counters.services.registry import legal_id_check_digit

    return eleven[:10] + str(legal_id_check_digit(eleven[:10]))


class CountersDemo:
    def __init__(self, *, seed: int = 1405, log=None):
        self.rng = random.Random(seed + 10)
        self.code_rng = random.Random(seed + 11)  # tracking codes: the same on every load
        self.log = log or (lambda message: None)
        self.admin = User.objects.get(username="admin")
        self.offices: dict[str, Office] = {}
        self.staff: dict[str, User] = {}
        self.citizens: list[tuple[str, str, str]] = []
        self.year = to_jalali(today()).year

    # ------------------------------------------------------------ people and registry

    def people(self) -> None:
        password = make_password(data.DEMO_PASSWORD)
        username, first, last, national_code, mobile = D.REGULATOR
        self.regulator = User.objects.create(username=username, first_name=first, last_name=last,
                                             national_code=_nc(national_code), mobile=mobile, password=password)
        Regulator.objects.create(user=self.regulator, province=D.PROVINCE, title=D.REGULATOR_TITLE)
        for _office, username, _role, first, last, national_code, mobile in D.STAFF:
            self.staff[username] = User.objects.create(username=username, first_name=first, last_name=last,
                                                       national_code=_nc(national_code), mobile=mobile,
                                                       password=password)
        for i, (first, last, nine, _mobile) in enumerate(D.CITIZENS * 7):
            # Seventy visits by ten families: each visit its own member (a mobile gets one code a minute).
            digits = f"{int(nine) + i * 1000:09d}"[-9:]
            self.citizens.append((f"{first} {last}", digits + str(national_code_check_digit(digits)),
                                  f"0916{5000000 + i:07d}"))

    def registry(self) -> None:
        for (code, name, area, city, address, phone, lat, lng, holder_kind, holder_name, holder_id, value,
             days, _state, _reason) in D.OFFICES:
            issued = today() - dt.timedelta(days=3 * 365 - days) if days > 0 else today() - dt.timedelta(days=3 * 365)
            office = counters.create_office(
                user=self.regulator, code=code, name=name, area=area, province=D.PROVINCE, city=city,
                address=address, phone=phone, latitude=lat, longitude=lng, licence_number=f"۱۴۰۲-{code}",
                holder_kind=holder_kind, holder_name=holder_name,
                holder_id=_nc(holder_id) if holder_kind == "natural" else _legal_id(holder_id),
                licence_issued_on=issued, licence_expires_on=today() + dt.timedelta(days=days),
                licence_value_rials=value, hours="شنبه تا چهارشنبه ۷:۳۰ تا ۱۵:۳۰، پنجشنبه ۸ تا ۱۲",
            )
            self.offices[code] = office
        for code, username, role, *_rest in D.STAFF:
            counters.set_staff(user=self.regulator, office=self.offices[code], account=self.staff[username], role=role)

    def outsourcing(self) -> None:
        """Each agency declares its services: most offered everywhere, the investment plan only in Ahvaz,
        and the birth registration outsourceable but not offered (the agency keeps it in person)."""
        ahvaz = [o for o in self.offices.values() if o.city == "اهواز"]
        for service in Service.objects.select_related("current_version"):
            channels = service.current_version.definition["profile"].get("channels", [])
            if service.code == "sa-birth-registration":
                counters.declare_service(user=self.admin, service=service, outsourceable=True, offered=False,
                                         all_offices=True)
            elif "counter" not in channels:
                counters.declare_service(user=self.admin, service=service, outsourceable=False, offered=False,
                                         all_offices=True)
            elif service.code == "os-investment":
                counters.declare_service(user=self.admin, service=service, outsourceable=True, offered=True,
                                         all_offices=False, offices=ahvaz)
            else:
                counters.declare_service(user=self.admin, service=service, outsourceable=True, offered=True,
                                         all_offices=True)

    def fees(self) -> None:
        """Last year's schedule, this year's (from last year's by 25%), both approved; next year's draft by 30%."""
        offered = Service.objects.filter(counter__outsourceable=True)
        base = {"sh-urban-complaint": 60_000, "fa-public-meeting": 80_000, "sa-duplicate-id": 150_000,
                "sa-name-change": 150_000, "sh-building-permit": 250_000, "sh-business-licence": 120_000,
                "sh-completion-inquiry": 180_000, "os-investment": 300_000, "sa-birth-registration": 90_000}
        last = counters.draft_schedule(user=self.regulator, year=self.year - 1, letter_fee_rials=40_000,
                                       note="تعرفه مصوب کارگروه استانی")
        for service in offered:
            counters.set_fee(user=self.regulator, schedule=last, service=service,
                             counter_fee_rials=base.get(service.code, 100_000))
        counters.approve_schedule(user=self.regulator, schedule=last)
        current = counters.draft_schedule(user=self.regulator, year=self.year, from_schedule=last,
                                          inflation_percent=25, note="افزایش ۲۵ درصدی بر پایه نرخ تورم")
        counters.approve_schedule(user=self.regulator, schedule=current)
        self.next_draft = counters.draft_schedule(user=self.regulator, year=self.year + 1, from_schedule=current,
                                                  inflation_percent=30, note="پیشنهاد کانون دفاتر؛ در دست بررسی")

    # ------------------------------------------------------------ filings

    def visit(self, operator: User) -> Visit:
        name, national_code, mobile = self.citizens.pop()
        visit = counters.start_visit(user=operator, national_code=national_code, mobile=mobile, name=name)
        sms = SmsMessage.objects.filter(related=f"counters.visit:{visit.pk}").latest("id")
        return counters.verify_visit(user=operator, visit=visit, code=CODE.search(sms.text).group(1))

    def answers(self, code: str) -> tuple[dict, dict]:
        rng = self.rng
        pdf = lambda label: [Upload(name=f"{label}.pdf", content=scan_pdf([f"Scanned at counter: {label}"]))]  # noqa: E731
        if code == "sh-urban-complaint":
            return {"topic": rng.choice(["روشنایی معابر", "خرابی آسفالت و چاله", "آب‌گرفتگی معابر", "جمع‌آوری پسماند"]),
                    "address": f"اهواز، کوی {rng.choice(['ملت', 'پردیس', 'زیتون', 'گلستان'])}، خیابان {rng.randint(1, 30)}",
                    "description": "مشکل چند هفته است ادامه دارد و مردم محل از آن گله‌مندند."}, {}
        if code == "fa-public-meeting":
            return {"subject": "پیگیری وضعیت راه روستایی", "details": "راه دسترسی روستا در فصل بارندگی بسته می‌شود.",
                    "related_agency": "سایر"}, {}
        if code == "sh-completion-inquiry":
            return {"parcel_number": f"{rng.randint(100, 999)}/{rng.randint(10, 99)}", "postal_code": "6135673511",
                    "inquiry_type": rng.choice(["گواهی پایان کار", "پاسخ استعلام نقل و انتقال"])}, {"deed": pdf("sanad")}
        if code == "sa-name-change":
            return {"current_name": "غلامرضا", "new_name": "رضا", "reason": "نام کنونی مایه ناراحتی است.",
                    "birth_date": "۱۳۶۵/۰۴/۱۲"}, {"id_card": pdf("kart-melli"), "birth_cert": pdf("shenasname")}
        if code == "sh-business-licence":
            first, last = rng.choice([("یاسر", "چعب"), ("نسیم", "عفری"), ("کمال", "طرفی")])
            return {"first_name": first, "last_name": last, "birth_date": "۱۳۷۰/۰۱/۱۵",
                    "licence_number": f"{rng.randint(10, 99)}-{rng.randint(10000, 99999)}", "guild": "پوشاک",
                    "shop_postal_code": "6134894311", "expiry_date": f"{self.year}/۰۹/۳۰", "shop_area": 40}, \
                {"old_licence": pdf("parvane-ghadim")}
        raise ValueError(code)

    def filings(self) -> None:
        """About fifty requests and eight letters over the active offices, each paid at the card reader,
        through the bank gateway, or free; a few left awaiting payment today."""
        rng = self.rng
        codes = ["sh-urban-complaint", "sh-urban-complaint", "sh-completion-inquiry", "sa-name-change",
                 "sh-business-licence", "fa-public-meeting"]
        services = {s.code: s for s in Service.objects.filter(code__in=codes)}
        operators = [self.staff[u] for _o, u, role, *_r in D.STAFF
                     if role == "operator" and _o not in ("61103",)]
        self.filed: list[Submission] = []
        for i in range(48):
            operator = operators[i % len(operators)]
            code = codes[rng.randrange(len(codes))]
            answers, files = self.answers(code)
            sub = counters.submit_request(user=operator, visit=self.visit(operator), service=services[code],
                                          data=answers, uploads=files, submission_key=f"demo-{i}",
                                          rng=self.code_rng)
            if sub.total_rials and i % 9 != 8:  # every ninth one is left unpaid (the citizen walked away)
                if i % 3 == 0:
                    self.pay_gateway(operator, sub)
                else:
                    counters.pay_by_card(user=operator, submission=sub, reference=f"{40_000_000 + i * 7919}",
                                         card_mask=f"6037-99**-****-{1000 + i:04d}")
            self.filed.append(sub)
        self.decide_some()
        self.letters(operators)

    def decide_some(self) -> None:
        """The municipality's dispatcher answers some of the 137 reports filed at counters: not its work
        (finished, rejected with the reason), so the offices' handling times have finished requests."""
        from dabir.desk import services as desk
        from dabir.orgs.models import Assignment

        position = Position.objects.get(code="SH.URBAN")
        holder = Assignment.objects.current().filter(position=position, role=Assignment.Role.HOLDER).first().user
        reports = [s for s in self.filed if s.service.code == "sh-urban-complaint"]
        for sub in reports[::3]:
            req = ServiceRequest.objects.get(pk=sub.request_id)
            if req.letter_id is None:
                continue
            desk.decide_stage(user=holder, position_id=position.id, request=req, outcome="not_ours",
                              public_note="این موضوع در حوزه وظایف شرکت آب و فاضلاب است؛ به سامانه ۱۲۲ اطلاع دهید.")

    def pay_gateway(self, operator: User, sub: Submission) -> None:
        from dabir.payments import services as payments

        url = counters.start_gateway_payment(user=operator, submission=sub,
                                             callback_url=f"http://127.0.0.1:8000/counters/desk/submissions/{sub.pk}/paid/")
        authority = url.rstrip("/").rsplit("/", 1)[-1]
        payment = Payment.objects.get(authority=authority)
        payments.testbank_pay(authority=authority, card_number="6037990000000006")
        payments.complete_payment(payment_token=payment.token, params={"authority": authority, "status": "OK"})

    def letters(self, operators) -> None:
        agencies = {spec["key"]: Agency.objects.get(code=spec["code"]) for spec in data.AGENCIES}
        clerks = {"os": "dabir", "fa": "dabir.farmandari", "sh": "dabir.shahrdari", "sa": "dabir.sabt"}
        self.counter_letters = []
        for i, (key, subject, text) in enumerate(D.LETTERS):
            operator = operators[(i * 3) % len(operators)]
            scan = Upload(name="nameh.pdf", content=scan_pdf([f"Citizen letter {i + 1}", subject[:20]]))
            letter = counters.file_letter(user=operator, visit=self.visit(operator), agency=agencies[key],
                                          subject=subject, text=text, scans=[scan], submission_key=f"demo-letter-{i}",
                                          rng=self.code_rng)
            sub = letter.submission
            if sub.total_rials:
                counters.pay_by_card(user=operator, submission=sub, reference=f"{50_000_000 + i * 104729}")
            self.counter_letters.append((letter, clerks[key]))
        # The secretariats decide: most registered with a first referral, one returned, two still waiting.
        for i, (letter, clerk) in enumerate(self.counter_letters):
            user = User.objects.get(username=clerk)
            if i in (3, 7):
                continue
            if i == 5:
                counters.return_counter_letter(user=user, counter_letter=letter,
                                               reason="نامه به فرمانداری مربوط است نه این دستگاه")
                continue
            manager = Position.objects.filter(unit__agency=letter.agency, is_manager=True).order_by("id").first()
            counters.register_counter_letter(user=user, counter_letter=letter,
                                             refer_to=[ReferralSpec(manager.id, "action", note="بررسی و پاسخ به متقاضی")])

    # ------------------------------------------------------------ history, settlement, complaints

    def backdate(self) -> None:
        """Demo only: spread the filings over the last three months, with their payments and requests. The
        agencies' letters keep the moment they were numbered (numbers follow registration time), so an old
        filing's letter reads as registered today."""
        start = today().replace(day=1) - dt.timedelta(days=75)
        span = (today() - start).days
        ids = [s.pk for s in self.filed] + [cl.submission.pk for cl, _c in self.counter_letters]
        subs = list(Submission.objects.filter(pk__in=ids).order_by("pk"))
        for n, sub in enumerate(subs):
            day = start + dt.timedelta(days=int(span * n / len(subs)))
            if sub.state == Submission.State.AWAITING_PAYMENT:
                day = today()
            at = timezone.make_aware(dt.datetime.combine(day, dt.time(8 + n % 7, (n * 13) % 60)))
            shift = at - sub.created_at
            fields = {"created_at": at}
            if sub.paid_at:
                fields.update(paid_at=sub.paid_at + shift, day=day, month=jalali_month(day))
            Submission.objects.filter(pk=sub.pk).update(**fields)
            if sub.payment_id:
                Payment.objects.filter(pk=sub.payment_id).update(paid_at=at + dt.timedelta(minutes=3))
            if sub.visit_id:
                Visit.objects.filter(pk=sub.visit_id).update(created_at=at - dt.timedelta(minutes=5),
                                                             verified_at=at - dt.timedelta(minutes=4))
            if sub.request_id:
                req = ServiceRequest.objects.get(pk=sub.request_id)
                ServiceRequest.objects.filter(pk=req.pk).update(
                    submitted_at=req.submitted_at + shift,
                    finished_at=req.submitted_at + shift + dt.timedelta(days=1 + n % 4, hours=n % 5)
                    if req.finished_at else None)
                for event in RequestEvent.objects.filter(request=req):
                    RequestEvent.objects.filter(pk=event.pk).update(at=event.at + shift)
            if sub.counter_letter_id:
                cl = CounterLetter.objects.get(pk=sub.counter_letter_id)
                CounterLetter.objects.filter(pk=cl.pk).update(created_at=cl.created_at + shift)

    def settle(self) -> None:
        """The regulator closes the months that have ended and hold filings."""
        this_month = jalali_month(today())
        months = sorted(set(Submission.objects.exclude(month=None).exclude(month=this_month)
                            .values_list("month", flat=True)))
        for month in months:
            counters.close_month(user=self.regulator, province=D.PROVINCE, month=month)

    def complaints(self) -> None:
        for office, channel, text, verdict, answer in D.COMPLAINTS:
            name, national_code, mobile = self.citizens.pop()
            complaint = counters.file_complaint(
                office_code=office, national_code=national_code, mobile=mobile, name=name, text=text,
                channel=channel, taken_by=self.regulator if channel == "195" else None, rng=self.code_rng)
            if verdict:
                counters.answer_complaint(user=self.regulator, complaint=complaint, verdict=verdict, answer=answer)

    def suspend(self) -> None:
        """The office of the upheld overcharging complaint is suspended (after its months of work)."""
        for code, *_rest, state, reason in D.OFFICES:
            if state != "active":
                counters.set_licence_state(user=self.regulator, office=self.offices[code], state=state, reason=reason)

    def build(self) -> dict:
        with transaction.atomic():
            self.people()
            self.registry()
            self.outsourcing()
            self.fees()
            self.filings()
            self.backdate()
            self.settle()
            self.complaints()
            self.suspend()
        summary = {"offices": Office.objects.count(), "submissions": Submission.objects.count(),
                   "letters": CounterLetter.objects.count(),
                   "schedules": list(FeeSchedule.objects.values_list("year", "state"))}
        self.log(f"دفاتر پیشخوان: {summary['offices']} دفتر، {summary['submissions']} ثبت، "
                 f"{summary['letters']} نامه.")
        return summary


def load(*, seed: int = 1405, log=None) -> dict:
    return CountersDemo(seed=seed, log=log).build()


def accounts() -> list[dict]:
    """The counter offices' accounts for the sign-in table."""
    rows = []
    username, first, last, *_r = D.REGULATOR
    if User.objects.filter(username=username).exists():
        rows.append({"username": username, "password": data.DEMO_PASSWORD, "role": "counter regulator",
                     "name": f"{first} {last}", "agency": D.REGULATOR_TITLE, "positions": "ناظر دفاتر پیشخوان استان"})
    for office_code, username, role, first, last, *_r in D.STAFF:
        if username not in ("pishkhan.kianpars", "bajeh.kianpars", "bajeh.golestan"):
            continue
        office = Office.objects.filter(code=office_code).first()
        if office is None:
            continue
        rows.append({"username": username, "password": data.DEMO_PASSWORD,
                     "role": "counter office manager" if role == "manager" else "counter operator",
                     "name": f"{first} {last}", "agency": office.name,
                     "positions": f"{'مدیر دفتر' if role == 'manager' else 'کاربر باجه'} (پروانه {office.get_state_display()})"})
    return rows
