"""The desk is installable: a web app manifest, a service worker with the right headers, icons, an
offline page, and every citizen page linking the manifest and registering the worker."""

import json
import re
from io import BytesIO
from urllib.parse import unquote

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_manifest(client):
    response = client.get("/services/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    data = json.loads(response.content)
    assert data["name"] == "میز خدمت دبیر" and data["dir"] == "rtl" and data["lang"] == "fa"
    assert data["start_url"] == "/services/" and data["scope"] == "/services/" and data["display"] == "standalone"
    sizes = {icon["sizes"]: icon for icon in data["icons"] if icon["purpose"] == "any"}
    assert set(sizes) == {"192x192", "512x512"}
    assert any(icon["purpose"] == "maskable" for icon in data["icons"])
    for icon in data["icons"]:
        assert icon["type"] == "image/png"
        assert client.get(icon["src"]).status_code in (200, 304) or finders.find(icon["src"].removeprefix("/static/"))


def test_icons_are_real_pngs_of_the_stated_size():
    from PIL import Image

    for name, size in (("icon-192.png", 192), ("icon-512.png", 512), ("icon-maskable-512.png", 512)):
        path = finders.find(f"desk/icons/{name}")
        assert path, name
        with open(path, "rb") as fh:
            image = Image.open(BytesIO(fh.read()))
            assert image.format == "PNG" and image.size == (size, size)


def test_service_worker_headers_and_shell(client):
    response = client.get("/services/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/services/"
    body = response.content.decode()
    shell = json.loads(re.search(r"const SHELL = (\[.*?\]);", body).group(1))
    assert "/services/offline/" in shell
    assert any(p.endswith("bootstrap.rtl.min.css") for p in shell)
    assert any(p.endswith(".woff2") and "Vazirmatn" in p for p in shell)
    assert any(p.endswith("desk.css") for p in shell)
    for path in shell:  # every file the worker caches at install exists, or the install would fail
        if path.startswith("/static/"):
            assert finders.find(unquote(path.removeprefix("/static/"))), path
    assert "caches.match(OFFLINE)" in body and 'addEventListener("fetch"' in body


def test_offline_page(client):
    response = client.get("/services/offline/")
    assert response.status_code == 200 and "به اینترنت وصل نیستید" in response.content.decode()


def test_citizen_pages_link_the_manifest_and_register_the_worker(client):
    for url in ("/services/", "/services/track/", "/services/offline/"):
        page = client.get(url).content.decode()
        assert '<link rel="manifest" href="/services/manifest.webmanifest">' in page
        assert 'data-sw="/services/sw.js"' in page and 'data-scope="/services/"' in page
    script = open(finders.find("desk/desk.js"), encoding="utf-8").read()
    assert "navigator.serviceWorker.register" in script
