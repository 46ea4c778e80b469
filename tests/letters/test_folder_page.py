"""A folder's page lists its letters, only those the user may see."""

import pytest
from django.test import Client
from django.urls import reverse

from dabir.letters import services

from ..factories import make_world, register_incoming

pytestmark = pytest.mark.django_db


def test_folder_page_lists_visible_filed_letters(world):
    # given a folder with an open letter and a confidential one the manager's chain does not reach
    seat = world.seat(world.manager_pos)
    folder = services.create_folder(user=world.manager, seat=seat, code="۱۲۰", title="بودجه عمرانی")
    shown = register_incoming(world, subject="درخواست بودجه عمرانی", refer_to=[services.ReferralSpec(world.manager_pos.id)])
    hidden = register_incoming(world, subject="گزارش محرمانه بازرسی", classification="confidential",
                               refer_to=[services.ReferralSpec(world.expert_pos.id)])
    services.file_letter(user=world.manager, seat=seat, letter=shown, folder=folder)
    services.file_letter(user=world.clerk, seat=world.seat(world.clerk_pos), letter=hidden, folder=folder)

    client = Client()
    client.force_login(world.manager)
    listing = client.get(reverse("folders")).content.decode()
    assert reverse("folder_detail", args=[folder.id]) in listing
    page = client.get(reverse("folder_detail", args=[folder.id]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "درخواست بودجه عمرانی" in html and "گزارش محرمانه بازرسی" not in html

    # another agency's folder is not found
    stranger = make_world()
    client.force_login(stranger.manager)
    assert client.get(reverse("folder_detail", args=[folder.id])).status_code == 404


def test_followup_counts_each_position_once(world):
    # given three overdue referrals at the expert's position, made at different times
    import datetime as dt

    from dabir.letters.models import Referral

    for subject in ("الف", "ب", "پ"):
        register_incoming(world, subject=f"نامه {subject}", refer_to=[services.ReferralSpec(world.expert_pos.id)])
    Referral.objects.filter(to_position=world.expert_pos).update(deadline=dt.date(2020, 1, 1))
    client = Client()
    client.force_login(world.manager)
    page = client.get(reverse("followup"))
    assert page.status_code == 200
    rows = page.context["by_position"]
    assert [(r["to_position_id"], r["n"]) for r in rows] == [(world.expert_pos.id, 3)]
