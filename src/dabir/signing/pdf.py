"""Letters rendered to PDF on the agency's letterhead (WeasyPrint), signed once and kept.

render_letter(version) -> unsigned PDF bytes, laid out by one of a few warm WeasyPrint renderers (fonts
loaded and the stylesheet, letter_pdf.css, parsed once); pades.sign_pdf adds the PAdES signatures;
letter_pdf(version) renders and signs once, stores the file with its SHA-256 and reuses it;
check_uploaded_pdf(content) tells whether a PDF someone holds is a genuine, unaltered issued one.
"""

from __future__ import annotations

import base64
import hashlib
import html as html_lib
import math
import re
import threading
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from dabir.core.jalali import format_date, format_datetime
from dabir.core.text import ltr_number, normalize

from . import codes

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
STYLESHEET = Path(__file__).resolve().parent / "templates" / "signing" / "letter_pdf.css"
PDF_MAGIC = b"%PDF-"


class _LocalOnlyFetcher(URLFetcher):
    """Resources for the letter come from data: URIs and our own font files, never the network.

    A letter body may carry inline styles; without this a url() in one would make the server
    fetch an arbitrary address while rendering.
    """

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith("file:"):
            path = Path(URLFetcherResponse(url).path).resolve()
            if path.parent == FONTS_DIR and path.suffix == ".ttf":
                return URLFetcherResponse(url, _font_bytes(path), {"Content-Type": "font/ttf"})
        raise ValueError("external resources are not allowed in letters")


_FONT_BYTES: dict[Path, bytes] = {}


def _font_bytes(path: Path) -> bytes:
    # The packaged fonts never change while the process runs: read each file once.
    data = _FONT_BYTES.get(path)
    if data is None:
        data = _FONT_BYTES[path] = path.read_bytes()
    return data


class _BoundedCache:
    """A small thread-safe LRU map for derived bytes (QR codes, signature images): bounded, so a
    long-running worker does not keep every letter's QR; keys carry what makes a value stale."""

    def __init__(self, size: int):
        self.size = size
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, make):
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        value = make()  # outside the lock: a miss in one thread does not hold up the others
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value


class _Renderer:
    """A warm WeasyPrint: the font configuration (Vazirmatn loaded into fontconfig once, Pango's font
    caches kept filled), the parsed stylesheet and the URL fetcher. Used by one thread at a time.

    Never by two threads at once: a FontConfiguration wraps a Pango font map and dictionaries of Pango
    objects, none of them made for concurrent use. WeasyPrint 62 mixed fonts up when font maps were
    made and freed per document, because a cache keyed fonts by Pango addresses that a later font map
    could reuse (WeasyPrint issue #2144); today's WeasyPrint computes the key on each use, and a font
    map that lives as long as the process never has its addresses reused anyway. Decoded images are
    not shared between documents: an SVG keeps the layout context of the document that loaded it, and
    sharing them measured no faster.
    """

    def __init__(self):
        self.font_config = FontConfiguration()
        self.fetcher = _LocalOnlyFetcher()
        self._css: CSS | None = None
        self._css_stamp: tuple | None = None

    def stylesheet(self) -> CSS:
        """The letter's stylesheet, parsed once (its @font-face rules load the fonts into this renderer's
        font configuration); parsed again when the file changes, so an edited letterhead shows at once."""
        st = STYLESHEET.stat()
        stamp = (str(STYLESHEET), st.st_mtime_ns, st.st_size)
        if self._css is None or stamp != self._css_stamp:
            self._css = CSS(
                string=STYLESHEET.read_text(encoding="utf-8"), base_url=FONTS_DIR.as_uri() + "/",
                url_fetcher=self.fetcher, font_config=self.font_config,
            )
            self._css_stamp = stamp
        return self._css


# Warm renderers per process, each lent to one thread at a time. Two: layout is Python work that holds
# the GIL, so more at once in one process would not render faster, and each one keeps a font map in
# memory (a few MB) that a web worker with many threads should not multiply. Built on first use, so a
# process that forks its workers (gunicorn --preload) has built none before it forks.
RENDERERS = 2
_RENDERER_SLOTS = threading.BoundedSemaphore(RENDERERS)
_IDLE_RENDERERS: list[_Renderer] = []
_IDLE_LOCK = threading.Lock()


