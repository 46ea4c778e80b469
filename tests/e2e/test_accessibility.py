"""axe-core (from npm, node_modules/axe-core) run in Debian's chromium on the pages people use most:
the inbox, a letter, compose, the dashboard, the service catalogue, a service's form and public
tracking, at desktop width and at 390x844. No serious or critical violation may remain.

The pages keep their strict CSP; only this test's browser context bypasses it, to inject axe."""

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.browser import PHONE
from tests.desk.pages_fixtures import make_desk, submit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
DESKTOP = {"width": 1280, "height": 900}
BLOCKING = {"serious", "critical"}

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 4).map(n => n.target.join(' ') + (n.any[0] && n.any[0].data && n.any[0].data.contrastRatio
      ? ` (${n.any[0].data.fgColor} on ${n.any[0].data.bgColor}: ${n.any[0].data.contrastRatio})` : ''))}));
}"""


def _session(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def _violations(browser, base: str, path: str, *, session: str | None, viewport: dict, shot: str) -> list[dict]:
    context = browser.new_context(viewport=viewport, locale="fa-IR", timezone_id="Asia/Tehran", bypass_csp=True)
    try:
        if session:
            context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
        page = context.new_page()
        response = page.goto(base + path)
        assert response is not None and response.ok, f"{path} answered {response and response.status}"
        page.add_script_tag(path=str(AXE))
        found = page.evaluate(RUN_AXE)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"accessibility-{shot}.png"), full_page=True)
        return [v for v in found if v["impact"] in BLOCKING]
    finally:
        context.close()


def test_no_serious_accessibility_violations(browser, live_server, no_lingering_connections):
    assert AXE.exists(), "axe-core is missing: `make test` installs it (npm devDependency)"
    desk = make_desk()
    req = submit(desk)  # an incoming letter referred to the expert
    w = desk.world
    staff = _session(w.expert)
    citizen = _session(desk.citizen)
    pages = [
        ("inbox", reverse("inbox"), staff),
        ("letter", reverse("letter_detail", args=[req.letter_id]), staff),
        ("compose", reverse("compose"), staff),
        ("dashboard", reverse("home"), staff),
        ("catalogue", reverse("desk:catalogue"), None),
        ("service-form", reverse("desk:apply", args=[desk.service.code]), citizen),
        ("tracking", reverse("desk:track") + "?code=" + req.tracking_code, None),
    ]
    problems = []
    for name, path, session in pages:
        for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            for v in _violations(browser, live_server.url, path, session=session, viewport=viewport,
                                 shot=f"{name}-{size}"):
                problems.append(f"{name} ({size}): {v['impact']} {v['id']} — {v['help']} at {v['nodes']}")
    assert not problems, "axe-core found serious or critical violations:\n" + "\n".join(problems)
