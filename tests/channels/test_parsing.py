"""parse(): what is read of the messages mail servers really deliver, and a note for what is not."""

import io

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from pypdf import PdfReader

from dabir.channels.parsing import parse

from . import messages as m

pytestmark = pytest.mark.engine_independent  # parsing bytes touches no database


@pytest.mark.parametrize("charset", ["utf-8", "windows-1256"])
@pytest.mark.parametrize("encoding", ["B", "Q"])
def test_persian_encoded_subjects(charset, encoding):
    got = parse(m.encoded_subject(charset, encoding))
    expected = m.SUBJECT if charset == "utf-8" else m.SUBJECT.replace("ی", "ي")
    assert got.subject == expected
    assert got.sender_name == "علي رضايي" and got.sender_address == "ali@example.ir"
    assert got.text == "متن ساده" and got.problems == []


def test_undeclared_8bit_windows_1256():
    assert parse(m.undeclared_8bit()).text == "نامه با نويسه‌هاي قديمي"


def test_html_only_body_becomes_text_and_is_sanitised():
    got = parse(m.html_only())
    assert got.text.splitlines()[0] == "بند اول نامه" and "بند دوم مهم" in got.text
    assert "alert" not in got.text and "color" not in got.text
    for banned in ("<script", "tracker.example", "javascript:", "onclick", "<style"):
        assert banned not in got.html
    assert "<p>بند اول نامه</p>" in got.html


def test_nested_multipart_inline_image_pdf_and_forwarded_message():
    got = parse(m.nested_inline())
    assert got.text == "متن ساده تو در تو" and 'src="cid:logo@x"' in got.html
    names = {f.name: f for f in got.files}
    assert names["logo.png"].inline and names["logo.png"].content_type == "image/png"
    assert not names["نامه پیوست.pdf"].inline  # RFC 2231 Persian filename
    eml = [f for f in got.files if f.content_type == "message/rfc822"]
    assert len(eml) == 1 and eml[0].name.endswith(".eml") and b"first@example.ir" in eml[0].content


def test_winmail_dat_unpacked():
    got = parse(m.winmail(m.tnef_blob({"report.txt": b"hello report", "گزارش.pdf": b"%PDF-1.4 x"})))
    assert [(f.name, f.content) for f in got.files] == [("report.txt", b"hello report"),
                                                       ("گزارش.pdf", b"%PDF-1.4 x")]
    assert got.text == "متن اوت‌لوک" and got.problems == []


def test_winmail_that_unpacks_to_nothing_is_kept_with_a_note():
    # a TNEF stream cut after its signature parses, yet holds no file and no body
    blob = m.tnef_blob({"report.txt": b"hello report"})[:6]
    got = parse(m.winmail(blob))
    assert [f.name for f in got.files] == ["winmail.dat"]
    assert any("winmail.dat" in p and "باز نشد" in p for p in got.problems)


def test_broken_winmail_kept_with_a_note():
    got = parse(m.winmail(b"not a tnef stream at all"))
    assert [f.name for f in got.files] == ["winmail.dat"]
    assert "winmail.dat" in got.problems[0] and "باز نشد" in got.problems[0]


def test_oversized_attachment_dropped_with_a_note_rest_kept():
    got = parse(m.big_attachment(30))
    assert [f.name for f in got.files] == ["small.png"]
    assert got.text == "پیوست بزرگ دارد"
    assert len(got.problems) == 1 and "huge.bin" in got.problems[0] and "۳۰" in got.problems[0]


@pytest.mark.parametrize("name", sorted(m.MALFORMED))
def test_malformed_messages_parse_as_far_as_possible(name):
    got = parse(m.MALFORMED[name])
    assert got.problems  # each says what could not be read
    assert "\x00" not in got.text + got.subject


def test_broken_boundary_keeps_the_text():
    assert parse(m.MALFORMED["broken_boundary"]).text.startswith("first part")


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000) | st.builds(lambda a, b: a + b, st.sampled_from(
    [m.nested_inline(), m.html_only(), m.winmail()]).map(lambda raw: raw[: len(raw) // 2]), st.binary(max_size=200)))
def test_nothing_raises_for_any_bytes(raw):
    got = parse(raw)
    assert isinstance(got.problems, list)


def test_fax_by_header_three_page_tiff_to_pdf():
    got = parse(m.fax("02188776655"))
    assert got.kind == "fax" and got.calling_number == "02188776655"
    (pdf,) = got.files
    assert pdf.name == "fax-0001.pdf" and pdf.content_type == "application/pdf"
    assert len(PdfReader(io.BytesIO(pdf.content)).pages) == 3


def test_fax_by_sender_number_from_subject():
    raw = m.fax(header=None, subject="Fax from ۰۲۱-۸۸۷۷ ۶۶۵۵")
    assert parse(raw).kind == "email"
    got = parse(raw, fax_senders=["FAX@faxserver.example.ir"])
    assert got.kind == "fax" and got.calling_number == "02188776655"
