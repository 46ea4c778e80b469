"""Counter-office fixtures: a world with a desk service, an office of the world's province with a
manager and an operator, the service offered at every office, an approved fee schedule for this year,
and the province's regulator."""

import datetime as dt
from dataclasses import dataclass

import pytest

from dabir.accounts.models import OneTimeCode, User
from dabir.accounts.services import purpose_hash
from dabir.core.jalali import to_jalali, today
from dabir.counters.models import CounterService, Fee, FeeSchedule, Office, Regulator, Staff
from tests.desk.test_services import national_code, setup_desk
from tests.factories import make_user

PROVINCE = "خوزستان"


@dataclass
class Counter:
    world: object
    service: object
    office: Office
    manager: User
    operator: User
    regulator: User
    schedule: FeeSchedule


def make_office(code="21001", *, name="دفتر پیشخوان آزمون", province=PROVINCE, city="اهواز", **extra) -> Office:
    defaults = dict(
        code=code, name=name, province=province, city=city, address="اهواز، خیابان آزادی، پلاک ۱۲",
        licence_number=f"L-{code}", holder_name="رضا دفترداری", holder_id="1234567891",
        licence_issued_on=today() - dt.timedelta(days=400), licence_expires_on=today() + dt.timedelta(days=300),
        licence_value_rials=500_000_000,
    )
    defaults.update(extra)
    return Office.objects.create(**defaults)


def make_staff(office: Office, username: str, role=Staff.Role.OPERATOR) -> User:
    user = make_user(username, first_name="کاربر", last_name=username)
    Staff.objects.create(office=office, user=user, role=role)
    return user


def approved_schedule(service, fee=25_000, year=None, letter_fee=15_000) -> FeeSchedule:
    schedule = FeeSchedule.objects.create(year=year or to_jalali(today()).year, state=FeeSchedule.State.APPROVED,
                                          letter_fee_rials=letter_fee)
    Fee.objects.create(schedule=schedule, service=service, counter_fee_rials=fee)
    return schedule


def consent_code(visit, code="123456"):
    """Set the visit's consent code to a known value (the SMS itself is checked in the SMS tests)."""
    otp = OneTimeCode.objects.filter(purpose=OneTimeCode.Purpose.COUNTER, subject=f"visit:{visit.pk}").latest("id")
    otp.code_hash = purpose_hash(purpose=OneTimeCode.Purpose.COUNTER, subject=f"visit:{visit.pk}",
                                 mobile=visit.mobile, code=code)
    otp.save(update_fields=["code_hash"])
    return code


CITIZEN_NC = national_code(87654321)
CITIZEN_MOBILE = "09161234567"


@pytest.fixture
def counter(world) -> Counter:
    """A free-of-agency-fee service offered at every office; the office's own fee is 25,000 rials."""
    service = setup_desk(world)
    office = make_office()
    CounterService.objects.create(service=service, outsourceable=True, offered=True, all_offices=True)
    regulator = make_user("regulator", first_name="ناظر", last_name="ارتباطات")
    Regulator.objects.create(user=regulator, province=PROVINCE)
    return Counter(world=world, service=service, office=office,
                   manager=make_staff(office, "office.manager", Staff.Role.MANAGER),
                   operator=make_staff(office, "office.operator"), regulator=regulator,
                   schedule=approved_schedule(service))
