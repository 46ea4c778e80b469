"""The regulator's registry against the real database: offices and their licence, state transitions,
renewals with their fee, the holder, staff, the expiry sweep — and the refusals, each with a Persian
message and nothing written."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from dabir.core.errors import Conflict, DomainError, NotAllowed
from dabir.core.jalali import format_date, today
from dabir.core.models import AuditEntry
from dabir.counters import policy, services
from dabir.counters.models import HolderKind, LicenceState, Office, OfficeEvent, Regulator, Renewal, Staff
from dabir.counters.names import AuditAction
from dabir.counters.services.registry import legal_id_check_digit, renewal_fee
from tests.factories import make_user

from .conftest import make_office

pytestmark = pytest.mark.django_db


def legal_id(seed: str = "1410325678") -> str:
    return seed + str(legal_id_check_digit(seed))


def office_fields(**extra) -> dict:
    fields = dict(
        code="۲۱۰۵۵", name="دفتر پیشخوان کارون", area="urban", city="اهواز", address="اهواز، کیانپارس، خیابان ۵",
        postal_code="", phone="061-33334444", latitude="۳۱٫۳۱۸۳", longitude="48.6706",
        licence_number="KH-2105", holder_kind="natural", holder_name="سارا پیشخوانی", holder_id="1234567891",
        licence_issued_on=format_date(today() - dt.timedelta(days=100)),
        licence_expires_on=format_date(today() + dt.timedelta(days=265)), licence_value_rials="۴۰۰٬۰۰۰٬۰۰۰",
    )
    fields.update(extra)
    return fields


def snapshot() -> tuple:
    return (Office.objects.count(), OfficeEvent.objects.count(), Renewal.objects.count(), Staff.objects.count(),
            AuditEntry.objects.count())


# ---------------------------------------------------------------- create and edit


def test_regulator_creates_an_office_in_their_province_with_history_and_audit(counter):
    office = services.create_office(user=counter.regulator, **office_fields())
    assert office.code == "21055" and office.province == "خوزستان" and office.state == LicenceState.ACTIVE
    assert str(office.latitude) == "31.318300" and office.licence_value_rials == 400_000_000
    event = office.events.get()
    assert event.kind == OfficeEvent.Kind.CREATED and event.actor == counter.regulator
    assert event.changes["licence_expires_on"] == ["", format_date(office.licence_expires_on)]
    assert event.changes["area"] == ["", "شهری"]
    entry = AuditEntry.objects.filter(action=AuditAction.OFFICE_CREATE).get()
    assert entry.object_id == str(office.pk) and entry.actor == counter.regulator


def test_an_office_entered_with_a_lapsed_licence_is_expired_at_once(counter):
    office = services.create_office(user=counter.regulator, **office_fields(
        licence_issued_on=format_date(today() - dt.timedelta(days=800)),
        licence_expires_on=format_date(today() - dt.timedelta(days=3))))
    assert office.state == LicenceState.EXPIRED and not policy.is_active(office)


def test_a_company_holder_needs_a_valid_11_digit_national_id(counter):
    office = services.create_office(user=counter.regulator, **office_fields(holder_kind="legal",
                                                                           holder_id=legal_id()))
    assert office.holder_kind == HolderKind.LEGAL and len(office.holder_id) == 11


@pytest.mark.parametrize("bad, field, message", [
    ({"code": "21A55"}, "code", "فقط رقم"),
    ({"code": "21001"}, "code", "پیش‌تر ثبت شده"),  # the fixture's office
    ({"licence_number": "L-21001"}, "licence_number", "شماره پروانه"),
    ({"holder_id": "1234567890"}, "holder_id", "کد ملی"),
    ({"holder_kind": "legal", "holder_id": "1234567891"}, "holder_id", "۱۱ رقم"),
    ({"holder_kind": "legal", "holder_id": "14103256780" if legal_id().endswith("9") else "14103256789"},
     "holder_id", "نادرست"),
    ({"licence_expires_on": format_date(today() - dt.timedelta(days=200))}, "licence_expires_on", "پس از تاریخ صدور"),
    ({"licence_issued_on": "۱۴۰۵/۱۳/۰۱"}, "licence_issued_on", "در تقویم وجود ندارد"),
    ({"licence_issued_on": format_date(today() + dt.timedelta(days=2))}, "licence_issued_on", "آینده"),
    ({"latitude": "۹۱"}, "latitude", "میان"),
    ({"longitude": "-181"}, "longitude", "میان"),
    ({"longitude": "شرق"}, "longitude", "عدد"),
    ({"longitude": ""}, "longitude", "با هم"),
    ({"area": "suburb"}, "area", "گزینه"),
    ({"name": "  "}, "name", "نام دفتر"),
    ({"licence_value_rials": "-5"}, "licence_value_rials", "منفی"),
    ({"postal_code": "12345"}, "postal_code", "کد پستی"),
])
def test_bad_office_input_is_refused_in_persian_and_nothing_is_written(counter, bad, field, message):
    before = snapshot()
    with pytest.raises(DomainError) as refused:
        services.create_office(user=counter.regulator, **office_fields(**bad))
    assert refused.value.field == field and message in refused.value.message
    assert snapshot() == before


def test_only_a_regulator_of_the_province_keeps_the_registry(counter):
    before = snapshot()
    for someone in (counter.operator, counter.manager, make_user("nobody")):
        with pytest.raises(NotAllowed):
            services.create_office(user=someone, **office_fields())
    tehran = make_user("tehran.regulator")
    Regulator.objects.create(user=tehran, province="تهران")
    with pytest.raises(NotAllowed):
        services.create_office(user=tehran, **office_fields(province="خوزستان"))
    with pytest.raises(NotAllowed):
        services.edit_office(user=tehran, office=counter.office, name="نام تازه")
    assert snapshot() == before
    assert services.create_office(user=tehran, **office_fields()).province == "تهران"


def test_edit_records_each_change_before_and_after(counter):
    office = services.edit_office(user=counter.regulator, office=counter.office, name="دفتر پیشخوان آزادی",
                                  licence_issued_on=format_date(today() - dt.timedelta(days=300)), phone="۰۶۱۱۲۳")
    assert office.name == "دفتر پیشخوان آزادی"
    event = office.events.get(kind=OfficeEvent.Kind.EDITED)
    assert event.changes["name"] == ["دفتر پیشخوان آزمون", "دفتر پیشخوان آزادی"]
    assert event.changes["licence_issued_on"][1] == format_date(today() - dt.timedelta(days=300))
    assert "۱۴" in event.changes["licence_issued_on"][0]  # a Jalali year in Persian digits
    assert set(event.changes) == {"name", "licence_issued_on", "phone"}
    assert AuditEntry.objects.filter(action=AuditAction.OFFICE_EDIT, object_id=str(office.pk)).count() == 1


def test_edit_refuses_the_holder_the_expiry_and_no_change(counter):
    other = make_office("21002")
    before = snapshot()
    with pytest.raises(DomainError) as refused:
        services.edit_office(user=counter.regulator, office=counter.office, holder_name="دیگری")
    assert "این‌جا نمی‌توان" in refused.value.message
    with pytest.raises(DomainError):
        services.edit_office(user=counter.regulator, office=counter.office,
                             licence_expires_on=format_date(today() + dt.timedelta(days=900)))
    with pytest.raises(DomainError) as refused:
        services.edit_office(user=counter.regulator, office=counter.office, name=counter.office.name)
    assert "تغییر نکرده" in refused.value.message
    with pytest.raises(Conflict):
        services.edit_office(user=counter.regulator, office=other, code="21001")
    assert snapshot() == before


# ---------------------------------------------------------------- licence state


def test_suspend_reinstate_and_revoke(counter):
    office = services.set_licence_state(user=counter.regulator, office=counter.office, state="suspended",
                                        reason="شکایت‌های پرشمار")
    assert office.state == LicenceState.SUSPENDED and "شکایت" in policy.block_reason(office)
    with pytest.raises(NotAllowed) as refused:
        policy.acting_staff(counter.operator)
    assert "تعلیق" in refused.value.message
    office = services.set_licence_state(user=counter.regulator, office=office, state="active")
    assert office.state == LicenceState.ACTIVE and office.state_reason == ""
    office = services.set_licence_state(user=counter.regulator, office=office, state="revoked", reason="تخلف")
    assert office.state == LicenceState.REVOKED
    kinds = list(office.events.filter(kind=OfficeEvent.Kind.STATE).values_list("changes", flat=True))
    assert {"state": ["فعال", "تعلیق"], "state_reason": ["", "شکایت‌های پرشمار"]} in kinds
    assert AuditEntry.objects.filter(action=AuditAction.OFFICE_STATE).count() == 3


@pytest.mark.parametrize("start, target, reason, message", [
    ("active", "suspended", "", "علت"),
    ("active", "revoked", " ", "علت"),
    ("active", "active", "", "هم‌اکنون"),
    ("active", "expired", "", "خودکار"),
    ("active", "closed", "", "گزینه"),
    ("revoked", "active", "", "برگشت‌پذیر"),
    ("revoked", "suspended", "علت", "برگشت‌پذیر"),
    ("expired", "active", "", "تمدید"),
    ("expired", "suspended", "علت", "تمدید"),
])
def test_state_transitions_the_docstring_forbids_are_refused(counter, start, target, reason, message):
    Office.objects.filter(pk=counter.office.pk).update(state=start)
    before = snapshot()
    with pytest.raises(DomainError) as refused:
        services.set_licence_state(user=counter.regulator, office=counter.office, state=target, reason=reason)
    assert message in refused.value.message
    assert snapshot() == before and Office.objects.get(pk=counter.office.pk).state == start


def test_a_suspended_office_past_its_date_is_renewed_before_reinstating(counter):
    Office.objects.filter(pk=counter.office.pk).update(state="suspended",
                                                       licence_expires_on=today() - dt.timedelta(days=1))
    with pytest.raises(Conflict) as refused:
        services.set_licence_state(user=counter.regulator, office=counter.office, state="active")
    assert "تمدید" in refused.value.message
    services.renew_licence(user=counter.regulator, office=counter.office,
                           new_expiry=today() + dt.timedelta(days=365))
    office = Office.objects.get(pk=counter.office.pk)
    assert office.state == LicenceState.SUSPENDED  # a renewal lifts no suspension
    assert services.set_licence_state(user=counter.regulator, office=office, state="active").state == "active"


# ---------------------------------------------------------------- renewal


def test_renewal_fee_is_the_configured_share_of_the_licence_value(counter, settings):
    new_expiry = today() + dt.timedelta(days=700)
    renewal = services.renew_licence(user=counter.regulator, office=counter.office, new_expiry=format_date(new_expiry),
                                     payment_reference="۹۸۷۶۵۴")
    assert renewal.fee_rials == 50_000_000 and renewal.share_percent == 10 and renewal.payment_reference == "987654"
    assert renewal.previous_expiry == today() + dt.timedelta(days=300) and renewal.new_expiry == new_expiry
    office = Office.objects.get(pk=counter.office.pk)
    assert office.licence_expires_on == new_expiry
    event = office.events.get(kind=OfficeEvent.Kind.RENEWED)
    assert event.changes["licence_expires_on"][1] == format_date(new_expiry) and "۵۰٬۰۰۰٬۰۰۰" in event.note
    settings.DABIR_COUNTER_RENEWAL_PERCENT = 7
    assert renewal_fee(123_456_789) == 8_641_975  # 8,641,975.23 rounded to rials
    renewal = services.renew_licence(user=counter.regulator, office=office, new_expiry=new_expiry + dt.timedelta(1),
                                     licence_value_rials="۱۰٬۰۰۰٬۰۰۵")
    assert renewal.fee_rials == 700_000 and renewal.share_percent == 7  # 700,000.35
    assert Office.objects.get(pk=office.pk).licence_value_rials == 10_000_005


def test_renewal_makes_an_expired_office_active(counter):
    Office.objects.filter(pk=counter.office.pk).update(state="expired",
                                                       licence_expires_on=today() - dt.timedelta(days=5))
    services.renew_licence(user=counter.regulator, office=counter.office, new_expiry=today() + dt.timedelta(days=365))
    office = Office.objects.get(pk=counter.office.pk)
    assert office.state == LicenceState.ACTIVE and policy.is_active(office)
    assert office.events.get(kind=OfficeEvent.Kind.RENEWED).changes["state"] == ["منقضی", "فعال"]


@pytest.mark.parametrize("new_expiry, value, field, message", [
    (lambda: today() + dt.timedelta(days=100), None, "new_expiry", "پس از انقضای کنونی"),
    (lambda: "فردا", None, "new_expiry", "تاریخ"),
    (lambda: "", None, "new_expiry", "وارد کنید"),
    (lambda: today() + dt.timedelta(days=700), "-100", "licence_value_rials", "منفی"),
    (lambda: today() + dt.timedelta(days=700), "0", "licence_value_rials", "ارزش پروانه"),
    (lambda: today() + dt.timedelta(days=700), "دوازده", "licence_value_rials", "عدد"),
])
def test_bad_renewals_are_refused_and_nothing_is_written(counter, new_expiry, value, field, message):
    before = snapshot()
    with pytest.raises(DomainError) as refused:
        services.renew_licence(user=counter.regulator, office=counter.office, new_expiry=new_expiry(),
                               licence_value_rials=value)
    assert refused.value.field == field and message in refused.value.message
    assert snapshot() == before


def test_a_revoked_licence_is_not_renewed(counter):
    Office.objects.filter(pk=counter.office.pk).update(state="revoked")
    with pytest.raises(Conflict):
        services.renew_licence(user=counter.regulator, office=counter.office,
                               new_expiry=today() + dt.timedelta(days=900))
    assert not Renewal.objects.exists()


# ---------------------------------------------------------------- holder


def test_the_forced_move_from_a_person_to_a_company(counter):
    company = legal_id()
    office = services.change_holder(user=counter.regulator, office=counter.office, holder_kind="legal",
                                    holder_name="شرکت خدمات پیشخوان کارون", holder_id=company,
                                    reason="الزام انتقال پروانه به شخص حقوقی")
    assert (office.holder_kind, office.holder_id) == ("legal", company)
    event = office.events.get(kind=OfficeEvent.Kind.HOLDER)
    assert event.changes["holder_kind"] == ["شخص حقیقی", "شخص حقوقی"] and "الزام" in event.note
    assert AuditEntry.objects.filter(action=AuditAction.OFFICE_HOLDER).count() == 1


@pytest.mark.parametrize("kind, holder_id, reason, message", [
    ("legal", "1234567891", "انتقال", "۱۱ رقم"),
    ("natural", "1234567890", "انتقال", "کد ملی"),
    ("legal", "LEGALID", "انتقال", "۱۱ رقم"),
    ("legal", None, "", "علت"),
    ("natural", "1234567891", "انتقال", "همان دارنده"),
])
def test_bad_holder_changes_are_refused(counter, kind, holder_id, reason, message):
    before = snapshot()
    name = "رضا دفترداری" if kind == "natural" else "شرکت"
    with pytest.raises(DomainError) as refused:
        services.change_holder(user=counter.regulator, office=counter.office, holder_kind=kind, holder_name=name,
                               holder_id=holder_id if holder_id is not None else legal_id(), reason=reason)
    assert message in refused.value.message
    assert snapshot() == before


# ---------------------------------------------------------------- staff


def test_manager_adds_and_ends_operators_of_their_own_office_only(counter):
    clerk = make_user("new.operator", first_name="نوید", last_name="باجه")
    staff = services.set_staff(user=counter.manager, office=counter.office, account=clerk, role="operator")
    assert staff.office == counter.office and staff.active and policy.acting_staff(clerk).office == counter.office
    event = counter.office.events.filter(kind=OfficeEvent.Kind.STAFF).first()
    assert event.changes["staff"][0] == "" and "کاربر باجه" in event.changes["staff"][1]
    with pytest.raises(NotAllowed):
        services.set_staff(user=counter.manager, office=counter.office, account=make_user("x"), role="manager")
    other = make_office("21009")
    with pytest.raises(NotAllowed):
        services.set_staff(user=counter.manager, office=other, account=make_user("y"), role="operator")
    with pytest.raises(NotAllowed):
        services.set_staff(user=counter.operator, office=counter.office, account=make_user("z"), role="operator")
    manager_staff = Staff.objects.get(user=counter.manager)
    with pytest.raises(NotAllowed):
        services.end_staff(user=counter.manager, staff=manager_staff)
    ended = services.end_staff(user=counter.manager, staff=staff)
    assert not ended.active
    with pytest.raises(NotAllowed):
        policy.acting_staff(clerk)
    with pytest.raises(Conflict):
        services.end_staff(user=counter.manager, staff=staff)
    assert AuditEntry.objects.filter(action=AuditAction.STAFF_SET).count() == 1
    assert AuditEntry.objects.filter(action=AuditAction.STAFF_END).count() == 1


def test_one_office_per_account_and_one_manager_per_office(counter):
    other = make_office("21010")
    before = snapshot()
    with pytest.raises(Conflict) as refused:
        services.set_staff(user=counter.regulator, office=other, account=counter.operator, role="operator")
    assert counter.office.name in refused.value.message
    with pytest.raises(Conflict):
        services.set_staff(user=counter.regulator, office=counter.office, account=make_user("m2"), role="manager")
    with pytest.raises(Conflict):
        services.set_staff(user=counter.regulator, office=counter.office, account=counter.operator, role="operator")
    assert snapshot() == before
    # ended at one office, the account may join another (the same row, moved)
    services.end_staff(user=counter.regulator, staff=Staff.objects.get(user=counter.operator))
    moved = services.set_staff(user=counter.regulator, office=other, account=counter.operator, role="manager")
    assert moved.office == other and moved.role == "manager" and moved.active


def test_citizens_and_inactive_accounts_are_not_staff(counter):
    citizen = make_user("citizen", is_citizen=True)
    gone = make_user("gone", is_active=False)
    for account in (citizen, gone, None):
        with pytest.raises(DomainError):
            services.set_staff(user=counter.regulator, office=counter.office, account=account, role="operator")
    assert not Staff.objects.filter(user__in=[citizen, gone]).exists()


# ---------------------------------------------------------------- the expiry sweep


def test_expire_due_marks_lapsed_active_offices_only(counter):
    lapsed = make_office("21020", licence_expires_on=today() - dt.timedelta(days=1))
    suspended = make_office("21021", licence_expires_on=today() - dt.timedelta(days=1), state="suspended")
    due_today = make_office("21022", licence_expires_on=today())
    assert services.expire_due() == 1
    assert Office.objects.get(pk=lapsed.pk).state == LicenceState.EXPIRED
    assert Office.objects.get(pk=suspended.pk).state == LicenceState.SUSPENDED
    assert Office.objects.get(pk=due_today.pk).state == LicenceState.ACTIVE
    event = OfficeEvent.objects.get(office=lapsed)
    assert event.actor is None and event.changes == {"state": ["فعال", "منقضی"]}
    entry = AuditEntry.objects.get(action=AuditAction.OFFICE_EXPIRE)
    assert entry.actor is None and entry.object_id == str(lapsed.pk)
    assert services.expire_due() == 0  # nothing twice
    assert services.expire_due(on=today() + dt.timedelta(days=1)) == 1  # due_today, seen from tomorrow


def test_dabir_counters_expire_command(counter):
    make_office("21030", licence_expires_on=today() - dt.timedelta(days=3))
    out = io.StringIO()
    call_command("counters", "expire", stdout=out)
    assert out.getvalue().startswith("1 office(s) expired")
    out = io.StringIO()
    call_command("counters", "expire", "--on", format_date(today() + dt.timedelta(days=301), persian=False),
                 stdout=out)
    assert out.getvalue().startswith("1 office(s) expired")  # the fixture's office, 300 days from now
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("counters", "expire", "--on", "فردا")
