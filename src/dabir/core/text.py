"""Persian text: the project's one normalisation function and digit conversion.

normalize() is used both when a letter is indexed and when a query is typed, so that
ي/ی, ك/ک, diacritics, tatweel, half-spaces and Persian/Arabic digits all match, and so that an
affix written joined, with a half-space or with a space («میشود»، «می‌شود»، «می شود») is one word.

The affix rules are our own rather than hazm's: hazm pulls gensim, numpy, scikit-learn and
fasttext, and importing it costs about 320 MB and 2 s in every web worker.
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


# Persian letters after folding (a word of these can take an affix).
_L = "\u0621-\u063a\u0641-\u064a\u067e\u0686\u0698\u06a9\u06af\u06cc"
# Affixes people write joined, with a half-space or with a space. Each is glued to its word, so
# all three spellings become the joined one. Only a whole separate token is glued, never a piece
# of a word («میز», «ترینیداد» stay whole), and only to a word of two letters or more. Left out
# on purpose: «است» (a verb of its own), «شان/مان/تان» (شأن, مان are words), «نا» (rare apart).
PREFIXES = ("نمی", "می", "بی")
SUFFIXES = ("هایی", "های", "ها", "ترین", "تر", "اند", "ایم", "اید", "ام", "ای", "ات", "اش", "یی")
_PREFIX_GAP = re.compile(f"(?<!\\w)({'|'.join(PREFIXES)}) (?=[{_L}]{{2}})")
_SUFFIX_GAP = re.compile(f"(?<=[{_L}]{{2}}) ({'|'.join(SUFFIXES)})(?!\\w)")
# The ezafe «ی» after a final «ه» (خانه‌ی، خانه ی) is dropped, as «خانهٔ» loses its hamza.
_EZAFE = re.compile(f"(?<=[{_L}]ه) ی(?!\\w)")


def _join_affixes(text: str) -> str:
    while True:  # until nothing changes, so that normalize() is idempotent
        joined = _EZAFE.sub("", _SUFFIX_GAP.sub(r"\1", _PREFIX_GAP.sub(r"\1", text)))
        if joined == text:
            return text
        text = joined


def is_affix(word: str) -> bool:
    """A word that is only an affix («ها», «می»): it means nothing searched alone."""
    return word in PREFIXES or word in SUFFIXES


def to_latin_digits(value: str) -> str:
    return value.translate(_TO_LATIN)


# What people type between the digits of one number: thousands separators (Latin, Persian «٬», the Arabic
# comma «،»), spaces, half-spaces and underscores.
_NUMBER_SEPARATORS = str.maketrans("", "", ",٬، \u200c_")


def typed_number(value) -> str:
    """A number as typed (۸۵٫۵، 1,200، ۱ ۲۰۰) in Latin digits, separators dropped and «٫» as the decimal
    point «.»; to be checked by the caller ('' for nothing typed)."""
    text = to_latin_digits(str(value if value is not None else "")).strip()
    return text.translate(_NUMBER_SEPARATORS).replace("٫", ".")


def to_persian_digits(value) -> str:
    return str(value).translate(_TO_PERSIAN)


def normalize(value: str | None) -> str:
    """Fold a Persian string to its search form: lower case, unified letters, no marks."""
    if not value:
        return ""
    text = _DIACRITICS.sub("", value.translate(_LETTERS))
    text = to_latin_digits(text)
    return _join_affixes(_SPACES.sub(" ", text).strip().lower())


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


# A space or half-space where normalize() glued an affix to its word.
_GAP = "[\\s\u200c\u200d]*"
_LETTER = re.compile(f"[{_L}]")


def _suffix_chain(rest: str) -> bool:
    return rest == "" or any(rest.startswith(s) and _suffix_chain(rest[len(s):]) for s in SUFFIXES)


def _affix_gaps(word: str) -> set[int]:
    """Where in a normalised word an affix may have been glued on: after a prefix, before suffixes."""
    gaps = set()
    for prefix in PREFIXES:
        rest = word[len(prefix):]
        if word.startswith(prefix) and len(rest) >= 2 and _LETTER.match(rest[0]) and _LETTER.match(rest[1]):
            gaps.add(len(prefix))
    for i in range(2, len(word)):
        if _LETTER.match(word[i - 1]) and _LETTER.match(word[i - 2]) and _suffix_chain(word[i:]):
            gaps.add(i)
    return gaps


def word_pattern(words: list[str]) -> re.Pattern | None:
    """A pattern that finds any of `words` (already normalised) in original, unnormalised text:
    ي for ی, ك for ک, diacritics, tatweel and half-spaces between letters, Persian or Arabic digits."""
    parts = []
    for word in sorted({w for w in words if w}, key=len, reverse=True):
        chars = []
        gaps = _affix_gaps(word)
        for i, ch in enumerate(word):
            if i in gaps:
                chars.append(_GAP)
            if ch.isdigit():
                chars.append(f"[{ch}{_PERSIAN_DIGITS[int(ch)]}{_ARABIC_DIGITS[int(ch)]}]")
            else:
                chars.append("[" + re.escape(_FOLDS.get(ch, ch)) + "]")
        parts.append(_BETWEEN.join(chars) + "[\u064b-\u065f\u0670]*")  # with its own final marks
    if not parts:
        return None
    # Only at the start of a word, as search matches: «میشود» is not marked inside «نمی‌شود».
    return re.compile("(?<![^\\W_]|[\u200c\u200d\u0640\u064b-\u065f\u0670])(?:" + "|".join(parts) + ")",
                      re.IGNORECASE)