@contextmanager
def _renderer():
    with _RENDERER_SLOTS:
        with _IDLE_LOCK:
            r = _IDLE_RENDERERS.pop() if _IDLE_RENDERERS else None
        if r is None:
            r = _Renderer()
        try:
            yield r
        finally:
            with _IDLE_LOCK:
                _IDLE_RENDERERS.append(r)


def isolate_ltr(value, persian: bool = True) -> str:
    """Digits made Persian and the run laid out left to right (see core.text.ltr_number)."""
    return ltr_number(value, persian=persian)


def public_base_url() -> str:
    """Where the public verification page lives, as printed on letters and in their QR codes."""
    base = settings.DABIR_PUBLIC_URL
    if base:
        return base.rstrip("/")
    host = next((h for h in settings.ALLOWED_HOSTS if h and "*" not in h and not h.startswith(".")), "localhost")
    return f"https://{host}"


def verify_url(code: str) -> str:
    return f"{public_base_url()}/verify/{code}"


_QR_CACHE = _BoundedCache(256)


def qr_data_uri(text: str) -> str:
    return _QR_CACHE.get(
        text, lambda: segno.make(text, error="m", micro=False).svg_data_uri(scale=4, border=0, dark="#111")
    )


def _emblem() -> str:
    """A neutral seal for the letterhead (double ring around an eight-pointed star, a شمسه)."""
    points = []
    for i in range(16):
        r = 30 if i % 2 == 0 else 17
        a = math.pi * i / 8 - math.pi / 2
        points.append(f"{50 + r * math.cos(a):.2f},{50 + r * math.sin(a):.2f}")
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'
        '<circle cx="50" cy="50" r="47" fill="none" stroke="#1f3a5f" stroke-width="3"/>'
        '<circle cx="50" cy="50" r="40" fill="none" stroke="#1f3a5f" stroke-width="1.2"/>'
        f'<polygon points="{" ".join(points)}" fill="#1f3a5f"/>'
        '<circle cx="50" cy="50" r="7" fill="#fff"/></svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


EMBLEM = _emblem()


def _image_data_uri(field_file) -> str | None:
    try:
        with field_file.open("rb") as fh:
            data = fh.read()
    except (OSError, ValueError):
        return None
    if not data.startswith(b"\x89PNG"):
        return None
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


_SIGNATURE_IMAGES = _BoundedCache(128)


def _signature_image(position_id: int) -> str | None:
    from .models import SignatureImage

    img = (
        SignatureImage.objects.filter(position_id=position_id).order_by("-uploaded_at", "-id")
        .only("id", "image", "sha256").first()
    )
    if img is None:
        return None
    # A new upload is a new row and a replaced file a new name and digest: the key changes with either.
    return _SIGNATURE_IMAGES.get((img.pk, img.image.name, img.sha256), lambda: _image_data_uri(img.image))


def _position_label(position) -> str:
    return f"{position.title} {position.unit.name}" if position.unit_id else position.title


def _holder_name(position) -> str:
    from dabir.orgs.models import Assignment

    row = (
        Assignment.objects.current().filter(position=position, role=Assignment.Role.HOLDER)
        .select_related("user").first()
    )
    return str(row.user) if row else ""


def _signers(letter, version) -> list[dict]:
    """Who signs, in circuit order: from the version's signatures, else the letter's intended signer."""
    if version is not None:
        sigs = list(version.signatures.select_related("position__unit", "user").order_by("order", "id"))
        if sigs:
            return [
                {
                    "name": str(s.user), "title": s.position.title, "acting": s.as_acting,
                    "signed_at": isolate_ltr(format_datetime(s.signed_at)), "image": _signature_image(s.position_id),
                }
                for s in sigs
            ]
    pos = letter.signer_position
    if pos is None:
        return []
    name = str(letter.approved_by) if letter.approved_by_id else _holder_name(pos)
    return [{"name": name, "title": pos.title, "acting": False, "signed_at": None, "image": None}]


