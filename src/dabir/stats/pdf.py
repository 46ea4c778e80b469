"""Supervision reports laid out as PDFs on the supervising office's letterhead: the ranking, one agency's
report and the certificate of recognition (templates stats/pdf/*.html, stylesheet stats/pdf/report.css).

The warm WeasyPrint renderers of dabir.signing.pdf do the layout (Vazirmatn loaded once per renderer,
Persian shaped by Pango/HarfBuzz); this module only turns a services.reports.Report into the
template's context and picks the page: the ranking and the certificate on A4 landscape, the agency's
report on A4 portrait.
"""

import threading
import weakref
from pathlib import Path

from django.template.loader import render_to_string

from dabir.core.jalali import format_date, format_long, persian
from dabir.signing.pdf import EMBLEM, FONTS_DIR, isolate_ltr

from . import figures as F
from .periods import Period
from .templatetags.stats_format import format_figure, number, rank_change

STYLESHEET = Path(__file__).resolve().parent / "templates" / "stats" / "pdf" / "report.css"
PORTRAIT, LANDSCAPE = "A4", "A4 landscape"

# What each index component is measured by, as the ranking's columns show it.
COMPONENT_FIGURES = {
    "incoming": "in_electronic_share",
    "outgoing": "out_electronic_share",
    "exchange": "inter_exchange_share",
    "signature": "signed_digital_share",
    "printing": "pages_per_letter",
    "managers": "managers_active_share",
    "connected": "connected",
}
TREND_COLUMNS = [
    ("in_electronic_share", "وارده الکترونیکی"),
    ("out_electronic_share", "صادره الکترونیکی"),
    ("signed_digital_share", "امضای الکترونیکی"),
    ("print_pages", "صفحه‌های چاپی"),
    ("letters_in", "وارده"),
    ("letters_out", "صادره"),
]


# ---- context ---------------------------------------------------------------------------------


def person(user) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


def letterhead(report) -> dict:
    """The heading: the supervising office's name under the emblem, or a plain «دبیرخانه نظارت …»
    when no office supervises the report's province."""
    if report.office is not None:
        name = persian(report.office.name)
    elif report.scope_label.startswith("استان"):
        name = f"دبیرخانه نظارت {report.scope_label}"
    else:
        name = "دبیرخانه نظارت کشوری"
    return {
        "emblem": EMBLEM, "office_name": name, "has_office": report.office is not None,
        "date": isolate_ltr(format_date(report.issued_at)), "date_long": format_long(report.issued_at),
        "serial": isolate_ltr(report.serial) if report.serial else "",
        "issuer": person(report.user),
    }


def index_text(value) -> str:
    return number(value, 1) if value is not None else "—"


def change_text(row) -> str:
    return "—" if row.rank is None else rank_change(row.change)


def _weights_context(weights: dict) -> dict:
    values = weights.get("values", {})
    return {
        "weights": [(F.COMPONENT_LABELS[k], number(values.get(k, 0))) for k in F.COMPONENT_LABELS],
        "print_cap": number(weights.get("print_cap"), 2),
        "weights_mixed": weights.get("mixed", False),
    }


def ranking_context(report) -> dict:
    values = report.weights.get("values", {})
    columns = [(k, F.COMPONENT_LABELS[k], number(values.get(k, 0))) for k in COMPONENT_FIGURES]
    rows = [{
        "rank": number(r.rank) if r.rank is not None else "—",
        "change": change_text(r),
        "agency": persian(r.agency.name),
        "province": r.agency.province,
        "index": index_text(r.index),
        "cells": [format_figure(r.figures.get(fig), fig) for fig in COMPONENT_FIGURES.values()],
        "unranked": r.rank is None,
    } for r in report.rows]
    return {
        **letterhead(report), **_weights_context(report.weights),
        "title": f"رتبه‌بندی دستگاه‌ها در شاخص سازمان کم‌کاغذ — {report.period.label}",
        "period": report.period, "scope": report.scope_label, "columns": columns, "rows": rows,
        "ranked": sum(1 for r in report.rows if r.rank is not None),
        "show_province": report.scope_label == "کشور",
    }


