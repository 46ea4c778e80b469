"""One workflow per act: approving or returning a letter from its page and through the signing API
leave the same state (steps, referrals, the letter's status, the audit entries)."""

import pytest
from django.test import Client

from dabir.core.models import AuditEntry
from dabir.letters import services as letters
from dabir.letters.models import Letter, Status
from dabir.signing import services
from dabir.signing.models import SigningStep
from tests.factories import make_position, make_user
from tests.letters.test_api_helpers import Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def signers(world):
    """A circuit of the deputy then the manager, both with certificates."""
    services.create_authority(agency=world.agency)
    deputy = make_user(first_name="حسن", last_name="معاون")
    deputy_pos = make_position(world.unit, "معاون", holder=deputy, can_sign=True)
    for pos in (deputy_pos, world.manager_pos):
        services.issue_certificate(position=pos)
    return deputy, deputy_pos


def _submitted(world, deputy_pos) -> Letter:
    letter = letters.compose_with_circuit(
        user=world.expert, seat=world.seat(world.expert_pos), kind="internal", subject="گزارش ماهانه",
        body="<p>متن</p>", to=[world.other_pos.id], signer_position_id=world.manager_pos.id, earlier=[deputy_pos.id],
    )
    letters.submit_for_signature(user=world.expert, seat=world.seat(world.expert_pos), letter=letter)
    return letter


def _state(letter: Letter) -> dict:
    """What an act leaves behind, without ids or times."""
    letter.refresh_from_db()
    return {
        "status": letter.status,
        "steps": list(letter.signing_steps.order_by("order").values_list("position_id", "state", "note")),
        "signed_steps_have_signatures": all(
            s.signature_id for s in letter.signing_steps.filter(state=SigningStep.State.SIGNED)
        ),
        "referrals": sorted(letter.referrals.values_list("from_position_id", "to_position_id", "action", "status",
                                                         "result_note")),
        "audit": sorted(AuditEntry.objects.filter(object_id=str(letter.pk), action__startswith="letter.")
                        .values_list("action", "position_id")),
        "signing_audit": AuditEntry.objects.filter(action="signing.sign", data__letter=letter.pk).count(),
    }


def _page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_approving_on_the_page_and_through_the_api_leave_the_same_state(world, signers):
    deputy, deputy_pos = signers
    by_page, by_api = _submitted(world, deputy_pos), _submitted(world, deputy_pos)

    # the deputy signs one letter on its page, the other through the API
    r = _page(deputy).post(f"/letters/{by_page.id}/approve/", {"approve-note": ""})
    assert r.status_code == 302, r.content
    r = Api(deputy).post(f"/api/signing/letters/{by_api.id}/sign", {})
    assert r.status_code == 201, r.content
    assert r.json()["order"] == 1
    assert _state(by_page) == _state(by_api)
    assert _state(by_api)["status"] == Status.AWAITING_SIGNATURE
    # the turn passed on: the manager holds both «جهت امضا»
    assert by_api.referrals.filter(to_position=world.manager_pos, action="signature", status="unread").exists()

    # then the manager, last in the circuit, signs both: both go to the secretariat
    _page(world.manager).post(f"/letters/{by_page.id}/approve/", {"approve-note": ""})
    r = Api(world.manager).post(f"/api/signing/letters/{by_api.id}/sign", {})
    assert r.status_code == 201, r.content
    assert _state(by_page) == _state(by_api)
    assert _state(by_api)["status"] == Status.APPROVED and _state(by_api)["signing_audit"] == 2


def test_returning_on_the_page_and_through_the_api_leave_the_same_state(world, signers):
    deputy, deputy_pos = signers
    by_page, by_api = _submitted(world, deputy_pos), _submitted(world, deputy_pos)

    r = _page(deputy).post(f"/letters/{by_page.id}/return/", {"return-note": "بند دوم روشن نیست"})
    assert r.status_code == 302, r.content
    r = Api(deputy).post(f"/api/signing/letters/{by_api.id}/reject", {"note": "بند دوم روشن نیست"})
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "rejected" and r.json()["note"] == "بند دوم روشن نیست"
    assert _state(by_page) == _state(by_api)
    # both are drafts again, in the author's inbox with the note
    assert _state(by_api)["status"] == Status.DRAFT
    assert by_api.referrals.filter(to_position=world.expert_pos, status="unread", note="بند دوم روشن نیست").exists()

    # the author sends it again: the circuit starts from its first signer
    letters.submit_for_signature(user=world.expert, seat=world.seat(world.expert_pos), letter=by_api)
    steps = list(by_api.signing_steps.order_by("order").values_list("state", flat=True))
    assert steps == ["pending", "pending"]
    assert Api(deputy).post(f"/api/signing/letters/{by_api.id}/sign", {}).status_code == 201


def test_a_signer_whose_turn_it_is_not_is_refused_alike(world, signers):
    deputy, deputy_pos = signers
    letter = _submitted(world, deputy_pos)
    api = Api(world.manager).post(f"/api/signing/letters/{letter.id}/sign", {})
    page = _page(world.manager).post(f"/letters/{letter.id}/approve/", {"approve-note": ""})
    # the same refusal, as problem+json from the API and on the form from the page
    assert api.status_code == 403 and page.status_code == 400
    assert "امضای این نامه اکنون با سمت شما نیست." in api.json()["detail"]
    assert "امضای این نامه اکنون با سمت شما نیست." in page.content.decode()
    assert _state(letter)["steps"] == [(deputy_pos.id, "pending", ""), (world.manager_pos.id, "pending", "")]
