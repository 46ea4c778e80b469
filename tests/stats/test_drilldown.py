"""The letters behind a figure: exactly the letters each figure (and each part of a share) counted, built
with the real services (post and network, signed on paper and digitally, between agencies and not),
always cut down to what the viewer may see — a restricted letter outside a manager's chain is neither
listed nor named — with the viewer's N beside the figure's M, and bad figures answered in Persian."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from dabir.core.errors import DomainError
from dabir.exchange import services as exchange
from dabir.exchange.models import Arrival
from dabir.letters import services as letters
from dabir.letters.services import ReferralSpec
from dabir.signing import services as signing
from dabir.signing.models import Signature
from dabir.stats import aggregate, drilldown
from dabir.stats.models import Level, Supervisor
from dabir.stats.periods import current
from tests.exchange.conftest import drain
from tests.factories import make_registered, make_user, make_world, register_incoming

pytestmark = pytest.mark.django_db

LETTER_LINK = re.compile(r'href="/letters/\d+/"')
SECRET_SUBJECT = "پرونده انضباطی کارمند ویژه"


class Land:
    """Agency A's letters of this month, one of each kind the figures tell apart, and agency B."""

    def __init__(self):
        self.a = make_world("استانداری مبدأ")
        self.b = make_world("شهرداری مقصد")
        a, b = self.a, self.b
        # Signed before A has any certificate: signed on paper, sent by post to a non-agency.
        self.out_paper = make_registered(a, kind="outgoing", to=["آقای شهروند"], subject="پاسخ کاغذی")
        letters.dispatch(user=a.clerk, letter=self.out_paper, channel="post")
        self.in_post = register_incoming(a, subject="درخواست بودجه پستی")
        self.in_secret = register_incoming(a, subject=SECRET_SUBJECT, classification="restricted",
                                           refer_to=[ReferralSpec(a.expert_pos.id)], seat=a.seat(a.clerk_pos))
        self.in_from_b_post = register_incoming(a, subject="نامه کاغذی شهرداری", sender_name=b.agency.name)
        for world in (a, b):
            exchange.join_agency(agency=world.agency)
            signing.issue_certificate(position=world.manager_pos)
        self.out_network = make_registered(a, kind="outgoing", to=[b.agency.name], subject="ارسال از شبکه")
        letters.dispatch(user=a.clerk, letter=self.out_network, channel="network")
        from_b = make_registered(b, kind="outgoing", to=[a.agency.name], subject="پاسخ شهرداری از شبکه")
        letters.dispatch(user=b.clerk, letter=from_b, channel="network")
        drain()
        self.in_network = exchange.accept_arrival(
            user=a.clerk, arrival=Arrival.objects.get(agency=a.agency), secretariat=a.secretariat,
            refer_to=[ReferralSpec(a.manager_pos.id)])
        # A voided letter keeps its number but counts nowhere.
        voided = register_incoming(a, subject="ثبت اشتباه")
        letters.void_letter(user=a.clerk, letter=voided, reason="ثبت تکراری")
        aggregate.refresh()


@pytest.fixture
def land(db):
    return Land()


def expected(land):
    t = land
    return {
        ("letters_in", ""): {t.in_post, t.in_secret, t.in_from_b_post, t.in_network},
        ("letters_out", ""): {t.out_paper, t.out_network},
        ("letters_internal", ""): set(),
        ("out_sent", ""): {t.out_paper, t.out_network},
        ("inter_letters", ""): {t.out_network, t.in_network, t.in_from_b_post},
        ("in_electronic_share", ""): {t.in_post, t.in_secret, t.in_from_b_post, t.in_network},
        ("in_electronic_share", "electronic"): {t.in_network},
        ("in_electronic_share", "paper"): {t.in_post, t.in_secret, t.in_from_b_post},
        ("out_electronic_share", "electronic"): {t.out_network},
        ("out_electronic_share", "paper"): {t.out_paper},
        ("inter_exchange_share", "exchange"): {t.out_network, t.in_network},
        ("inter_exchange_share", "other"): {t.in_from_b_post},
        ("inter_letters", "other"): {t.in_from_b_post},
        ("signed_digital_share", "digital"): {t.out_network},
        ("signed_digital_share", "paper_signed"): {t.out_paper},
    }


def ids(letters_):
    return {letter.pk for letter in letters_}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(agency, **query):
    from django.utils.http import urlencode

    return reverse("stats:drilldown", kwargs={"agency_id": agency.id}) + "?" + urlencode(query)


