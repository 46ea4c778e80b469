"""The personal dashboard (میز کار) and the sender's reminder, against the real database and HTTP.

Every figure on the page is compared with a count the test makes itself, through the ORM and
`policy.can_see` one referral at a time (not the dashboard's aggregate), and each figure's link is
followed to the inbox, which must list as many rows.
"""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dabir.core.jalali import TEHRAN, today
from dabir.core.models import AuditEntry
from dabir.letters import dashboard, policy, services
from dabir.letters.models import OPEN_REFERRAL, Action, Referral, ReferralStatus
from dabir.letters.names import AuditAction, NoticeKind
from dabir.letters.services import reminders
from dabir.notify.models import Notification
from dabir.orgs.models import Assignment, Position
from dabir.orgs.selectors import Seat
from tests.factories import make_position, make_user

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def midnight(days_ago: int) -> dt.datetime:
    return dt.datetime.combine(today() - dt.timedelta(days=days_ago), dt.time.min, tzinfo=TEHRAN)


def incoming(world, subject, *to, classification="unclassified"):
    """An incoming letter the clerk registers and refers to the positions `to` (one referral each)."""
    letter = services.register_incoming(
        user=world.clerk, secretariat=world.secretariat, subject=subject, sender_name="شهرداری اهواز",
        channel="post", refer_to=[services.ReferralSpec(p.id, note="بررسی شود") for p in to],
        seat=world.seat(world.clerk_pos), classification=classification,
    )
    return letter, list(letter.referrals.order_by("id"))


def age(referral, created_at, deadline=None):
    Referral.objects.filter(pk=referral.pk).update(created_at=created_at, deadline=deadline)


def figures(html: str) -> dict[str, int]:
    """The figures the page shows, by their data-figure key (data-count holds the plain number)."""
    return {k: int(v) for k, v in re.findall(r'data-figure="(\w+)"\s+data-count="(\d+)"', html)}


def inbox_rows(client, link: str) -> int:
    html = client.get(reverse("inbox") + link).content.decode()
    return html.count('data-label="موضوع"')


def expected(user, position, *, day=None) -> dict[str, int]:
    """The seat's figures counted the slow way: every open referral to it, one by one."""
    day = day or today()
    start_today = dt.datetime.combine(day, dt.time.min, tzinfo=TEHRAN)
    start_recent = start_today - dt.timedelta(days=3)
    rows = [r for r in Referral.objects.filter(to_position=position, status__in=OPEN_REFERRAL)
            if policy.can_see(user, r.letter_id)]
    sent = [r for r in Referral.objects.filter(from_position=position, status__in=OPEN_REFERRAL)
            if policy.can_see(user, r.letter_id)]
    return {
        "open": len(rows),
        "today": sum(r.created_at >= start_today for r in rows),
        "recent": sum(start_recent <= r.created_at < start_today for r in rows),
        "older": sum(r.created_at < start_recent for r in rows),
        "overdue": sum(r.deadline is not None and r.deadline < day for r in rows),
        "signature": sum(r.action == Action.SIGNATURE for r in rows),
        "unanswered": len(sent),
    }


@pytest.fixture
def scene(world):
    """Referrals of every age at the expert, one for signature, and what the clerk sent still open."""
    refs = []
    for n, (created, deadline) in enumerate([
        (midnight(0), None),                                   # today, the first moment of it
        (midnight(0) - dt.timedelta(microseconds=1), today()),  # yesterday's last moment: 1–3 days; due today
        (midnight(3), today() - dt.timedelta(days=1)),         # three days ago: 1–3 days; overdue
        (midnight(3) - dt.timedelta(microseconds=1), None),    # just before: older
        (midnight(20), today() - dt.timedelta(days=10)),       # older and overdue
    ]):
        _, (ref,) = incoming(world, f"نامه شماره {n} درباره بودجه", world.expert_pos)
        age(ref, created, deadline)
        refs.append(ref)
    done_letter, (done,) = incoming(world, "نامه انجام‌شده", world.expert_pos)
    services.complete(user=world.expert, seat=world.seat(world.expert_pos), referral=done)
    Position.objects.filter(pk=world.expert_pos.pk).update(can_sign=True)  # the expert signs a colleague's letter
    draft = services.create_draft(
        user=world.other, seat=world.seat(world.other_pos), kind="internal", subject="دستور کار جلسه فناوری",
        to=[world.manager_pos.id], signer_position_id=world.expert_pos.id,
    )
    services.submit_for_signature(user=world.other, seat=world.seat(world.other_pos), letter=draft)
    return {"refs": refs, "done": done, "draft": draft}


