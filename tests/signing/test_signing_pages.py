"""The staff page «امضای من» (/signing/me/): certificate status, signature image, letters waiting
for signature, and, for agency admins, issuing and revoking certificates. Real database and HTTP."""

import struct
import zlib

import pytest
from django.test import Client
from django.urls import reverse

from dabir.letters import services as letters
from dabir.signing import services
from dabir.signing.models import Certificate, SignatureImage
from tests.browser import CHROMIUM, launch

from ..factories import EXE_BYTES, JPEG_BYTES, make_draft, make_position, make_user

ME = "/signing/me/"


def png_bytes(width=40, height=12) -> bytes:
    """A real PNG (8-bit greyscale, a dark stroke on white) built with zlib, so no imaging library is needed."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(
        b"\x00" + bytes(0 if abs(y - height // 2) <= (x % 5 == 0) else 255 for x in range(width)) for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def upload(name: str, content: bytes, content_type="image/png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def no_private_key(page: str) -> None:
    assert "PRIVATE KEY" not in page and "BEGIN" not in page


@pytest.fixture
def ca(world):
    return services.create_authority(agency=world.agency, name="مرجع گواهی آزمون")


# ---------------------------------------------------------------- a signer


@pytest.mark.django_db
def test_signer_sees_certificate_pending_letters_and_uploads_a_png(world, ca):
    certificate = services.issue_certificate(position=world.manager_pos)
    letter = make_draft(world, subject="درخواست خرید رایانه")
    letters.submit_for_signature(user=world.expert, seat=world.seat(world.expert_pos), letter=letter)
    waiting_draft = make_draft(world, subject="پیش‌نویس هنوز فرستاده‌نشده")
    services.set_circuit(waiting_draft, [world.manager_pos], user=world.expert, seat=world.seat(world.expert_pos))
    manager = login(world.manager)

    # the navbar links the page; it shows the valid certificate, no image yet, the letter waiting
    inbox = manager.get(reverse("inbox")).content.decode()
    assert f'href="{ME}"' in inbox and "امضای من" in inbox
    response = manager.get(ME)
    assert response.status_code == 200
    page = response.content.decode()
    assert "مدیرکل" in page and "معتبر تا" in page and certificate.serial in page
    assert "هنوز تصویری بارگذاری نشده" in page
    assert "درخواست خرید رایانه" in page and reverse("letter_detail", args=[letter.id]) in page
    assert "پیش‌نویس هنوز فرستاده‌نشده" not in page  # a draft is not waiting for a signature yet
    assert "ask-admin" not in page
    no_private_key(page)

    # a real PNG is stored and shown; the image address serves it as a PNG
    png = png_bytes()
    answer = manager.post(reverse("signing_upload_image", args=[world.manager_pos.id]),
                          {f"img-{world.manager_pos.id}-image": upload("امضا.png", png)})
    assert answer.status_code == 302 and answer["Location"].endswith(f"#position-{world.manager_pos.id}")
    image = SignatureImage.objects.get(position=world.manager_pos)
    page = manager.get(ME).content.decode()
    assert "تصویر امضا بارگذاری شد" in page and reverse("signing_image", args=[world.manager_pos.id]) in page
    served = manager.get(reverse("signing_image", args=[world.manager_pos.id]))
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == png and served["X-Content-Type-Options"] == "nosniff"
    assert image.sha256

    # someone else may not see it
    assert login(world.other).get(reverse("signing_image", args=[world.manager_pos.id])).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("name, content, message", [
    ("امضا.png", JPEG_BYTES, "باید پرونده PNG باشد"),            # a JPEG renamed .png
    ("signature.png", EXE_BYTES, "باید پرونده PNG باشد"),         # a program disguised as an image
    ("big.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * (1024 * 1024 + 1), "بیش از"),
    ("empty.png", b"", "خالی"),
])
def test_bad_signature_images_are_refused_in_persian(world, name, content, message):
    manager = login(world.manager)
    field = f"img-{world.manager_pos.id}-image"
    answer = manager.post(reverse("signing_upload_image", args=[world.manager_pos.id]), {field: upload(name, content)})
    assert answer.status_code == 400
    page = answer.content.decode()
    assert message in page and "امضای من" in page
    assert not SignatureImage.objects.exists()


@pytest.mark.django_db
def test_missing_file_and_someone_elses_position_are_refused(world):
    manager = login(world.manager)
    answer = manager.post(reverse("signing_upload_image", args=[world.manager_pos.id]), {})
    assert answer.status_code == 400 and "پرونده تصویر امضا را انتخاب کنید" in answer.content.decode()
    # the expert cannot upload for the manager's position
    answer = login(world.expert).post(
        reverse("signing_upload_image", args=[world.manager_pos.id]),
        {f"img-{world.manager_pos.id}-image": upload("a.png", png_bytes())},
    )
    assert answer.status_code == 403 and "این سمت را در اختیار ندارید" in answer.content.decode()
    assert not SignatureImage.objects.exists()


@pytest.mark.django_db
def test_certificate_states_expired_revoked_and_none_with_a_note_to_ask_the_admin(world, ca):
    manager = login(world.manager)
    page = manager.get(ME).content.decode()
    assert "گواهی امضا ندارد" in page and "از مدیر سامانه دستگاه بخواهید" in page

    revoked = services.issue_certificate(position=world.manager_pos)
    services.revoke_certificate(certificate=revoked, reason="key_compromise", note="گم شدن رایانه")
    page = manager.get(ME).content.decode()
    assert "ابطال شده در" in page and "افشای کلید" in page and "گم شدن رایانه" in page
    assert "از مدیر سامانه دستگاه بخواهید" in page

    expired = services.issue_certificate(position=world.manager_pos, days=1)
    Certificate.objects.filter(pk=expired.pk).update(
        not_before=expired.not_before.replace(year=expired.not_before.year - 2),
        not_after=expired.not_after.replace(year=expired.not_after.year - 1),
        created_at=expired.created_at.replace(year=expired.created_at.year + 1),
    )
    Certificate.objects.filter(pk=revoked.pk).update(not_before=revoked.not_before.replace(year=revoked.not_before.year - 3))
    page = manager.get(ME).content.decode()
    assert "منقضی شده در" in page and "از مدیر سامانه دستگاه بخواهید" in page
    no_private_key(page)


@pytest.mark.django_db
def test_user_without_seats_sees_a_note(world):
    loner = make_user(first_name="بی", last_name="سمت")
    response = login(loner).get(ME)
    assert response.status_code == 200
    page = response.content.decode()
    assert "هیچ سمتی در اختیار شما نیست" in page
    assert "signing-seat" not in page and "agency-admin" not in page


@pytest.mark.django_db
def test_anonymous_goes_to_sign_in_and_a_clerk_sees_no_signing_forms(world):
    assert Client().get(ME).status_code == 302
    page = login(world.clerk).get(ME).content.decode()
    assert "اختیار امضای نامه ندارد" in page and "image-form" not in page


# ---------------------------------------------------------------- an agency admin


@pytest.fixture
def admin(world):
    user = make_user(first_name="نادر", last_name="مدیرسامانه")
    world.agency.admins.add(user)
    return user


@pytest.mark.django_db
def test_admin_creates_the_authority_issues_and_revokes(world, admin):
    client = login(admin)
    page = client.get(ME).content.decode()
    assert "agency-admin" in page and "هنوز مرجع صدور گواهی ندارد" in page
    assert client.post(reverse("signing_create_authority", args=[world.agency.id])).status_code == 302
    # a second authority is refused in Persian
    again = client.post(reverse("signing_create_authority", args=[world.agency.id]))
    assert again.status_code == 400 and "مرجع صدور گواهی فعال دارد" in again.content.decode()

    # issue a certificate for the manager's position (days typed with Persian digits)
    prefix = f"issue-{world.agency.id}"
    page = client.get(ME).content.decode()
    assert "صدور گواهی برای سمت امضاکننده" in page and f'value="{world.manager_pos.id}"' in page
    assert f'<option value="{world.clerk_pos.id}"' not in page  # only signing positions are offered
    answer = client.post(reverse("signing_issue", args=[world.agency.id]),
                         {f"{prefix}-position": world.manager_pos.id, f"{prefix}-days": "۳۶۵"})
    assert answer.status_code == 302
    certificate = Certificate.objects.get(position=world.manager_pos)
    assert 364 <= (certificate.not_after - certificate.not_before).days <= 366
    page = client.get(ME).content.decode()
    assert "گواهی امضا برای «مدیرکل» صادر شد" in page and "معتبر" in page
    no_private_key(page)
    # the holder sees it valid
    assert "معتبر تا" in login(world.manager).get(ME).content.decode()

    # bad inputs: no position, a position that cannot sign, nonsense days — Persian errors, 400
    for data, message in [
        ({f"{prefix}-position": ""}, "سمت را انتخاب کنید"),
        ({f"{prefix}-position": world.clerk_pos.id}, "امضاکننده این دستگاه نیست"),
        ({f"{prefix}-position": world.manager_pos.id, f"{prefix}-days": "هزار"}, "به عدد روز"),
        ({f"{prefix}-position": world.manager_pos.id, f"{prefix}-days": "99999"}, "بیش از ده سال"),
    ]:
        answer = client.post(reverse("signing_issue", args=[world.agency.id]), data)
        assert answer.status_code == 400 and message in answer.content.decode(), message
    assert Certificate.objects.count() == 1

    # revoke with a reason; a missing reason is refused first
    rprefix = f"revoke-{certificate.id}"
    answer = client.post(reverse("signing_revoke", args=[certificate.id]), {f"{rprefix}-reason": ""})
    assert answer.status_code == 400 and "علت ابطال را انتخاب کنید" in answer.content.decode()
    answer = client.post(reverse("signing_revoke", args=[certificate.id]),
                         {f"{rprefix}-reason": "affiliation_changed", f"{rprefix}-note": "انتقال به اداره دیگر"})
    assert answer.status_code == 302
    certificate.refresh_from_db()
    assert certificate.revoked_at is not None and certificate.revocation_reason == "affiliation_changed"
    page = client.get(ME).content.decode()
    assert "ابطال شد" in page and "تغییر سمت یا سازمان" in page and "انتقال به اداره دیگر" in page
    assert f'action="{reverse("signing_revoke", args=[certificate.id])}"' not in page  # no second revoke form
    no_private_key(page)
    holder_page = login(world.manager).get(ME).content.decode()
    assert "ابطال شده در" in holder_page and "از مدیر سامانه دستگاه بخواهید" in holder_page


@pytest.mark.django_db
def test_non_admins_cannot_issue_or_revoke(world, ca):
    certificate = services.issue_certificate(position=world.manager_pos)
    manager = login(world.manager)
    assert "agency-admin" not in manager.get(ME).content.decode()
    prefix = f"issue-{world.agency.id}"
    answer = manager.post(reverse("signing_issue", args=[world.agency.id]), {f"{prefix}-position": world.manager_pos.id})
    assert answer.status_code == 403 and "مدیر سامانه" in answer.content.decode()
    answer = login(world.expert).post(reverse("signing_revoke", args=[certificate.id]),
                                      {f"revoke-{certificate.id}-reason": "unspecified"})
    assert answer.status_code == 403
    assert login(world.expert).post(reverse("signing_create_authority", args=[world.agency.id])).status_code == 403
    certificate.refresh_from_db()
    assert certificate.revoked_at is None and Certificate.objects.count() == 1
    # unknown ids are a Persian 404
    assert manager.post(reverse("signing_revoke", args=[999999])).status_code == 404


# ---------------------------------------------------------------- the whole path


@pytest.mark.django_db
def test_admin_issues_certificates_then_a_two_signer_circuit_signs_digitally(world, admin, ca):
    deputy = make_user(first_name="حسن", last_name="معاون")
    deputy_pos = make_position(world.unit, "معاون", holder=deputy, can_sign=True)
    client = login(admin)
    prefix = f"issue-{world.agency.id}"
    for pos in (deputy_pos, world.manager_pos):
        assert client.post(reverse("signing_issue", args=[world.agency.id]), {f"{prefix}-position": pos.id}).status_code == 302

    expert = login(world.expert)
    answer = expert.post(reverse("compose"), {
        "kind": "internal", "subject": "گزارش امضای زنجیره‌ای", "to": [world.other_pos.id],
        "signer_position": world.manager_pos.id, "earlier_1": deputy_pos.id,
        "urgency": "normal", "classification": "unclassified",
    })
    assert answer.status_code == 302
    letter_id = int(answer["Location"].rstrip("/").split("/")[-1])
    expert.post(reverse("letter_submit", args=[letter_id]), {"submit-note": ""})

    deputy_client, manager = login(deputy), login(world.manager)
    assert "گزارش امضای زنجیره‌ای" in deputy_client.get(ME).content.decode()
    assert "گزارش امضای زنجیره‌ای" not in manager.get(ME).content.decode()
    assert deputy_client.post(reverse("letter_approve", args=[letter_id]), {"approve-note": ""}).status_code == 302
    assert "گزارش امضای زنجیره‌ای" not in deputy_client.get(ME).content.decode()
    assert "گزارش امضای زنجیره‌ای" in manager.get(ME).content.decode()
    assert manager.post(reverse("letter_approve", args=[letter_id]), {"approve-note": ""}).status_code == 302
    page = manager.get(reverse("letter_detail", args=[letter_id])).content.decode()
    assert page.count("امضای دیجیتال") >= 2
    no_private_key(page)
    no_private_key(manager.get(ME).content.decode())


# ---------------------------------------------------------------- in a browser, at phone width



@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("no_lingering_connections")
def test_phone_screenshot_of_my_signing_page(live_server, monkeypatch):
    from pathlib import Path

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from ..factories import make_world

    world = make_world("استانداری خوزستان")
    world.agency.admins.add(world.manager)  # the manager is also the agency's admin: every section shows
    services.create_authority(agency=world.agency, name="مرجع صدور گواهی استانداری")
    services.issue_certificate(position=world.manager_pos)
    old = services.issue_certificate(position=world.manager_pos)
    services.revoke_certificate(certificate=old, reason="superseded", note="جایگزینی با گواهی تازه")
    services.upload_signature_image(user=world.manager, seat=world.seat(world.manager_pos), content=png_bytes(160, 48))
    for subject in ["درخواست تخصیص اعتبار برای بازسازی مدارس مناطق سیل‌زده استان", "گزارش عملکرد سه‌ماهه"]:
        letter = make_draft(world, subject=subject, urgency="urgent")
        letters.submit_for_signature(user=world.expert, seat=world.seat(world.expert_pos), letter=letter)

    screens = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"
    screens.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_context(viewport={"width": 390, "height": 844}, locale="fa-IR").new_page()
            page.goto(f"{live_server.url}/accounts/login/")
            page.fill("#id_username", world.manager.username)
            page.fill("#id_password", "demo-pass-1234")
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server.url}/")
            page.goto(f"{live_server.url}{ME}")
            page.wait_for_load_state("networkidle")
            assert page.evaluate("document.documentElement.dir") == "rtl"
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 1, f"/signing/me/ overflows by {overflow}px at 390px"
            assert page.evaluate("document.fonts.check('16px Vazirmatn')")
            # the signature image really loads (a broken image has no natural width)
            assert page.evaluate("document.querySelector('img.signature-preview').naturalWidth") == 160
            text = page.inner_text("main")
            assert "معتبر تا" in text and "گزارش عملکرد سه‌ماهه" in text and "صدور گواهی" in text
            assert "PRIVATE KEY" not in page.content()
            page.screenshot(path=str(screens / "signing-me-phone.png"), full_page=True)
        finally:
            browser.close()
