"""The installable web app: manifest, service worker (the app shell it caches) and the offline page."""

import json

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET


@require_GET
@cache_control(max_age=3600, public=True)
def manifest(request):
    data = {
        "name": "میز خدمت دبیر",
        "short_name": "میز خدمت",
        "description": "درخواست و پیگیری خدمات الکترونیکی دستگاه‌ها",
        "lang": "fa",
        "dir": "rtl",
        "start_url": reverse("desk:catalogue"),
        "scope": reverse("desk:catalogue"),
        "id": reverse("desk:catalogue"),
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f5f7fa",
        "theme_color": "#1f4e79",
        "icons": [
            {"src": static("desk/icons/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": static("desk/icons/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": static("desk/icons/icon-maskable-512.png"), "sizes": "512x512", "type": "image/png",
             "purpose": "maskable"},
        ],
    }
    return JsonResponse(data, content_type="application/manifest+json",
                        json_dumps_params={"ensure_ascii": False, "indent": 1})


SHELL = [
    "vendor/vazirmatn/Vazirmatn-Variable-font-face.css",
    "vendor/vazirmatn/fonts/webfonts/Vazirmatn[wght].woff2",
    "vendor/bootstrap/bootstrap.rtl.min.css",
    "vendor/bootstrap/bootstrap.bundle.min.js",
    "vendor/bootstrap-icons/bootstrap-icons.min.css",
    "vendor/bootstrap-icons/fonts/bootstrap-icons.woff2",
    "dabir/dabir.css",
    "desk/desk.css",
    "desk/desk.js",
    "desk/icons/icon-192.png",
]


@require_GET
def service_worker(request):
    shell = []
    for name in SHELL:
        try:
            shell.append(static(name))
        except ValueError:  # not in the manifest of collected files: leave it out rather than fail
            continue
    shell.append(reverse("desk:offline"))
    version = settings.DABIR_VERSION or "1"
    body = render(request, "desk/sw.js", {
        "shell_json": json.dumps(shell, ensure_ascii=False), "cache_name": f"dabir-desk-{version}-{len(shell)}",
        "offline_url": json.dumps(reverse("desk:offline")),
    }).content
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("desk:catalogue")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def offline(request):
    return render(request, "desk/offline.html", {})

