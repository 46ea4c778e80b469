"""API authentication: bearer tokens, the browser session with CSRF, the acting position, docs."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from dabir.accounts.models import ApiToken
from dabir.core.text import to_persian_digits
from tests.letters.test_api_helpers import Api, assert_problem

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    ("get", "/api/me"), ("get", "/api/tokens"), ("post", "/api/tokens"), ("delete", "/api/tokens/1"),
    ("get", "/api/positions"), ("get", "/api/secretariats"),
    ("get", "/api/letters"), ("get", "/api/letters/search"), ("get", "/api/letters/1"),
    ("get", "/api/letters/1/attachments/1"), ("post", "/api/letters/incoming"), ("post", "/api/letters/drafts"),
    ("put", "/api/letters/1/draft"),
    *[("post", f"/api/letters/1/{a}") for a in (
        "submit", "approve", "return", "register", "dispatch", "refer", "close", "void", "archive", "file",
        "attachments", "prints")],
    ("get", "/api/inbox"), ("get", "/api/sent"), ("get", "/api/followup"),
    *[("post", f"/api/referrals/1/{a}") for a in ("read", "done", "withdraw", "reassign")],
    ("get", "/api/folders"), ("post", "/api/folders"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_every_endpoint_refuses_anonymous_with_persian_401(client, method, path):
    r = getattr(client, method)(path, content_type="application/json")
    body = assert_problem(r, 401)
    assert body["title"] == "ورود لازم است"


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_every_endpoint_refuses_a_revoked_or_bogus_token(world, method, path):
    api = Api(world.clerk)
    api.token.revoked = True
    api.token.save()
    assert_problem(getattr(api.client, method)(path, headers=api.headers, content_type="application/json"), 401)
    bogus = {"Authorization": "Bearer dbr_not-a-real-key"}
    assert_problem(getattr(api.client, method)(path, headers=bogus, content_type="application/json"), 401)


def test_me_by_token_lists_seats_and_secretariats(world):
    me = Api(world.clerk).get("/api/me").json()
    assert me["username"] == world.clerk.username and me["name"] == "زهرا دبیری" and me["via_token"] is True
    (seat,) = me["seats"]
    assert seat == {
        "position_id": world.clerk_pos.id, "title": "کارمند دبیرخانه", "unit_id": world.unit.id, "unit": "دفتر مدیرکل",
        "agency_id": world.agency.id, "agency": world.agency.name, "as_acting": False, "can_sign": False,
        "is_manager": False,
    }
    assert [s["id"] for s in me["secretariats"]] == [world.secretariat.id]


def test_me_is_cheap(world, django_assert_max_num_queries):
    api = Api(world.clerk)
    api.get("/api/me")  # first use stamps last_used_at
    with django_assert_max_num_queries(3):  # token, seats, secretariats
        assert api.get("/api/me").status_code == 200


def test_last_used_at_is_stamped_at_most_once_a_minute(world):
    api = Api(world.clerk)
    assert api.token.last_used_at is None
    api.get("/api/me")
    first = ApiToken.objects.get(pk=api.token.pk).last_used_at
    assert first is not None
    api.get("/api/me")
    assert ApiToken.objects.get(pk=api.token.pk).last_used_at == first
    ApiToken.objects.filter(pk=api.token.pk).update(last_used_at=timezone.now() - dt.timedelta(minutes=2))
    api.get("/api/me")
    assert ApiToken.objects.get(pk=api.token.pk).last_used_at > first


def test_token_endpoints_issue_list_and_revoke_own_tokens(world):
    api = Api(world.manager)
    r = api.post("/api/tokens", {"name": "اسکریپت گزارش"})
    assert r.status_code == 201
    new = r.json()
    assert new["key"].startswith("dbr_") and new["prefix"] == new["key"][4:12]
    assert not ApiToken.objects.filter(key_hash=new["key"]).exists()  # only the hash is kept

    other = Client()
    assert other.get("/api/me", headers={"Authorization": f"Bearer {new['key']}"}).status_code == 200
    listed = api.get("/api/tokens").json()
    assert {t["name"] for t in listed} == {"آزمون", "اسکریپت گزارش"} and "key" not in listed[0]

    # Another user's token is not mine to revoke (404), mine is.
    stranger = Api(world.other)
    assert_problem(stranger.delete(f"/api/tokens/{new['id']}"), 404)
    assert api.delete(f"/api/tokens/{to_persian_digits(new['id'])}").json()["revoked"] is True
    assert_problem(other.get("/api/me", headers={"Authorization": f"Bearer {new['key']}"}), 401)
    assert_problem(api.post("/api/tokens", {"name": "  "}), 400)
    assert_problem(api.post("/api/tokens", {}), 422)


def test_session_auth_reads_without_csrf_but_writes_need_it(world):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.manager)
    me = browser.get("/api/me")
    assert me.status_code == 200 and me.json()["via_token"] is False

    body = assert_problem(browser.post("/api/folders", {"code": "1", "title": "بودجه"},
                                       content_type="application/json"), 403)
    assert body["type"].endswith("/csrf")

    browser.get("/api/docs")  # sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    ok = browser.post("/api/folders", {"code": "1", "title": "بودجه"}, content_type="application/json",
                      headers={"X-CSRFToken": token})
    assert ok.status_code == 201, ok.content


def test_bearer_token_needs_no_csrf(world):
    api = Api(world.manager)
    api.client = Client(enforce_csrf_checks=True)
    assert api.post("/api/folders", {"code": "2", "title": "قراردادها"}).status_code == 201


def test_acting_position_header(world):
    api = Api(world.manager)
    assert api.get("/api/inbox").json()["position_id"] == world.manager_pos.id
    persian = to_persian_digits(world.manager_pos.id)
    assert api.get("/api/inbox", **{"X-Dabir-Position": persian}).json()["position_id"] == world.manager_pos.id
    body = assert_problem(api.get("/api/inbox", **{"X-Dabir-Position": str(world.expert_pos.id)}), 403)
    assert body["errors"][0]["field"] == "position"
    assert_problem(api.get("/api/inbox", **{"X-Dabir-Position": "abc"}), 400)
    assert_problem(api.get("/api/inbox", {"position_id": 999999}), 403)
    # A user without any position cannot act.
    from tests.factories import make_user

    assert_problem(Api(make_user()).get("/api/inbox"), 403)


def test_openapi_and_docs_render_without_cdn(client):
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/letters/incoming" in paths and "/api/inbox" in paths
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower() and "swagger-ui-bundle.js" in html
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js"):
        r = client.get(f"/api/docs/assets/{asset}")
        assert r.status_code == 200 and b"".join(r.streaming_content)
    assert_problem(client.get("/api/docs/assets/settings.py"), 404)