# ---------------------------------------------------------------- the figures


def test_the_experts_figures_equal_the_database_and_their_links(world, scene):
    client = login(world.expert)
    html = client.get(reverse("home")).content.decode()
    shown = figures(html)
    want = expected(world.expert, world.expert_pos)
    assert want == {"open": 6, "today": 2, "recent": 2, "older": 2, "overdue": 2, "signature": 1, "unanswered": 0}
    for key in ("open", "today", "recent", "older", "overdue", "signature", "unanswered"):
        assert shown[key] == want[key], key
    # Each figure's link lists as many referrals in the inbox.
    links = dashboard.inbox_links(today())
    for key in ("today", "recent", "older", "overdue", "signature"):
        assert inbox_rows(client, links[key]) == want[key], key
    main = html.split("<main", 1)[1]  # the navbar's bell lists notices of its own
    assert "دستور کار جلسه فناوری" in main and "نامه انجام‌شده" not in main
    assert "واحد من" not in main  # an expert is no manager


def test_ages_at_their_boundaries(world, scene):
    rows = dashboard.mine(world.expert, world.seat(world.expert_pos))["rows"]
    by_age = {key: {r.id for r in rows[key]} for key in ("today", "recent", "older", "overdue")}
    refs = scene["refs"]
    signing = Referral.objects.get(letter=scene["draft"], action=Action.SIGNATURE)
    assert by_age["today"] == {refs[0].id, signing.id}
    assert by_age["recent"] == {refs[1].id, refs[2].id}
    assert by_age["older"] == {refs[3].id, refs[4].id}
    assert by_age["overdue"] == {refs[2].id, refs[4].id}  # due today is not late yet


def test_the_clerks_unanswered_referrals_and_their_reminder_buttons(world, scene):
    html = login(world.clerk).get(reverse("home")).content.decode()
    want = expected(world.clerk, world.clerk_pos)
    assert want["unanswered"] == 5 and figures(html)["unanswered"] == 5
    assert html.count(">\n          <i class=\"bi bi-bell\"></i> یادآوری<") + html.count("bi-bell\"></i> یادآوری") >= 5
    for ref in scene["refs"]:
        assert reverse("referral_remind", args=[ref.id]) in html
    assert reverse("referral_remind", args=[scene["done"].id]) not in html