def test_each_figure_lists_exactly_the_letters_it_counted(land):
    assert not Signature.objects.filter(version__letter=land.out_paper).exists()
    assert Signature.objects.filter(version__letter=land.out_network).exists()
    period = current()
    # The secretariat's clerk sees every registered letter of A: the lists are the figures' letters.
    for (figure, part), want in expected(land).items():
        got = drilldown.letters_behind(land.a.clerk, land.a.agency, period, figure, part)
        assert ids(got) == ids(want), (figure, part)
        assert drilldown.figure_total(land.a.agency, period, figure, part) == len(want), (figure, part)
    newest_first = list(drilldown.letters_behind(land.a.clerk, land.a.agency, period, "letters_in", ""))
    assert newest_first[0] == land.in_network and newest_first[-1] == land.in_post


def test_unknown_figures_and_parts_are_refused(land):
    period = current()
    for figure, part in (("nope", ""), ("print_pages", ""), ("in_electronic_share", "digital"), ("letters_in", "x")):
        with pytest.raises(DomainError):
            drilldown.letters_behind(land.a.clerk, land.a.agency, period, figure, part)


def test_manager_sees_only_letters_in_their_chain_and_never_the_restricted_subject(land):
    client = client_for(land.a.manager)
    response = client.get(url(land.a.agency, figure="letters_in"))
    assert response.status_code == 200
    html = response.content.decode()
    # Only the letter referred to the manager of the four incoming letters.
    assert "۱ نامه از ۴ نامه این شاخص برای شما قابل مشاهده است" in html
    assert land.in_network.subject in html
    assert SECRET_SUBJECT not in html and land.in_post.subject not in html
    assert reverse("letter_detail", args=[land.in_network.pk]) in html
    assert '<bdi dir="ltr" class="number">' in html
    # Nowhere else either: the part lists and the agency's own page.
    for figure, part in (("in_electronic_share", "paper"), ("letters_in", "")):
        assert SECRET_SUBJECT not in client.get(url(land.a.agency, figure=figure, part=part)).content.decode()
    assert SECRET_SUBJECT not in client.get(reverse("stats:agency", args=[land.a.agency.id])).content.decode()


def test_the_chain_and_the_clerk_see_the_restricted_letter(land):
    # The expert it was referred to has no stats page; the function is the page's source.
    period = current()
    assert land.in_secret in drilldown.letters_behind(land.a.expert, land.a.agency, period, "letters_in", "")
    assert land.in_secret in drilldown.letters_behind(land.a.clerk, land.a.agency, period, "letters_in", "")
    assert land.in_secret not in drilldown.letters_behind(land.a.manager, land.a.agency, period, "letters_in", "")


def test_a_manager_who_is_also_a_clerk_sees_all_n_of_m(land):
    land.a.secretariat.clerks.add(land.a.manager)
    html = client_for(land.a.manager).get(url(land.a.agency, figure="in_electronic_share", part="paper")).content.decode()
    assert "۳ نامه از ۳ نامه این شاخص برای شما قابل مشاهده است" in html
    assert SECRET_SUBJECT in html  # the secretariat sees what it registers


def test_a_supervisor_sees_counts_but_no_letters(land):
    sup = make_user()
    Supervisor.objects.create(user=sup, level=Level.NATIONAL, office=land.b.agency)
    response = client_for(sup).get(url(land.a.agency, figure="letters_in"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "۰ نامه از ۴ نامه این شاخص برای شما قابل مشاهده است" in html
    for letter in expected(land)[("letters_in", "")]:
        assert letter.subject not in html


def test_access_and_bad_input_on_the_page(land):
    assert client_for(land.b.manager).get(url(land.a.agency, figure="letters_in")).status_code == 403
    assert client_for(land.a.clerk).get(url(land.a.agency, figure="letters_in")).status_code == 403
    anonymous = Client().get(url(land.a.agency, figure="letters_in"))
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    manager = client_for(land.a.manager)
    for query in ({"figure": "print_pages"}, {"figure": "zzz"}, {"figure": "letters_in", "part": "paper"},
                  {"figure": "in_electronic_share", "part": "digital"}, {"figure": "letters_in", "period": "1405-13"}):
        response = manager.get(url(land.a.agency, **query))
        assert response.status_code == 400, query
        assert "شاخص" in response.content.decode() or "دوره" in response.content.decode()


def test_the_list_is_paginated_by_25(land):
    for i in range(26):
        register_incoming(land.a, subject=f"نامه شماره {i}")
    aggregate.refresh()
    land.a.secretariat.clerks.add(land.a.manager)
    client = client_for(land.a.manager)
    first = client.get(url(land.a.agency, figure="letters_in")).content.decode()
    assert "۳۰ نامه از ۳۰ نامه" in first and len(LETTER_LINK.findall(first)) == 25
    second = client.get(url(land.a.agency, figure="letters_in") + "&page=2").content.decode()
    assert len(LETTER_LINK.findall(second)) == 5 and "صفحه ۲ از ۲" in second
