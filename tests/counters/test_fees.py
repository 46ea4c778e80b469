"""Fee schedules against the real database: a year's draft copied by an inflation percentage and rounded
up to 1,000 rials, the draft's fees, approval, and an approved schedule that nothing changes — not the
services, not a direct save or delete (the admin's path), not a fee row added behind its back. The fee in
force on a day when two years are approved. The pages: the regulator's list, the whole-table edit form,
the review-then-approve step, the staff's read-only view."""

import datetime as dt
from decimal import Decimal

import jdatetime
import pytest
from django.db import transaction
from django.urls import reverse

from dabir.core.audit import verify
from dabir.core.errors import Conflict, DomainError, NotAllowed, NotFound
from dabir.core.models import AuditEntry
from dabir.counters import selectors, services
from dabir.counters.models import CounterService, Fee, FeeSchedule
from dabir.counters.names import AuditAction
from dabir.counters.services.fees import raised
from dabir.desk import services as desk_services
from tests.desk.test_services import definition
from tests.factories import make_user

from .conftest import make_staff

pytestmark = pytest.mark.django_db


def another_service(world, code="certificate-x", title="گواهی پایان کار", outsourceable=True, fees=None):
    extra = {"fees": fees} if fees else {}
    version = desk_services.publish_service(user=None, definition=definition(world, code=code, title=title, **extra))
    CounterService.objects.create(service=version.service, outsourceable=outsourceable, offered=outsourceable)
    return version.service


def this_year() -> int:
    return jdatetime.date.today().year


def schedule_count() -> int:
    return FeeSchedule.objects.count()


# ---------------------------------------------------------------- rounding


@pytest.mark.parametrize("old, percent, new", [
    (25_000, "0", 25_000),           # a multiple of 1,000 by 0 % stays
    (25_000, "30", 33_000),          # 32,500 → up to 33,000
    (10_000, "25", 13_000),          # 12,500 → 13,000
    (12_000, "25", 15_000),          # exact: 15,000
    (999, "0", 1_000),               # an odd old fee is rounded up too
    (0, "50", 0),
    (33_333, "33.33", 45_000),       # 44,443.88… → 45,000
    (100_000, "200", 300_000),
])
def test_raised_rounds_up_to_a_thousand_rials(old, percent, new):
    assert raised(old, Decimal(percent)) == new


# ---------------------------------------------------------------- drafting


def test_new_years_draft_copies_the_last_by_inflation_rounded_up(counter):
    other = another_service(counter.world)
    Fee.objects.create(schedule=counter.schedule, service=other, counter_fee_rials=41_500)
    next_year = counter.schedule.year + 1
    draft = services.draft_schedule(user=counter.regulator, year="۱" + str(next_year)[1:], from_schedule=counter.schedule,
                                    inflation_percent="۳۰", note="افزایش سالانه")
    assert draft.year == next_year and draft.state == FeeSchedule.State.DRAFT and draft.based_on == counter.schedule
    assert draft.inflation_percent == Decimal("30.00") and draft.created_by == counter.regulator
    fees = dict(Fee.objects.filter(schedule=draft).values_list("service_id", "counter_fee_rials"))
    # 25,000 × 1.3 = 32,500 → 33,000; 41,500 × 1.3 = 53,950 → 54,000; the letter fee 15,000 → 19,500 → 20,000
    assert fees == {counter.service.pk: 33_000, other.pk: 54_000}
    assert draft.letter_fee_rials == 20_000
    # the source is untouched
    assert dict(Fee.objects.filter(schedule=counter.schedule).values_list("service_id", "counter_fee_rials")) == {
        counter.service.pk: 25_000, other.pk: 41_500}
    entry = AuditEntry.objects.get(action=AuditAction.SCHEDULE_DRAFT)
    assert entry.data["copied"] == 2 and entry.data["inflation_percent"] == "30.00"
    assert verify().ok


def test_copy_leaves_out_services_no_longer_outsourceable_and_takes_a_given_letter_fee(counter):
    other = another_service(counter.world)
    Fee.objects.create(schedule=counter.schedule, service=other, counter_fee_rials=40_000)
    CounterService.objects.filter(service=other).update(offered=False, outsourceable=False)
    draft = services.draft_schedule(user=counter.regulator, year=counter.schedule.year + 1,
                                    from_schedule=counter.schedule, inflation_percent="10", letter_fee_rials="۱۸٬۰۰۰")
    assert list(Fee.objects.filter(schedule=draft).values_list("service_id", "counter_fee_rials")) == [
        (counter.service.pk, 28_000)]  # 27,500 → 28,000
    assert draft.letter_fee_rials == 18_000


