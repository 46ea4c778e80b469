"""The worker's sweep that completes requests whose result was signed from the inbox goes on past a request
it cannot finish: a clerk numbering that result letter at the same moment (a Conflict) leaves that one for
the next sweep and completes the others."""

import pytest

from dabir.core.errors import Conflict
from dabir.desk import services
from dabir.desk.models import RequestStatus, ServiceRequest
from dabir.letters import services as letters

from .test_services import make_citizen, setup_desk, submit

pytestmark = pytest.mark.django_db


def _signed_result(world, service, citizen):
    req = submit(service, citizen)
    services.decide_stage(user=world.expert, position_id=world.expert_pos.id, request=req, outcome="ok")
    services.decide_stage(user=world.other, position_id=world.other_pos.id, request=req, outcome="yes")
    req.refresh_from_db()
    letters.approve(user=world.manager, seat=world.seat(world.manager_pos), letter=req.result_letter)
    return req


def test_a_conflict_on_one_request_does_not_stop_the_sweep(world, monkeypatch):
    service = setup_desk(world)
    first = _signed_result(world, service, make_citizen(11111111, "09121111111"))
    second = _signed_result(world, service, make_citizen(22222222, "09122222222"))
    register = letters.register_letter
    raced = []

    def clerk_numbers_it_first(*, user, letter, **kwargs):
        # The sweep's first letter: the secretariat's clerk registers it between the sweep's read and its
        # own registration (the real service, as the clerk's page calls it), so the sweep's call conflicts.
        if not raced:
            raced.append(letter.pk)
            register(user=world.clerk, letter=letter)
        return register(user=user, letter=letter, **kwargs)

    monkeypatch.setattr(letters, "register_letter", clerk_numbers_it_first)
    assert services.finish_signed_results() == 1
    statuses = dict(ServiceRequest.objects.filter(pk__in=[first.pk, second.pk]).values_list("result_letter", "status"))
    assert sorted(statuses.values()) == [RequestStatus.APPROVED, RequestStatus.COMPLETED]
    assert statuses[raced[0]] == RequestStatus.APPROVED  # left for the next sweep, nothing half-done
    # The next sweep finishes it.
    monkeypatch.setattr(letters, "register_letter", register)
    assert services.finish_signed_results() == 1
    assert set(ServiceRequest.objects.values_list("status", flat=True)) == {RequestStatus.COMPLETED}


def test_the_clerk_racing_is_a_conflict(world):
    """What the sweep meets: registering a letter already registered is refused with a Conflict."""
    service = setup_desk(world)
    req = _signed_result(world, service, make_citizen())
    letters.register_letter(user=world.clerk, letter=req.result_letter)
    with pytest.raises(Conflict):
        letters.register_letter(user=world.clerk, letter=req.result_letter)
