"""The statements one registration, one API registration and one referral cost, pinned exactly.

A write that grows a statement (a row written twice, a re-read, a loop of INSERTs) fails here. The
audit entry's own statements are left out of the pinned figure (core.audit owns them and pins them
in its tests); the savepoints of the test's transaction are left out too (a request's transaction
opens with BEGIN and ends with COMMIT, which are not captured). What the write path itself runs:

registration (service): clerk check, seat, series, INSERT letter, target positions, holidays (the
  default deadline), INSERT referral, INSERT access rows (one statement for all), UPDATE … RETURNING
  of the series counter, UPDATE letter (number and search text together; a letter from outside has
  no recipients to read for it) = 10.
over HTTP: the token, the user's seats, the secretariat asked for, the service's 10 less its seat
  read (the request read the seats already: orgs.selectors keeps them on the user) = 12; the answer
  is built from the rows written, not read back, with the seats kept too.
refer to two positions: seat, SELECT … FOR UPDATE of the letter (the re-read), visibility
  (secretariats, the check; the seats are kept), the seat's open referral, its lock and re-read,
  target positions, holidays (once for both), INSERT referrals, INSERT access rows, UPDATE the
  forwarded referral = 11.
the notices of new referrals (letters.notices.referred, issue 13): the targets' holders and acting
  holders (one query for every position), notify's one INSERT of the notices, its read of the users'
  SMS/e-mail preferences = +3, whatever the number of targets; none when nothing is referred.
supervision's marks (stats.aggregate.mark, from its signal receivers): one upsert into stats_dirty per
  agency-day the change touches, in the change's transaction. A registration marks its day (+1);
  referrals made in bulk read the letter's referrals' days and mark them in one upsert (+2); a referral
  forwarded reads its letter's agency and marks its creation and deadline days in one upsert (+2).
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dabir.core.models import AuditEntry
from dabir.letters import services
from dabir.letters.models import Access, Letter, Referral
from dabir.orgs.selectors import forget_seats
from tests.factories import register_incoming

from .test_api_helpers import PDF, Api, upload
from .test_api_helpers import register_incoming as api_register

pytestmark = pytest.mark.django_db

# One upsert into stats_dirty per agency-day the change touches (the registration's day).
STATS_MARKS = 1
# Referrals made in bulk (letters.signals.referrals_changed): the letter's referrals' days read, then one
# upsert of their creation and deadline days.
STATS_NEW_REFERRALS_MARK = 2
# The forwarded referral's mark: its letter's agency read, then one upsert of its days.
STATS_REFERRAL_MARK = 2
# The notices of new referrals: holders of the targets, INSERT of the notices, the preferences read.
NOTICES = 3
REGISTER_INCOMING = 10 + STATS_MARKS + STATS_NEW_REFERRALS_MARK + NOTICES
API_REGISTER_INCOMING = 12 + STATS_MARKS + STATS_NEW_REFERRALS_MARK + NOTICES
REFER_TO_TWO = 11 + STATS_NEW_REFERRALS_MARK + STATS_REFERRAL_MARK + NOTICES


def _ours(ctx) -> list[str]:
    """The captured statements minus savepoints and the audit entry's own."""
    out = []
    for q in ctx.captured_queries:
        sql = q["sql"].lstrip()
        if sql.upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
            continue
        if "core_audit" in sql:
            continue
        out.append(sql)
    return out


def _show(statements: list[str]) -> str:
    return "\n".join(s[:160] for s in statements)


def test_register_incoming_statements(world):
    register_incoming(world)  # the year's counter row exists from here, as on any day but the first
    forget_seats()  # counted cold: no seats remembered from the setup
    with CaptureQueriesContext(connection) as ctx:
        letter = register_incoming(world, refer_to=[services.ReferralSpec(world.manager_pos.id)])
    ours = _ours(ctx)
    assert len(ours) == REGISTER_INCOMING, _show(ours)
    # The letter's row: one INSERT, then one UPDATE with the number and the search text.
    letter_writes = [s for s in ours if s.startswith(("INSERT", "UPDATE")) and '"letters_letter"' in s.split("(")[0]]
    assert len(letter_writes) == 2, _show(letter_writes)
    letter.refresh_from_db()
    assert letter.number and letter.number in letter.search_text
    assert set(Access.objects.filter(letter=letter).values_list("position_id", flat=True)) == {
        world.manager_pos.id, world.clerk_pos.id,
    }
    assert AuditEntry.objects.filter(object_id=str(letter.pk), action="letter.register_incoming").count() == 1


