"""Tracking codes: random, Verhoeff-checked, unique; a mistyped code is refused before any query."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dabir.core.errors import DomainError, NotFound
from dabir.desk import codes, selectors


def test_known_verhoeff_values():
    assert codes.check_digit("236") == "3" and codes.is_valid("2363")
    assert codes.check_digit("12345") == "1" and codes.is_valid("123451")


def test_new_codes_are_ten_valid_digits_and_differ():
    made = {codes.new_tracking_code() for _ in range(300)}
    assert len(made) == 300
    assert all(len(c) == 10 and codes.is_valid(c) and c[0] in "1234567" for c in made)
    complaint = codes.new_complaint_code()
    assert complaint.startswith("9") and codes.is_valid(complaint) and codes.is_complaint_code(complaint)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(0, 9), st.integers(1, 9))
def test_any_single_mistyped_digit_is_refused(body, place, shift):
    code = body + codes.check_digit(body)
    wrong = code[:place] + str((int(code[place]) + shift) % 10) + code[place + 1:]
    assert not codes.is_valid(wrong)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(0, 8))
def test_any_swap_of_neighbours_is_refused(body, place):
    code = body + codes.check_digit(body)
    if code[place] == code[place + 1]:
        return
    swapped = code[:place] + code[place + 1] + code[place] + code[place + 2:]
    assert not codes.is_valid(swapped)


def test_clean_accepts_persian_digits_and_separators():
    code = codes.new_tracking_code()
    shown = codes.display(code)
    assert shown == f"{code[:3]}-{code[3:6]}-{code[6:]}"  # one form everywhere: grouped Latin digits
    assert codes.text(code) == f"\u2066{shown}\u2069"
    assert codes.clean_tracking_code(shown.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))) == code
    assert codes.clean_tracking_code(shown) == code
    assert codes.clean_tracking_code(f" {code[:3]} {code[3:6]}\u200c{code[6:]} ") == code
    arabic = code.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert codes.clean_tracking_code(arabic) == code


@pytest.mark.parametrize("text", ["", "12", "abcdefghij", "12345678901"])
def test_clean_refuses_junk_with_persian_message(text):
    with pytest.raises(DomainError) as exc:
        codes.clean_tracking_code(text)
    assert exc.value.field == "tracking_code"


@pytest.mark.django_db
def test_mistyped_code_refused_before_any_query(django_assert_num_queries):
    code = codes.new_tracking_code()
    wrong = code[:4] + str((int(code[4]) + 1) % 10) + code[5:]
    swapped = code[1] + code[0] + code[2:] if code[0] != code[1] else None
    with django_assert_num_queries(0):
        for bad in filter(None, [wrong, swapped]):
            with pytest.raises(DomainError) as exc:
                selectors.public_status(bad, "0012345679")
            assert exc.value.message == codes.WRONG_CODE
            with pytest.raises(DomainError):
                selectors.public_complaint(bad, "0012345679")
    from tests.desk.test_services import make_citizen, national_code

    with django_assert_num_queries(1):  # a well-formed code is looked up (and not found)
        assert selectors.public_status(code, national_code(1234)) is None

    citizen = make_citizen()
    with django_assert_num_queries(0), pytest.raises(DomainError):
        selectors.request_of_citizen(citizen, wrong)
    with pytest.raises(NotFound):
        selectors.request_of_citizen(citizen, code)


@pytest.mark.django_db
def test_codes_unique_in_database(world):
    from django.db import IntegrityError, transaction

    from tests.desk.test_services import make_citizen, setup_desk, submit

    service = setup_desk(world)
    citizen = make_citizen()
    req = submit(service, citizen)
    other = submit(service, citizen)
    assert req.tracking_code != other.tracking_code
    with pytest.raises(IntegrityError), transaction.atomic():
        type(req).objects.filter(pk=other.pk).update(tracking_code=req.tracking_code)
