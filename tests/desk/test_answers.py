"""Form answers checked per field type, with Persian messages naming the field."""

import pytest

from dabir.core.errors import DomainError
from dabir.desk.answers import validate_answers
from dabir.letters.services import Upload
from tests.factories import EXE_BYTES, JPEG_BYTES, PDF_BYTES, PNG_BYTES

from .test_services import national_code

DEF = {
    "code": "x1", "title": "آزمون", "agency": "AG",
    "profile": {"description": "شرح"},
    "form": [
        {"name": "nc", "label": "کد ملی", "type": "national_code"},
        {"name": "mob", "label": "همراه", "type": "mobile"},
        {"name": "post", "label": "کد پستی", "type": "postal_code", "required": False},
        {"name": "born", "label": "تاریخ تولد", "type": "jalali_date", "required": False},
        {"name": "count", "label": "تعداد", "type": "number", "min": 1, "max": 5, "required": False},
        {"name": "kind", "label": "نوع", "type": "choice", "choices": ["الف", "ب"], "required": False},
        {"name": "mail", "label": "رایانامه", "type": "email", "required": False},
        {"name": "note", "label": "توضیح", "type": "textarea", "max_length": 20, "required": False},
        {"name": "photo", "label": "عکس", "type": "file", "file_types": ["jpg", "png"], "max_mb": 1,
         "required": False},
    ],
    "documents": [{"code": "id_card", "label": "کارت ملی", "file_types": ["pdf"]}],
    "stages": [{"code": "s", "title": "بررسی", "position": "P1", "deadline_days": 1,
                "outcomes": [{"code": "ok", "label": "تأیید", "next": "approve"}]}],
    "result": {"title": "نتیجه", "body": "متن", "signer_position": "P2"},
}
NC = national_code(98765432)
GOOD = {"nc": NC.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")), "mob": "+98 912 123 4567"}
DOCS = {"id_card": [Upload("card.pdf", PDF_BYTES)]}


def test_clean_values_in_latin_digits():
    clean, files = validate_answers(DEF, {**GOOD, "born": "۱۳۷۰/۰۱/۰۱", "count": "۳", "kind": "ب", "junk": "x"},
                                    {**DOCS, "photo": [Upload("p.jpg", JPEG_BYTES)]})
    assert clean == {"nc": NC, "mob": "09121234567", "born": "1991-03-21", "count": 3, "kind": "ب"}
    assert [f.code for f in files] == ["photo", "id_card"]


@pytest.mark.parametrize("field,value,fragment", [
    ("nc", "1234567890", "کد ملی"),
    ("mob", "0212345678", "همراه"),
    ("post", "12345", "کد پستی"),
    ("born", "۱۴۰۰/۱۲/۳۵", "تاریخ تولد"),
    ("count", "۹", "بیشتر از ۵"),
    ("count", "1e999", "عدد"),
    ("kind", "ج", "گزینه"),
    ("mail", "not-mail", "پست الکترونیکی"),
    ("note", "x" * 21, "۲۰"),
])
def test_each_type_refuses_bad_value(field, value, fragment):
    with pytest.raises(DomainError) as exc:
        validate_answers(DEF, {**GOOD, field: value}, DOCS)
    assert exc.value.field == field and fragment in exc.value.message


def test_required_field_and_document():
    with pytest.raises(DomainError) as exc:
        validate_answers(DEF, {"mob": GOOD["mob"]}, DOCS)
    assert exc.value.field == "nc" and "وارد کنید" in exc.value.message
    with pytest.raises(DomainError) as exc:
        validate_answers(DEF, GOOD, {})
    assert exc.value.field == "id_card" and "کارت ملی" in exc.value.message


@pytest.mark.parametrize("upload,fragment", [
    (Upload("p.jpg", PDF_BYTES), "نمی‌خواند"),        # a PDF named .jpg: disguised
    (Upload("p.png", EXE_BYTES), "نمی‌خواند"),
    (Upload("p.pdf", PDF_BYTES), "فقط"),              # a real PDF where only images are allowed
    (Upload("p.png", PNG_BYTES + b"\0" * (1024 * 1024)), "مگابایت"),
    (Upload("p.png", b""), "خالی"),
])
def test_files_checked_by_content_type_and_size(upload, fragment):
    with pytest.raises(DomainError) as exc:
        validate_answers(DEF, GOOD, {**DOCS, "photo": [upload]})
    assert exc.value.field == "photo" and fragment in exc.value.message
