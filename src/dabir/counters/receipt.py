"""The receipt (رسید) of a counter submission: what it says, as a page to print and as a PDF, in two
sizes — A5 and the 80 mm thermal roll of a counter's receipt printer.

receipt_context(submission) -> the receipt's content (Persian digits, Jalali date-time, masked national
code, tracking code and its QR); render_pdf(submission, size) -> PDF bytes laid out by WeasyPrint with
Vazirmatn (the warm renderers and the packaged fonts of dabir.signing.pdf). A roll has no fixed page
length: the receipt is laid out once on a long strip, measured, and laid out again on a strip exactly
as long as it (WeasyPrint needs a page size).
"""

from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from dabir.core.jalali import format_datetime
from dabir.core.text import to_persian_digits
from dabir.desk import codes
from dabir.payments.money import fa_amount

from .models import PaymentMethod, Submission

A5, ROLL = "a5", "roll"
SIZES = {A5: "کاغذ A5", ROLL: "کاغذ رول ۸۰ میلی‌متری"}
ROLL_WIDTH_MM = 80
ROLL_MIN_MM = 100
ROLL_MAX_MM = 2000
ROLL_FALLBACK_MM = 250  # the strip when the receipt cannot be measured
PX_PER_MM = 96 / 25.4  # CSS pixels


def _ltr(text: str) -> str:
    """A left-to-right run (a code, a number with separators, an address) isolated inside Persian text."""
    return f"\u2066{text}\u2069" if text else ""


def size_of(value) -> str:
    return value if value in SIZES else A5


def mask_national_code(code: str) -> str:
    """The citizen's national code on paper: the first three and last two digits only."""
    from .selectors import mask

    return mask(code, 2, head=3)


def tracking_path(sub: Submission) -> str:
    """Where the citizen tracks what was filed: the desk's tracking page (a letter: the counters' own)."""
    if sub.kind == Submission.Kind.LETTER:
        try:
            return reverse("counters:track")
        except NoReverseMatch:
            return "/counters/track/"
    return reverse("desk:track")


def tracking_url(sub: Submission) -> str:
    from dabir.signing.pdf import public_base_url

    return f"{public_base_url()}{tracking_path(sub)}?code={sub.tracking_code}"


def _reference(sub: Submission) -> str:
    ref = (sub.payment.ref_id or "") if sub.payment_id else ""
    return ref.split(":", 1)[1] if ref.startswith("pos:") else ref


def receipt_context(sub: Submission) -> dict:
    from dabir.signing.pdf import qr_data_uri

    office = sub.office
    operator = sub.operator
    visit = sub.visit
    citizen = (visit.name if visit else "") or (sub.request.applicant_name if sub.request_id else "")
    if sub.kind == Submission.Kind.LETTER and sub.counter_letter_id:
        citizen = citizen or sub.counter_letter.citizen_name
        what = f"نامه به {sub.agency.name}: {sub.counter_letter.subject}"
    else:
        what = sub.service.title if sub.service_id else ""
    url = tracking_url(sub)
    return {
        "sub": sub, "office": office,
        "office_code": to_persian_digits(office.code), "office_phone": _ltr(to_persian_digits(office.phone)),
        "office_address": to_persian_digits(office.address),
        "operator": operator.get_full_name() or operator.username,
        "when": format_datetime(sub.paid_at or sub.created_at),
        "printed": format_datetime(timezone.now()),
        "citizen": citizen or "—", "national_code": _ltr(to_persian_digits(mask_national_code(sub.national_code))),
        "what": what, "agency": sub.agency.name,
        "code": _ltr(codes.display(sub.tracking_code)),
        "agency_fee": fa_amount(sub.agency_fee_rials), "counter_fee": fa_amount(sub.counter_fee_rials),
        "total": fa_amount(sub.total_rials),
        "paid": sub.state == Submission.State.PAID,
        "state": sub.get_state_display(),
        "method": PaymentMethod(sub.method).label if sub.method else "—",
        "reference": _ltr(to_persian_digits(_reference(sub))),
        "card_mask": _ltr(to_persian_digits(sub.payment.card_mask if sub.payment_id else "")),
        "tracking_url": _ltr(url), "qr": qr_data_uri(url),
    }


def _css() -> str:
    from pathlib import Path

    return (Path(__file__).resolve().parent / "templates" / "counters" / "desk" / "receipt_pdf.css").read_text(
        encoding="utf-8")


def _page_css(size: str, height_mm: float | None = None) -> str:
    if size == ROLL:
        return f"@page {{ size: {ROLL_WIDTH_MM}mm {height_mm or ROLL_MAX_MM:.1f}mm; margin: 4mm 4mm; }}"
    return "@page { size: A5; margin: 10mm 11mm; }"


def _content_height_mm(document) -> float:
    """How long the laid-out receipt is on its strip, page margins included (WeasyPrint's layout boxes are
    not a public API: if they change, the strip keeps a generous fixed length instead)."""
    if len(document.pages) != 1:
        return ROLL_FALLBACK_MM
    try:
        box = document.pages[0]._page_box
        html = box.children[0]
        bottom_px = html.position_y + html.margin_height() + box.margin_bottom
    except (AttributeError, IndexError, TypeError):
        return ROLL_FALLBACK_MM
    return bottom_px / PX_PER_MM + 1  # a millimetre to spare, so nothing falls onto a second page


def render_pdf(sub: Submission, size: str = A5) -> bytes:
    from weasyprint import CSS, HTML

    from dabir.signing.pdf import FONTS_DIR, _renderer

    size = size_of(size)
    html = render_to_string("counters/desk/receipt_pdf.html", {**receipt_context(sub), "size": size})
    base = FONTS_DIR.as_uri() + "/"
    with _renderer() as r:
        common = CSS(string=_css(), base_url=base, url_fetcher=r.fetcher, font_config=r.font_config)

        def layout(height_mm=None):
            page = CSS(string=_page_css(size, height_mm), font_config=r.font_config)
            return HTML(string=html, base_url=base, url_fetcher=r.fetcher).render(
                stylesheets=[common, page], font_config=r.font_config)

        document = layout()
        if size == ROLL:
            height = min(max(_content_height_mm(document), ROLL_MIN_MM), ROLL_MAX_MM)
            document = layout(height)
        return document.write_pdf(pdf_identifier=f"counter-receipt-{sub.pk}-{size}".encode())