def test_a_manager_sees_the_unit_counting_only_letters_in_reach(world):
    head = make_user(first_name="سارا", last_name="رئیسی")
    head_pos = make_position(world.expert_pos.unit, "رئیس اداره فناوری", holder=head, is_manager=True)
    seen, (to_head,) = incoming(world, "گزارش شبکه استان", head_pos)
    services.refer(user=head, seat=Seat(head_pos, False), letter=seen,
                   targets=[services.ReferralSpec(world.expert_pos.id, deadline=today() + dt.timedelta(days=2))])
    passed = Referral.objects.get(letter=seen, to_position=world.expert_pos)
    age(passed, midnight(2), today() - dt.timedelta(days=1))
    incoming(world, "پرونده محرمانه بازرسی", world.expert_pos, classification="confidential")
    incoming(world, "نامه عادی که از میز رئیس نگذشت", world.other_pos)
    _, (mine_ref,) = incoming(world, "بخشنامه امروز", head_pos)

    client = login(head)
    html = client.get(reverse("home")).content.decode().split("<main", 1)[1]
    assert "پرونده محرمانه بازرسی" not in html and "نامه عادی که از میز رئیس نگذشت" not in html
    unit = dashboard.unit(head, Seat(head_pos, False))
    lines = {line["position"].id: line for line in unit["lines"]}
    for position in (head_pos, world.expert_pos, world.other_pos):
        want = expected(head, position)
        for key in ("open", "today", "recent", "older", "overdue", "signature"):
            assert lines[position.id][key] == want[key], (position.title, key)
            assert re.search(rf'data-position="{position.id}".*?data-col="{key}">\D*?{_fa(want[key])}', html, re.S)
    # The expert holds two open referrals (one confidential, out of the head's reach): one is counted.
    assert Referral.objects.filter(to_position=world.expert_pos, status__in=OPEN_REFERRAL).count() == 2
    assert lines[world.expert_pos.id]["open"] == 1 and lines[world.expert_pos.id]["overdue"] == 1
    assert lines[world.other_pos.id]["open"] == 0
    assert unit["totals"]["open"] == 2 and mine_ref.id in {r.id for r in dashboard.mine(head, Seat(head_pos, False))["rows"]["today"]}
    assert f'href="{reverse("followup")}?position={world.expert_pos.id}"' in html


def _fa(n: int) -> str:
    from dabir.core.text import to_persian_digits

    return to_persian_digits(str(n))


def test_the_query_count_does_not_grow_with_the_referrals(world, scene):
    seat = Seat(world.manager_pos, False)

    def more(n: int) -> None:  # referred to the manager and the expert; the manager refers on to the other
        for i in range(n):
            letter, _ = incoming(world, f"نامه مدیر {i}", world.manager_pos, world.expert_pos)
            services.refer(user=world.manager, seat=seat, letter=letter,
                           targets=[services.ReferralSpec(world.other_pos.id)])
        incoming(world, "نامه برای امضاکننده", world.manager_pos)

    more(2)

    ctx_queries = []

    def count() -> int:
        world.manager._dabir_seats = None
        with CaptureQueriesContext(connection) as ctx:
            dashboard.for_seat(world.manager, seat)
        ctx_queries[:] = [q["sql"][:300] for q in ctx.captured_queries]
        return len(ctx.captured_queries)

    first = count()
    more(5)
    # seats, secretariats (the visibility rule, once), my figures, my rows by age (one ranked query),
    # overdue, signing, sent, reminded today, the unit's positions, its figures, holders, its signing.
    assert count() == first == 12, "\n".join(ctx_queries)


def test_who_has_no_seat_or_is_a_citizen_keeps_the_old_home(world, client):
    loose = make_user(first_name="بی", last_name="سمت")
    html = login(loose).get(reverse("home")).content.decode()
    assert "هیچ سمتی در اختیار شما نیست" in html and "میز کار" not in html
    citizen = make_user(is_citizen=True)
    assert login(citizen).get(reverse("home"))["Location"] == reverse("citizen_home")
    assert client.get(reverse("home"))["Location"].startswith(reverse("login"))
    assert reverse("home") == "/" and reverse("inbox") == "/inbox/"


def test_signing_in_lands_on_the_dashboard(world):
    client = Client()
    answer = client.post(reverse("login"), {"username": world.expert.username, "password": "demo-pass-1234"})
    assert answer.status_code == 302 and answer.url == reverse("home")
    assert "میز کار" in client.get(answer.url).content.decode()


# ---------------------------------------------------------------- the reminder


