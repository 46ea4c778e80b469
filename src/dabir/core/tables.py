"""Tables as downloads: CSV (UTF-8 with a BOM, so Excel reads Persian right) and Excel workbooks
(right-to-left sheets, numbers stored as numbers). Every table a page shows can be given here as
columns and rows of plain values."""

import csv
import io
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    number_format: str = ""  # e.g. "#,##0" or "0.0"; empty for text


@dataclass
class Sheet:
    title: str
    columns: list[Column]
    rows: list[dict] = field(default_factory=list)


def cell_text(value) -> str:
    """Text as a spreadsheet cell: never read as a formula (=, +, -, @ at the start)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _value(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "بله" if value else "خیر"
    if isinstance(value, (int, float)):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    return cell_text(value)


def to_csv(sheet: Sheet) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.label for c in sheet.columns])
    for row in sheet.rows:
        writer.writerow(["" if (v := _value(row.get(c.key))) is None else v for c in sheet.columns])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(*sheets: Sheet) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    bold = Font(bold=True)
    for i, sheet in enumerate(sheets):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = sheet.title[:31]
        ws.sheet_view.rightToLeft = True
        ws.append([c.label for c in sheet.columns])
        for c in ws[1]:
            c.font = bold
        for row in sheet.rows:
            ws.append([_value(row.get(c.key)) for c in sheet.columns])
        for j, col in enumerate(sheet.columns, start=1):
            letter = ws.cell(row=1, column=j).column_letter
            ws.column_dimensions[letter].width = max(12, min(40, len(col.label) + 4))
            if col.number_format:
                for (c,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    c.number_format = col.number_format
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