def test_empty_draft(counter):
    draft = services.draft_schedule(user=counter.regulator, year=counter.schedule.year + 1)
    assert draft.based_on is None and draft.inflation_percent is None and draft.letter_fee_rials == 0
    assert not Fee.objects.filter(schedule=draft).exists()


@pytest.mark.parametrize("kwargs, message", [
    ({"inflation_percent": "-5"}, "میان ۰ و ۲۰۰"),
    ({"inflation_percent": "200.5"}, "میان ۰ و ۲۰۰"),
    ({"inflation_percent": "بیست"}, "عدد"),
    ({"inflation_percent": "12.345"}, "دو رقم اعشار"),
    ({"inflation_percent": "NaN"}, "عدد"),
    ({"letter_fee_rials": "-1000"}, "منفی"),
    ({"letter_fee_rials": "12.5"}, "بدون اعشار"),
    ({"year": "abc"}, "چهار رقمی"),
    ({"year": "1200"}, "میان"),
])
def test_bad_draft_input_writes_nothing(counter, kwargs, message):
    args = {"user": counter.regulator, "year": counter.schedule.year + 1, "from_schedule": counter.schedule,
            "inflation_percent": "10", **kwargs}
    before = schedule_count()
    with pytest.raises(DomainError) as refused:
        services.draft_schedule(**args)
    assert message in refused.value.message
    assert schedule_count() == before and not AuditEntry.objects.filter(action=AuditAction.SCHEDULE_DRAFT).exists()


def test_a_year_is_drafted_once_and_only_by_a_regulator(counter):
    with pytest.raises(Conflict) as taken:
        services.draft_schedule(user=counter.regulator, year=counter.schedule.year)
    assert "پیش‌تر ساخته شده" in taken.value.message
    for user in (counter.manager, counter.operator, make_user("nobody")):
        with pytest.raises(NotAllowed) as refused:
            services.draft_schedule(user=user, year=counter.schedule.year + 1)
        assert "ناظر" in refused.value.message
    with pytest.raises(DomainError):  # inflation without a schedule to raise
        services.draft_schedule(user=counter.regulator, year=counter.schedule.year + 1, inflation_percent="10")
    with pytest.raises(DomainError):  # a base from a later year
        services.draft_schedule(user=counter.regulator, year=counter.schedule.year - 1, from_schedule=counter.schedule)
    with pytest.raises(NotFound):
        services.draft_schedule(user=counter.regulator, year=counter.schedule.year + 1, from_schedule=999_999)
    assert schedule_count() == 1


# ---------------------------------------------------------------- a draft's fees


def test_set_and_remove_fees_of_a_draft(counter):
    draft = services.draft_schedule(user=counter.regulator, year=counter.schedule.year + 1)
    fee = services.set_fee(user=counter.regulator, schedule=draft, service=counter.service, counter_fee_rials="۳۰٬۰۰۰")
    assert fee.counter_fee_rials == 30_000
    services.set_fee(user=counter.regulator, schedule=draft, service=counter.service, counter_fee_rials=0)
    assert Fee.objects.get(schedule=draft).counter_fee_rials == 0
    services.remove_fee(user=counter.regulator, schedule=draft, service=counter.service)
    assert not Fee.objects.filter(schedule=draft).exists()
    with pytest.raises(NotFound):
        services.remove_fee(user=counter.regulator, schedule=draft, service=counter.service)
    assert AuditEntry.objects.filter(action=AuditAction.SCHEDULE_EDIT).count() == 3


@pytest.mark.parametrize("value, message", [
    ("-5000", "منفی"), (-5000, "منفی"), ("12.5", "بدون اعشار"), ("سی هزار", "بدون اعشار"), ("", "وارد کنید"),
    (True, "عدد"), ("1" * 20, "بزرگ"),
])
def test_bad_fee_writes_nothing(counter, value, message):
    draft = services.draft_schedule(user=counter.regulator, year=counter.schedule.year + 1)
    with pytest.raises(DomainError) as refused:
        services.set_fee(user=counter.regulator, schedule=draft, service=counter.service, counter_fee_rials=value)
    assert message in refused.value.message
    assert not Fee.objects.filter(schedule=draft).exists()


