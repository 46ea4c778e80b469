"""«پاسخ» fills «عطف» with the letter's number (its id travels hidden), and an incoming letter prints as
received: its sender's name, number and date beside our registration, not on our letterhead."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from dabir.core.jalali import format_date
from dabir.core.text import to_persian_digits
from dabir.letters import services
from dabir.letters.models import Letter, Link

from .test_pages import compose_data

pytestmark = pytest.mark.django_db

BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def received(world, **extra):
    return services.register_incoming(
        user=world.clerk, secretariat=world.secretariat, subject="درخواست بودجه عمرانی",
        sender_name="شهرداری اهواز", sender_number="۴۵۶/ع/۷۸", sender_date=dt.date(2026, 11, 25), channel="post",
        body="<p>با سلام؛ بودجه عمرانی سال ۱۴۰۵ درخواست می‌شود.</p>",
        refer_to=[services.ReferralSpec(world.expert_pos.id, note="بررسی شود")], seat=world.seat(world.clerk_pos),
        **extra,
    )


def input_value(page: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
    return re.search(r'value="([^"]*)"', tag).group(1)


def test_reply_prefills_the_number_and_links_the_letter_by_its_id(world):
    original = received(world)
    client = login(world.expert)
    page = client.get(reverse("compose") + f"?reply_to={original.id}").content.decode()
    shown = BIDI.sub("", input_value(page, "replies"))
    assert shown == to_persian_digits(original.number) and shown != str(original.id)
    assert input_value(page, "reply_to") == str(original.id)

    # Sent back as the browser sends it (the number with its direction marks), the link is made.
    typed = input_value(page, "replies")
    response = client.post(reverse("compose"), compose_data(
        world, kind="outgoing", to=[], to_outside="شهرداری اهواز", replies=typed, reply_to=str(original.id)))
    assert response.status_code == 302, response.content.decode()[:3000]
    reply = Letter.objects.exclude(pk=original.pk).get(subject="درخواست تجهیزات")
    assert list(Link.objects.filter(letter=reply).values_list("target_id", "kind")) == [(original.id, "replies")]


def test_incoming_letter_prints_as_received(world):
    letter = received(world)
    response = login(world.expert).get(reverse("letter_print", args=[letter.id]))
    assert response.status_code == 200
    page = response.content.decode()
    text = re.sub(r"\s+", " ", BIDI.sub("", re.sub(r"<[^>]+>", " ", page)))
    assert "نامه وارده" in text and "شهرداری اهواز" in text
    assert "۴۵۶/ع/۷۸" in text and format_date(dt.date(2026, 11, 25)) in text  # the sender's number and date
    assert to_persian_digits(letter.number) in text and format_date(letter.registered_at) in text  # ours
    assert 'class="letterhead"' not in page and "بسمه تعالی" not in text  # not presented as our own letter


def test_outgoing_letter_still_prints_on_our_letterhead(world):
    from tests.factories import make_registered

    letter = make_registered(world, kind="outgoing", to=["شهرداری اهواز"])
    page = login(world.manager).get(reverse("letter_print", args=[letter.id])).content.decode()
    assert 'class="letterhead"' in page and "نامه وارده" not in page
