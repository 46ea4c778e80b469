"""A person's look at the generated documents: the signed permit (PDF pages as pictures), «امضای من», the
public verification page and an incoming letter's print view, in Debian's chromium. The signer holds a
long title; the citizen typed a Jalali date and numbers in Persian digits."""

import datetime as dt
import subprocess

import pytest

from dabir.core.text import to_persian_digits
from dabir.desk import codes as tracking
from dabir.desk import services as desk
from dabir.desk.models import Category, DeskProfile
from dabir.letters import services as letters
from dabir.signing import codes
from dabir.signing import services as signing
from tests.factories import make_png, make_position, make_user, make_world

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "معاون هماهنگی امور اقتصادی و توسعه منابع"


def permit_world():
    world = make_world("شهرداری آزمون")
    world.agency.name = f"{world.agency.name} اهواز"
    world.agency.save(update_fields=["name"])
    deputy = make_user(first_name="محمدحسین", last_name="میرزاخانی")
    pos = make_position(world.unit, TITLE, holder=deputy, can_sign=True)
    signing.create_authority(agency=world.agency, name="مرجع گواهی شهرداری")
    signing.issue_certificate(position=pos)
    signing.upload_signature_image(user=deputy, seat=world.seat(pos), content=make_png(160, 48))
    Category.objects.get_or_create(slug="urban", defaults={"name": "شهرسازی و عمران"})
    DeskProfile.objects.create(agency=world.agency, secretariat=world.secretariat, complaints_position=world.manager_pos)
    service = desk.publish_service(user=None, definition={
        "code": "dig-permit", "title": "مجوز حفاری معابر", "agency": world.agency.code, "category": "urban",
        "profile": {"description": "مجوز حفاری در معابر شهری برای اشتراک آب، برق و گاز", "duration_days": 5},
        "form": [{"name": "street", "label": "نشانی معبر", "type": "text"},
                 {"name": "from_date", "label": "از تاریخ", "type": "jalali_date"},
                 {"name": "length", "label": "طول حفاری (متر)", "type": "number", "min": 1, "max": 500}],
        "stages": [{"code": "review", "title": "بررسی کارشناس", "position": world.expert_pos.code, "deadline_days": 3,
                    "outcomes": [{"code": "ok", "label": "تأیید", "next": "approve"}]}],
        "result": {"title": "مجوز حفاری", "signer_position": pos.code,
                   "body": "با سلام؛\nبا حفاری معبر {street} از تاریخ {from_date} به طول {length} متر برای "
                           "{applicant_name} موافقت می‌شود.\nکد رهگیری {tracking_code}"},
    }).service
    req = desk.submit_request(service=service, channel="online", national_code="0012345679", mobile="09161234567",
                              data={"street": "خیابان ۱۲ فروردین", "from_date": "۱۴۰۵/۰۹/۲۰", "length": "۱۲۰"},
                              uploads={}, applicant=None, applicant_name="سارا شهروند")
    desk.decide_stage(user=world.expert, position_id=world.expert_pos.id, request=req, outcome="ok")
    req.refresh_from_db()
    desk.sign_result(user=deputy, position_id=pos.id, request=req)
    req.refresh_from_db()
    return world, deputy, pos, req


def test_permit_signing_page_verification_and_incoming_print_look_right(desk):
    world, deputy, pos, req = permit_world()
    version = signing.current_version(req.result_letter)

    # The permit PDF as its signer downloads it (signed in the server's thread), page 1 as a picture.
    page = desk.sign_in(deputy)
    response = page.request.get(desk.url(f"/verify/letters/{req.result_letter_id}.pdf"))
    assert response.ok and response.headers["x-dabir-signed"] == "1"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    source = ARTIFACTS / "persian-permit.pdf"
    source.write_bytes(response.body())
    subprocess.run(["pdftoppm", "-png", "-r", "90", "-f", "1", "-l", "1", "-singlefile", str(source),
                    str(ARTIFACTS / "persian-permit")], check=True)
    assert (ARTIFACTS / "persian-permit.png").stat().st_size > 20_000

    # «امضای من»: the whole title.
    page.goto(desk.url("/signing/me/"))
    main = page.inner_text("main")
    assert TITLE in main and f"برای {TITLE}" in main
    desk.shot(page, "signing-me")

    # The public verification page: the whole title, the code as one left-to-right run.
    visitor = desk.new_page()
    visitor.goto(desk.url(f"/verify/{version.code}"))
    assert TITLE in visitor.inner_text("main")
    shown = visitor.locator("bdi.code")
    # The verification code, and the tracking code inside the subject, each as a code.
    assert sorted(shown.all_inner_texts()) == sorted([codes.display(version.code), tracking.display(req.tracking_code)])
    styles = shown.evaluate_all("els => els.map(el => [getComputedStyle(el).direction, "
                                "getComputedStyle(el).fontFeatureSettings])")
    # Left to right, in Latin glyphs: the page's "ss01" (Persian-looking digits) does not reach a code.
    assert styles == [["ltr", "normal"], ["ltr", "normal"]]
    desk.shot(visitor, "verify")

    # An incoming letter printed as received.
    incoming = letters.register_incoming(
        user=world.clerk, secretariat=world.secretariat, subject="درخواست همکاری در طرح بازسازی معابر",
        sender_name="اداره کل راه و شهرسازی استان خوزستان", sender_number="۱۲۳۴/ر/۵۶", sender_date=dt.date(2026, 11, 25),
        channel="post", body="<p>با سلام؛ خواهشمند است نسبت به هماهنگی حفاری‌های سال ۱۴۰۵ اقدام فرمایید.</p>",
        seat=world.seat(world.clerk_pos),
    )
    clerk = desk.sign_in(world.clerk)
    clerk.add_init_script("window.print = function () {};")
    clerk.goto(desk.url(f"/letters/{incoming.id}/print/"))
    sheet = clerk.inner_text("article.sheet")
    assert "نامه وارده" in sheet and "اداره کل راه و شهرسازی استان خوزستان" in sheet
    assert to_persian_digits(incoming.number).replace("\u200e", "") in sheet.replace("\u200e", "")
    assert clerk.locator(".letterhead").count() == 0
    desk.shot(clerk, "incoming-print")
