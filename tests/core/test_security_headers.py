"""Security headers: a strict Content-Security-Policy on every answer, HSTS over HTTPS when configured,
and no template that the policy would break (inline scripts, handlers or styles)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import dabir

POLICY = {
    "default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self' data: blob:",
    "object-src": "'none'", "base-uri": "'self'", "frame-ancestors": "'none'", "form-action": "'self'",
}


def _directives(header: str) -> dict:
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


@pytest.mark.parametrize("path", ["/accounts/login/", "/citizen/login/", "/services/", "/verify/", "/admin/login/",
                                  "/api/ping", "/api/docs"])
def test_every_answer_carries_the_strict_policy(client, db, path):
    response = client.get(path)
    assert response.status_code == 200
    assert _directives(response["Content-Security-Policy"]) == POLICY


def test_hsts_is_sent_over_https_when_configured(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in client.get("/accounts/login/")  # never over plain HTTP


def test_hsts_and_secure_cookies_come_from_the_environment():
    env = {**os.environ, "DABIR_HSTS_SECONDS": "31536000", "DABIR_HSTS_INCLUDE_SUBDOMAINS": "yes",
           "DABIR_SECURE_COOKIES": "1"}
    code = ("import dabir.settings as s; print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
            "s.SECURE_HSTS_PRELOAD, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["31536000", "True", "False", "True", "True"]


# Rendered only into PDFs by WeasyPrint, never served as a page.
_NOT_PAGES = {"signing/letter_pdf.html"}
_INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"<style", re.I), "<style> block"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
    (re.compile(r"\shx-on", re.I), "hx-on handler (needs eval)"),
]


def test_no_template_needs_unsafe_inline():
    root = Path(dabir.__file__).parent
    found = []
    for template in root.rglob("templates/**/*.html"):
        name = template.as_posix().split("/templates/", 1)[1]
        if name in _NOT_PAGES:
            continue
        text = template.read_text(encoding="utf-8")
        found += [f"{template.relative_to(root)}: {what}" for pattern, what in _INLINE if pattern.search(text)]
    assert not found, "\n".join(found)
