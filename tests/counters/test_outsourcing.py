"""Agencies' outsourcing declarations: only the agency's admins declare; offered needs outsourceable;
chosen offices only when not every office; the desk's counter gate follows the declaration at once;
the registry's per-agency figures count what was declared."""

import pytest

from dabir.core.errors import DomainError, NotAllowed, NotFound
from dabir.core.models import AuditEntry
from dabir.counters import policy, selectors, services
from dabir.counters.models import CounterService
from dabir.counters.names import AuditAction
from dabir.orgs.services import make_agency_admin
from tests.factories import make_user

from .conftest import make_office

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(counter):
    user = make_user("agency.boss")
    make_agency_admin(actor=None, user=user, agency=counter.world.agency)
    return user


def declared(counter) -> tuple:
    row = CounterService.objects.get(service=counter.service)
    return row.outsourceable, row.offered, row.all_offices, sorted(row.offices.values_list("code", flat=True))


def test_agency_admin_offers_a_service_at_chosen_offices_only(counter, boss):
    chosen = make_office("21040", name="دفتر برگزیده")
    row = services.declare_service(user=boss, service=counter.service, outsourceable=True, offered=True,
                                   all_offices=False, offices=[chosen.pk])
    assert declared(counter) == (True, True, False, ["21040"]) and row.updated_by == boss
    assert policy.offered_at(counter.service, chosen) and not policy.offered_at(counter.service, counter.office)
    with pytest.raises(DomainError) as refused:
        policy.counter_gate(operator=counter.operator, service=counter.service)
    assert "واگذار نشده" in refused.value.message
    entry = AuditEntry.objects.get(action=AuditAction.SERVICE_DECLARE)
    assert entry.data["offices"] == ["21040"] and entry.data["before"]["all_offices"] is True


def test_withdrawing_a_service_stops_the_counters_at_once(counter, boss):
    services.declare_service(user=boss, service=counter.service, outsourceable=True, offered=False,
                             all_offices=True)
    assert not policy.offered_at(counter.service, counter.office)
    services.declare_service(user=boss, service=counter.service, outsourceable="on", offered="on",
                             all_offices="on")
    assert policy.offered_at(counter.service, counter.office)


def test_a_first_declaration_creates_the_row(counter, boss):
    CounterService.objects.all().delete()
    services.declare_service(user=boss, service=counter.service.pk, outsourceable=True, offered=False,
                             all_offices=True)
    assert declared(counter) == (True, False, True, [])


@pytest.mark.parametrize("kwargs, field, message", [
    (dict(outsourceable=False, offered=True, all_offices=True), "offered", "قابل واگذاری"),
    (dict(outsourceable=True, offered=True, all_offices=True, offices=["OFFICE"]), "offices", "نامعتبر"),
    (dict(outsourceable=True, offered=True, all_offices=True, offices="OTHER"), "offices", "همه دفاتر"),
    (dict(outsourceable=True, offered=True, all_offices=False, offices=[]), "offices", "دست‌کم یک دفتر"),
    (dict(outsourceable=True, offered=True, all_offices=False, offices=[999999]), "offices", "در فهرست دفاتر نیست"),
    (dict(outsourceable=True, offered=True, all_offices=False, offices="REVOKED"), "offices", "لغو شده"),
])
def test_bad_declarations_are_refused_and_nothing_changes(counter, boss, kwargs, field, message):
    other = make_office("21041")
    revoked = make_office("21042", state="revoked")
    if kwargs.get("offices") == "OTHER":
        kwargs = {**kwargs, "offices": [other.pk]}
    if kwargs.get("offices") == "REVOKED":
        kwargs = {**kwargs, "offices": [revoked.pk]}
    before = declared(counter), AuditEntry.objects.count()
    with pytest.raises(DomainError) as refused:
        services.declare_service(user=boss, service=counter.service, **kwargs)
    assert refused.value.field == field and message in refused.value.message
    assert (declared(counter), AuditEntry.objects.count()) == before


def test_only_the_agencys_admins_declare(counter, boss):
    from tests.factories import make_world

    stranger_world = make_world("دستگاه دیگر")
    stranger = make_user("other.boss")
    make_agency_admin(actor=None, user=stranger, agency=stranger_world.agency)
    before = declared(counter)
    for someone in (stranger, counter.regulator, counter.manager, counter.operator):
        with pytest.raises(NotAllowed):
            services.declare_service(user=someone, service=counter.service, outsourceable=False, offered=False,
                                     all_offices=True)
    with pytest.raises(NotFound):
        services.declare_service(user=boss, service=987654, outsourceable=False, offered=False, all_offices=True)
    assert declared(counter) == before


def test_summary_counts_services_outsourceable_and_offered_per_agency(counter, boss):
    from dabir.desk.models import Service

    # two more services of the agency: one declared outsourceable but not offered, one not declared
    extra = []
    for n in (1, 2):
        extra.append(Service.objects.create(agency=counter.world.agency, code=f"extra-{n}", title=f"خدمت دیگر {n}"))
    services.declare_service(user=boss, service=extra[0], outsourceable=True, offered=False, all_offices=True)
    Service.objects.create(agency=counter.world.agency, code="old", title="خدمت کنارگذاشته", active=False)
    rows = selectors.outsourcing_summary(counter.regulator)
    row = next(r for r in rows if r.agency == counter.world.agency)
    assert (row.services, row.outsourceable, row.offered, row.withheld) == (3, 2, 1, 1)
    assert [r.agency for r in selectors.outsourcing_summary(boss)] == [counter.world.agency]
    assert selectors.outsourcing_summary(counter.operator) == []
