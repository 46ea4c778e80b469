"""How a series' official numbers are written: the pattern's pieces, its check, and the formatting
that both the numbering service (take_number) and the admin's preview use.

A pattern is a template such as «{year}/{code}/{seq}»; its fields are {year} the Jalali year,
{yy} its last two digits, {code} the series code, {secretariat} the secretariat code and {seq}
the sequence ({seq:05d} zero-padded to five digits). Between the pieces stand separators, and
one fixed text may be a piece too (ص/{seq}).
"""

import re
from string import Formatter

from django.utils import timezone

from dabir.core.errors import DomainError
from dabir.core.jalali import jalali_year

# The letter kinds a series may number (the same codes as letters.Kind; orgs knows no letters).
LETTER_KINDS = [("incoming", "وارده"), ("outgoing", "صادره"), ("internal", "داخلی")]

PIECES = {
    "year": "سال (۱۴۰۵)",
    "yy": "سال دورقمی (۰۵)",
    "code": "کد سری",
    "secretariat": "کد دبیرخانه",
    "seq": "ردیف",
    "text": "متن ثابت",
}
SEPARATORS = {"/": "/", "-": "-", ".": ".", "": "بدون جداکننده"}
MAX_PADDING = 9
_SEQ_SPEC = re.compile(r"^(?:0(\d))?d?$")


class Pattern:
    """A pattern as the friendly form edits it: pieces in order, separators between them, the fixed
    text and the sequence's width."""

    def __init__(self, pieces: list[str], separators: list[str], text: str = "", padding: int = 0):
        self.pieces, self.separators, self.text, self.padding = pieces, separators, text, padding

    def template(self) -> str:
        out = []
        for i, piece in enumerate(self.pieces):
            if i:
                out.append(self.separators[i - 1])
            if piece == "text":
                out.append(self.text.replace("{", "").replace("}", ""))
            elif piece == "seq" and self.padding > 1:
                out.append(f"{{seq:0{self.padding}d}}")
            else:
                out.append(f"{{{piece}}}")
        return "".join(out)


def _parse(template: str) -> list[tuple[str, str, str | None]]:
    """(literal, field, spec) runs of a template; a Persian error when it does not parse."""
    try:
        return [(lit, field, spec) for lit, field, spec, _conv in Formatter().parse(template)]
    except ValueError:
        raise DomainError("الگوی شماره نادرست است: آکولادها جفت نیستند.", field="template") from None


def check(template: str) -> None:
    """Refuse a pattern that could not make a number, with a Persian message."""
    if not template.strip():
        raise DomainError("الگوی شماره خالی است.", field="template")
    if len(template) > 100:
        raise DomainError("الگوی شماره بلندتر از ۱۰۰ نویسه است.", field="template")
    fields = []
    for _lit, field, spec in _parse(template):
        if field is None:
            continue
        if field not in PIECES or field == "text":
            raise DomainError(f"الگوی شماره بخشی ناشناخته دارد: «{field}».", field="template")
        if spec and not (field == "seq" and _SEQ_SPEC.match(spec)):
            raise DomainError(f"قالب «{spec}» برای بخش «{PIECES[field]}» پذیرفته نیست.", field="template")
        fields.append(field)
    if "seq" not in fields:
        raise DomainError("الگوی شماره باید «ردیف» را داشته باشد تا شماره‌ها یکتا بمانند.", field="template")


def format_number(template: str, *, year: int, seq: int, code: str, secretariat: str) -> str:
    """The one place a number is written from its pattern (take_number and the preview both call it)."""
    check(template)
    return template.format(year=year, yy=f"{year % 100:02d}", code=code, secretariat=secretariat, seq=seq)


def next_number(series, at=None) -> str:
    """The number the next registration in `series` would get now (no lock, nothing taken)."""
    year = jalali_year(at or timezone.now())
    counter = series.counters.filter(year=year).first() if series.pk else None
    return series.format(year=year, seq=(counter.last if counter else 0) + 1)


def split(template: str) -> Pattern | None:
    """The friendly form's pieces of a template, or None when the template does not fit the form."""
    seps = [s for s in SEPARATORS if s]
    runs: list[tuple[str, str]] = []  # ("piece", name) | ("sep", char)
    text = ""
    padding = 0
    try:
        parsed = _parse(template)
    except DomainError:
        return None
    for lit, field, spec in parsed:
        for chunk in re.split(r"([/\-.])", lit):
            if chunk in seps:
                runs.append(("sep", chunk))
            elif chunk:
                if text and chunk != text:
                    return None
                text = chunk
                runs.append(("piece", "text"))
        if field is not None:
            if field not in PIECES or field == "text":
                return None
            if field == "seq" and spec:
                match = _SEQ_SPEC.match(spec)
                if not match:
                    return None
                padding = int(match.group(1) or 0)
            runs.append(("piece", field))
    pieces, separators = [], []
    expect_piece = True
    for kind, value in runs:
        if kind == "piece":
            if not expect_piece:
                separators.append("")
            pieces.append(value)
            expect_piece = False
        else:
            if expect_piece:
                return None  # a separator first, or two in a row
            separators.append(value)
            expect_piece = True
    if expect_piece and pieces:
        return None  # ends with a separator
    return Pattern(pieces, separators, text, padding)
