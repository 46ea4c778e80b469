"""A signer's full position title on «امضای من», in the PDF's signature block and on the verification
pages, however long it is; the certificate holds what X.509 allows, cut only between words. The signed
PDF greets once, whether or not the body greets."""

import re
import subprocess

import pytest
from cryptography.x509.oid import NameOID
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from dabir.letters import services as letters
from dabir.signing import codes, keys, pdf
from dabir.signing import services as signing
from dabir.signing.models import Certificate
from tests.factories import make_draft, make_position, make_user

pytestmark = pytest.mark.django_db

LONG_TITLE = "معاون هماهنگی امور اقتصادی و توسعه منابع"
LONGER_TITLE = "معاون هماهنگی امور اقتصادی و توسعه منابع انسانی و پشتیبانی و نوسازی اداری استان خوزستان"
BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def plain(text: str) -> str:
    """Page or pdftotext text without tags, direction marks or line breaks."""
    text = BIDI.sub("", re.sub(r"<[^>]+>", " ", text))
    return re.sub(r"\s+", " ", text)


def only_full(text: str, title: str = LONG_TITLE) -> bool:
    """Every mention of the title's first words goes on to the whole title."""
    head = " ".join(title.split()[:3])
    starts = [m.start() for m in re.finditer(re.escape(head), text)]
    return bool(starts) and all(text.startswith(title, i) for i in starts)


@pytest.fixture
def deputy(world):
    world.agency.name = f"{world.agency.name} خوزستان"
    world.agency.save(update_fields=["name"])
    holder = make_user(first_name="محمدحسین", last_name="میرزاخانی‌زاده")
    pos = make_position(world.unit, LONG_TITLE, holder=holder, can_sign=True)
    signing.create_authority(agency=world.agency, name="مرجع گواهی آزمون")
    signing.issue_certificate(position=pos)
    return holder, pos


def signed_by(world, holder, pos, body="<p>گزارش پیشرفت طرح به پیوست تقدیم می‌شود.</p>"):
    letter = make_draft(world, kind="outgoing", to=["سازمان برنامه و بودجه"], subject="گزارش پیشرفت طرح", body=body,
                        signer_position_id=pos.id)
    letters.submit_for_signature(user=world.expert, seat=world.seat(world.expert_pos), letter=letter)
    letters.approve(user=holder, seat=world.seat(pos), letter=letter)
    letters.register_letter(user=world.clerk, letter=letter)
    letter.refresh_from_db()
    return letter, signing.current_version(letter)


def pdftotext(data: bytes, tmp_path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_certificate_names_the_holder_and_the_whole_title(deputy):
    holder, pos = deputy
    cert = keys.load_certificate(Certificate.objects.get(position=pos).certificate_pem)
    assert [a.value for a in cert.subject.get_attributes_for_oid(NameOID.TITLE)] == [LONG_TITLE]
    # (X.509 names carry no half-space: RFC 4518 preparation maps it away, so it becomes a space.)
    assert [a.value for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)] == [
        str(holder).replace("\u200c", " ")]
    assert keys.name_is_portable(cert.subject)  # pyHanko's validators accept it


def test_a_title_beyond_the_x509_bound_is_cut_between_words():
    value = keys.dn_value(LONGER_TITLE, 64, chars=True)
    assert len(value) <= 64
    assert LONGER_TITLE.startswith(value) and LONGER_TITLE[len(value)] == " "  # whole words only
    cn = keys.dn_value(f"محمدحسین میرزاخانی‌زاده — {LONGER_TITLE}")
    assert len(cn.encode()) <= 64
    words = set(LONGER_TITLE.replace("\u200c", " ").split()) | {"محمدحسین", "میرزاخانی", "زاده", "—"}
    assert set(cn.split()) <= words


def test_signing_me_shows_the_whole_title(world, deputy):
    holder, pos = deputy
    client = Client()
    client.force_login(holder)
    page = plain(client.get("/signing/me/").content.decode())
    assert only_full(page)


def test_pdf_signature_block_and_verify_pages_show_the_whole_title(world, deputy, tmp_path):
    holder, pos = deputy
    letter, version = signed_by(world, holder, pos)
    data = pdf.letter_pdf(version)
    text = plain(pdftotext(data, tmp_path))
    assert only_full(text)
    # One greeting, ours: the body does not greet.
    assert "احترام" in text

    verify = Client().get(f"/verify/{version.code}")
    assert verify.status_code == 200
    assert only_full(plain(verify.content.decode()))
    shown = f'<bdi dir="ltr" class="code">{codes.display(version.code)}</bdi>'
    assert shown in verify.content.decode()

    upload = SimpleUploadedFile("letter.pdf", data, content_type="application/pdf")
    checked = Client().post("/verify/pdf", {"pdf": upload})
    assert checked.status_code == 200
    page = plain(checked.content.decode())
    assert only_full(page) and str(holder).replace("\u200c", " ") in page.replace("\u200c", " ")


def test_body_that_greets_gets_no_second_greeting(world, deputy, tmp_path):
    holder, pos = deputy
    letter, version = signed_by(world, holder, pos, body="<p>با سلام؛</p><p>گزارش پیشرفت طرح تقدیم می‌شود.</p>")
    text = plain(pdftotext(pdf.letter_pdf(version), tmp_path))
    assert len(re.findall(r"با\s*س(?:لا|ال)م", text)) == 1 and "احترام" not in text
    assert pdf.body_greets("<p>باسلام و احترام</p>") and pdf.body_greets("<p><b>سلام علیکم</b></p>")
    assert not pdf.body_greets("<p>سلامت اداری در دستور کار است.</p>")
