"""The Content-Security-Policy holds on every main page, in chromium, and the pages still work.

A clerk, a manager, an admin, a citizen and an anonymous visitor open the pages they use; the
browser reports every blocked script, handler, style or image as a `securitypolicyviolation`
event (and a console error): there must be none. A form still posts (the sign-in), htmx still
loads (the inbox filters), Bootstrap's menus still open, the desk's service worker registers.
"""

import re

import pytest
from django.conf import settings
from django.test import Client

from dabir.letters import services
from dabir.orgs.models import Assignment
from tests.desk.pages_fixtures import make_desk, submit
from tests.factories import make_pdf, make_user, register_incoming

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " +
                    (e.sourceFile || location.pathname) + ":" + e.lineNumber);
});
"""


def _watch(desk, page):
    """Collect the page's CSP violations and console errors into desk.problems."""
    page.context.add_init_script(WATCH)
    page.on("console", lambda m: m.type == "error" and desk.problems.append(f"console on {page.url}: {m.text}"))
    return page


def _visit(desk, page, path: str) -> None:
    response = page.goto(desk.url(path))
    assert response is not None and response.status < 400, f"{path} answered {response and response.status}"
    assert "default-src 'self'" in response.headers.get("content-security-policy", ""), path
    page.wait_for_load_state("networkidle")
    for violation in page.evaluate("window.__csp || []"):
        desk.problems.append(f"CSP on {path}: {violation}")


def _signed_in_as(desk, user):
    """A browser context holding `user`'s session (citizens sign in by SMS, so the session is made here)."""
    client = Client()
    client.force_login(user)
    page = _watch(desk, desk.new_page())
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                               "url": desk.base}])
    return page


@pytest.fixture
def scene(db):
    service_desk = make_desk()
    world = service_desk.world
    request = submit(service_desk)
    letter = register_incoming(world, subject="درخواست بودجه عمرانی",
                               refer_to=[services.ReferralSpec(world.manager_pos.id, note="بررسی شود")],
                               uploads=[services.Upload("budget.pdf", make_pdf(pages=2))])
    Assignment.objects.get_or_create(user=world.clerk, position=world.clerk_pos)
    admin = make_user("siteadmin", is_staff=True, is_superuser=True)
    return service_desk, world, letter, request, admin


def test_staff_pages_keep_the_policy_and_work(desk, scene):
    service_desk, world, letter, request, _admin = scene
    # The clerk signs in through the page: the form posts under form-action 'self'.
    page = _watch(desk, desk.new_page())
    page.goto(desk.url("/accounts/login/"))
    page.locator("#id_username").fill(world.clerk.username)
    page.locator("#id_password").fill("demo-pass-1234")
    page.get_by_role("button", name="ورود").click()
    page.wait_for_url(desk.url("/"))
    for path in ("/", "/inbox/", "/letters/incoming/new/", "/letters/new/", f"/letters/{letter.id}/",
                 f"/letters/{letter.id}/print/", f"/letters/{letter.id}/referral-sheet/", "/search/?q=بودجه", "/followup/", "/secretariat/",
                 "/folders/", "/signing/me/", "/desk-staff/", f"/letters/{request.letter_id}/"):
        _visit(desk, page, path)

    # The PDF links open our own PDFs (top-level documents, never embedded: object-src 'none' holds).
    attachment = letter.attachments.get()
    pdf = page.request.get(desk.url(f"/attachments/{attachment.id}/"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")

    # htmx still loads: changing a filter on the inbox fetches the list with an HX-Request.
    _visit(desk, page, "/inbox/")
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true") as fetched:
        page.locator("select[name='state']").select_option("done")
    assert fetched.value.ok
    page.wait_for_url(re.compile(r"state=done"))
    assert not page.evaluate("window.__csp")

    manager = _watch(desk, desk.sign_in(world.manager))
    for path in ("/", "/signing/me/", f"/letters/{letter.id}/", f"/letters/{letter.id}/refer/"):
        _visit(desk, manager, path)
    # Our own script still works (the refer page adds a row through dabir.js).
    assert manager.url.endswith(f"/letters/{letter.id}/refer/"), manager.url
    manager.get_by_role("button", name="افزودن گیرنده").click()
    assert manager.locator("fieldset.refer-row").count() == 4


def test_admin_and_api_docs_keep_their_policies(desk, scene):
    *_, admin = scene
    page = _signed_in_as(desk, admin)
    for path in ("/admin/", "/admin/accounts/user/", f"/admin/accounts/user/{admin.id}/change/",
                 "/admin/accounts/user/add/", "/admin/letters/letter/", "/admin/orgs/agency/",
                 "/admin/orgs/secretariat/", "/admin/orgs/numberseries/add/"):
        _visit(desk, page, path)
    # The API's documentation (Swagger UI) draws the operations.
    _visit(desk, page, "/api/docs")
    page.locator(".opblock").first.wait_for()
    assert not page.evaluate("window.__csp")


def test_citizen_and_anonymous_pages_keep_the_policy(desk, scene):
    service_desk, _world, _letter, request, _admin = scene
    code = service_desk.service.code
    anonymous = _watch(desk, desk.new_page())
    for path in ("/accounts/login/", "/admin/login/", "/citizen/login/", "/services/", f"/services/{code}/",
                 "/services/track/", "/services/offline/", "/verify/"):
        _visit(desk, anonymous, path)

    citizen = _signed_in_as(desk, service_desk.citizen)
    for path in ("/citizen/", "/services/", f"/services/{code}/apply/", "/services/my/",
                 f"/services/my/{request.tracking_code}/"):
        _visit(desk, citizen, path)
    # The installable app: its service worker registers from desk.js under the policy.
    citizen.wait_for_function("navigator.serviceWorker.getRegistrations().then(r => r.length > 0)")
