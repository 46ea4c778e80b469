"""The admin site: agency admins see and change only their own agency, and every change is audited."""

from dabir.core.models import AuditEntry
from dabir.orgs.models import Position
from dabir.orgs.services import make_agency_admin

from ..factories import make_user, make_world


def test_agency_admin_sees_only_own_agency_and_changes_are_audited(db, client):
    # given two agencies and an admin of the first
    mine, theirs = make_world(), make_world()
    boss = make_user()
    make_agency_admin(actor=None, user=boss, agency=mine.agency)
    client.force_login(boss)

    # when they open the positions list
    page = client.get("/admin/orgs/position/")

    # then only their agency's positions are listed
    assert page.status_code == 200
    body = page.content.decode()
    assert mine.manager_pos.code in body
    assert theirs.manager_pos.code not in body
    assert client.get(f"/admin/orgs/position/{theirs.manager_pos.id}/change/").status_code in (302, 404)

    # when they rename their own position, the change goes through the audited service
    before = AuditEntry.objects.count()
    form = {
        "unit": mine.manager_pos.unit_id, "title": "مدیرکل جدید", "code": mine.manager_pos.code,
        "is_manager": "on", "can_sign": "on", "active": "on",
        "assignments-TOTAL_FORMS": "0", "assignments-INITIAL_FORMS": "0",
        "assignments-MIN_NUM_FORMS": "0", "assignments-MAX_NUM_FORMS": "1000",
    }
    answer = client.post(f"/admin/orgs/position/{mine.manager_pos.id}/change/", form)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert Position.objects.get(id=mine.manager_pos.id).title == "مدیرکل جدید"
    entry = AuditEntry.objects.order_by("id").last()
    assert AuditEntry.objects.count() == before + 1
    assert entry.action == "position.change" and entry.actor_id == boss.id


def test_plain_staff_user_cannot_reach_org_admin(db, client):
    world = make_world()
    client.force_login(world.expert)
    assert client.get("/admin/orgs/position/").status_code == 302

