"""The public verification page: by code or QR, by uploaded PDF; rate-limited; never a 500."""

import io
from pathlib import Path

import pytest
from django.core.cache import cache
from django.urls import reverse

from dabir.signing import codes, pdf
from dabir.signing import services as signing
from tests.browser import CHROMIUM, launch
from tests.factories import make_registered, make_world
from tests.signing.test_pdf import flip_byte_in_signed_range, signed_letter


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def wrong_check(code: str) -> str:
    """The same code with its check symbol changed."""
    other = next(ch for ch in codes.ALPHABET if ch != code[-1])
    return code[:-1] + other


@pytest.mark.django_db
def test_form_page(client):
    r = client.get("/verify/")
    assert r.status_code == 200
    page = r.content.decode()
    assert 'dir="rtl"' in page and "کد صحت‌سنجی" in page and 'action="/verify/pdf"' in page


@pytest.mark.django_db
def test_genuine_letter_by_code(client, world):
    letter, version = signed_letter(world)
    r = client.get(f"/verify/{version.code}")
    assert r.status_code == 200
    page = r.content.decode()
    assert "نامه اصیل است" in page
    assert letter.subject in page
    assert world.agency.name.replace("1", "۱")[:10] in page or "استانداری" in page
    assert "۱۴۰۵" in page or "۱۴۰" in page  # Jalali date and number in Persian digits
    assert "علی مدیری" in page and "مدیرکل" in page
    assert "گواهی معتبر" in page and "زمان امضا" in page
    # A typed code is forgiving: dashes, spaces, lower case, Persian digits; the form redirects to the QR address.
    typed = version.display_code.lower().replace("-", " ")
    typed = typed.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    r = client.get("/verify/", {"code": typed})
    assert r.status_code == 302 and r["Location"] == f"/verify/{version.code}"
    # A scanned QR pasted whole works too.
    r = client.get("/verify/", {"code": pdf.verify_url(version.code)})
    assert r.status_code == 302 and r["Location"] == f"/verify/{version.code}"


@pytest.mark.django_db
def test_classified_letter_shows_only_its_header(client, world):
    letter, version = signed_letter(world, classification="secret", body="<p>متن بسیار محرمانه عملیات</p>")
    page = client.get(f"/verify/{version.code}").content.decode()
    assert "نامه اصیل است" in page
    assert "سری" in page and "طبقه‌بندی‌شده" in page
    assert letter.subject not in page
    assert "عملیات" not in page
    assert "علی مدیری" not in page


@pytest.mark.django_db
def test_revoked_certificate_shows_with_its_time(client, world):
    letter, version = signed_letter(world)
    cert = version.signatures.get().certificate
    signing.revoke_certificate(certificate=cert, reason="key_compromise")
    cert.refresh_from_db()
    page = client.get(f"/verify/{version.code}").content.decode()
    assert "گواهی ابطال شده" in page
    assert "زمان ابطال گواهی" in page
    from dabir.core.jalali import format_datetime

    assert format_datetime(cert.revoked_at) in page


@pytest.mark.django_db
def test_altered_content_is_not_genuine_and_says_which_part(client, world):
    letter, version = signed_letter(world)
    from dabir.letters.models import Letter

    Letter.objects.filter(pk=letter.pk).update(body="<p>متن جعلی</p>")
    # The stored canonical copy is what was signed; a forged signature value is caught too.
    sig = version.signatures.get()
    value = sig.value
    sig.value = value[:-4] + ("AAAA" if not value.endswith("AAAA") else "BBBB")
    sig.save(update_fields=["value"])
    r = client.get(f"/verify/{version.code}")
    assert r.status_code == 200
    page = r.content.decode()
    assert "صحت نامه تأیید نشد" in page
    assert "امضای دیجیتال" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path, status, message",
    [
        ("/verify/ABCD-EFGH-JK2", 400, "کد صحت‌سنجی"),  # malformed length / symbols
        ("/verify/" + "Z" * 300, 400, "بیش از حد بلند"),
        ("/verify/%3Cscript%3E", 400, "کد صحت‌سنجی"),
        ("/verify/؟؟؟", 400, "کد صحت‌سنجی"),
    ],
)
def test_bad_codes_get_a_persian_page(client, path, status, message):
    r = client.get(path)
    assert r.status_code == status
    page = r.content.decode()
    assert message in page and "بررسی انجام نشد" in page
    assert "<script>" not in page


@pytest.mark.django_db
def test_unknown_code_and_wrong_check_character(client, world):
    code = codes.generate()
    r = client.get(f"/verify/{code}")
    assert r.status_code == 404
    assert "پیدا نشد" in r.content.decode()
    r = client.get(f"/verify/{wrong_check(code)}")
    assert r.status_code == 400
    assert "نویسه کنترلی" in r.content.decode()
    r = client.get("/verify/", {"code": ""})
    assert r.status_code == 400 and "وارد کنید" in r.content.decode()
    r = client.get("/verify/", {"code": "https://example.org/verify/"})
    assert r.status_code == 400


