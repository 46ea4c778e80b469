"""Keeping the figure tables up to date: each change marks the agency-days it touches (stats.aggregate's
signal receivers, in the change's own transaction), `refresh` drains the marks and recomputes those days,
a mark made during a refresh survives it, a rebuild from scratch gives the refreshed rows, the
`dabir stats` command and the worker's periodic thread run them."""

import datetime as dt
import random

import jdatetime
import pytest
from django.core.management import CommandError, call_command
from django.db import connections
from django.utils import timezone

from dabir.core import periodic
from dabir.core.jalali import TEHRAN
from dabir.desk import services as desk
from dabir.letters import services as letters
from dabir.letters.models import Referral
from dabir.letters.services import ReferralSpec
from dabir.signing import services as signing
from dabir.stats import aggregate
from dabir.stats.models import AgencyDay, Dirty, DurationBin, ManagerDay, UserPrintDay
from tests.desk.test_services import make_citizen, setup_desk, submit
from tests.factories import make_registered, make_world, register_incoming
from tests.stats.clock import freeze_time

pytestmark = pytest.mark.django_db


def at(month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(jdatetime.date(1405, month, day).togregorian(), dt.time(hour), TEHRAN)


def day(month: int, d: int) -> dt.date:
    return jdatetime.date(1405, month, d).togregorian()


def marks() -> set:
    return set(Dirty.objects.values_list("agency_id", "day"))


def rows() -> dict:
    """Every figure row, comparable across a refresh and a rebuild."""
    return {
        "days": sorted(AgencyDay.objects.values_list("agency_id", "day", "month", *AgencyDay.COUNTS)),
        "managers": sorted(ManagerDay.objects.values_list("agency_id", "day", "position_id", "signed", "referred")),
        "bins": sorted(DurationBin.objects.values_list("agency_id", "day", "metric", "bin", "count")),
        "prints": sorted(UserPrintDay.objects.values_list("agency_id", "day", "user_id", "prints", "pages", "copies")),
    }


@pytest.fixture
def early(db):
    """A world made on Mehr 1, 1405, so its holders hold their seats on the days the tests act."""
    with freeze_time(at(7, 1, 8)):
        return make_world()


# ---------------------------------------------------------------- marking


def test_a_registration_marks_its_day_in_tehran(early):
    a = early.agency.id
    Dirty.objects.all().delete()
    # 22:00 on Mehr 3 in Tehran is still Mehr 3 there (18:30 UTC): the Tehran day is marked.
    with freeze_time(at(7, 3, 22)):
        register_incoming(early)
    assert marks() == {(a, day(7, 3))}


def test_a_referral_read_and_acted_marks_its_creation_and_deadline_days(early):
    a = early.agency.id
    with freeze_time(at(7, 3)):
        letter = register_incoming(early, refer_to=[ReferralSpec(early.manager_pos.id, deadline=day(7, 12))])
    referral = Referral.objects.get(letter=letter)
    aggregate.refresh()
    with freeze_time(at(7, 5)):
        letters.mark_read(user=early.manager, seat=early.seat(early.manager_pos), referral=referral)
    assert marks() == {(a, day(7, 3)), (a, day(7, 12))}  # made Mehr 3, due Mehr 12; not the day it was read
    aggregate.refresh()
    with freeze_time(at(7, 6)):
        letters.complete(user=early.manager, seat=early.seat(early.manager_pos), referral=referral)
    assert marks() == {(a, day(7, 3)), (a, day(7, 12))}


def test_a_referral_made_later_marks_its_day_and_its_deadline_day(early):
    """A clerk refers a letter registered days before (no open referral of theirs to forward)."""
    a = early.agency.id
    with freeze_time(at(7, 3)):
        letter = register_incoming(early)
    aggregate.refresh()
    with freeze_time(at(7, 6)):
        letters.refer(user=early.clerk, seat=early.seat(early.clerk_pos), letter=letter,
                      targets=[ReferralSpec(early.manager_pos.id, deadline=day(7, 12))])
    assert marks() == {(a, day(7, 6)), (a, day(7, 12))}


def test_a_registration_with_a_referral_marks_the_deadline_day(early):
    a = early.agency.id
    with freeze_time(at(7, 3)):
        register_incoming(early, refer_to=[ReferralSpec(early.manager_pos.id, deadline=day(7, 12))])
    assert marks() == {(a, day(7, 3)), (a, day(7, 12))}


def test_a_print_marks_the_day_printed(early):
    with freeze_time(at(7, 3)):
        letter = register_incoming(early)
    aggregate.refresh()
    with freeze_time(at(7, 9)):
        letters.record_print(user=early.clerk, letter=letter, copies=2)
    assert marks() == {(early.agency.id, day(7, 9))}


def test_a_signature_and_a_dispatch_mark_their_days(early):
    a = early.agency.id
    with freeze_time(at(7, 2)):
        signing.create_authority(agency=early.agency)
        signing.issue_certificate(position=early.manager_pos)
    with freeze_time(at(7, 4)):
        draft = make_registered(early, kind="outgoing", to=["شرکت آب و فاضلاب"])
    # Signed and registered Mehr 4: the signer's agency-day (the manager used the system) and the letter's.
    assert (a, day(7, 4)) in marks()
    aggregate.refresh()
    assert ManagerDay.objects.get(agency_id=a, day=day(7, 4)).signed
    # Dispatched Mehr 8: a letter counts on its registration day, so that day is recomputed.
    with freeze_time(at(7, 8)):
        letters.dispatch(user=early.clerk, letter=draft, channel="post")
    assert marks() == {(a, day(7, 4))}
    aggregate.refresh()
    assert AgencyDay.objects.get(agency_id=a, day=day(7, 4)).out_post == 1


def test_desk_requests_ratings_and_complaints_mark_their_days(early):
    a = early.agency.id
    with freeze_time(at(7, 1, 9)):
        service = setup_desk(early)
        citizen = make_citizen()
    with freeze_time(at(7, 3)):
        req = submit(service, citizen)
    assert (a, day(7, 3)) in marks()  # submitted (and its letter registered) Mehr 3
    aggregate.refresh()
    with freeze_time(at(7, 5)):
        desk.decide_stage(user=early.expert, position_id=early.expert_pos.id, request=req, outcome="no",
                          public_note="ناقص")
    # Finished Mehr 5; its submission day Mehr 3 (the request's row changed) and its stage referral's days.
    stage = Referral.objects.get(letter=req.letter)
    assert {(a, day(7, 5)), (a, day(7, 3)), (a, stage.deadline)} <= marks()
    aggregate.refresh()
    assert AgencyDay.objects.get(agency_id=a, day=day(7, 5)).desk_finished == 1
    with freeze_time(at(7, 7)):
        desk.rate_request(user=citizen, request=req, score=5)
    assert (a, day(7, 7)) in marks()
    aggregate.refresh()
    with freeze_time(at(7, 8)):
        desk.file_complaint(user=citizen, national_code=citizen.national_code, mobile=citizen.mobile,
                            about="request", agency=early.agency, text="دیر شد", request=req)
    assert (a, day(7, 8)) in marks()
    aggregate.refresh()
    row = AgencyDay.objects.get(agency_id=a, day=day(7, 8))
    assert (row.complaints, row.letters_in) == (1, 1)  # the complaint, registered as an incoming letter
    assert AgencyDay.objects.get(agency_id=a, day=day(7, 7)).rating_sum == 5


def test_a_change_rolled_back_leaves_no_mark(early):
    from django.db import transaction

    Dirty.objects.all().delete()
    with pytest.raises(RuntimeError), transaction.atomic():
        register_incoming(early)
        raise RuntimeError
    assert not Dirty.objects.exists()


# ---------------------------------------------------------------- refresh and rebuild


def test_refresh_drains_the_marks_and_computes_the_days(early):
    with freeze_time(at(7, 3)):
        register_incoming(early, channel="email")
        register_incoming(early, channel="post")
    assert Dirty.objects.count() == 1
    assert aggregate.refresh() == 1
    assert not Dirty.objects.exists()
    row = AgencyDay.objects.get(agency=early.agency)
    assert (row.day, row.month, row.letters_in, row.in_email, row.in_post) == (day(7, 3), 140507, 2, 1, 1)
    assert aggregate.refresh() == 0  # nothing left


def test_a_mark_made_during_a_refresh_survives_it(early, monkeypatch):
    with freeze_time(at(7, 3)):
        register_incoming(early)
    real = aggregate.compute_days
    later = timezone.now() + dt.timedelta(seconds=5)

    def computing_while_a_change_commits(*args, **kwargs):
        out = real(*args, **kwargs)
        # A change of the same day commits while this batch is computed: its mark is later than the start.
        Dirty.objects.filter(agency=early.agency).update(marked_at=later)
        return out

    monkeypatch.setattr(aggregate, "compute_days", computing_while_a_change_commits)
    with freeze_time(timezone.now()):  # the batch starts before the change's mark
        aggregate.refresh()
    assert marks() == {(early.agency.id, day(7, 3))}  # kept for the next round


def test_rebuild_from_scratch_equals_the_refreshed_rows(db):
    """A randomised year of small changes in two agencies, refreshed as they come, equals a rebuild."""
    rnd = random.Random(11)
    with freeze_time(at(1, 1, 8)):
        worlds = [make_world(), make_world("شهرداری آزمون")]
    made = []
    # In time order, and before today: a mark dated after the refresh's start waits for a later round.
    times = sorted(at(rnd.randint(1, 8), rnd.randint(1, 29), rnd.randint(0, 23)) for _ in range(40))
    for step, when in enumerate(times):
        w = rnd.choice(worlds)
        with freeze_time(when):
            act = rnd.random()
            if act < 0.5 or not made:
                channel = rnd.choice(["post", "fax", "email", "network", "in_person", "counter", "system"])
                due = when.date() + dt.timedelta(days=rnd.randint(0, 20))
                targets = [ReferralSpec(w.manager_pos.id, deadline=due)] if rnd.random() < 0.5 else []
                made.append((w, register_incoming(w, channel=channel, refer_to=targets)))
            elif act < 0.75:
                ow, letter = rnd.choice(made)
                letters.record_print(user=ow.clerk, letter=letter, copies=rnd.randint(1, 4), pages=rnd.randint(1, 3))
            else:
                ow, letter = rnd.choice(made)
                referral = Referral.objects.filter(letter=letter, status__in=["unread", "read"]).first()
                if referral is not None and letter.registered_at <= timezone.now():
                    seat = ow.seat(ow.manager_pos)
                    if referral.status == "unread":
                        letters.mark_read(user=ow.manager, seat=seat, referral=referral)
                    else:
                        letters.complete(user=ow.manager, seat=seat, referral=referral)
        if step % 7 == 0:
            aggregate.refresh()
    aggregate.refresh()
    refreshed = rows()
    assert refreshed["days"] and refreshed["prints"]
    for model in (AgencyDay, ManagerDay, DurationBin, UserPrintDay):
        model.objects.all().delete()
    aggregate.rebuild()
    assert rows() == refreshed


def test_rebuild_between_days_leaves_the_others(early):
    with freeze_time(at(7, 3)):
        register_incoming(early)
    with freeze_time(at(7, 20)):
        register_incoming(early)
    aggregate.refresh()
    AgencyDay.objects.filter(day=day(7, 3)).update(letters_in=99)
    AgencyDay.objects.filter(day=day(7, 20)).update(letters_in=77)
    aggregate.rebuild(start=day(7, 1), end=day(7, 10))
    assert dict(AgencyDay.objects.values_list("day", "letters_in")) == {day(7, 3): 1, day(7, 20): 77}


# ---------------------------------------------------------------- the command and the worker


def test_the_stats_command_refreshes_and_rebuilds(early, capsys):
    with freeze_time(at(7, 3)):
        register_incoming(early)
    call_command("stats", "refresh")
    assert "1 agency-day(s) refreshed" in capsys.readouterr().out
    AgencyDay.objects.all().delete()
    call_command("stats", "rebuild", "--from", "۱۴۰۵/۰۱/۰۱")
    assert "rebuilt" in capsys.readouterr().out
    assert AgencyDay.objects.get(agency=early.agency).letters_in == 1
    AgencyDay.objects.all().delete()
    call_command("stats", "rebuild", "--from", "1405/07/01", "--to", "1405/07/02")
    assert not AgencyDay.objects.exists()  # Mehr 3 is outside


@pytest.mark.parametrize("value", ["1405/13/01", "فردا", "1405-07", "99999/01/01"])
def test_a_bad_date_is_a_persian_command_error(db, value):
    with pytest.raises(CommandError) as refused:
        call_command("stats", "rebuild", "--from", value)
    assert any("\u0600" <= ch <= "\u06ff" for ch in str(refused.value))


def test_the_worker_runs_the_refresh_every_interval(early, monkeypatch, settings):
    from dabir.core.management.commands import worker

    (job,) = [j for j in periodic.jobs() if j.name == "stats-refresh"]
    assert job.run is aggregate.refresh and job.seconds() == settings.DABIR_STATS_REFRESH_SECONDS > 0
    settings.DABIR_STATS_REFRESH_SECONDS = 7
    assert job.seconds() == 7  # read from the setting when the worker starts
    with freeze_time(at(7, 3)):
        register_incoming(early)

    class TwoRounds:
        """The worker's stop event: not set for two waits, then set."""

        def __init__(self):
            self.waits = 0

        def wait(self, seconds):
            self.waits += 1
            return self.waits > 2

    # In this thread, within the test's transaction: the worker closes its thread's connections after
    # each run, which here would close the test's own.
    monkeypatch.setattr(worker.threading, "Event", TwoRounds)
    monkeypatch.setattr(connections, "close_all", lambda: None)
    worker._every(job, 0.01)
    assert not Dirty.objects.exists() and AgencyDay.objects.get(agency=early.agency).letters_in == 1


def test_a_failing_round_is_logged_and_the_next_runs(monkeypatch, caplog):
    from dabir.core.management.commands import worker

    rounds = []

    def run():
        rounds.append(1)
        if len(rounds) == 1:
            raise RuntimeError("database away")

    class ThreeRounds:
        def __init__(self):
            self.waits = 0

        def wait(self, seconds):
            self.waits += 1
            return self.waits > 2

    monkeypatch.setattr(worker.threading, "Event", ThreeRounds)
    monkeypatch.setattr(connections, "close_all", lambda: None)
    worker._every(periodic.Job("stats-refresh", run, "DABIR_STATS_REFRESH_SECONDS"), 0.01)
    assert len(rounds) == 2 and "stats-refresh failed" in caplog.text
