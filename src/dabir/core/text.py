"""Persian text: the project's one normalisation function and digit conversion.

normalize() is used both when a letter is indexed and when a query is typed, so that
ي/ی, ك/ک, diacritics, tatweel, half-spaces and Persian/Arabic digits all match.
"""

import re

_PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
_ARABIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"

_TO_LATIN = str.maketrans(
    {**{d: str(i) for i, d in enumerate(_PERSIAN_DIGITS)}, **{d: str(i) for i, d in enumerate(_ARABIC_DIGITS)}}
)
_TO_PERSIAN = str.maketrans({str(i): d for i, d in enumerate(_PERSIAN_DIGITS)})

_LETTERS = str.maketrans(
    {
        "ي": "ی",
        "ى": "ی",
        "ئ": "ی",
        "ك": "ک",
        "ة": "ه",
        "ۀ": "ه",
        "أ": "ا",
        "إ": "ا",
        "ٱ": "ا",
        "ؤ": "و",
        "ـ": None,  # tatweel
    }
)
# Arabic diacritics (harakat, tanwin, shadda, sukun, superscript alef).
_DIACRITICS = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed]")
# ZWNJ, ZWJ, LRM/RLM, other invisible joiners and every run of whitespace become one space.
_SPACES = re.compile("[\u200c\u200d\u200e\u200f\u00a0\u202a-\u202e\u2066-\u2069\\s]+")


def to_latin_digits(value: str) -> str:
    return value.translate(_TO_LATIN)


def to_persian_digits(value) -> str:
    return str(value).translate(_TO_PERSIAN)


def normalize(value: str | None) -> str:
    """Fold a Persian string to its search form: lower case, unified letters, no marks."""
    if not value:
        return ""
    text = _DIACRITICS.sub("", value.translate(_LETTERS))
    text = to_latin_digits(text)
    return _SPACES.sub(" ", text).strip().lower()


def tokens(value: str | None) -> list[str]:
    """Words of a normalised string, with punctuation as separators."""
    return [t for t in re.split(r"[^\w/]+", normalize(value)) if t]


_RTL_RUN = re.compile("([\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]+)")


def ltr_number(value, persian: bool = True) -> str:
    """An official number (۱۴۰۵/ص/۱۲) laid out left to right inside right-to-left text.

    The text is wrapped in a left-to-right isolate, and a left-to-right mark follows each run
    of Persian letters, so the digits after «ص» stay in place and a multi-letter code still
    reads right to left. Works in browsers and in PDFs, which ignore CSS unicode-bidi.
    """
    if value in (None, ""):
        return ""
    text = to_persian_digits(value) if persian else str(value)
    return "\u2066" + _RTL_RUN.sub("\\1\u200e", text) + "\u2069"


# Letters that normalize() folds together, so a highlighted word matches as search did.
_FOLDS = {"ی": "یيىئ", "ک": "کك", "ه": "هةۀ", "ا": "اأإٱ", "و": "وؤ"}
_BETWEEN = "[\u064b-\u065f\u0670\u0640\u200c\u200d]*"  # diacritics, tatweel, ZWNJ/ZWJ inside a word


def word_pattern(words: list[str]) -> re.Pattern | None:
    """A pattern that finds any of `words` (already normalised) in original, unnormalised text:
    ي for ی, ك for ک, diacritics, tatweel and half-spaces between letters, Persian or Arabic digits."""
    parts = []
    for word in sorted({w for w in words if w}, key=len, reverse=True):
        chars = []
        for ch in word:
            if ch.isdigit():
                chars.append(f"[{ch}{_PERSIAN_DIGITS[int(ch)]}{_ARABIC_DIGITS[int(ch)]}]")
            else:
                chars.append("[" + re.escape(_FOLDS.get(ch, ch)) + "]")
        parts.append(_BETWEEN.join(chars) + "[\u064b-\u065f\u0670]*")  # with its own final marks
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None