def test_the_sender_reminds_once_a_day(world, scene, monkeypatch):
    ref = scene["refs"][0]
    clerk = login(world.clerk)
    answer = clerk.post(reverse("referral_remind", args=[ref.id]))
    assert answer.status_code == 302 and answer.url == reverse("home") + "#unanswered"
    notice = Notification.objects.get(kind=NoticeKind.REMINDER)
    assert notice.user == world.expert and "نامه شماره 0 درباره بودجه" in notice.title
    assert notice.url == reverse("letter_detail", args=[ref.letter_id]) and notice.related == f"letters.referral:{ref.id}"
    entry = AuditEntry.objects.get(action=AuditAction.REFERRAL_REMIND)
    assert entry.object_id == str(ref.id) and entry.actor == world.clerk and entry.position == world.clerk_pos
    assert entry.data["users"] == [world.expert.id]

    page = clerk.get(reverse("home")).content.decode()
    assert "امروز یادآوری شد" in page and reverse("referral_remind", args=[ref.id]) not in page
    again = clerk.post(reverse("referral_remind", args=[ref.id]), follow=True).content.decode()
    assert "امروز برای این ارجاع یک بار یادآوری فرستاده‌اید" in again
    assert Notification.objects.filter(kind=NoticeKind.REMINDER).count() == 1
    assert AuditEntry.objects.filter(action=AuditAction.REFERRAL_REMIND).count() == 1

    tomorrow = today() + dt.timedelta(days=1)
    monkeypatch.setattr(dashboard, "today", lambda: tomorrow)
    reminders.remind(user=world.clerk, seat=world.seat(world.clerk_pos), referral=ref)
    assert Notification.objects.filter(kind=NoticeKind.REMINDER).count() == 2


@pytest.mark.parametrize("who", ["expert", "other", "manager"])
def test_only_the_referrer_may_remind(world, scene, who):
    ref = scene["refs"][0]
    page = login(getattr(world, who)).post(reverse("referral_remind", args=[ref.id]), follow=True).content.decode()
    assert "فقط سمتی که این نامه را ارجاع داده است" in page or "اجازه دسترسی به این نامه را ندارید" in page
    assert not Notification.objects.filter(kind=NoticeKind.REMINDER).exists()
    assert not AuditEntry.objects.filter(action=AuditAction.REFERRAL_REMIND).exists()


def test_a_closed_referral_a_vacant_seat_and_a_missing_one_are_refused(world, scene):
    clerk = login(world.clerk)
    page = clerk.post(reverse("referral_remind", args=[scene["done"].id]), follow=True).content.decode()
    assert "این ارجاع دیگر باز نیست" in page
    _, (vacant_ref,) = incoming(world, "نامه به سمت خالی", make_position(world.unit, "سمت خالی"))
    page = clerk.post(reverse("referral_remind", args=[vacant_ref.id]), follow=True).content.decode()
    assert "اکنون کسی این سمت را در اختیار ندارد" in page
    assert clerk.post(reverse("referral_remind", args=[999999])).status_code == 404
    assert clerk.get(reverse("referral_remind", args=[scene["refs"][0].id])).status_code == 405
    assert not Notification.objects.filter(kind=NoticeKind.REMINDER).exists()


def test_a_classified_letters_reminder_keeps_its_subject_out(world):
    _, (ref,) = incoming(world, "پرونده سری بازرسی", world.expert_pos, classification="secret")
    acting = make_user(first_name="جانشین", last_name="کارشناس")
    Assignment.objects.create(user=acting, position=world.expert_pos, role=Assignment.Role.ACTING)
    rows = reminders.remind(user=world.clerk, seat=world.seat(world.clerk_pos), referral=ref)
    assert {n.user_id for n in rows} == {world.expert.id, acting.id}  # the holder and who acts for them
    for notice in rows:
        assert "بازرسی" not in notice.title and "بازرسی" not in notice.body and "سری" in notice.title
        assert notice.kind == NoticeKind.REMINDER


def test_a_reminder_after_the_referral_was_read_still_goes(world, scene):
    ref = scene["refs"][1]
    services.mark_read(user=world.expert, seat=world.seat(world.expert_pos), referral=ref)
    ref.refresh_from_db()
    assert ref.status == ReferralStatus.READ
    reminders.remind(user=world.clerk, seat=world.seat(world.clerk_pos), referral=ref)
    assert Notification.objects.filter(kind=NoticeKind.REMINDER, user=world.expert).count() == 1