def _month_label(month: int) -> str:
    return Period("month", month // 100, month % 100).label


def agency_context(report) -> dict:
    row, agency = report.row, report.agency
    groups = [{
        "label": label,
        "figures": [(f.label, format_figure(row.figures.get(f.key), f.key)) for f in F.FIGURES if f.group == key],
    } for key, label in F.GROUPS.items()]
    values = report.weights.get("values", {})
    shares = F.components(row.figures, report.weights.get("print_cap") or 2)
    lost = [{
        "label": F.COMPONENT_LABELS[k], "weight": number(values.get(k, 0)),
        "measured": format_figure(row.figures.get(COMPONENT_FIGURES[k]), COMPONENT_FIGURES[k]),
        "share": "—" if shares.get(k) is None else f"{number(100 * shares[k], 1)}٪",
        "lost": number(points, 1),
    } for k, points in sorted(row.lost.items(), key=lambda kv: -kv[1])]
    months = report.trend.get("months", [])
    series = report.trend.get("series", {}).get(agency.pk, {})

    def column(key):  # one value per month
        return series.get(key) or [None] * len(months)

    trend = [{
        "month": _month_label(m), "index": index_text(column("index")[i]),
        "cells": [format_figure(column(key)[i], key) for key, _ in TREND_COLUMNS],
    } for i, m in enumerate(months)]
    return {
        **letterhead(report), **_weights_context(report.weights),
        "title": f"گزارش شاخص سازمان کم‌کاغذ {persian(agency.name)} — {report.period.label}",
        "agency": agency, "period": report.period, "scope": report.scope_label,
        "index": index_text(row.index), "rank": number(row.rank) if row.rank is not None else "",
        "ranked": number(report.ranked), "change": change_text(row), "groups": groups, "lost": lost,
        "lost_total": number(sum(row.lost.values()), 1) if row.lost else "",
        "trend": trend, "trend_columns": [label for _, label in TREND_COLUMNS],
    }


def certificate_context(report) -> dict:
    row = report.row
    head = letterhead(report)
    return {
        **head, "no_meta": True,
        "agency": report.agency, "period": report.period, "scope": report.scope_label,
        "index": index_text(row.index), "rank": number(row.rank),
        "signer": person(report.user), "signer_office": head["office_name"],
    }


# ---- layout ----------------------------------------------------------------------------------

# The report stylesheet parsed once per warm renderer (its @font-face rules load Vazirmatn into that
# renderer's font configuration), parsed again when the file changes.
_SHEETS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_SHEETS_LOCK = threading.Lock()


def _stylesheet(renderer):
    from weasyprint import CSS

    st = STYLESHEET.stat()
    stamp = (st.st_mtime_ns, st.st_size)
    with _SHEETS_LOCK:
        cached = _SHEETS.get(renderer)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    sheet = CSS(string=STYLESHEET.read_text(encoding="utf-8"), base_url=FONTS_DIR.as_uri() + "/",
                url_fetcher=renderer.fetcher, font_config=renderer.font_config)
    with _SHEETS_LOCK:
        _SHEETS[renderer] = (stamp, sheet)
    return sheet


def html_to_pdf(html: str, *, page: str, identifier: str) -> bytes:
    from weasyprint import CSS, HTML

    # The warm renderers are signing's (the counters' receipt borrows them the same way).
    from dabir.signing.pdf import _renderer

    base = FONTS_DIR.as_uri() + "/"
    with _renderer() as r:
        page_css = CSS(string=f"@page {{ size: {page}; }}", font_config=r.font_config)
        return HTML(string=html, base_url=base, url_fetcher=r.fetcher).write_pdf(
            stylesheets=[_stylesheet(r), page_css], font_config=r.font_config, pdf_identifier=identifier.encode())


def render_ranking(report) -> bytes:
    html = render_to_string("stats/pdf/ranking.html", ranking_context(report))
    return html_to_pdf(html, page=LANDSCAPE, identifier=f"dabir-ranking-{report.period.key}-{report.serial}")


def render_agency(report) -> bytes:
    html = render_to_string("stats/pdf/agency.html", agency_context(report))
    return html_to_pdf(html, page=PORTRAIT,
                       identifier=f"dabir-agency-{report.agency.pk}-{report.period.key}-{report.serial}")


def render_certificate(report) -> bytes:
    html = render_to_string("stats/pdf/certificate.html", certificate_context(report))
    return html_to_pdf(html, page=LANDSCAPE,
                       identifier=f"dabir-certificate-{report.agency.pk}-{report.period.key}-{report.serial}")
