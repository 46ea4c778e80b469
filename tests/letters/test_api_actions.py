"""The letter's API answer says what the caller may do now, by the same policy as the page's buttons."""

import pytest

from dabir.letters.policy import ACTIONS

from .test_api_helpers import Api

pytestmark = pytest.mark.django_db


def draft_by(api: Api, world, signer) -> dict:
    r = api.post("/api/letters/drafts", {
        "kind": "internal", "subject": "برنامه بازدید از پروژه‌ها", "body": "<p>متن</p>",
        "to": [str(world.other_pos.id)], "signer_position_id": signer.id,
    })
    assert r.status_code == 201, r.content
    return r.json()


def test_a_manager_who_signs_his_own_draft_is_told_to_sign_it_not_to_submit_it(world):
    manager = Api(world.manager)
    letter = draft_by(manager, world, world.manager_pos)
    # given his own draft, when he reads it, then the answer offers signing it and editing it
    actions = manager.get(f"/api/letters/{letter['id']}").json()["actions"]
    assert set(actions) == set(ACTIONS)
    assert actions["sign_draft"] and actions["edit"] and not actions["submit"] and not actions["register"]


def test_the_turn_to_sign_moves_with_the_letter(world):
    expert = Api(world.expert)
    letter = draft_by(expert, world, world.manager_pos)
    lid = letter["id"]
    assert letter["actions"]["submit"] and not letter["actions"]["sign_draft"]
    assert expert.post(f"/api/letters/{lid}/submit", {}).status_code == 200
    # after submitting, the author may no longer edit, and the signer may sign or return it
    after = expert.get(f"/api/letters/{lid}").json()["actions"]
    assert not after["edit"] and not after["submit"] and not after["sign"]
    signer = Api(world.manager).get(f"/api/letters/{lid}").json()["actions"]
    assert signer["sign"] and signer["return"] and not signer["register"]
    # once signed, only the secretariat's clerk may register it
    assert Api(world.manager).post(f"/api/letters/{lid}/approve", {}).status_code == 200
    assert Api(world.clerk).get(f"/api/letters/{lid}").json()["actions"]["register"]
    assert not Api(world.manager).get(f"/api/letters/{lid}").json()["actions"]["register"]
