"""Official numbers: gapless and unique per (secretariat, Jalali year, series), under concurrency too."""

import datetime as dt
import threading
from collections import Counter

import jdatetime
import pytest
from django.db import connection, connections
from django.utils import timezone

from dabir.core.errors import DomainError
from dabir.core.jalali import TEHRAN, jalali_year
from dabir.letters import services
from dabir.letters.models import Letter
from dabir.orgs.models import NumberCounter, NumberSeries

from ..factories import PDF_BYTES, make_registered, make_world, register_incoming


@pytest.fixture
def clock(monkeypatch):
    """Set the time services see (django.utils.timezone.now, read by numbering and audit)."""

    def set_to(moment: dt.datetime):
        monkeypatch.setattr(timezone, "now", lambda: moment.astimezone(dt.UTC))

    return set_to


def first_second_of(jalali_year_: int) -> dt.datetime:
    """00:00:00 on 1 Farvardin of a Jalali year, Tehran time."""
    day = jdatetime.date(jalali_year_, 1, 1).togregorian()
    return dt.datetime(day.year, day.month, day.day, tzinfo=TEHRAN)


def test_numbers_follow_each_other_per_series(world):
    # given a secretariat with an incoming series and an internal series
    # when three incoming letters and one internal letter are registered
    seqs = [register_incoming(world).seq for _ in range(3)]
    internal = make_registered(world, kind="internal")
    # then incoming numbers are 1, 2, 3 and the internal series starts at its own 1
    assert seqs == [1, 2, 3]
    assert internal.series == world.internal_series
    assert internal.seq == 1
    year = jalali_year(timezone.now())
    assert internal.number == f"{year}/د/1"
    assert NumberCounter.objects.get(series=world.incoming_series, year=year).last == 3


def test_each_secretariat_counts_on_its_own(db):
    # given two agencies, each with a secretariat
    first, second = make_world(), make_world()
    # when both register incoming letters
    a1, b1, a2 = register_incoming(first), register_incoming(second), register_incoming(first)
    # then each secretariat's series counts from 1 without regard to the other
    assert (a1.seq, a2.seq, b1.seq) == (1, 2, 1)


def test_number_format_comes_from_the_series_template(world):
    # given a series whose template uses every field
    series = NumberSeries.objects.create(
        secretariat=world.secretariat, name="ویژه", code="ویژ", kinds=["incoming"],
        template="{secretariat}-{yy}/{code}/{seq:05d} ({year})",
    )
    # when a letter is registered in it
    letter = register_incoming(world, series=series)
    # then the number is built from the template
    year = jalali_year(timezone.now())
    assert letter.number == f"DM-{year % 100:02d}/ویژ/00001 ({year})"


def test_a_rolled_back_registration_gives_its_number_back(world):
    # given one registered letter
    assert register_incoming(world).seq == 1
    before = Letter.objects.count()
    # when a registration fails after it took its number (a referral to a position that does not exist)
    with pytest.raises(DomainError) as refused:
        register_incoming(world, refer_to=[services.ReferralSpec(position_id=987654)])
    assert refused.value.field == "to_position"
    # and another fails on its attachment
    with pytest.raises(DomainError):
        register_incoming(world, uploads=[services.Upload("scan.pdf", b"just text, not a PDF")])
    # then nothing of them remains and the next letter gets the number they would have had
    assert Letter.objects.count() == before
    assert register_incoming(world, uploads=[services.Upload("scan.pdf", PDF_BYTES)]).seq == 2


def test_the_series_restarts_on_1_farvardin_tehran_time(world, clock):
    # given the last second of Esfand of this Jalali year, Tehran time
    year = jalali_year(timezone.now())
    new_year = first_second_of(year + 1)
    clock(new_year - dt.timedelta(seconds=1))
    # when two letters are registered then, and one a second later (1 Farvardin, 00:00:00)
    old = [register_incoming(world), register_incoming(world)]
    clock(new_year)
    new = register_incoming(world)
    # then the old year's letters are 1 and 2 of that year; the new one is 1 of the new year
    assert [(x.year, x.seq) for x in old] == [(year, 1), (year, 2)]
    assert (new.year, new.seq) == (year + 1, 1)
    assert new.number == f"{year + 1}/و/1"
    # and 1 Farvardin 00:00 Tehran is still 20:30 or so of the previous Gregorian day in UTC
    assert new.registered_at.astimezone(dt.UTC).date() < new_year.date()


def _register_in_threads(world, *, total: int, workers: int) -> list[tuple[int, int, str]]:
    """Run `total` registrations from `workers` threads, each with its own connection."""
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []
    per_worker = [total // workers + (1 if i < total % workers else 0) for i in range(workers)]

    def work(count: int) -> None:
        try:
            barrier.wait()
            for _ in range(count):
                register_incoming(world, seat=None)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in per_worker]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return list(Letter.objects.filter(series=world.incoming_series).values_list("year", "seq", "number"))


def _check_gapless(rows, total):
    seqs = [seq for _, seq, _ in rows]
    assert len(rows) == total
    assert sorted(seqs) == list(range(1, total + 1))
    assert not [n for n, c in Counter(number for _, _, number in rows).items() if c > 1]


@pytest.mark.django_db(transaction=True)
def test_parallel_registrations_are_gapless_and_unique():
    # given a secretariat (created in autocommit, so the worker threads see it)
    world = make_world()
    if connection.vendor == "sqlite":
        if connection.is_in_memory_db():
            pytest.skip("needs a file test database (tests/letters/conftest.py sets one)")
        total, workers = 200, 8
    else:
        total, workers = 1000, 16
    # when many workers register incoming letters at once
    rows = _register_in_threads(world, total=total, workers=workers)
    # then the numbers are exactly 1..total, none twice, and the counter agrees
    _check_gapless(rows, total)
    assert NumberCounter.objects.get(series=world.incoming_series).last == total
