"""National code, mobile and postal code validators: Persian/Arabic digits, check digits, Persian messages."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dabir.core.errors import DomainError
from dabir.core.text import to_persian_digits
from dabir.core.validators import (
    mask_mobile,
    national_code_check_digit,
    validate_mobile,
    validate_national_code,
    validate_postal_code,
)

LATIN_DIGIT = re.compile(r"[0-9]")
ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def with_check(first_nine: str) -> str:
    return first_nine + str(national_code_check_digit(first_nine))


# ---------------------------------------------------------------- national code

nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


@given(nine_digits)
def test_codes_with_a_computed_check_digit_are_accepted(first_nine):
    code = with_check(first_nine)
    if len(set(code)) == 1:
        return  # one repeated digit: refused on purpose (tested below)
    assert validate_national_code(code) == code
    assert validate_national_code(to_persian_digits(code)) == code
    assert validate_national_code(code.translate(ARABIC)) == code


def remainder(first_nine: str) -> int:
    return sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True)) % 11


@given(nine_digits, st.integers(min_value=0, max_value=9), st.integers(min_value=1, max_value=9))
def test_one_changed_digit_is_rejected(first_nine, position, delta):
    code = with_check(first_nine)
    changed = code[:position] + str((int(code[position]) + delta) % 10) + code[position + 1:]
    if position < 9 and {remainder(code[:9]), remainder(changed[:9])} == {1, 10}:
        # The one blind spot of the official rule: remainders 1 and 10 both give check digit 1.
        assert validate_national_code(changed) == changed
        return
    with pytest.raises(DomainError) as err:
        validate_national_code(changed)
    assert err.value.field == "national_code"
    assert not LATIN_DIGIT.search(err.value.message)


def test_the_rules_blind_spot_is_the_only_one():
    # 000000005 → remainder 10 → 1; 000000006 would be 12 % 11 = 1 → 1 as well.
    assert validate_national_code("0000000051") == "0000000051"
    assert validate_national_code("0000000061") == "0000000061"


def test_check_digit_rule_by_hand():
    # 001234567: 0*10+0*9+1*8+2*7+3*6+4*5+5*4+6*3+7*2 = 112; 112 % 11 = 2 → 11 - 2 = 9
    assert national_code_check_digit("001234567") == 9
    assert validate_national_code("0012345679") == "0012345679"
    # a remainder below 2 is the check digit itself; otherwise 11 - remainder
    assert national_code_check_digit("000000001") == 9
    assert national_code_check_digit("000000005") == 1  # 10 % 11 = 10 → 1
    assert national_code_check_digit("000000011") == 6  # 2+3 = 5 → 6
    assert national_code_check_digit("100000000") == 1  # 10 % 11 = 10 → 11 - 10 = 1
    assert national_code_check_digit("000000000") == 0  # remainder 0 → 0


@pytest.mark.parametrize("code", [str(d) * 10 for d in range(10)])
def test_one_repeated_digit_is_refused_although_its_arithmetic_holds(code):
    assert national_code_check_digit(code[:9]) == int(code[9])  # the rule alone would let them pass
    with pytest.raises(DomainError, match="معتبر نیست"):
        validate_national_code(code)


@pytest.mark.parametrize(
    "value, message",
    [
        ("", "کد ملی را وارد کنید"),
        (None, "کد ملی را وارد کنید"),
        ("   ", "کد ملی را وارد کنید"),
        ("123456789", "۱۰ رقم"),
        ("00123456790", "۱۰ رقم"),
        ("00123a5679", "۱۰ رقم"),
        ("0012345678", "نادرست"),
        ("²012345679", "۱۰ رقم"),  # a Unicode digit that is not 0-9
    ],
)
def test_bad_national_codes_get_persian_messages(value, message):
    with pytest.raises(DomainError, match=message) as err:
        validate_national_code(value)
    assert err.value.field == "national_code"


def test_national_code_separators_and_mixed_digits():
    assert validate_national_code("۰۰۱-۲۳۴۵۶۷-۹") == "0012345679"
    assert validate_national_code(" ٠٠١٢٣٤٥٦٧٩ ") == "0012345679"
    assert validate_national_code("001۲۳۴5679") == "0012345679"


# ---------------------------------------------------------------- mobile


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_every_written_form_of_a_mobile_gives_09_form(rest):
    canonical = "09" + rest
    for written in (canonical, "+989" + rest, "00989" + rest, "989" + rest, "9" + rest,
                    to_persian_digits(canonical), canonical.translate(ARABIC), "+۹۸۹" + to_persian_digits(rest)):
        assert validate_mobile(written) == canonical, written


def test_mobile_with_spaces_and_dashes():
    assert validate_mobile("۰۹۱۲ ۳۴۵ ۶۷۸۹") == "09123456789"
    assert validate_mobile("0912-345-6789") == "09123456789"
    assert validate_mobile("+98 912 345 6789") == "09123456789"


@pytest.mark.parametrize(
    "value",
    ["", "0912345678", "091234567890", "02112345678", "+19123456789", "08123456789", "9123", "abc", "0912345678x",
     "+98", "0098212345678"],
)
def test_bad_mobiles_are_refused_in_persian(value):
    with pytest.raises(DomainError) as err:
        validate_mobile(value)
    assert err.value.field == "mobile"
    assert not LATIN_DIGIT.search(err.value.message)


def test_mask_mobile():
    assert mask_mobile("09121236789") == "۰۹۱۲***۶۷۸۹"


# ---------------------------------------------------------------- postal code


@pytest.mark.parametrize("code", ["1434863111", "1983963113", "7134845799", "۱۴۳۴۸۶۳۱۱۱", "13187-14967"])
def test_valid_postal_codes(code):
    assert len(validate_postal_code(code)) == 10


@pytest.mark.parametrize(
    "code, why",
    [
        ("0434863111", "0 among the first five"),
        ("1424863111", "2 among the first five"),
        ("1434563111", "5 as the fifth digit"),
        ("1434063111", "0 as the fifth digit"),
        ("1434863121", "2 among the last five"),
        ("1111863111", "four identical first digits"),
        ("143486311", "nine digits"),
        ("14348631111", "eleven digits"),
    ],
)
def test_invalid_postal_codes(code, why):
    with pytest.raises(DomainError) as err:
        validate_postal_code(code)
    assert err.value.field == "postal_code", why
    assert not LATIN_DIGIT.search(err.value.message)


@given(
    st.text(alphabet="13456789", min_size=4, max_size=4),
    st.sampled_from("1346789"),
    st.text(alphabet="013456789", min_size=5, max_size=5),
)
def test_codes_following_the_plan_are_accepted(first4, fifth, last5):
    code = first4 + fifth + last5
    if len(set(first4)) == 1:
        with pytest.raises(DomainError):
            validate_postal_code(code)
    else:
        assert validate_postal_code(to_persian_digits(code)) == code
