"""The navbar's counts (issue 13): unread referrals of the current seat on «کارتابل», and for clerks the
signed letters waiting in their secretariats' queue on «صف ثبت»; one COUNT each, nothing at zero."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dabir.core.jalali import persian
from dabir.letters import selectors, services
from dabir.letters.models import Referral

from ..factories import make_signed, make_world, register_incoming

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def badge(page: str, element_id: str) -> str | None:
    match = re.search(rf'id="{element_id}">([^<]*)<span class="visually-hidden">', page)
    return match.group(1) if match else None


def test_the_inbox_link_counts_the_current_seats_unread_referrals(world):
    for i in range(3):
        register_incoming(world, subject=f"نامه {i}", refer_to=[services.ReferralSpec(world.manager_pos.id)])
    register_incoming(world, refer_to=[services.ReferralSpec(world.expert_pos.id)])  # someone else's
    manager = login(world.manager)
    page = manager.get(reverse("search")).content.decode()
    assert badge(page, "nav-inbox-count") == persian(3) == "۳"
    assert "ارجاع خوانده‌نشده" in page
    # opening one marks it read: the count follows the database
    first = Referral.objects.filter(to_position=world.manager_pos).first()
    services.mark_read(user=world.manager, seat=world.seat(world.manager_pos), referral=first)
    assert badge(manager.get(reverse("search")).content.decode(), "nav-inbox-count") == "۲"
    unread = Referral.objects.filter(to_position=world.manager_pos, status="unread").count()
    assert unread == 2


def test_no_badge_at_zero_and_none_for_the_queue_of_a_non_clerk(world):
    page = login(world.other).get(reverse("inbox")).content.decode()
    assert 'id="nav-inbox-count"' not in page
    assert 'id="nav-queue-count"' not in page and reverse("to_register") not in page


def test_the_queue_link_counts_what_the_queue_page_lists(world):
    make_signed(world, subject="نامه امضاشده یک")
    make_signed(world, subject="نامه امضاشده دو")
    other = make_world("دستگاه دیگر")
    make_signed(other)  # another secretariat's queue
    clerk = login(world.clerk)
    page = clerk.get(reverse("inbox")).content.decode()
    assert badge(page, "nav-queue-count") == "۲" == persian(selectors.to_register(world.clerk).count())
    queue = clerk.get(reverse("to_register")).content.decode()
    assert "نامه امضاشده یک" in queue and "نامه امضاشده دو" in queue
    # a letter numbered leaves the queue and its count
    letter = selectors.to_register(world.clerk).first()
    services.register_letter(user=world.clerk, letter=letter)
    assert badge(clerk.get(reverse("inbox")).content.decode(), "nav-queue-count") == "۱"


def test_the_counts_cost_one_query_each_whatever_the_number_of_letters(world):
    clerk = login(world.clerk)
    world.secretariat.clerks.add(world.manager)
    manager = login(world.manager)

    def statements(client) -> list[str]:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("search")).status_code == 200
        return [q["sql"] for q in ctx.captured_queries]

    before = statements(manager)
    for i in range(5):
        register_incoming(world, subject=f"الف {i}", refer_to=[services.ReferralSpec(world.manager_pos.id)])
        make_signed(world)
    after = statements(manager)
    assert len(after) == len(before)
    counts = [s for s in after if s.startswith(('SELECT COUNT(*) AS "__count" FROM "letters_referral"',
                                                'SELECT COUNT(*) AS "__count" FROM "letters_letter"'))]
    assert len(counts) == 2, counts
    page = manager.get(reverse("search")).content.decode()
    assert badge(page, "nav-inbox-count") == "۵" and badge(page, "nav-queue-count") == "۵"
    assert clerk.get(reverse("search")).status_code == 200


def test_the_inbox_count_follows_the_chosen_seat(world):
    """An expert acting for the manager sees the count of the seat chosen in the navbar."""
    import datetime as dt

    from django.utils import timezone

    from dabir.orgs.models import Assignment

    Assignment.objects.create(user=world.expert, position=world.manager_pos, role=Assignment.Role.ACTING,
                              ends_at=timezone.now() + dt.timedelta(days=2))
    register_incoming(world, refer_to=[services.ReferralSpec(world.manager_pos.id)])
    register_incoming(world, refer_to=[services.ReferralSpec(world.manager_pos.id)])
    register_incoming(world, refer_to=[services.ReferralSpec(world.expert_pos.id)])
    expert = login(world.expert)
    assert badge(expert.get(reverse("search")).content.decode(), "nav-inbox-count") == "۱"
    expert.post(reverse("switch_position"), {"position_id": world.manager_pos.id, "next": reverse("search")})
    assert badge(expert.get(reverse("search")).content.decode(), "nav-inbox-count") == "۲"
