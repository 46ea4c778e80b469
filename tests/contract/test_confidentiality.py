"""The contract: no page, API operation or admin screen shows a confidential letter to anyone
outside its chain, whatever the page.

Every URL pattern of the project, every operation of the OpenAPI document and every admin view
(changelist, add, change, history, delete) of every registered model is requested, with its
parameters filled with the ids of the secret letter and the objects tied to it (tests/contract/
fillers.py), by four people: a staff member of the same agency outside the chain, the agency's
admin (staff, outside the chain), a citizen and an anonymous visitor. No answer may hold the
letter's subject, body, number (Latin or Persian digits), attachment name or margin note. A new
route whose parameter has no filler fails here until one is added.
"""

import pytest
from django.test import Client

from dabir.api import api

from .scene import build, number_forms
from .walk import admin_views, answer_text, leaks, routes, urls_of

pytestmark = pytest.mark.django_db

SEARCH = {"q": "کرانه"}  # a word of the secret subject, for every page that searches



def allowed(scene, url: str) -> set[str]:
    """What an answer may show by design. Keep this short: every entry is a hole in the contract."""
    if url == f"/verify/{scene.objects['version'].code}":
        # Whoever holds the verification code printed on the letter may match its number against
        # the paper; the subject and body of a classified letter stay hidden there.
        return set(number_forms(scene.secret.number))
    return set()


@pytest.fixture
def scene(db):
    return build()


class Person(Client):
    """A test client that stays signed in as its user: a logout route met on the way signs in again."""

    def __init__(self, user=None):
        super().__init__()
        self.user = user

    def request(self, **request):
        if self.user is not None and self.session.get("_auth_user_id") != str(self.user.pk):
            self.force_login(self.user)
        return super().request(**request)


def people(scene) -> dict[str, Client]:
    return {"outsider": Person(scene.outsider), "agency admin": Person(scene.agency_admin),
            "citizen": Person(scene.citizen), "anonymous": Person()}


def check(scene, clients, method: str, url: str, found: list[str], **kwargs) -> int:
    """Request url as everyone; note each answer that holds a secret. A GET answered 405 is sent
    again as an empty POST; a GET answered 200 is asked once more with a word of the secret subject
    (search boxes, admin changelists). Returns the number of requests made."""
    made = 0
    for label, client in clients.items():
        attempts = [(method, kwargs)]
        while attempts:
            verb, extra = attempts.pop()
            response = getattr(client, verb)(url, **extra)
            made += 1
            if verb == "get" and response.status_code == 405:
                attempts.append(("post", {"data": {}}))
            elif verb == "get" and response.status_code == 200 and not extra:
                attempts.append(("get", {"data": SEARCH}))
            where = f"{verb.upper()} {url}{'?q=' + SEARCH['q'] if extra.get('data') == SEARCH else ''} as {label}"
            assert response.status_code < 500, f"{where}: {response.status_code}"
            shown = [m for m in leaks(answer_text(response), scene.markers) if m not in allowed(scene, url)]
            if shown:
                found.append(f"{where} ({response.status_code}) shows {shown}")
    return made


def record(name: str, line: str) -> None:
    """Print the count (seen with -rA) and keep it in test-artifacts/contract/ for release notes."""
    from pathlib import Path

    print(f"\ncontract: {line}")
    folder = Path(__file__).resolve().parents[2] / "test-artifacts" / "contract"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.txt").write_text(line + "\n", encoding="utf-8")


def report(found: list[str], unfillable: list[str]) -> str:
    parts = []
    if found:
        parts.append("confidential letter shown:\n" + "\n".join(found))
    if unfillable:
        parts.append("routes left unchecked:\n" + "\n".join(unfillable))
    return "\n".join(parts)


def test_every_url_pattern_hides_the_confidential_letter(scene):
    clients = people(scene)
    found, unfillable, patterns, requests = [], [], 0, 0
    for route in routes():
        if route.is_admin:
            continue  # the admin test below
        urls = urls_of(scene, route)
        if isinstance(urls, str):
            unfillable.append(urls)
            continue
        patterns += 1
        for url in urls:
            requests += check(scene, clients, "get", url, found)
    record("urls", f"{patterns} URL patterns, {requests} requests, 4 people")
    assert patterns >= 150
    assert not (found or unfillable), report(found, unfillable)


def test_every_api_operation_hides_the_confidential_letter(scene):
    clients = people(scene)
    schema = api.get_openapi_schema()
    by_path = {r.route: r for r in routes() if r.is_api}
    found, unfillable, operations, requests = [], [], 0, 0
    for path, methods in schema["paths"].items():
        pattern = path.removeprefix("/").replace("{", "<").replace("}", ">")
        route = by_path.get(pattern)
        assert route is not None, f"{path} of the OpenAPI document has no URL pattern"
        urls = urls_of(scene, route)
        if isinstance(urls, str):
            unfillable.append(urls)
            continue
        for method in methods:
            operations += 1
            for url in urls:
                if method in ("post", "put", "patch"):
                    requests += check(scene, clients, method, url, found, data={},
                                      content_type="application/json")
                else:
                    requests += check(scene, clients, method, url, found)
    record("api", f"{operations} API operations, {requests} requests, 4 people")
    assert operations >= 70
    assert not (found or unfillable), report(found, unfillable)


def test_every_admin_view_hides_the_confidential_letter(scene):
    clients = people(scene)
    found, unfillable, views, requests = [], [], 0, 0
    admin_routes = [r for r in routes() if r.is_admin]
    wanted = admin_views(admin_routes)
    for route in admin_routes:  # the registry's views and the site's own (index, app index, ...)
        urls = urls_of(scene, route)
        if isinstance(urls, str):
            unfillable.append(urls)
            continue
        views += route in wanted
        for url in urls:
            requests += check(scene, clients, "get", url, found)
    record("admin", f"{views} admin views of {len(wanted) // 5} models "
                    f"(+{len(admin_routes) - len(wanted)} other admin URLs), {requests} requests, 4 people")
    assert not (found or unfillable), report(found, unfillable)
    assert views == len(wanted) >= 100
