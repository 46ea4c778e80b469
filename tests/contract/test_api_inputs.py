"""Bad paging and bodies of nulls are refused with a Persian problem+json 422, on every list and
every operation that takes a body; an empty query value is the same as none."""

import json

import pytest
from django.test import Client

from dabir.api import api
from dabir.core.schemas import MAX_LIMIT, MAX_OFFSET
from tests.factories import make_world

pytestmark = pytest.mark.django_db

BAD_PAGING = [
    {"offset": "9223372036854775808"}, {"offset": "-1"}, {"offset": str(MAX_OFFSET + 1)},
    {"limit": "0"}, {"limit": "-5"}, {"limit": "54783"}, {"limit": str(MAX_LIMIT + 1)},
]


def paged_operations() -> list[str]:
    paths = []
    for path, methods in api.get_openapi_schema()["paths"].items():
        names = {p["name"] for p in methods.get("get", {}).get("parameters", []) if p["in"] == "query"}
        if {"limit", "offset"} <= names:
            paths.append(path)
    return paths


def staff(world) -> Client:
    client = Client()
    client.force_login(world.clerk)
    return client


def persian_422(response) -> dict:
    assert response.status_code == 422, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 422 and any("\u0600" <= ch <= "\u06ff" for ch in body["detail"])
    return body


def test_every_paged_list_bounds_limit_and_offset():
    world = make_world()
    client = staff(world)
    paths = paged_operations()
    assert "/api/desk/catalogue" in paths and "/api/letters" in paths and len(paths) >= 5
    for path in paths:
        for query in BAD_PAGING:
            body = persian_422(client.get(path, query))
            assert {e["field"] for e in body["errors"]} <= {"limit", "offset"}, (path, query, body)
        assert client.get(path, {"offset": MAX_OFFSET, "limit": MAX_LIMIT}).status_code == 200, path
        schema = {p["name"]: p["schema"] for p in api.get_openapi_schema()["paths"][path]["get"]["parameters"]}
        assert schema["limit"]["minimum"] == 1 and schema["limit"]["maximum"] == MAX_LIMIT, path
        assert schema["offset"]["minimum"] == 0 and schema["offset"]["maximum"] == MAX_OFFSET, path


def test_public_catalogue_no_longer_fails_on_a_huge_offset():
    answer = Client().get("/api/desk/catalogue", {"offset": "9223372036854775808"})
    persian_422(answer)


def test_a_json_body_that_is_not_an_object_is_refused_everywhere():
    world = make_world()
    client = staff(world)
    refused = 0
    for path, methods in api.get_openapi_schema()["paths"].items():
        for method, op in methods.items():
            if "application/json" not in op.get("requestBody", {}).get("content", {}) or "{" in path:
                continue
            for raw in ("null", "[]", "7"):
                answer = getattr(client, method)(path, data=raw, content_type="application/json")
                assert answer.status_code in (401, 403, 422), (method, path, raw, answer.status_code)
                if answer.status_code == 422:
                    refused += 1
    assert refused >= 10


def test_cancel_with_a_null_body_is_refused_and_cancels_nothing():
    from tests.desk.pages_fixtures import citizen_client, make_desk, submit

    desk = make_desk()
    req = submit(desk)
    client = citizen_client(desk.citizen)
    persian_422(client.post(f"/api/desk/requests/{req.tracking_code}/cancel", data="null",
                            content_type="application/json"))
    req.refresh_from_db()
    assert req.status != "cancelled"


def test_an_empty_date_is_the_same_as_none():
    world = make_world()
    client = staff(world)
    empty = client.get("/api/letters", {"date_to": "", "date_from": ""})
    none = client.get("/api/letters")
    assert empty.status_code == none.status_code == 200
    assert json.loads(empty.content) == json.loads(none.content)
