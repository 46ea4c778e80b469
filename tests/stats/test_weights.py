"""The index weights: who may set which row (national default, a province's), the form's good and bad
input (Persian messages, typed values kept, nothing saved), the audit entry with before and after, and
the ranking that the new weights change."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from dabir.core.audit import verify as verify_audit
from dabir.core.errors import DomainError, NotAllowed
from dabir.core.models import AuditEntry
from dabir.letters import services as letters
from dabir.stats import aggregate, selectors
from dabir.stats.models import IndexWeights, Level, Supervisor
from dabir.stats.names import AuditAction
from dabir.stats.periods import current
from dabir.stats.services.weights import set_weights
from tests.factories import make_user, make_world, register_incoming

pytestmark = pytest.mark.django_db

URL = "/stats/weights/"
GOOD = {"incoming": "۳۰", "outgoing": "20", "exchange": "۱۵", "signature": "15", "printing": "۱۰",
        "managers": "5", "connected": "۵", "print_cap": "۱٫۵"}


def supervisor(level=Level.PROVINCE, province="خوزستان"):
    user = make_user()
    Supervisor.objects.create(user=user, level=level, province=province, office=make_world().agency)
    return user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_url_and_who_may_open(world):
    assert reverse("stats:weights") == URL
    anonymous = Client().get(URL)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    for user in (world.clerk, world.manager):
        response = client_for(user).get(URL)
        assert response.status_code == 403 and "ناظر" in response.content.decode()
        assert client_for(user).post(URL, GOOD).status_code == 403
    assert not IndexWeights.objects.exists()
    html = client_for(supervisor()).get(URL).content.decode()
    assert "وزن‌های استان خوزستان" in html and "وزن‌های پیش‌فرض کشوری نشان داده شده" in html
    assert 'value="۲۰"' in html  # the built-in defaults shown


def test_a_province_supervisor_saves_their_provinces_row_with_an_audit_entry(world):
    user = supervisor()
    response = client_for(user).post(URL, GOOD)
    assert response.status_code == 302
    row = IndexWeights.objects.get()
    assert row.province == "خوزستان" and row.updated_by == user
    assert row.as_dict() == {"incoming": 30, "outgoing": 20, "exchange": 15, "signature": 15, "printing": 10,
                             "managers": 5, "connected": 5}
    assert row.print_cap == Decimal("1.5")
    entry = AuditEntry.objects.get(action=AuditAction.WEIGHTS_SET)
    assert entry.actor == user and entry.data["before"] is None
    assert entry.data["after"]["incoming"] == 30 and entry.data["after"]["print_cap"] == "1.5"
    # A second change records the first as its «before»; the page shows the saved values.
    client_for(user).post(URL, {**GOOD, "incoming": "40"})
    last = AuditEntry.objects.filter(action=AuditAction.WEIGHTS_SET).order_by("-id").first()
    assert last.data["before"]["incoming"] == 30 and last.data["after"]["incoming"] == 40
    html = client_for(user).get(URL).content.decode()
    assert 'value="۴۰"' in html and 'value="۱٫۵"' in html
    assert verify_audit().ok


def test_national_supervisor_and_superuser_set_the_default_row(world):
    client_for(supervisor(Level.NATIONAL, "")).post(URL, GOOD)
    assert IndexWeights.objects.get().province == ""
    admin = make_user(is_superuser=True, is_staff=True)
    assert client_for(admin).post(URL, {**GOOD, "connected": "0"}).status_code == 302
    assert IndexWeights.objects.get().connected == 0


@pytest.mark.parametrize(("field", "value", "message"), [
    ("incoming", "۱۵۰", "بیش از ۱۰۰"),
    ("outgoing", "abc", "عددی درست از ۰ تا ۱۰۰"),
    ("exchange", "-5", "عددی درست از ۰ تا ۱۰۰"),
    ("signature", "2.5", "عددی درست از ۰ تا ۱۰۰"),
    ("printing", "", "را وارد کنید"),
    ("print_cap", "۰٫۱", "از ۰٫۵ تا ۲۰"),
    ("print_cap", "۲۵", "از ۰٫۵ تا ۲۰"),
    ("print_cap", "دو", "باید عدد باشد"),
    ("print_cap", "1.555", "دو رقم اعشار"),
])
def test_bad_input_is_refused_in_persian_keeping_the_typed_values(world, field, value, message):
    response = client_for(supervisor()).post(URL, {**GOOD, field: value})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and "چیزی ذخیره نشد" in html
    for name, typed in {**GOOD, field: value}.items():  # every typed value is still there
        assert re.search(f'name="{name}"\\s+value="{re.escape(typed)}"', html), name
    assert not IndexWeights.objects.exists() and not AuditEntry.objects.filter(action=AuditAction.WEIGHTS_SET).exists()


def test_all_zero_weights_are_refused(world):
    zeros = {**GOOD, **{k: "0" for k in IndexWeights.COMPONENTS}}
    response = client_for(supervisor()).post(URL, zeros)
    assert response.status_code == 400 and "دست‌کم یکی از وزن‌ها" in response.content.decode()
    assert not IndexWeights.objects.exists()


def test_the_service_checks_the_province_and_the_values(world):
    user = supervisor()
    values = {k: 10 for k in IndexWeights.COMPONENTS}
    with pytest.raises(NotAllowed):
        set_weights(user=user, province="تهران", print_cap="2", **values)
    with pytest.raises(NotAllowed):
        set_weights(user=user, province="", print_cap="2", **values)
    with pytest.raises(NotAllowed):
        set_weights(user=world.manager, province="خوزستان", print_cap="2", **values)
    with pytest.raises(DomainError) as bad:
        set_weights(user=user, province="خوزستان", print_cap="2", **{**values, "managers": 101})
    assert bad.value.field == "managers"
    row = set_weights(user=user, province="خوزستان", print_cap=Decimal("2.5"), **values)
    assert row.print_cap == Decimal("2.5") and row.as_dict() == values


def test_the_weights_change_the_index_and_the_ranking(world):
    paperless = world  # every letter by e-mail, but printed heavily
    printed = register_incoming(paperless, subject="نامه الکترونیکی", channel="email")
    letters.record_print(user=paperless.clerk, letter=printed, copies=10)
    paper = make_world("اداره کاغذی")  # every letter by post, never printed
    register_incoming(paper, subject="نامه کاغذی", channel="post")
    aggregate.refresh()
    user = supervisor()
    agencies = [paperless.agency, paper.agency]
    only = {k: 0 for k in IndexWeights.COMPONENTS}

    set_weights(user=user, province="خوزستان", print_cap="2", **{**only, "incoming": 100})
    ranked = selectors.ranking(agencies, current())
    assert [r.agency for r in ranked] == [paperless.agency, paper.agency]
    assert [r.index for r in ranked] == [100.0, 0.0]

    set_weights(user=user, province="خوزستان", print_cap="2", **{**only, "printing": 100})
    ranked = selectors.ranking(agencies, current())
    assert [r.agency for r in ranked] == [paper.agency, paperless.agency]
    assert ranked[0].index == 100.0 and ranked[1].index == 0.0
    assert ranked[1].lost == {"printing": 100.0}
    # The page's top five follow the saved weights too.
    html = client_for(user).get(URL).content.decode()
    assert html.index(paper.agency.name) < html.index(paperless.agency.name)