# A body that opens with its own greeting («با سلام»، «سلام علیکم»، «باسلام و احترام») gets no second one.
_GREETS = re.compile(r"^(با ?سلام|سلام)(\s|$|[؛،:.!])")
_TAGS = re.compile(r"<[^>]*>")


def body_greets(body_html: str) -> bool:
    """Does the letter's text already begin with a greeting?"""
    return bool(_GREETS.match(normalize(html_lib.unescape(_TAGS.sub(" ", body_html or "")))))


def _sender(letter) -> str:
    if letter.kind == "incoming":
        return letter.sender_name
    pos = letter.signer_position or letter.author_position
    return _position_label(pos) if pos else letter.agency.name


def letter_context(letter, version=None) -> dict:
    from dabir.letters.models import Classification, Urgency
    from dabir.letters.services import sanitize_body

    recipients = list(letter.recipients.select_related("position__unit"))
    to = [r.name or _position_label(r.position) for r in recipients if r.role == "to"]
    cc = [r.name or _position_label(r.position) for r in recipients if r.role == "cc"]
    links = [
        {
            "kind": ln.get_kind_display(), "number": isolate_ltr(ln.target.number),
            "date": isolate_ltr(format_date(ln.target.registered_at)),
        }
        for ln in letter.links.select_related("target")
        if ln.target.number
    ]
    code = version.code if version is not None else ""
    display_code = version.display_code if version is not None else ""
    unit = (letter.signer_position or letter.author_position)
    return {
        "letter": letter,
        "agency": letter.agency,
        "unit_name": unit.unit.name if unit is not None else "",
        "emblem": EMBLEM,
        "number": isolate_ltr(letter.number),
        "date": isolate_ltr(format_date(letter.registered_at)),
        "phone": isolate_ltr(letter.agency.phone),
        "has_attachments": letter.attachments.filter(is_scan=False).exists(),
        "classification": (
            Classification(letter.classification).label
            if letter.classification != Classification.UNCLASSIFIED else ""
        ),
        "urgency": Urgency(letter.urgency).label if letter.urgency != Urgency.NORMAL else "",
        "to": to,
        "cc": cc,
        "sender": _sender(letter),
        "links": links,
        "body": mark_safe(sanitize_body(letter.body)),  # noqa: S308 — cleaned by nh3 just above
        "greeting": not body_greets(letter.body),
        "signers": _signers(letter, version),
        "is_draft": not letter.number,
        "code": display_code or code,
        "code_ltr": codes.text(code) if code else "",
        "verify_url": verify_url(code) if code else "",
        "verify_url_ltr": isolate_ltr(verify_url(code), persian=False) if code else "",
        "qr": qr_data_uri(verify_url(code)) if code else "",
    }


def render_html(letter, version=None) -> str:
    return render_to_string("signing/letter_pdf.html", letter_context(letter, version))


def render_letter(version_or_letter) -> bytes:
    """The unsigned PDF of a letter version (or of a plain letter, e.g. a draft preview)."""
    if hasattr(version_or_letter, "canonical"):
        version, letter = version_or_letter, version_or_letter.letter
    else:
        version, letter = None, version_or_letter
    return html_to_pdf(render_html(letter, version), identifier=f"dabir-{letter.uid.hex}")


def html_to_pdf(html: str, identifier: str) -> bytes:
    """The letter's HTML laid out by a warm WeasyPrint (no database work here)."""
    with _renderer() as r:
        return HTML(string=html, base_url=FONTS_DIR.as_uri() + "/", url_fetcher=r.fetcher).write_pdf(
            stylesheets=[r.stylesheet()], font_config=r.font_config, pdf_identifier=identifier.encode(),
        )


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _stored_pdf(version) -> bytes | None:
    if not version.pdf or not version.pdf_sha256:
        return None
    try:
        with version.pdf.open("rb") as fh:
            data = fh.read()
    except OSError:
        return None
    return data if sha256(data) == version.pdf_sha256 else None