@pytest.mark.django_db
def test_uploaded_pdf_genuine_altered_and_bad_input(client, world):
    letter, version = signed_letter(world)
    data = pdf.letter_pdf(version)

    r = client.post("/verify/pdf", {"pdf": _file(data)})
    assert r.status_code == 200
    page = r.content.decode()
    assert "همان PDF اصلی و دست‌نخورده است" in page and letter.subject in page

    r = client.post("/verify/pdf", {"pdf": _file(flip_byte_in_signed_range(data))})
    assert r.status_code == 200
    page = r.content.decode()
    assert "نسخه اصلی و دست‌نخورده نیست" in page
    assert "امضای درون PDF" in page and "یکسانی با PDF صادرشده" in page

    r = client.post("/verify/pdf", {"pdf": _file(b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "x.pdf")})
    assert r.status_code == 400 and "PDF نیست" in r.content.decode()

    r = client.post("/verify/pdf", {})
    assert r.status_code == 400 and "انتخاب کنید" in r.content.decode()

    r = client.post("/verify/pdf", {"pdf": _file(b"%PDF-1.7\n garbage that is not a pdf at all")})
    assert r.status_code in (200, 400) and r.status_code != 500
    assert "نیست" in r.content.decode() or "خراب" in r.content.decode()

    assert client.get("/verify/pdf").status_code == 302


@pytest.mark.django_db
def test_huge_upload_is_refused(client, settings):
    settings.DABIR_VERIFY_MAX_PDF_BYTES = 1024 * 1024
    big = b"%PDF-1.7\n" + b"0" * (2 * 1024 * 1024)
    r = client.post("/verify/pdf", {"pdf": _file(big)})
    assert r.status_code == 400
    assert "مگابایت" in r.content.decode()


@pytest.mark.django_db
def test_rate_limit_per_client_address(client, settings, world):
    settings.DABIR_VERIFY_RATE = (5, 300)
    code = codes.generate()
    for _ in range(5):
        assert client.get(f"/verify/{code}", REMOTE_ADDR="10.0.0.1").status_code == 404
    r = client.get(f"/verify/{code}", REMOTE_ADDR="10.0.0.1")
    assert r.status_code == 429
    assert "بیش از حد مجاز" in r.content.decode() and r["Retry-After"] == "300"
    r = client.post("/verify/pdf", {"pdf": _file(b"%PDF-1.4")}, REMOTE_ADDR="10.0.0.1")
    assert r.status_code == 429
    # Another address is not affected.
    assert client.get(f"/verify/{code}", REMOTE_ADDR="10.0.0.2").status_code == 404


@pytest.mark.django_db
def test_ratelimit_helper(settings):
    from dabir.core import ratelimit

    cache.clear()
    assert all(ratelimit.hit("unit-test", 3, 60) for _ in range(3))
    assert not ratelimit.hit("unit-test", 3, 60)
    assert ratelimit.hit("unit-test-other", 3, 60)


@pytest.mark.django_db
def test_staff_pdf_download(client, world):
    letter, version = signed_letter(world)
    url = reverse("letter_pdf", kwargs={"letter_id": letter.pk})
    assert url == f"/verify/letters/{letter.pk}.pdf"
    r = client.get(url)
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]

    client.force_login(world.manager)
    r = client.get(url)
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r["X-Dabir-Signed"] == "1"
    assert r.content == pdf.letter_pdf(version)

    # Someone who may not see the letter gets the same Persian 404 as for a missing one.
    client.force_login(world.other.__class__.objects.create_user(username="stranger", password="x-pass-1234"))
    r = client.get(url)
    assert r.status_code == 404
    r = client.get(reverse("letter_pdf", kwargs={"letter_id": 999999}))
    assert r.status_code == 404


@pytest.mark.django_db
def test_unsigned_letter_download_is_a_preview(client, world):
    letter = make_registered(world)
    client.force_login(world.manager)
    r = client.get(reverse("letter_pdf", kwargs={"letter_id": letter.pk}))
    assert r.status_code == 200 and r["X-Dabir-Signed"] == "0"
    assert r.content.startswith(b"%PDF-")


@pytest.mark.django_db
def test_crl_at_the_address_in_certificates(client, world):
    signed_letter(world)
    r = client.get(f"/verify/crl/{world.agency.code}.crl")
    assert r.status_code == 200 and r["Content-Type"] == "application/pkix-crl"
    from cryptography import x509

    crl = x509.load_der_x509_crl(r.content)
    assert len(crl) == 0 and "IR" in crl.issuer.rfc4514_string()
    assert client.get("/verify/crl/NOPE.crl").status_code == 404


def _file(data: bytes, name: str = "letter.pdf"):
    f = io.BytesIO(data)
    f.name = name
    return f


# ---------------------------------------------------------------- screenshots at phone width

SCREENS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"


@pytest.mark.e2e
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
@pytest.mark.django_db(transaction=True)
def test_verification_screens_at_phone_width(live_server, world, no_lingering_connections, monkeypatch):
    """Genuine, classified and not-found pages at 390×844, saved for a person to look at."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    sync_api = pytest.importorskip("playwright.sync_api")
    letter, version = signed_letter(world)
    other_world = make_world()
    secret, secret_version = signed_letter(other_world, classification="secret")
    SCREENS.mkdir(parents=True, exist_ok=True)
    pages = {
        "verify-genuine": (f"/verify/{version.code}", "نامه اصیل است"),
        "verify-classified": (f"/verify/{secret_version.code}", "طبقه‌بندی‌شده"),
        "verify-not-found": (f"/verify/{codes.generate()}", "پیدا نشد"),
        "verify-form": ("/verify/", "کد صحت‌سنجی"),
    }
    with sync_api.sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844}, locale="fa-IR")
            for name, (path, expected) in pages.items():
                page.goto(live_server.url + path)
                page.wait_for_load_state("networkidle")
                assert expected in page.content(), name
                if name == "verify-classified":
                    assert secret.subject not in page.content()
                assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
                overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
                assert overflow <= 1, f"{name} overflows by {overflow}px"
                assert page.evaluate("document.fonts.check('16px Vazirmatn')"), name
                page.screenshot(path=str(SCREENS / f"{name}-phone.png"), full_page=True)
        finally:
            browser.close()
