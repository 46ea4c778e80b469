"""Every route of the project, every API operation and every admin view, with their parameters
filled from the contract scene; and the check that an answer holds none of a secret's words."""

import io
import itertools
import json
import re
import urllib.parse
from dataclasses import dataclass

from django.contrib import admin
from django.urls import URLResolver, get_resolver, reverse

from . import fillers
from .scene import Scene

ADMIN_VIEWS = ("changelist", "add", "change", "history", "delete")


@dataclass(frozen=True)
class Route:
    route: str  # the pattern as written, for messages
    name: str  # namespaced URL name, for reverse()
    params: tuple[str, ...]

    @property
    def is_admin(self) -> bool:
        return self.name.startswith("admin:")

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")


def _params(pattern) -> tuple[str, ...]:
    regex = getattr(pattern, "regex", None)
    return tuple(regex.groupindex) if regex is not None else ()


def routes() -> list[Route]:
    out: list[Route] = []

    def walk(resolver, prefix: str, namespace: str, inherited: tuple[str, ...]):
        for p in resolver.url_patterns:
            ns = namespace
            if isinstance(p, URLResolver):
                if p.namespace:
                    ns = f"{namespace}{p.namespace}:"
                walk(p, prefix + str(p.pattern), ns, inherited + _params(p.pattern))
            elif p.name:
                out.append(Route(prefix + str(p.pattern), ns + p.name, inherited + _params(p.pattern)))

    walk(get_resolver(), "", "", ())
    return out


def urls_of(scene: Scene, route: Route) -> list[str] | str:
    """The URLs to request for a route, or a message saying which parameter has no filler."""
    choices = []
    for param in route.params:
        found = fillers.values(scene, route.route, route.name.rsplit(":", 1)[-1], param)
        if not found:
            return (f"{route.route} ({route.name}): the contract test cannot fill parameter «{param}»; "
                    f"add a filler for it to tests/contract/fillers.py")
        choices.append(found)
    urls = []
    for combo in itertools.product(*choices):
        urls.append(reverse(route.name, kwargs=dict(zip(route.params, combo, strict=True))))
    return sorted(set(urls))


def admin_views(all_routes: list[Route]) -> list[Route]:
    """The changelist, add, change, history and delete views of every registered model."""
    names = {r.name for r in all_routes}
    wanted = []
    for model in admin.site._registry:
        for view in ADMIN_VIEWS:
            name = f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}"
            assert name in names, f"admin view {name} is not routed"
            wanted.append(next(r for r in all_routes if r.name == name))
    return wanted


# ---------------------------------------------------------------- reading an answer


def answer_text(response) -> str:
    """Everything a client receives, as text: headers, body (JSON unescaped, PDF text extracted)."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    parts = [urllib.parse.unquote(f"{k}: {v}") for k, v in response.items()]
    ctype = response.get("Content-Type", "")
    if "pdf" in ctype or raw.startswith(b"%PDF"):
        from pypdf import PdfReader

        try:
            reader = PdfReader(io.BytesIO(raw))
            parts += [page.extract_text() or "" for page in reader.pages]
            parts.append(json.dumps(dict(reader.metadata or {}), ensure_ascii=False, default=str))
        except Exception as exc:  # a broken PDF is reported by its own tests; keep its raw bytes here
            parts.append(f"unreadable pdf: {exc}")
    text = raw.decode("utf-8", errors="replace")
    parts.append(text)
    if "json" in ctype:
        try:
            parts.append(json.dumps(json.loads(text), ensure_ascii=False))
        except ValueError:
            pass
    return "\n".join(parts)


_SPACES = re.compile(r"\s+")
# Marks that pages put inside numbers to keep them left to right (LRM, RLM, isolates, embeddings).
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def leaks(text: str, markers: list[str]) -> list[str]:
    text = _BIDI.sub("", text)
    flat = _SPACES.sub(" ", text)
    return [m for m in markers if m in text or m in flat]