def letter_pdf(version) -> bytes:
    """The signed PDF of a version: rendered and signed the first time, then the stored file."""
    from . import pades
    from .models import LetterVersion

    data = _stored_pdf(version)
    signatures = list(version.signatures.select_related("certificate").order_by("order", "id"))
    if data is not None and pades.count_signatures(data) == len(signatures):
        return data
    with transaction.atomic():
        locked = LetterVersion.objects.select_for_update().get(pk=version.pk)
        data = _stored_pdf(locked)
        if data is not None and pades.count_signatures(data) == len(signatures):
            return data
        data = render_letter(locked)
        if signatures:
            data = pades.sign_pdf(data, signatures)
        locked.pdf.save(f"v{locked.number}.pdf", ContentFile(data), save=False)
        locked.pdf_sha256 = sha256(data)
        locked.save(update_fields=["pdf", "pdf_sha256"])
    version.pdf, version.pdf_sha256 = locked.pdf, locked.pdf_sha256
    return data


# ---------------------------------------------------------------- checking a PDF someone holds


@dataclass
class PdfReport:
    """What a check of an uploaded PDF found: (part, ok, Persian message) per check."""

    checks: list[tuple[str, bool, str]] = field(default_factory=list)
    version: object | None = None
    signers: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(ok for _, ok, _ in self.checks)

    def add(self, part: str, ok: bool, message: str) -> None:
        self.checks.append((part, ok, message))

    def failed(self) -> list[str]:
        """The parts that failed, each once, in the order they were checked."""
        return list(dict.fromkeys(part for part, ok, _ in self.checks if not ok))


def _signer_names(version, count: int) -> dict[int, str]:
    """Who made each PAdES signature of an issued version, by its place in the file: name and the
    position's full title from our records (a certificate's name is bounded and may be shortened)."""
    if version is None:
        return {}
    sigs = list(version.signatures.select_related("position", "user").order_by("order", "id"))
    if len(sigs) != count:
        return {}
    return {
        i: f"{s.user} — {s.position.title}" + (" (جانشین)" if s.as_acting else "") for i, s in enumerate(sigs)
    }


def check_uploaded_pdf(content: bytes) -> PdfReport:
    """Is this the genuine, unaltered PDF of an issued letter, and are its signatures intact?"""
    from . import pades
    from .models import LetterVersion

    report = PdfReport()
    if not content.startswith(PDF_MAGIC):
        report.add("file", False, "این پرونده PDF نیست.")
        return report
    digest = sha256(content)
    version = (
        LetterVersion.objects.select_related("letter__agency").filter(pdf_sha256=digest).first()
    )
    report.version = version

    results = pades.validate(content)
    if results is None:
        report.add("file", False, "پرونده PDF خراب است و خوانده نمی‌شود.")
    elif not results:
        report.add("pades", False, "این PDF امضای دیجیتال ندارد.")
    else:
        names = _signer_names(version, len(results))
        for i, r in enumerate(results):
            r["signer"] = names.get(i, r["signer"])
            report.signers.append(r)
            if not r["intact"]:
                report.add("pades", False, f"امضای «{r['signer']}»: محتوای PDF پس از امضا تغییر کرده است.")
            elif not r["valid"]:
                report.add("pades", False, f"امضای «{r['signer']}» از نظر رمزنگاری معتبر نیست.")
            elif not r["trusted"]:
                report.add("pades", False, f"گواهی امضاکننده «{r['signer']}» از مراجع مورد اعتماد این سامانه نیست.")
            else:
                report.add("pades", True, f"امضای «{r['signer']}» سالم و معتبر است.")
        if results and not results[-1]["covers_whole_file"]:
            report.add("pades", False, "پس از آخرین امضا چیزی به PDF افزوده شده است.")

    if version is None:
        report.add("issued", False, "این پرونده با هیچ نامهٔ صادرشده‌ای در این سامانه یکسان نیست.")
    else:
        report.add("issued", True, "این پرونده دقیقاً همان PDF صادرشده برای این نامه است.")
        from .verify import verify_version

        for part, ok, message in verify_version(version).checks:
            report.add(part, ok, message)
    return report
