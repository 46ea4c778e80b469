"""The core path: a change marks its day dirty, refresh computes it, rebuild gives the same rows."""

from dabir.letters import services
from dabir.stats import aggregate
from dabir.stats.models import AgencyDay, Dirty, ManagerDay
from dabir.stats.periods import current
from dabir.stats.selectors import figures_for
from tests.factories import register_incoming


def _rows():
    return sorted(AgencyDay.objects.values_list("agency_id", "day", *AgencyDay.COUNTS))


def test_changes_are_marked_refreshed_and_rebuilt_alike(world):
    letter = register_incoming(world, channel="post")
    services.refer(user=world.clerk, seat=world.seat(world.clerk_pos), letter=letter,
                   targets=[services.ReferralSpec(position_id=world.manager_pos.id, note="بررسی شود")])
    services.record_print(user=world.clerk, letter=letter, copies=3)
    assert Dirty.objects.exists()
    assert aggregate.refresh() >= 1
    assert not Dirty.objects.exists()
    day = AgencyDay.objects.get(agency=world.agency)
    assert (day.letters_in, day.in_post, day.prints, day.print_copies, day.referrals) == (1, 1, 1, 3, 1)
    before = _rows()
    AgencyDay.objects.all().delete()
    aggregate.rebuild()
    assert _rows() == before
    fig = figures_for([world.agency.id], current())[world.agency.id]
    assert fig["letters_in"] == 1 and fig["in_electronic_share"] == 0.0
    assert ManagerDay.objects.count() == 0