def test_first_number_of_a_year_inserts_the_counter_then_counts_on(world):
    """The counter row is created by the first registration of the year (two statements more)."""
    forget_seats()  # counted cold: no seats remembered from the setup
    with CaptureQueriesContext(connection) as ctx:
        first = register_incoming(world)
    # No positions, holidays, referral or access rows (-4) nor their mark nor notices; the UPDATE finds no row, INSERT,
    # UPDATE (+2).
    assert len(_ours(ctx)) == REGISTER_INCOMING - 4 - STATS_NEW_REFERRALS_MARK - NOTICES + 2, _show(_ours(ctx))
    second = register_incoming(world)
    assert (first.seq, second.seq) == (1, 2)


def test_api_register_incoming_statements_and_answer(world):
    api = Api(world.clerk)
    api.get("/api/me")  # stamp the token once, so the request measured does not write it
    data = {"subject": "درخواست بودجه", "sender_name": "شهرداری اهواز", "channel": "post",
            "secretariat_id": world.secretariat.id, "body": "<p>متن</p>",
            "refer_to": [{"position_id": world.manager_pos.id, "action": "action", "note": "بررسی شود"}]}
    assert api.post("/api/letters/incoming", data).status_code == 201
    forget_seats()  # counted cold: no seats remembered from the setup
    with CaptureQueriesContext(connection) as ctx:
        r = api.post("/api/letters/incoming", data)
    assert r.status_code == 201, r.content
    ours = _ours(ctx)
    assert len(ours) == API_REGISTER_INCOMING, _show(ours)
    assert not any(s.startswith("SELECT") and 'FROM "letters_letter"' in s for s in ours), "the letter was read back"
    # The answer built from the rows written is the one the letter's page gives.
    answer = r.json()
    shown = api.get(f"/api/letters/{answer['id']}").json()
    assert json.dumps(answer, sort_keys=True) == json.dumps(shown, sort_keys=True)
    assert answer["actions"]["refer"] and answer["actions"]["void"] and not answer["actions"]["edit"]


def test_api_answer_with_files_matches_the_page(world):
    api = Api(world.clerk)
    r = api_register(api, world, files=[upload("نامه.pdf", PDF, "application/pdf")],
                     refer_to=[{"position_id": world.manager_pos.id}, {"position_id": world.expert_pos.id,
                                                                       "action": "information"}])
    assert r.status_code == 201, r.content
    answer = r.json()
    assert len(answer["attachments"]) == 1 and len(answer["referrals"]) == 2
    assert json.dumps(answer, sort_keys=True) == json.dumps(api.get(f"/api/letters/{answer['id']}").json(),
                                                            sort_keys=True)


def test_refer_to_two_statements(world):
    letter = register_incoming(world, refer_to=[services.ReferralSpec(world.manager_pos.id)])
    manager = world.seat(world.manager_pos)
    targets = [services.ReferralSpec(world.expert_pos.id), services.ReferralSpec(world.other_pos.id)]
    fresh = Letter.objects.get(pk=letter.pk)
    forget_seats()  # counted cold: no seats remembered from the setup
    with CaptureQueriesContext(connection) as ctx:
        created = services.refer(user=world.manager, seat=manager, letter=fresh, targets=targets)
    ours = _ours(ctx)
    assert len(ours) == REFER_TO_TWO, _show(ours)
    assert {r.to_position_id for r in created} == {world.expert_pos.id, world.other_pos.id}
    assert created[0].deadline == created[1].deadline is not None
    parent = Referral.objects.get(letter=letter, to_position=world.manager_pos)
    assert parent.status == "forwarded"
    assert set(Access.objects.filter(letter=letter).values_list("position_id", flat=True)) >= {
        world.expert_pos.id, world.other_pos.id, world.manager_pos.id,
    }
