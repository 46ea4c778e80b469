"""Persian OCR seconds per A4 page on this machine, against rendering and rasterising the same pages.

Run by the orchestrator as `python -m bench.ocr --out FILE --pages 5 --on sqlite` with
DABIR_DATABASE_URL set (OCR touches no database: it is timed on the engine --on names only). The
pages are tests/channels/scans.py's: known Persian text laid out by WeasyPrint in Vazirmatn,
rasterised at 300 dpi with pdfium and soiled (specks, skew, blur), as a scanner would give them.

  baseline  render the text to PDF + rasterise + soil, per page (the cost of making the scan)
  ocr_file  channels.ocr.read_file on one --pages-page scanned PDF (OCRmyPDF, two cores), per page
  ocr_page  read_file on each page alone (the child process's start paid every time)
  digital   read_file on the born-digital PDF of the same pages (pypdf's text, no OCR), per page

Also the share of the known words found in the OCR text (a rough accuracy).
"""

from __future__ import annotations

import re
import time

from bench.common import phase_args, ratio, setup_django, summary, write_result


def _words(text: str) -> set[str]:
    from dabir.core.text import normalize

    return set(re.findall(r"[^\W\d_]{2,}", normalize(text)))


def main() -> None:
    parser = phase_args(__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=5)
    parser.add_argument("--on", default="sqlite", help="the engine whose phase times OCR")
    args = parser.parse_args()
    vendor = setup_django()
    if vendor != args.on:
        write_result(args.out, {"available": True, "measured": False, "reason": f"measured on {args.on}"})
        return

    import img2pdf
    from django.conf import settings
    from tests.channels import scans

    from dabir.channels import ocr

    n = args.pages
    lines = scans.LINES
    baseline, images = [], []
    for i in range(n):
        t0 = time.perf_counter()
        [page] = scans.rasterise(scans.born_digital_pdf(lines, 1), 300)
        images.append(scans.soil(page, seed=i + 1))
        baseline.append(time.perf_counter() - t0)
    pages_pdf = [scans.scanned_pdf(images=[img]) for img in images]
    whole = img2pdf.convert([scans.encode(img, "JPEG", 300) for img in images])

    ocr.read_file(pages_pdf[0], "application/pdf")  # warm-up: imports, Tesseract's model in the page cache
    t0 = time.perf_counter()
    reading = ocr.read_file(whole, "application/pdf")
    file_s = time.perf_counter() - t0
    per_page = []
    for pdf in pages_pdf:
        t0 = time.perf_counter()
        ocr.read_file(pdf, "application/pdf")
        per_page.append(time.perf_counter() - t0)
    digital_pdf = scans.born_digital_pdf(lines, n)
    t0 = time.perf_counter()
    digital = ocr.read_file(digital_pdf, "application/pdf")
    digital_s = time.perf_counter() - t0

    known = _words(" ".join(lines))
    found = _words(reading.text) & known
    base = summary(baseline)
    write_result(args.out, {
        "available": True, "measured": True, "pages": n, "dpi": 300,
        "languages": settings.DABIR_OCR_LANGUAGES,
        "baseline": base,
        "ocr_file": {"seconds": round(file_s, 3), "per_page_s": round(file_s / n, 3),
                     "ratio": ratio(file_s / n * 1000, base["p50_ms"])},
        "ocr_page": {**summary(per_page), "ratio": ratio(summary(per_page)["p50_ms"], base["p50_ms"])},
        "digital": {"per_page_ms": round(digital_s / n * 1000, 2), "ocr": bool(digital.searchable_pdf)},
        "words_found": f"{len(found)}/{len(known)}", "pages_read": reading.pages, "note": reading.note,
    })


def report(results: dict) -> str:
    from bench.common import fmt, table

    rows, notes = [], []
    for db, r in results.items():
        if not r.get("available"):
            rows.append([db, r.get("reason", "not available"), "", "", ""])
            continue
        if not r.get("measured"):
            continue
        b = r["baseline"]["p50_ms"]
        rows.append([f"{db} render+rasterise+soil (baseline)", r["pages"], fmt(b, " ms"), "", "1×"])
        f = r["ocr_file"]
        rows.append([f"{db} read_file, {r['pages']}-page scan", r["pages"], fmt(f["per_page_s"] * 1000, " ms"),
                     fmt(f["seconds"], " s"), fmt(f["ratio"], "×")])
        p = r["ocr_page"]
        rows.append([f"{db} read_file, one page alone", p["n"], fmt(p["p50_ms"], " ms"), fmt(p["p95_ms"], " ms p95"),
                     fmt(p["ratio"], "×")])
        rows.append([f"{db} read_file, born-digital (no OCR)", r["pages"], fmt(r["digital"]["per_page_ms"], " ms"),
                     "", ""])
        notes.append(f"{db}: {r['dpi']} dpi, languages {r['languages']}; known words found by OCR "
                     f"{r['words_found']}; born-digital ran OCR: {r['digital']['ocr']}")
    text = table(["OCR per A4 page", "pages", "per page", "total", "vs baseline"], rows)
    return text + ("\n" + "\n".join(notes) if notes else "")


if __name__ == "__main__":
    main()