def test_a_fee_only_for_an_outsourceable_service_and_only_by_a_regulator(counter):
    draft = services.draft_schedule(user=counter.regulator, year=counter.schedule.year + 1)
    kept = another_service(counter.world, outsourceable=False)
    with pytest.raises(DomainError) as refused:
        services.set_fee(user=counter.regulator, schedule=draft, service=kept, counter_fee_rials=10_000)
    assert "قابل واگذاری" in refused.value.message
    with pytest.raises(NotAllowed):
        services.set_fee(user=counter.manager, schedule=draft, service=counter.service, counter_fee_rials=10_000)
    with pytest.raises(DomainError):  # the whole table: one bad value writes nothing at all
        services.set_fees(user=counter.regulator, schedule=draft, fees={counter.service.pk: "20000", kept.pk: "5"})
    with pytest.raises(DomainError) as bad:
        services.set_fees(user=counter.regulator, schedule=draft, fees={counter.service.pk: "-1"})
    assert bad.value.field == f"fee_{counter.service.pk}"
    assert not Fee.objects.filter(schedule=draft).exists()


def test_whole_table_at_once(counter):
    other = another_service(counter.world)
    draft = services.draft_schedule(user=counter.regulator, year=counter.schedule.year + 1,
                                    from_schedule=counter.schedule, inflation_percent="0")
    services.set_fees(user=counter.regulator, schedule=draft, fees={counter.service.pk: "", other: "۴۵۰۰۰"},
                      letter_fee_rials="20000", note="بازبینی")
    draft.refresh_from_db()
    assert list(Fee.objects.filter(schedule=draft).values_list("service_id", "counter_fee_rials")) == [(other.pk, 45_000)]
    assert (draft.letter_fee_rials, draft.note) == (20_000, "بازبینی")
    entry = AuditEntry.objects.filter(action=AuditAction.SCHEDULE_EDIT).latest("id")
    assert entry.data["changes"] == {counter.service.code: [25_000, None], other.code: [None, 45_000]}


# ---------------------------------------------------------------- approval and immutability


def approved_next(counter, fee="30000"):
    draft = services.draft_schedule(user=counter.regulator, year=counter.schedule.year + 1)
    services.set_fee(user=counter.regulator, schedule=draft, service=counter.service, counter_fee_rials=fee)
    return services.approve_schedule(user=counter.regulator, schedule=draft)


def test_approve(counter):
    with pytest.raises(NotAllowed):
        services.approve_schedule(user=counter.operator,
                                  schedule=services.draft_schedule(user=counter.regulator, year=counter.schedule.year + 1))
    draft = FeeSchedule.objects.get(year=counter.schedule.year + 1)
    assert draft.state == FeeSchedule.State.DRAFT
    services.set_fee(user=counter.regulator, schedule=draft, service=counter.service, counter_fee_rials=30_000)
    approved = services.approve_schedule(user=counter.regulator, schedule=draft)
    assert approved.state == FeeSchedule.State.APPROVED and approved.approved_by == counter.regulator
    assert approved.approved_at is not None
    entry = AuditEntry.objects.get(action=AuditAction.SCHEDULE_APPROVE)
    assert entry.data["fees"] == {counter.service.code: 30_000}


def test_an_approved_schedule_is_refused_by_every_service(counter):
    approved = approved_next(counter)
    other = another_service(counter.world)
    attempts = [
        lambda: services.set_fee(user=counter.regulator, schedule=approved, service=counter.service,
                                 counter_fee_rials=1),
        lambda: services.set_fee(user=counter.regulator, schedule=approved, service=other, counter_fee_rials=1),
        lambda: services.remove_fee(user=counter.regulator, schedule=approved, service=counter.service),
        lambda: services.set_fees(user=counter.regulator, schedule=approved, fees={counter.service.pk: "1"},
                                  letter_fee_rials="1"),
        lambda: services.approve_schedule(user=counter.regulator, schedule=approved),
    ]
    for attempt in attempts:
        with pytest.raises(Conflict) as refused:
            attempt()
        assert "تصویب شده است و دیگر تغییر نمی‌کند" in refused.value.message
    approved.refresh_from_db()
    assert list(Fee.objects.filter(schedule=approved).values_list("service_id", "counter_fee_rials")) == [
        (counter.service.pk, 30_000)]
    assert approved.letter_fee_rials == 0


