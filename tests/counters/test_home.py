"""Where counter accounts land after signing in, and the «پیشخوان» menu and home page by role."""

import pytest
from django.urls import reverse

from dabir.counters.models import Staff

pytestmark = pytest.mark.django_db


def sign_in(client, user, **extra):
    user.set_password("pass-1405")
    user.save()
    return client.post(reverse("login"), {"username": user.username, "password": "pass-1405", **extra})


def test_an_operator_lands_at_the_desk_and_a_regulator_at_the_counters_home(client, counter):
    assert sign_in(client, counter.operator)["Location"] == reverse("counters:desk")
    client.logout()
    assert sign_in(client, counter.regulator)["Location"] == reverse("counters:home")
    client.logout()
    assert sign_in(client, counter.manager)["Location"] == reverse("counters:home")


def test_staff_with_a_position_keep_their_dashboard_and_a_page_asked_for_wins(client, counter):
    assert sign_in(client, counter.world.clerk)["Location"] == reverse("home")
    client.logout()
    asked = reverse("counters:fees")
    assert sign_in(client, counter.operator, next=asked)["Location"] == asked
    client.logout()
    # the dashboard asked for (the root's own redirect to sign in) is no preference
    assert sign_in(client, counter.operator, next=reverse("home"))["Location"] == reverse("counters:desk")


def test_the_menu_and_home_show_each_role_its_own_links(client, counter):
    client.force_login(counter.operator)
    html = client.get(reverse("counters:home")).content.decode()
    assert 'id="nav-counters"' in html and reverse("counters:desk") in html
    assert reverse("counters:registry") not in html
    client.force_login(counter.regulator)
    html = client.get(reverse("counters:home")).content.decode()
    assert reverse("counters:registry") in html and reverse("counters:desk") not in html


def test_a_suspended_offices_staff_see_why_on_their_home(client, counter):
    counter.office.state = "suspended"
    counter.office.state_reason = "بازرسی دوره‌ای"
    counter.office.save()
    client.force_login(counter.manager)
    html = client.get(reverse("counters:home")).content.decode()
    assert 'id="office-blocked"' in html and "بازرسی دوره‌ای" in html


def test_someone_with_no_counter_role_sees_no_menu(client, counter):
    client.force_login(counter.world.expert)
    html = client.get(reverse("inbox")).content.decode()
    assert 'id="nav-counters"' not in html
    assert not Staff.objects.filter(user=counter.world.expert).exists()


def test_an_operator_sees_no_inbox_links_a_clerk_does(client, counter):
    client.force_login(counter.operator)
    html = client.get(reverse("counters:desk")).content.decode()
    assert reverse("compose") not in html and 'id="nav-counters"' in html
    client.force_login(counter.world.clerk)
    html = client.get(reverse("inbox")).content.decode()
    assert reverse("compose") in html
