"""A letter to a correspondent picks its channel by itself: the chooser over the letter's outside recipients
(address book, then the exchange directory), and the dispatch form on the letter page starting on it."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from dabir.channels.services import contacts
from dabir.exchange.models import Member
from dabir.letters import outlets

from ..factories import make_registered

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(world):
    Member.objects.create(code="ROAD-1", name="اداره کل راه")

    def add(name, **fields):
        return contacts.save_correspondent(user=world.clerk, agency=world.agency, name=name, **fields)

    add("شرکت کیمیا", kind="company", email="info@kimia.ir", fax="02155556666")
    add("شرکت فولاد", kind="company", fax="06133334444")
    add("علی رضایی", kind="person", postal_address="اهواز")
    add("اداره برق", exchange_code="ROAD-1", email="b@x.ir", prefer="email")
    return world


def letter_to(world, *names):
    return make_registered(world, kind="outgoing", to=list(names))


@pytest.mark.parametrize("names, channel", [
    (["شرکت کیمیا"], "email"),
    (["شرکت فولاد"], "fax"),
    (["علی رضایی"], "post"),
    (["اداره برق"], "email"),              # its preference beats its exchange code
    (["اداره کل راه"], "network"),          # not in the book, but a member of the exchange directory
    (["شركت كيميا"], "email"),              # typed with Arabic letters on the letter
    (["ناشناس", "شرکت فولاد"], "fax"),       # the unknown is skipped
    (["شرکت فولاد", "شرکت کیمیا"], "fax"),   # mixed: the first recipient's
])
def test_suggest_per_recipient_kinds(book, names, channel):
    assert outlets.suggest(letter_to(book, *names)) == channel


def test_nothing_known_suggests_nothing(book):
    assert outlets.suggest(letter_to(book, "ناشناس")) is None
    # An inactive correspondent is not found either.
    row = contacts.addressing.find(book.agency.id, ["علی رضایی"])["علی رضایی"]
    contacts.deactivate(user=book.clerk, correspondent=row)
    assert outlets.suggest(letter_to(book, "علی رضایی")) is None


def test_another_agencys_book_is_not_used(book):
    from ..factories import make_world

    other = make_world("دستگاه دیگر")
    assert outlets.suggest(letter_to(other, "شرکت کیمیا")) is None


def selected_channel(html: str) -> str:
    select = re.search(r'<select name="dispatch-channel".*?</select>', html, re.S).group(0)
    return re.search(r'<option value="(\w+)" selected>', select).group(1)


def test_the_dispatch_form_starts_on_the_suggestion_and_says_who_goes_by_what(book):
    letter = letter_to(book, "شرکت فولاد", "شرکت کیمیا", "ناشناس")
    clerk = Client()
    clerk.force_login(book.clerk)
    html = clerk.get(reverse("letter_detail", args=[letter.id])).content.decode()
    assert selected_channel(html) == "fax"
    advice = re.search(r'id="dispatch-advice">(.*?)</div>', html).group(1)
    assert "«شرکت فولاد»: نمابر" in advice and "«شرکت کیمیا»: ایمیل" in advice and "«ناشناس»: در دفترچه" in advice


def test_without_a_suggestion_the_form_stays_on_post(book):
    letter = letter_to(book, "ناشناس")
    clerk = Client()
    clerk.force_login(book.clerk)
    html = clerk.get(reverse("letter_detail", args=[letter.id])).content.decode()
    assert selected_channel(html) == "post" and 'id="dispatch-advice"' not in html