def test_direct_saves_and_deletes_of_an_approved_schedule_are_refused(counter):
    """The admin's path (and any other code): a save or delete of an approved schedule's rows."""
    approved = approved_next(counter)
    fee = Fee.objects.get(schedule=approved)
    other = another_service(counter.world)
    schedule = FeeSchedule.objects.get(pk=approved.pk)
    schedule.letter_fee_rials = 1
    attempts = [
        schedule.save,
        schedule.delete,
        lambda: (setattr(fee, "counter_fee_rials", 1), fee.save()),
        fee.delete,
        lambda: Fee.objects.create(schedule=approved, service=other, counter_fee_rials=1),
        # a draft's fee moved into the approved schedule, or an approved one's fee moved out
        lambda: Fee.objects.filter(schedule=counter.schedule).first().__class__(
            pk=fee.pk, schedule=counter.schedule, service=counter.service, counter_fee_rials=5).save(),
        # the schedule made a draft again by a direct save
        lambda: (setattr(schedule, "state", FeeSchedule.State.DRAFT), schedule.save()),
    ]
    for attempt in attempts:
        with pytest.raises(Conflict) as refused, transaction.atomic():  # a savepoint, as a request's would be
            attempt()
        assert "تصویب شده" in refused.value.message
    stored = FeeSchedule.objects.get(pk=approved.pk)
    assert (stored.state, stored.letter_fee_rials) == (FeeSchedule.State.APPROVED, 0)
    assert list(Fee.objects.filter(schedule=approved).values_list("service_id", "counter_fee_rials")) == [
        (counter.service.pk, 30_000)]


def test_the_guard_is_a_signal_receiver_and_leaves_drafts_alone(counter):
    from django.db.models.signals import pre_delete, pre_save

    from dabir.counters import fee_guard

    uids = {entry[0][0] for entry in pre_save.receivers} | {entry[0][0] for entry in pre_delete.receivers}
    assert {"counters.fee_guard.schedule_save", "counters.fee_guard.schedule_delete", "counters.fee_guard.fee_save",
            "counters.fee_guard.fee_delete"} <= uids
    approved = approved_next(counter)
    with pytest.raises(Conflict):  # the receiver itself, as the signal calls it
        fee_guard.guard_schedule_save(FeeSchedule, instance=approved)
    draft = services.draft_schedule(user=counter.regulator, year=counter.schedule.year + 2)
    draft.note = "ویرایش مستقیم پیش‌نویس"
    draft.save()
    fee = Fee.objects.create(schedule=draft, service=counter.service, counter_fee_rials=1_000)
    fee.counter_fee_rials = 2_000
    fee.save()
    fee.delete()
    draft.delete()
    assert not FeeSchedule.objects.filter(year=counter.schedule.year + 2).exists()


# ---------------------------------------------------------------- the fee in force


def test_fee_in_force_on_a_day_when_two_years_exist(counter):
    year = counter.schedule.year
    this_year_day = jdatetime.date(year, 6, 1).togregorian()
    next_year_day = jdatetime.date(year + 1, 1, 1).togregorian()
    before_any = jdatetime.date(year - 1, 12, 29).togregorian()
    draft = services.draft_schedule(user=counter.regulator, year=year + 1, from_schedule=counter.schedule,
                                    inflation_percent="20")
    # a draft is never in force
    assert selectors.quote(counter.service, next_year_day).counter_fee_rials == 25_000
    services.approve_schedule(user=counter.regulator, schedule=draft)
    assert selectors.quote(counter.service, this_year_day).counter_fee_rials == 25_000
    assert selectors.quote(counter.service, next_year_day).counter_fee_rials == 30_000
    assert selectors.quote(counter.service, next_year_day + dt.timedelta(days=400)).schedule == draft
    assert selectors.quote(counter.service, before_any).schedule is None
    assert selectors.quote(counter.service, before_any).counter_fee_rials == 0
    assert selectors.letter_quote(next_year_day).counter_fee_rials == 18_000  # 15,000 × 1.2


# ---------------------------------------------------------------- pages


def test_pages_need_a_sign_in_and_the_right_role(client, counter):
    url = reverse("counters:fees")
    assert client.get(url).status_code == 302
    client.force_login(make_user("stranger"))
    assert client.get(url).status_code == 403
    assert client.get(reverse("counters:fee_schedule", args=[counter.schedule.year])).status_code == 403


