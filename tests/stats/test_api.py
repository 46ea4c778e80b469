"""Supervision's JSON API over real HTTP with tokens: /api/stats/figures and /api/stats/ranking answer a
supervisor their province (or the country), a manager their own agency; a bad period, an agency outside
the caller's scope and a caller without supervision get Persian problem+json, and nothing else leaks."""

import math

import pytest
from django.test import Client

from dabir.core.text import to_persian_digits
from dabir.letters import services as letters
from dabir.orgs.models import Agency
from dabir.stats import aggregate
from dabir.stats import figures as F
from dabir.stats.models import Level, Supervisor
from dabir.stats.periods import current
from tests.factories import make_user, make_world, register_incoming
from tests.letters.test_api_helpers import Api, assert_problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(world):
    other = make_world("شهرداری آزمون")
    far = make_world("استانداری دور")
    Agency.objects.filter(pk=far.agency.pk).update(province="تهران")
    register_incoming(world, channel="post")
    register_incoming(world, channel="email")
    letter = register_incoming(other, channel="network")
    letters.record_print(user=other.clerk, letter=letter, copies=1, pages=1)
    register_incoming(far, channel="fax")
    aggregate.refresh()
    province = make_user()
    Supervisor.objects.create(user=province, level=Level.PROVINCE, province="خوزستان", office=world.agency)
    national = make_user()
    Supervisor.objects.create(user=national, level=Level.NATIONAL, office=world.agency)
    return {"world": world, "other": other, "far": far, "province": province, "national": national}


def ids(body) -> set[int]:
    return {row["agency"]["id"] for row in body["agencies" if "agencies" in body else "rows"]}


def test_a_province_supervisor_gets_its_agencies_figures_with_the_index(scene):
    world, other = scene["world"], scene["other"]
    r = Api(scene["province"]).get("/api/stats/figures")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["period"]["key"] == current().key and body["period"]["start"] <= body["period"]["end"]
    assert ids(body) == {world.agency.id, other.agency.id}  # not the agency of Tehran
    mine = next(row for row in body["agencies"] if row["agency"]["id"] == world.agency.id)
    assert set(mine["figures"]) == {f.key for f in F.FIGURES}
    assert mine["figures"]["letters_in"] == 2 and mine["figures"]["in_electronic_share"] == 50.0
    assert mine["index"] is not None and math.isclose(sum(mine["lost"].values()), 100 - mine["index"], abs_tol=0.5)
    theirs = next(row for row in body["agencies"] if row["agency"]["id"] == other.agency.id)
    assert (theirs["figures"]["print_pages"], theirs["figures"]["pages_per_letter"]) == (1, 1.0)
    # One agency, by its id in Persian digits, and a period in Persian digits.
    month = current()
    r = Api(scene["province"]).get("/api/stats/figures", {"agency_id": to_persian_digits(str(other.agency.id)),
                                                          "period": to_persian_digits(month.key)})
    assert r.status_code == 200 and ids(r.json()) == {other.agency.id}


def test_a_national_supervisor_sees_every_agency(scene):
    r = Api(scene["national"]).get("/api/stats/figures", {"period": str(current().year)})
    assert r.status_code == 200
    assert ids(r.json()) == set(Agency.objects.values_list("id", flat=True))


def test_an_agency_outside_the_scope_is_refused_whether_or_not_it_exists(scene):
    api = Api(scene["province"])
    for agency_id in (scene["far"].agency.id, 999999):
        body = assert_problem(api.get("/api/stats/figures", {"agency_id": agency_id}), 403)
        assert "مجاز نیست" in body["detail"] and "دور" not in str(body)
        assert_problem(api.get("/api/stats/ranking", {"agency_id": agency_id}), 403)
    assert_problem(api.get("/api/stats/figures", {"agency_id": "abc"}), 422)
    assert_problem(api.get("/api/stats/figures", {"agency_id": "-3"}), 422)


@pytest.mark.parametrize("period", ["1405-13", "1405-Q5", "14050", "abc", "1380", "1405-00", "۱۴۰۵/۱۳", "x" * 21])
def test_a_bad_period_is_a_persian_400(scene, period):
    r = Api(scene["province"]).get("/api/stats/figures", {"period": period})
    assert r.status_code in (400, 422)
    assert_problem(r, r.status_code)
    assert_problem(Api(scene["province"]).get("/api/stats/ranking", {"period": period}), r.status_code)


def test_a_manager_sees_only_their_agency_and_its_rank(scene):
    world, other = scene["world"], scene["other"]
    api = Api(world.manager)
    r = api.get("/api/stats/figures")
    assert r.status_code == 200 and ids(r.json()) == {world.agency.id}
    assert_problem(api.get("/api/stats/figures", {"agency_id": other.agency.id}), 403)
    r = api.get("/api/stats/ranking")
    assert r.status_code == 200
    rows = r.json()["rows"]
    # Their own row only, ranked among the province's agencies (two ranked: the agency of Tehran is not).
    assert [row["agency"]["id"] for row in rows] == [world.agency.id]
    assert rows[0]["rank"] in (1, 2) and rows[0]["out_of"] == 2


def test_a_supervisor_ranks_the_whole_scope(scene):
    r = Api(scene["province"]).get("/api/stats/ranking", {"period": current().key})
    assert r.status_code == 200
    rows = r.json()["rows"]
    assert {row["agency"]["id"] for row in rows} == {scene["world"].agency.id, scene["other"].agency.id}
    # By hand: the other agency (incoming 1, printing 1 − 1/2, managers 0) (20 + 5) / 50 = 50 ranks above
    # this one (incoming ½, printing 1, managers 0) (10 + 10) / 50 = 40.
    ranks = {row["agency"]["id"]: (row["rank"], row["index"]) for row in rows}
    assert ranks == {scene["other"].agency.id: (1, 50.0), scene["world"].agency.id: (2, 40.0)}
    assert all(row["out_of"] == 2 for row in rows)
    # The agency asked for alone, still ranked within the whole province.
    r = Api(scene["province"]).get("/api/stats/ranking", {"agency_id": scene["other"].agency.id})
    assert [row["out_of"] for row in r.json()["rows"]] == [2]


def test_who_has_no_supervision_is_refused(scene):
    clerk = scene["world"].clerk  # a clerk, not a manager nor a supervisor
    for path in ("/api/stats/figures", "/api/stats/ranking"):
        body = assert_problem(Api(clerk).get(path), 403)
        assert "ناظر" in body["detail"]
        assert_problem(Client().get(path), 401)


def test_a_time_past_the_last_bin_is_inf(scene):
    from dabir.stats import aggregate
    from dabir.stats.models import DurationBin

    world = scene["world"]
    DurationBin.objects.create(agency=world.agency, day=current().start, month=current().month_keys[0],
                               metric="read", bin=len(F.BIN_EDGES) - 1, count=1)
    aggregate.roll_up({(world.agency.id, current().month_keys[0])})
    r = Api(scene["province"]).get("/api/stats/figures", {"agency_id": world.agency.id})
    figures = r.json()["agencies"][0]["figures"]
    assert figures["read_median_hours"] == "inf" and figures["act_median_hours"] is None


def test_the_operations_are_in_the_openapi_document(scene):
    doc = Client().get("/api/openapi.json").json()
    assert "/api/stats/figures" in doc["paths"] and "/api/stats/ranking" in doc["paths"]
