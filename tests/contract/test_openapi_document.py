"""The OpenAPI document itself: one name for one schema, and every error answer documented."""

import ninja
import pytest
from django.test import Client

from dabir.api import api
from tests.factories import make_world


def _schemas(cls=ninja.Schema):
    for sub in cls.__subclasses__():
        if sub.__module__.startswith("dabir."):
            yield sub
        yield from _schemas(sub)


def test_no_two_api_schemas_share_a_name():
    # The document names each schema by its class; two classes of one name make one of them wrong
    # (the /api/me answer was checked against the other app's SecretariatOut, which has series).
    seen: dict[str, str] = {}
    clashes = []
    for cls in set(_schemas()):
        where = f"{cls.__module__}.{cls.__qualname__}"
        if seen.setdefault(cls.__name__, where) != where:
            clashes.append(f"{cls.__name__}: {seen[cls.__name__]} and {where}")
    assert not clashes, "\n".join(sorted(clashes))


@pytest.mark.django_db
def test_me_answers_what_its_schema_says():
    world = make_world()
    client = Client()
    client.force_login(world.clerk)
    answer = client.get("/api/me").json()
    document = client.get("/api/openapi.json").json()
    ref = document["paths"]["/api/me"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    me = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    item = me["properties"]["secretariats"]["items"]["$ref"].rsplit("/", 1)[-1]
    required = document["components"]["schemas"][item]["required"]
    assert answer["secretariats"] and all(set(required) <= set(s) for s in answer["secretariats"])


def test_every_operation_documents_its_problem_answers():
    document = api.get_openapi_schema()
    assert "Problem" in document["components"]["schemas"]
    missing = []
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            codes = {int(c) for c in op["responses"]}
            wanted = set()
            if op.get("security"):
                wanted |= {401, 403}
            if op.get("parameters") or op.get("requestBody"):
                wanted |= {400, 422}
            if "{" in path:
                wanted.add(404)
            for code in wanted - codes:
                missing.append(f"{method.upper()} {path}: {code}")
            for code in codes:
                if code >= 400:
                    content = op["responses"][code if code in op["responses"] else str(code)]["content"]
                    assert list(content) == ["application/problem+json"], (method, path, code)
    assert not missing, "\n".join(missing)


def test_date_filters_document_what_they_accept():
    # An empty date_to= is the same as none, and Jalali dates in Persian digits are taken: the
    # document says so, so a client (and schemathesis) does not read them as invalid.
    import re

    params = api.get_openapi_schema()["paths"]["/api/letters"]["get"]["parameters"]
    date_to = next(p for p in params if p["name"] == "date_to")["schema"]
    pattern = next(alt["pattern"] for alt in date_to["anyOf"] if alt.get("type") == "string")
    for accepted in ("", "۱۴۰۵/۰۱/۱۵", "2026-04-04"):
        assert re.match(pattern, accepted), accepted
    assert not re.match(pattern, "فردا")
