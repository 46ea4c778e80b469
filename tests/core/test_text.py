"""The one normalisation function and the digit conversions."""

import re

from hypothesis import example, given
from hypothesis import strategies as st

from dabir.core.text import normalize, to_latin_digits, to_persian_digits, tokens

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
DIACRITICS = re.compile("[\u064b-\u065f\u0670]")
ZERO_WIDTH = "\u200c\u200d\u200e\u200f"

# Text that looks like what people type and paste: Persian and Arabic letters, marks, digits of
# three scripts, half-spaces, tatweel, invisible direction marks, Latin letters, punctuation.
persian_like = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x0600, max_codepoint=0x06FF),
        st.sampled_from(list("يكىئةۀأإؤ" + "ـ" + ZERO_WIDTH + "\u00a0\u202b\u202c\u2067\u2069 \t\n")),
        st.sampled_from(list(PERSIAN_DIGITS + ARABIC_DIGITS + "0123456789")),
        st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    ),
    max_size=60,
)
any_text = st.one_of(persian_like, st.text(max_size=60))


@given(any_text)
@example("مُدیرِ کُلّ")
@example("İstanbul")
@example(" \u200c ـ ")
def test_normalize_is_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


@given(any_text)
def test_normalized_text_has_one_spelling(text):
    out = normalize(text)
    assert not set("يكى") & set(out), out
    assert not set(ZERO_WIDTH) & set(out), out
    assert not DIACRITICS.search(out), out
    assert "ـ" not in out
    assert not set(PERSIAN_DIGITS + ARABIC_DIGITS) & set(out), out
    assert out == out.strip()
    assert "  " not in out
    assert out == out.lower()


@given(persian_like)
def test_normalize_keeps_every_word_character_count_at_most(text):
    # Folding never invents text: the result is never longer than the input.
    assert len(normalize(text)) <= len(text)


def test_normalize_examples():
    assert normalize("شركت پيمانكاري") == "شرکت پیمانکاری"
    assert normalize("مُدیرِ کُلّ") == "مدیر کل"
    assert normalize("بودجـــه") == "بودجه"
    assert normalize("می‌شود") == "می شود"
    assert normalize("  نامه \u200c\u200c  شماره\t\n۱۲  ") == "نامه شماره 12"
    assert normalize("٣٤٥/الف/۷۸") == "345/الف/78"
    assert normalize("Budget REPORT") == "budget report"
    assert normalize("مسئله") == "مسیله"  # ئ folds to ی, so مسئله and مسیله meet
    assert normalize("") == ""
    assert normalize(None) == ""


def test_tokens_split_on_punctuation_and_keep_numbers_whole():
    assert tokens("نامه شماره ۱۴۰۵/و/۱۲، درباره‌ی «بودجه»!") == ["نامه", "شماره", "1405/و/12", "درباره", "ی", "بودجه"]
    assert tokens("") == []


@given(st.text(alphabet="0123456789", max_size=30))
def test_latin_to_persian_digits_round_trip(digits):
    persian = to_persian_digits(digits)
    assert set(persian) <= set(PERSIAN_DIGITS)
    assert to_latin_digits(persian) == digits


@given(st.text(alphabet=PERSIAN_DIGITS, max_size=30))
def test_persian_to_latin_digits_round_trip(digits):
    latin = to_latin_digits(digits)
    assert latin.isascii() and (latin.isdigit() or latin == "")
    assert to_persian_digits(latin) == digits


@given(st.text(alphabet=ARABIC_DIGITS, max_size=30))
def test_arabic_digits_read_as_persian(digits):
    assert to_persian_digits(to_latin_digits(digits)) == digits.translate(str.maketrans(ARABIC_DIGITS, PERSIAN_DIGITS))


@given(st.text(max_size=40))
def test_digit_conversion_touches_nothing_else(text):
    assert [c for c in to_latin_digits(text) if c not in "0123456789"] == [
        c for c in text if c not in PERSIAN_DIGITS + ARABIC_DIGITS + "0123456789"
    ]
    assert [c for c in to_persian_digits(text) if c not in PERSIAN_DIGITS] == [
        c for c in text if c not in PERSIAN_DIGITS + "0123456789"
    ]


def test_to_persian_digits_accepts_numbers():
    assert to_persian_digits(1405) == "۱۴۰۵"
    assert to_persian_digits("1405/و/12") == "۱۴۰۵/و/۱۲"
