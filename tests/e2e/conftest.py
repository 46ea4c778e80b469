"""Browser tests: Playwright (sync API) driving Debian's chromium against pytest-django's live server.

Each test signs people in through the login page, clicks and types in Persian like a user would,
and saves screenshots of its key steps to test-artifacts/e2e/<test>-<step>.png for a person to
look at. A page that throws a script error or answers 5xx fails the test that opened it.

Without chromium (or the playwright package) the tests are skipped with a clear message, except
in CI (CI=true), where they fail: the CI run must not silently pass without its browser tests.
"""

import os
import re
from pathlib import Path

import pytest

from tests.browser import CHROMIUM, launch

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run in a
# thread with a running loop unless told it is safe (it is: the loop only drives the browser).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
DESKTOP = {"width": 1280, "height": 900}
PASSWORD = "demo-pass-1234"


def _unavailable(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; CI must run the browser tests (install Debian's chromium: `make browser`)",
                    pytrace=False)
    pytest.skip(f"{reason}; install it with `make browser` (Debian's chromium) to run the browser tests")


@pytest.fixture(scope="module")
def browser():
    """One chromium per test module (a module-scoped fixture is closed before the next module runs)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is not installed")
    if not Path(CHROMIUM).exists():
        _unavailable(f"Debian's chromium is not installed at {CHROMIUM}")
    with sync_playwright() as p:
        chromium = launch(p)
        yield chromium
        chromium.close()


class Desk:
    """The people of one test, each in their own browser context (own cookies), at one screen size."""

    def __init__(self, browser, base_url: str, test_name: str):
        self.browser = browser
        self.base = base_url
        self.test_name = test_name
        self.contexts = []
        self.problems: list[str] = []

    def url(self, path: str) -> str:
        return self.base + path

    def new_page(self, viewport=None):
        context = self.browser.new_context(viewport=viewport or DESKTOP, locale="fa-IR",
                                           timezone_id="Asia/Tehran")
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.problems.append(f"script error on {page.url}: {exc}"))
        page.on("response", lambda r: r.status >= 500 and self.problems.append(f"{r.status} from {r.url}"))
        return page

    def sign_in(self, user, viewport=None):
        """A fresh browser for `user`, signed in through the login page; lands on the dashboard (a counter
        office's operator or regulator on the counters' pages: accounts.landing)."""
        page = self.new_page(viewport)
        response = page.goto(self.url("/"))
        assert response is not None and response.ok, f"the login page answered {response and response.status}"
        page.wait_for_url(re.compile(r"/accounts/login/"))
        page.locator("#id_username").press_sequentially(user.username)
        page.locator("#id_password").press_sequentially(PASSWORD)
        page.get_by_role("button", name="ورود").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    def shot(self, page, step: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.test_name}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def desk(request, browser, live_server):
    name = request.node.name.removeprefix("test_").split("[")[0]
    d = Desk(browser, live_server.url, name)
    yield d
    d.close()
    assert not d.problems, "the browser saw errors:\n" + "\n".join(d.problems)