def test_regulator_list_and_schedule_page(client, counter):
    draft = services.draft_schedule(user=counter.regulator, year=counter.schedule.year + 1,
                                    from_schedule=counter.schedule, inflation_percent="30")
    client.force_login(counter.regulator)
    page = client.get(reverse("counters:fees")).content.decode()
    assert "پیش‌نویس" in page and "مصوب" in page
    from dabir.core.text import to_persian_digits

    assert to_persian_digits(draft.year) in page
    page = client.get(reverse("counters:fee_schedule", args=[draft.year])).content.decode()
    # the draft beside last year's fee, and the change
    assert "۳۳٬۰۰۰" in page and "۲۵٬۰۰۰" in page and "۳۲" in page  # +32 %
    assert counter.service.title in page and counter.world.agency.name in page
    assert client.get(reverse("counters:fee_schedule", args=[1300])).status_code == 404


def test_edit_page_one_form_for_the_whole_table(client, counter):
    draft = services.draft_schedule(user=counter.regulator, year=counter.schedule.year + 1,
                                    from_schedule=counter.schedule, inflation_percent="0")
    client.force_login(counter.regulator)
    url = reverse("counters:fee_edit", args=[draft.year])
    page = client.get(url)
    assert page.status_code == 200 and f'name="fee_{counter.service.pk}"' in page.content.decode()
    bad = client.post(url, {f"fee_{counter.service.pk}": "-۵۰۰", "letter_fee_rials": "۱۵۰۰۰"})
    assert bad.status_code == 400 and "منفی" in bad.content.decode()
    assert Fee.objects.get(schedule=draft).counter_fee_rials == 25_000
    good = client.post(url, {f"fee_{counter.service.pk}": "۲۹٬۰۰۰", "letter_fee_rials": "۱۶۰۰۰", "note": "بازبینی"})
    assert good.status_code == 302
    assert Fee.objects.get(schedule=draft).counter_fee_rials == 29_000
    assert FeeSchedule.objects.get(pk=draft.pk).letter_fee_rials == 16_000


def test_new_draft_page_and_approval_with_a_confirmation_step(client, counter):
    client.force_login(counter.regulator)
    year = counter.schedule.year + 1
    bad = client.post(reverse("counters:fee_new"), {"year": str(year), "from_schedule": counter.schedule.pk,
                                                    "inflation_percent": "۲۵۰"})
    assert bad.status_code == 400 and "میان ۰ و ۲۰۰" in bad.content.decode() and schedule_count() == 1
    made = client.post(reverse("counters:fee_new"), {"year": "۱" + str(year)[1:], "from_schedule": counter.schedule.pk,
                                                     "inflation_percent": "۱۰"})
    assert made.status_code == 302
    draft = FeeSchedule.objects.get(year=year)
    assert Fee.objects.get(schedule=draft).counter_fee_rials == 28_000
    url = reverse("counters:fee_approve", args=[year])
    review = client.get(url).content.decode()
    assert "۲۸٬۰۰۰" in review and "تصویب" in review
    unconfirmed = client.post(url, {})
    assert unconfirmed.status_code == 400 and FeeSchedule.objects.get(pk=draft.pk).state == FeeSchedule.State.DRAFT
    assert client.post(url, {"confirm": "1"}).status_code == 302
    assert FeeSchedule.objects.get(pk=draft.pk).state == FeeSchedule.State.APPROVED
    # afterwards the edit page and the approval refuse, in Persian, and nothing changes
    again = client.post(reverse("counters:fee_edit", args=[year]), {f"fee_{counter.service.pk}": "1"})
    assert again.status_code == 409 and "تصویب شده" in again.content.decode()
    assert Fee.objects.get(schedule=draft).counter_fee_rials == 28_000


def test_staff_see_the_schedule_in_force_read_only(client, counter):
    draft = services.draft_schedule(user=counter.regulator, year=counter.schedule.year + 1)
    make_staff(counter.office, "second.operator")
    client.force_login(counter.operator)
    page = client.get(reverse("counters:fees"))
    assert page.status_code == 302 and page["Location"].endswith(
        reverse("counters:fee_schedule", args=[counter.schedule.year]))
    shown = client.get(page["Location"]).content.decode()
    assert "۲۵٬۰۰۰" in shown and reverse("counters:fee_edit", args=[counter.schedule.year]) not in shown
    assert client.get(reverse("counters:fee_schedule", args=[draft.year])).status_code == 404
    assert client.get(reverse("counters:fee_edit", args=[draft.year])).status_code == 403
    assert client.post(reverse("counters:fee_approve", args=[draft.year]), {"confirm": "1"}).status_code == 403
    assert FeeSchedule.objects.get(pk=draft.pk).state == FeeSchedule.State.DRAFT
