"""Confidential letters through the API: hidden from unrelated positions everywhere, shown to those entitled."""

import pytest

from .test_api_helpers import PDF, Api, assert_problem, register_incoming, upload

pytestmark = pytest.mark.django_db


def _ids(page):
    return {x["id"] for x in page["items"]}


@pytest.fixture
def secret(world):
    """A confidential incoming letter with a PDF, referred by the clerk to the manager."""
    r = register_incoming(
        Api(world.clerk), world, subject="گزارش محرمانه حسابرسی", classification="confidential",
        files=[upload("report.pdf", PDF)], refer_to=[{"position_id": world.manager_pos.id}],
    )
    assert r.status_code == 201, r.content
    return r.json()


def test_unrelated_position_sees_nothing_of_a_confidential_letter(world, secret):
    other = Api(world.other)
    lid, att = secret["id"], secret["attachments"][0]
    assert_problem(other.get(f"/api/letters/{lid}"), 404)
    assert lid not in _ids(other.get("/api/letters").json())
    found = other.get("/api/letters/search", {"q": "حسابرسی"})
    assert found.status_code == 200 and lid not in _ids(found.json())
    assert_problem(other.get(att["url"]), 404)
    # Writes on it are the same 404, not a hint that it exists.
    assert_problem(other.post(f"/api/letters/{lid}/refer", {"targets": [{"position_id": world.expert_pos.id}]}), 404)
    assert_problem(other.post(f"/api/letters/{lid}/prints"), 404)
    rid = secret["referrals"][0]["id"]
    assert_problem(other.post(f"/api/referrals/{rid}/read"), 404)
    assert other.get("/api/inbox").json()["total"] == 0


@pytest.mark.parametrize("who", ["clerk", "manager"])
def test_chain_and_secretariat_see_the_confidential_letter(world, secret, who):
    api = Api(getattr(world, who))
    lid = secret["id"]
    assert api.get(f"/api/letters/{lid}").json()["classification"] == "confidential"
    assert lid in _ids(api.get("/api/letters").json())
    assert lid in _ids(api.get("/api/letters/search", {"q": "حسابرسی"}).json())
    assert api.get(secret["attachments"][0]["url"]).status_code == 200


def test_referral_opens_the_letter_to_the_next_in_chain(world, secret):
    expert = Api(world.expert)
    assert_problem(expert.get(f"/api/letters/{secret['id']}"), 404)
    Api(world.manager).post(f"/api/letters/{secret['id']}/refer", {"targets": [{"position_id": world.expert_pos.id}]})
    assert expert.get(f"/api/letters/{secret['id']}").status_code == 200
    assert_problem(Api(world.other).get(f"/api/letters/{secret['id']}"), 404)


def test_signer_sees_a_confidential_draft_secretariat_does_not_until_approved(world):
    expert = Api(world.expert)
    lid = expert.post("/api/letters/drafts", {
        "kind": "internal", "subject": "ارزیابی کارکنان", "classification": "secret", "to": [world.other_pos.id],
        "signer_position_id": world.manager_pos.id}).json()["id"]
    manager, clerk, other = Api(world.manager), Api(world.clerk), Api(world.other)
    assert_problem(manager.get(f"/api/letters/{lid}"), 404)  # not yet submitted
    expert.post(f"/api/letters/{lid}/submit", {})
    assert manager.get(f"/api/letters/{lid}").status_code == 200
    assert_problem(clerk.get(f"/api/letters/{lid}"), 404)
    assert_problem(other.get(f"/api/letters/{lid}"), 404)
    manager.post(f"/api/letters/{lid}/approve", {})
    assert clerk.get(f"/api/letters/{lid}").status_code == 200
    assert_problem(other.get(f"/api/letters/{lid}"), 404)


def test_wrong_position_is_refused_with_403_on_a_visible_letter(world):
    clerk = Api(world.clerk)
    assert register_incoming(clerk, world, refer_to=[{"position_id": world.manager_pos.id}]).status_code == 201
    rid = Api(world.manager).get("/api/inbox").json()["items"][0]["referral"]["id"]
    # The clerk sees the letter (secretariat) but the referral is not in the clerk's inbox.
    assert_problem(clerk.post(f"/api/referrals/{rid}/read"), 403)
    assert_problem(clerk.post(f"/api/referrals/{rid}/done"), 403)
    # A draft's author only: the signer may not edit or submit it.
    expert = Api(world.expert)
    did = expert.post("/api/letters/drafts", {"kind": "internal", "subject": "x", "to": [world.other_pos.id],
                                              "signer_position_id": world.manager_pos.id}).json()["id"]
    expert.post(f"/api/letters/{did}/submit", {})
    assert_problem(Api(world.manager).put(f"/api/letters/{did}/draft", {"subject": "y", "to": [world.other_pos.id]}),
                   409)
    assert_problem(expert.post(f"/api/letters/{did}/approve", {}), 403)
    # Naming a position one does not hold.
    assert_problem(expert.post(f"/api/letters/{did}/approve", {"position_id": world.manager_pos.id}), 403)


def test_links_to_hidden_letters_are_not_shown(world, secret):
    manager, expert = Api(world.manager), Api(world.expert)
    manager.post(f"/api/letters/{secret['id']}/refer", {"targets": [{"position_id": world.expert_pos.id}]})
    lid = expert.post("/api/letters/drafts", {
        "kind": "internal", "subject": "پیرو گزارش", "to": [world.other_pos.id], "signer_position_id":
        world.manager_pos.id, "links": [{"letter_id": secret["id"], "kind": "follows"}]}).json()["id"]
    assert expert.get(f"/api/letters/{lid}").json()["links"][0]["letter_id"] == secret["id"]
    assert expert.post(f"/api/letters/{lid}/submit", {}).status_code == 200
    assert manager.post(f"/api/letters/{lid}/approve", {}).status_code == 200
    assert Api(world.clerk).post(f"/api/letters/{lid}/register", {}).status_code == 200
    seen = Api(world.other).get(f"/api/letters/{lid}")
    assert seen.status_code == 200 and seen.json()["links"] == []
    assert_problem(Api(world.other).get(f"/api/letters/{secret['id']}"), 404)
