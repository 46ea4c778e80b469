"""Correspondence's notices (the bell, issue 13): each event tells the right people and nobody else,
in the event's transaction; a classified letter's subject is never in a notice; the deadline scan tells
each holder once."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from dabir.core.jalali import today
from dabir.core.models import Holiday
from dabir.core.text import ltr_number
from dabir.letters import notices, services
from dabir.letters.models import Referral
from dabir.letters.names import NoticeKind
from dabir.notify.models import Notification
from dabir.orgs.models import Assignment

from ..factories import make_draft, make_position, make_registered, make_user, register_incoming

pytestmark = pytest.mark.django_db


def told(kind=None, **filters) -> dict[int, list[Notification]]:
    """user id → their notices (of `kind`)."""
    rows = Notification.objects.filter(**filters)
    if kind:
        rows = rows.filter(kind=kind)
    out: dict[int, list[Notification]] = {}
    for row in rows.order_by("id"):
        out.setdefault(row.user_id, []).append(row)
    return out


def acting_for(position, user=None):
    """A user acting for the position now (its holder away)."""
    user = user or make_user(first_name="سارا", last_name="جانشین")
    Assignment.objects.create(user=user, position=position, role=Assignment.Role.ACTING,
                              ends_at=timezone.now() + dt.timedelta(days=3))
    return user


def open_referral(letter, position):
    return Referral.objects.get(letter=letter, to_position=position, status__in=["unread", "read"])


# ---------------------------------------------------------------- new referrals


def test_registering_with_a_referral_tells_the_targets_holders_only(world):
    letter = register_incoming(world, subject="درخواست بودجه عمرانی",
                               refer_to=[services.ReferralSpec(world.manager_pos.id)])
    got = told(NoticeKind.REFERRAL_NEW)
    assert set(got) == {world.manager.pk}
    (notice,) = got[world.manager.pk]
    # the number is taken after the referrals: the title still names it, in Persian digits
    assert ltr_number(letter.number) in notice.title and "درخواست بودجه عمرانی" in notice.title
    assert notice.url == reverse("letter_detail", args=[letter.pk])
    assert notice.related == f"letters.letter:{letter.pk}" and notice.read_at is None
    assert "جهت اقدام" in notice.body and world.clerk_pos.title in notice.body


def test_registering_without_a_referral_tells_nobody(world):
    register_incoming(world)
    assert not Notification.objects.exists()


def test_refer_tells_holders_and_acting_holders_of_every_target_not_the_sender(world):
    letter = register_incoming(world, refer_to=[services.ReferralSpec(world.manager_pos.id)])
    Notification.objects.all().delete()
    stand_in = acting_for(world.expert_pos)
    services.refer(user=world.manager, seat=world.seat(world.manager_pos), letter=letter, targets=[
        services.ReferralSpec(world.expert_pos.id, note="بررسی شود"),
        services.ReferralSpec(world.other_pos.id, action="information"),
    ])
    got = told(NoticeKind.REFERRAL_NEW)
    assert set(got) == {world.expert.pk, stand_in.pk, world.other.pk}
    assert all(len(rows) == 1 for rows in got.values())
    # forwarding the manager's own referral is no answer: the clerk who referred it hears nothing
    assert not told(NoticeKind.REFERRAL_BACK)
    # two actions: the body names the sender only, not one action as if it were everyone's
    body = got[world.expert.pk][0].body
    assert world.manager_pos.title in body and "جهت اقدام" not in body and "جهت اطلاع" not in body


def test_a_user_who_refers_to_a_position_they_also_act_for_is_not_told_of_their_own_act(world):
    letter = register_incoming(world, refer_to=[services.ReferralSpec(world.manager_pos.id)])
    acting_for(world.expert_pos, world.manager)
    services.refer(user=world.manager, seat=world.seat(world.manager_pos), letter=letter,
                   targets=[services.ReferralSpec(world.expert_pos.id)])
    assert set(told(NoticeKind.REFERRAL_NEW)) == {world.manager.pk, world.expert.pk}
    assert len(told(NoticeKind.REFERRAL_NEW)[world.manager.pk]) == 1  # from the registration only


def test_reassign_tells_the_new_target(world):
    letter = register_incoming(world, refer_to=[services.ReferralSpec(world.manager_pos.id)])
    referral = open_referral(letter, world.manager_pos)
    Notification.objects.all().delete()
    services.reassign(user=world.clerk, seat=world.seat(world.clerk_pos), referral=referral,
                      to_position_id=world.expert_pos.id)
    assert set(told(NoticeKind.REFERRAL_NEW)) == {world.expert.pk}


def test_forward_by_system_tells_the_targets(world):
    letter = register_incoming(world, refer_to=[services.ReferralSpec(world.manager_pos.id)])
    Notification.objects.all().delete()
    system = make_user(is_active=False)  # the desk's account cannot sign in and hears nothing
    services.forward_by_system(by=system, letter=letter, referral=open_referral(letter, world.manager_pos),
                               targets=[services.ReferralSpec(world.expert_pos.id)], note="پاسخ استعلام رسید")
    assert set(told()) == {world.expert.pk}


def test_an_internal_letter_registered_tells_its_recipients_with_its_number(world):
    letter = make_registered(world, to=[world.other_pos.id])
    (notice,) = told(NoticeKind.REFERRAL_NEW)[world.other.pk]
    assert ltr_number(letter.number) in notice.title and letter.number


# ---------------------------------------------------------------- signing


def test_submit_for_signature_and_each_next_signer_are_told(world):
    head = make_user(first_name="حمید", last_name="رئیس")
    head_pos = make_position(world.unit, "رئیس اداره", holder=head, can_sign=True)
    letter = services.compose_with_circuit(
        user=world.expert, seat=world.seat(world.expert_pos), earlier=[head_pos.id], kind="internal",
        subject="گزارش ماهانه", body="<p>متن</p>", to=[world.other_pos.id], signer_position_id=world.manager_pos.id,
    )
    services.submit_for_signature(user=world.expert, seat=world.seat(world.expert_pos), letter=letter)
    assert set(told(NoticeKind.AWAITING_SIGNATURE)) == {head.pk}
    assert "(پیش‌نویس)" in told(NoticeKind.AWAITING_SIGNATURE)[head.pk][0].title
    services.approve(user=head, seat=world.seat(head_pos), letter=letter)
    assert set(told(NoticeKind.AWAITING_SIGNATURE)) == {head.pk, world.manager.pk}
    assert not told(NoticeKind.REFERRAL_NEW)  # a referral «جهت امضا» is told as such, not twice


def test_a_draft_returned_by_its_signer_tells_its_author(world):
    letter = make_draft(world)
    services.submit_for_signature(user=world.expert, seat=world.seat(world.expert_pos), letter=letter)
    services.return_to_author(user=world.manager, seat=world.seat(world.manager_pos), letter=letter,
                              note="بند دوم اصلاح شود")
    got = told(NoticeKind.REFERRAL_BACK)
    assert set(got) == {world.expert.pk}
    assert "بازگشت" in got[world.expert.pk][0].title and world.manager_pos.title in got[world.expert.pk][0].body
    assert not told(NoticeKind.REFERRAL_NEW)


# ---------------------------------------------------------------- answers


def test_completing_a_referral_tells_its_referrer_and_acting_referrer(world):
    letter = register_incoming(world, refer_to=[services.ReferralSpec(world.expert_pos.id)])
    stand_in = acting_for(world.clerk_pos)
    services.complete(user=world.expert, seat=world.seat(world.expert_pos),
                      referral=open_referral(letter, world.expert_pos), note="پاسخ داده شد")
    got = told(NoticeKind.REFERRAL_BACK)
    assert set(got) == {world.clerk.pk, stand_in.pk}
    notice = got[world.clerk.pk][0]
    assert "پاسخ داده شد" in notice.body and world.expert_pos.title in notice.body
    assert notice.related == f"letters.referral:{open_referral_or_done(letter, world.expert_pos).pk}"


def open_referral_or_done(letter, position):
    return Referral.objects.get(letter=letter, to_position=position)


def test_a_referral_without_a_position_answers_to_the_user_who_made_it(world):
    letter = register_incoming(world, seat=None, refer_to=[services.ReferralSpec(world.expert_pos.id)])
    services.complete(user=world.expert, seat=world.seat(world.expert_pos),
                      referral=open_referral(letter, world.expert_pos))
    assert set(told(NoticeKind.REFERRAL_BACK)) == {world.clerk.pk}


def test_an_information_referral_seen_without_a_note_tells_nobody(world):
    letter = register_incoming(world, refer_to=[services.ReferralSpec(world.expert_pos.id, action="information"),
                                                services.ReferralSpec(world.other_pos.id, action="information")])
    services.complete(user=world.expert, seat=world.seat(world.expert_pos),
                      referral=open_referral(letter, world.expert_pos))
    assert not told(NoticeKind.REFERRAL_BACK)
    services.complete(user=world.other, seat=world.seat(world.other_pos),
                      referral=open_referral(letter, world.other_pos), note="در جریان قرار گرفتم")
    assert set(told(NoticeKind.REFERRAL_BACK)) == {world.clerk.pk}


def test_closing_the_letter_answers_the_holders_referral(world):
    letter = register_incoming(world, refer_to=[services.ReferralSpec(world.manager_pos.id)])
    services.close_letter(user=world.manager, seat=world.seat(world.manager_pos), letter=letter, note="بایگانی شود")
    (notice,) = told(NoticeKind.REFERRAL_BACK)[world.clerk.pk]
    assert "بایگانی شود" in notice.body


# ---------------------------------------------------------------- classified letters, rollback


def test_a_classified_letters_notices_never_carry_its_subject(world):
    secret = "طرح محرمانه انتقال آب"
    letter = register_incoming(world, subject=secret, classification="confidential",
                               refer_to=[services.ReferralSpec(world.expert_pos.id)])
    services.complete(user=world.expert, seat=world.seat(world.expert_pos),
                      referral=open_referral(letter, world.expert_pos), note=f"درباره {secret} اقدام شد")
    rows = list(Notification.objects.all())
    assert {r.kind for r in rows} == {NoticeKind.REFERRAL_NEW, NoticeKind.REFERRAL_BACK}
    for row in rows:
        text = row.title + row.body
        assert "انتقال آب" not in text and "خیلی محرمانه" in row.title and ltr_number(letter.number) in row.title


def test_a_rolled_back_event_leaves_no_notice(world):
    letter = register_incoming(world, refer_to=[services.ReferralSpec(world.manager_pos.id)])
    before = Notification.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.refer(user=world.manager, seat=world.seat(world.manager_pos), letter=letter,
                       targets=[services.ReferralSpec(world.expert_pos.id)])
        assert told(NoticeKind.REFERRAL_NEW).get(world.expert.pk)  # written with the referral…
        raise RuntimeError("the caller fails after the referral")
    assert Notification.objects.count() == before  # …and gone with it
    assert not Referral.objects.filter(to_position=world.expert_pos).exists()


def test_a_refused_referral_tells_nobody(world):
    from dabir.core.errors import DomainError

    letter = register_incoming(world, refer_to=[services.ReferralSpec(world.manager_pos.id)])
    before = Notification.objects.count()
    with pytest.raises(DomainError):
        services.refer(user=world.manager, seat=world.seat(world.manager_pos), letter=letter, targets=[
            services.ReferralSpec(world.expert_pos.id), services.ReferralSpec(world.expert_pos.id),
        ])
    assert Notification.objects.count() == before


def test_notices_of_one_event_are_one_insert_whatever_the_number_of_targets(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    extra = [make_position(world.unit, f"کارشناس {i}", holder=make_user()) for i in range(6)]
    letter = register_incoming(world, refer_to=[services.ReferralSpec(world.manager_pos.id)])
    with CaptureQueriesContext(connection) as ctx:
        services.refer(user=world.manager, seat=world.seat(world.manager_pos), letter=letter,
                       targets=[services.ReferralSpec(p.id) for p in extra])
    notice_statements = [q["sql"] for q in ctx.captured_queries
                         if "notify_notification" in q["sql"] or '"orgs_assignment"."position_id" IN' in q["sql"]]
    assert len(notice_statements) == 2, notice_statements  # the holders of all six, one INSERT
    assert len(told(NoticeKind.REFERRAL_NEW)) == 1 + 6


# ---------------------------------------------------------------- deadlines


def _wednesday() -> dt.date:
    day = today() + dt.timedelta(days=14)
    while day.weekday() != 2:  # Python: Wednesday = 2
        day += dt.timedelta(days=1)
    return day


def _referral_due(world, deadline: dt.date, position=None, **letter_fields) -> Referral:
    position = position or world.expert_pos
    letter = register_incoming(world, refer_to=[services.ReferralSpec(position.id, deadline=deadline)],
                               **letter_fields)
    return open_referral(letter, position)


def test_the_scan_tells_a_deadline_on_the_next_working_day_once(world, settings):
    settings.DABIR_THURSDAY_IS_WORKDAY = False
    wednesday = _wednesday()
    saturday = wednesday + dt.timedelta(days=3)
    due = _referral_due(world, saturday)  # Thursday and Friday off: Saturday is the next working day
    later = _referral_due(world, saturday + dt.timedelta(days=1), position=world.other_pos)
    stand_in = acting_for(world.expert_pos)
    Notification.objects.all().delete()
    assert notices.scan_deadlines(wednesday - dt.timedelta(days=1)) == 0  # Tuesday: Wednesday is next
    assert notices.scan_deadlines(wednesday) == 2
    got = told(NoticeKind.DEADLINE_TOMORROW)
    assert set(got) == {world.expert.pk, stand_in.pk}
    assert got[world.expert.pk][0].related == f"letters.referral:{due.pk}"
    assert "فردا" not in got[world.expert.pk][0].title  # three days off: named by its date
    assert notices.scan_deadlines(wednesday) == 0  # every few minutes: still once
    assert notices.scan_deadlines(wednesday + dt.timedelta(days=1)) == 0
    assert later.pk not in {int(n.related.split(":")[1]) for rows in told().values() for n in rows}


def test_a_holiday_moves_the_next_working_day(world, settings):
    settings.DABIR_THURSDAY_IS_WORKDAY = False
    wednesday = _wednesday()
    tuesday = wednesday - dt.timedelta(days=1)
    Holiday.objects.create(date=wednesday, title="تعطیل رسمی")
    _referral_due(world, wednesday + dt.timedelta(days=3))  # Saturday
    Notification.objects.all().delete()
    assert notices.scan_deadlines(tuesday) == 1
    assert set(told(NoticeKind.DEADLINE_TOMORROW)) == {world.expert.pk}


def test_the_scan_tells_a_passed_deadline_once_and_not_old_history(world, settings):
    settings.DABIR_DEADLINE_PASSED_DAYS = 7
    day = _wednesday()
    recent = _referral_due(world, day + dt.timedelta(days=1))
    old = _referral_due(world, day + dt.timedelta(days=1), position=world.other_pos)
    answered = _referral_due(world, day + dt.timedelta(days=1), position=world.manager_pos)
    services.complete(user=world.manager, seat=world.seat(world.manager_pos), referral=answered)
    Referral.objects.filter(pk=old.pk).update(deadline=day - dt.timedelta(days=30))
    Referral.objects.filter(pk__in=[recent.pk, answered.pk]).update(deadline=day - dt.timedelta(days=1))
    Notification.objects.all().delete()
    assert notices.scan_deadlines(day) == 1
    (notice,) = told(NoticeKind.DEADLINE_PASSED)[world.expert.pk]
    assert notice.related == f"letters.referral:{recent.pk}" and "گذشته" in notice.title
    assert notices.scan_deadlines(day) == 0


def test_a_deadline_notice_of_a_classified_letter_has_no_subject(world):
    day = _wednesday()
    _referral_due(world, day + dt.timedelta(days=1), subject="پرونده سری پیمانکار", classification="secret")
    Notification.objects.all().delete()
    notices.scan_deadlines(day)
    (notice,) = told(NoticeKind.DEADLINE_TOMORROW)[world.expert.pk]
    assert "پیمانکار" not in notice.title + notice.body and "سری" in notice.title and "فردا" in notice.title


def test_the_command_runs_the_scan_and_refuses_a_bad_date(world, capsys):
    from dabir.core.jalali import format_date

    day = _wednesday()
    _referral_due(world, day + dt.timedelta(days=1))
    Notification.objects.all().delete()
    call_command("letters", "deadlines", "--on", format_date(day))
    assert "1 deadline notice(s)" in capsys.readouterr().out
    assert set(told(NoticeKind.DEADLINE_TOMORROW)) == {world.expert.pk}
    with pytest.raises(CommandError, match="تاریخ"):
        call_command("letters", "deadlines", "--on", "۱۴۰۵/۱۳/۴۰")


def test_the_worker_runs_the_scan_at_the_configured_interval(settings):
    from dabir.core import periodic

    (job,) = [j for j in periodic.jobs() if j.name == "letters-deadlines"]
    settings.DABIR_DEADLINE_SCAN_SECONDS = 321
    assert job.seconds() == 321 and job.run is notices.scan_deadlines
