"""The electronic secretariat in a real browser: people sign in, click and type in Persian.

1. An incoming letter from the post company: registered with a scanned page, referred to the
   manager, read, referred on to the expert, done; the timeline shows the chain; search finds it
   by words typed with Arabic ي and ك.
2. A draft written by the expert, signed by the manager, numbered by the clerk from the
   registration queue, found by its recipient.
3. Bad input on the incoming form keeps what was typed and answers in Persian.
4. Phone width: no horizontal scrolling, the navbar collapses.
5. An acting holder: the referrer is warned, the acting user switches seat and acts; the timeline
   says it was done «به جانشینی».
Then two checks of details these tests once caught: a refused scan flagged on its own input, and
the registration message showing the number laid out like the letter header.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone

from dabir.core.jalali import TEHRAN, format_date, today
from dabir.core.text import to_persian_digits
from dabir.letters import services
from dabir.letters.models import Attachment, Letter, Referral, ReferralStatus, Status
from dabir.orgs.services import appoint_acting
from tests.browser import PHONE
from tests.factories import make_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LETTER_URL = re.compile(r"/letters/(\d+)/$")
LATIN_DIGIT = re.compile(r"[0-9]")
BIDI_CONTROLS = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")


def scanned_page_pdf() -> bytes:
    """A small but complete one-page PDF (catalog, page tree, page, content stream, xref table)."""
    stream = b"BT /F1 18 Tf 72 720 Td (Scanned page 1) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def letter_id_of(page) -> int:
    return int(LETTER_URL.search(page.url).group(1))


def persian_only_digits(text: str, where: str) -> None:
    assert not LATIN_DIGIT.search(text), f"Latin digits in {where}: {text!r}"


def text(locator) -> str:
    """What a person reads: the element's text without invisible bidi controls (LRM, isolates)."""
    return BIDI_CONTROLS.sub("", locator.inner_text())


def persian_page(page) -> None:
    """Right to left, in Persian, with the Vazirmatn font actually loaded (not a fallback)."""
    assert page.evaluate("[document.documentElement.dir, document.documentElement.lang]") == ["rtl", "fa"]
    assert page.evaluate("document.fonts.ready.then(() => document.fonts.check('16px Vazirmatn'))")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"


def official_number(page) -> str:
    """The letter's own number: the first isolated number in the header (the sender's comes later)."""
    return text(page.locator(".letter-header dl.meta dd").first.locator("bdi.number"))


def open_from_inbox(page, subject: str):
    page.locator("#inbox-list a", has_text=subject).click()
    page.wait_for_url(LETTER_URL)


def choose_position(page, select: str, position) -> None:
    page.select_option(select, str(position.id))


def fill_incoming(page, *, sender, number, date, subject, body, pdf=None, refer_to=None, note=None):
    """Type the incoming form the way a clerk does (Persian text and digits, keyboard input)."""
    page.locator("#id_sender_name").press_sequentially(sender)
    page.locator("#id_sender_number").press_sequentially(number)
    page.locator("#id_sender_date").press_sequentially(date)
    page.select_option("#id_channel", "post")
    page.locator("#id_subject").press_sequentially(subject)
    page.locator(".rich-area").click()
    page.keyboard.type(body)
    if pdf is not None:
        page.set_input_files("#id_scans", files=[pdf])
    if refer_to is not None:
        choose_position(page, "#id_refer_position", refer_to)
    if note:
        page.locator("#id_refer_note").press_sequentially(note)


# ---------------------------------------------------------------- 1. the main flow


def test_incoming_referral_chain(desk):
    w = make_world("استانداری خوزستان")
    subject = "درخواست بررسی یادداشت تفاهم همکاری در زمینه توزیع مرسولات اداری"
    sender_date = format_date(today() - dt.timedelta(days=3))  # Persian digits: ۱۴۰۵/۰۸/۲۹
    pdf = scanned_page_pdf()

    # The clerk registers the letter from the navbar, with the scanned page and a referral.
    clerk = desk.sign_in(w.clerk)
    clerk.get_by_role("link", name="ثبت وارده").click()
    clerk.wait_for_url(desk.url("/letters/incoming/new/"))
    fill_incoming(
        clerk, sender="شرکت ملی پست", number="۲۳۴۵/ص/۱۴۰۵", date=sender_date, subject=subject,
        body="با سلام، پیش‌نویس یادداشت تفاهم همکاری برای بررسی پیوست است.",
        pdf={"name": "صفحه-۱.pdf", "mimeType": "application/pdf", "buffer": pdf},
        refer_to=w.manager_pos, note="جهت بررسی و دستور مقتضی",
    )
    persian_page(clerk)
    desk.shot(clerk, "1-incoming-form")
    clerk.get_by_role("button", name="ثبت و گرفتن شماره").click()
    clerk.wait_for_url(LETTER_URL)
    letter = Letter.objects.get(pk=letter_id_of(clerk))
    assert letter.number and letter.sender_name == "شرکت ملی پست"
    assert letter.sender_number == "2345/ص/1405" and format_date(letter.sender_date) == sender_date
    assert letter.channel == "post"
    scan = Attachment.objects.get(letter=letter)
    assert scan.is_scan and scan.content_type == "application/pdf" and scan.file.read() == pdf
    number_fa = to_persian_digits(letter.number)
    assert f"نامه وارده با شماره {number_fa} ثبت شد." in text(clerk.locator(".messages"))
    assert official_number(clerk) == number_fa
    persian_only_digits(text(clerk.locator(".letter-header dl.meta")), "the letter header")
    assert "صفحه-۱.pdf" in text(clerk.locator("section[aria-label='پیوست‌ها']"))
    desk.shot(clerk, "2-registered")

    # The manager finds it unread (bold, counted) in the inbox and opens it.
    manager = desk.sign_in(w.manager)
    manager.goto(desk.url("/inbox/"))  # signing in lands on the dashboard
    row = manager.locator("#inbox-list tr", has_text=subject)
    assert "unread" in row.get_attribute("class")
    assert int(row.locator("a", has_text=subject).evaluate("a => getComputedStyle(a).fontWeight")) >= 600
    assert "خوانده نشده: ۱" in text(manager.locator(".counts"))
    assert text(manager.locator(".nav-tabs .badge")) == "۱"
    assert "جهت بررسی و دستور مقتضی" in text(row)
    persian_only_digits(text(row), "the inbox row")
    persian_page(manager)
    desk.shot(manager, "3-manager-inbox")
    open_from_inbox(manager, subject)
    first = manager.locator("ol.timeline > li").first
    assert re.search(r"خوانده [۰-۹]{4}/[۰-۹]{2}/[۰-۹]{2} [۰-۹]{2}:[۰-۹]{2}", text(first)), text(first)
    assert Referral.objects.get(letter=letter, to_position=w.manager_pos).read_by == w.manager
    desk.shot(manager, "4-manager-letter")

    # …and refers it on to the expert with a margin note.
    manager.locator(".action-panel").get_by_role("link", name="ارجاع").click()
    manager.wait_for_url(re.compile(r"/refer/$"))
    choose_position(manager, "#id_t-0-position", w.expert_pos)
    manager.locator("#id_t-0-note").press_sequentially("با هماهنگی اداره حقوقی نظر کارشناسی تهیه شود")
    desk.shot(manager, "5-refer-form")
    manager.locator("form.refer-form").get_by_role("button", name="ارجاع").click()
    manager.wait_for_url(LETTER_URL)
    assert "نامه ارجاع شد." in text(manager.locator(".messages"))

    # The expert finds it, opens it and marks it done with a note.
    expert = desk.sign_in(w.expert)
    expert.goto(desk.url("/inbox/"))
    assert "با هماهنگی اداره حقوقی" in text(expert.locator("#inbox-list tr", has_text=subject))
    open_from_inbox(expert, subject)
    expert.locator(".action-panel summary", has_text="انجام شد").click()
    expert.locator("#id_complete-note").press_sequentially("نظر کارشناسی تهیه و به دفتر حقوقی ارسال شد")
    expert.get_by_role("button", name="ثبت انجام").click()
    expert.wait_for_url(LETTER_URL)
    assert "ارجاع انجام‌شده ثبت شد." in text(expert.locator(".messages"))

    # The timeline tells the whole chain: secretariat → manager (forwarded) → expert (done).
    items = expert.locator("ol.timeline > li")
    assert items.count() == 2
    to_manager, to_expert = text(items.nth(0)), text(items.nth(1))
    assert "کارمند دبیرخانه" in to_manager and "مدیرکل" in to_manager and "ارجاع شده" in to_manager
    assert "جهت بررسی و دستور مقتضی" in to_manager
    assert "مدیرکل" in to_expert and "کارشناس فناوری" in to_expert and "انجام شده" in to_expert
    assert "با هماهنگی اداره حقوقی نظر کارشناسی تهیه شود" in to_expert
    assert "نظر کارشناسی تهیه و به دفتر حقوقی ارسال شد" in to_expert
    assert "اقدام" in to_expert and "مریم کارشناس" in to_expert
    persian_only_digits(text(expert.locator("ol.timeline")), "the timeline")
    assert [r.status for r in Referral.objects.filter(letter=letter).order_by("id")] == [
        ReferralStatus.FORWARDED, ReferralStatus.DONE]
    persian_page(expert)
    desk.shot(expert, "6-timeline")

    # Search finds it by words typed with Arabic ي and ك.
    expert.get_by_role("link", name="جست‌وجو").click()
    expert.locator("#id_q").press_sequentially("يادداشت همكاري")
    expert.locator("form").get_by_role("button", name="جست‌وجو").click()
    expert.wait_for_url(re.compile(r"/search/\?"))
    results = expert.locator(".results")
    assert subject in text(results)
    assert number_fa in text(results)
    assert "۱ نامه پیدا شد." in text(expert.locator("main"))
    desk.shot(expert, "7-search")


# ---------------------------------------------------------------- 2. draft → signature → registration


def test_draft_signature_registration(desk):
    w = make_world("استانداری خوزستان")
    subject = "گزارش پیشرفت طرح شبکه داخلی ادارات تابعه"

    # The expert writes an internal letter to the finance expert, to be signed by the manager.
    expert = desk.sign_in(w.expert)
    expert.locator("nav").get_by_role("link", name="نامه جدید").click()
    expert.wait_for_url(desk.url("/letters/new/"))
    expert.select_option("#id_kind", "internal")
    expert.locator("#id_subject").press_sequentially(subject)
    expert.locator(".rich-area").click()
    expert.keyboard.type("با سلام، گزارش پیشرفت ")
    expert.locator("[data-cmd=bold]").click()
    expert.keyboard.type("۸۰ درصدی")
    expert.locator("[data-cmd=bold]").click()
    expert.keyboard.type(" طرح به پیوست تقدیم می‌شود.")
    expert.select_option("#id_to", str(w.other_pos.id))
    expert.select_option("#id_signer_position", str(w.manager_pos.id))
    desk.shot(expert, "1-compose")
    expert.get_by_role("button", name="ذخیره پیش‌نویس").click()
    expert.wait_for_url(LETTER_URL)
    letter_id = letter_id_of(expert)
    assert text(expert.locator(".letter-body b, .letter-body strong")) == "۸۰ درصدی"
    assert "هنوز ثبت نشده" in text(expert.locator(".letter-header"))
    expert.get_by_role("button", name="فرستادن برای امضا").click()
    expert.wait_for_url(LETTER_URL)
    assert "نامه برای امضا فرستاده شد." in text(expert.locator(".messages"))
    assert Letter.objects.get(pk=letter_id).status == Status.AWAITING_SIGNATURE

    # The manager sees it «جهت امضا» and approves.
    manager = desk.sign_in(w.manager)
    manager.goto(desk.url("/inbox/"))
    row = manager.locator("#inbox-list tr", has_text=subject)
    assert "جهت امضا" in text(row)
    desk.shot(manager, "2-manager-inbox")
    open_from_inbox(manager, subject)
    manager.locator("#id_approve-note").press_sequentially("مورد تأیید است")
    manager.get_by_role("button", name="امضا و تأیید").click()
    manager.wait_for_url(LETTER_URL)
    assert "نامه امضا شد و به دبیرخانه رفت." in text(manager.locator(".messages"))
    assert "امضا در" in text(manager.locator(".letter-header"))
    desk.shot(manager, "3-signed")

    # The clerk numbers it from the registration queue.
    clerk = desk.sign_in(w.clerk)
    clerk.get_by_role("link", name="صف ثبت").click()
    clerk.wait_for_url(desk.url("/secretariat/"))
    queue_row = clerk.locator("table tr", has_text=subject)
    assert "کارشناس فناوری" in text(queue_row) and "مدیرکل" in text(queue_row)
    desk.shot(clerk, "4-queue")
    queue_row.get_by_role("button", name="ثبت").click()
    clerk.wait_for_url(desk.url("/secretariat/"))
    assert "نامه ثبت و شماره‌گذاری شد." in text(clerk.locator(".messages"))
    assert "نامه‌ای در انتظار ثبت نیست." in text(clerk.locator("main"))
    letter = Letter.objects.get(pk=letter_id)
    assert letter.status == Status.REGISTERED and letter.number
    number_fa = to_persian_digits(letter.number)
    desk.shot(clerk, "5-queue-empty")

    # The number shows on the letter page (the clerk finds it by its number).
    clerk.get_by_role("link", name="جست‌وجو").click()
    clerk.locator("#id_number").press_sequentially(number_fa)
    clerk.locator("form").get_by_role("button", name="جست‌وجو").click()
    clerk.locator(".results a", has_text=subject).click()
    clerk.wait_for_url(LETTER_URL)
    assert official_number(clerk) == number_fa
    desk.shot(clerk, "6-numbered")

    # The recipient finds it in the inbox, numbered.
    other = desk.sign_in(w.other)
    other.goto(desk.url("/inbox/"))
    row = other.locator("#inbox-list tr", has_text=subject)
    assert number_fa in text(row) and "unread" in row.get_attribute("class")
    desk.shot(other, "7-recipient-inbox")
    open_from_inbox(other, subject)
    assert official_number(other) == number_fa
    assert "۸۰ درصدی" in text(other.locator(".letter-body"))


# ---------------------------------------------------------------- 3. bad input keeps what was typed


def test_bad_input_keeps_typing(desk):
    w = make_world("استانداری خوزستان")
    subject = "اعلام برنامه بازدید از مراکز پستی استان"
    disguised = {"name": "scan.pdf", "mimeType": "application/pdf",
                 "buffer": "این یک پرونده متنی است و PDF نیست".encode()}

    clerk = desk.sign_in(w.clerk)
    clerk.goto(desk.url("/letters/incoming/new/"))
    fill_incoming(clerk, sender="شرکت ملی پست", number="۹۹/ب", date="۱۴۰۵/۱۳/۴۰", subject=subject,
                  body="متن خلاصه نامه", pdf=disguised, refer_to=w.manager_pos, note="جهت اطلاع")
    clerk.get_by_role("button", name="ثبت و گرفتن شماره").click()
    clerk.wait_for_load_state()
    # The date is refused in Persian, under its field, and everything typed is still there.
    assert clerk.url == desk.url("/letters/incoming/new/")
    date_box = clerk.locator("#id_sender_date")
    assert "is-invalid" in date_box.get_attribute("class")
    assert "این تاریخ در تقویم وجود ندارد." in text(date_box.locator("xpath=.."))
    assert "برخی از فیلدها نادرست است" in text(clerk.locator(".alert-danger").first)
    assert clerk.input_value("#id_subject") == subject
    assert clerk.input_value("#id_sender_name") == "شرکت ملی پست"
    assert date_box.input_value() == "۱۴۰۵/۱۳/۴۰"
    assert "متن خلاصه نامه" in text(clerk.locator(".rich-area"))
    assert clerk.input_value("#id_refer_position") == str(w.manager_pos.id)
    assert clerk.input_value("#id_refer_note") == "جهت اطلاع"
    desk.shot(clerk, "1-bad-date")

    # With the date put right, the disguised file is refused (the date passed; the file was checked).
    date_box.fill("")
    date_box.press_sequentially(format_date(today()))
    clerk.set_input_files("#id_scans", files=[disguised])
    clerk.get_by_role("button", name="ثبت و گرفتن شماره").click()
    clerk.wait_for_load_state()
    assert clerk.url == desk.url("/letters/incoming/new/")
    message = "محتوای پرونده «scan.pdf» با پسوند آن نمی‌خواند؛ پرونده پذیرفته نشد."
    assert message in text(clerk.locator("form.incoming-form"))
    assert clerk.input_value("#id_subject") == subject
    assert clerk.input_value("#id_sender_number") == "۹۹/ب"
    assert "متن خلاصه نامه" in text(clerk.locator(".rich-area"))
    assert "پرونده‌ها را دوباره انتخاب کنید" in text(clerk.locator("form.incoming-form"))
    desk.shot(clerk, "2-disguised-file")
    assert not Letter.objects.exists()


# ---------------------------------------------------------------- 4. phone width


def _no_sideways_scroll(page, where: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"{where} is {width}px wide at {PHONE['width']}px"


def test_phone_width(desk):
    w = make_world("استانداری خوزستان")
    letter = services.register_incoming(
        user=w.clerk, secretariat=w.secretariat, seat=w.seat(w.clerk_pos),
        subject="درخواست تخصیص اعتبار برای بازسازی ساختمان‌های آسیب‌دیده مدارس مناطق سیل‌زده شمال استان",
        sender_name="شرکت ملی پست جمهوری اسلامی ایران — مدیریت پست استان خوزستان",
        sender_number="۱۴۰۵/۲۳۴۵۶/ص/۷۸", channel="post", urgency="urgent",
        body="<p>با سلام و احترام، بازگشت به نامه شماره ۱۲۳/۴۵ مورخ ۱۴۰۵/۰۱/۱۵ خواهشمند است دستور فرمایید "
             "اقدام لازم معمول گردد.</p>",
        uploads=[services.Upload("تصویر-صفحه-نخست-نامه-شرکت-ملی-پست.pdf", scanned_page_pdf(), is_scan=True)],
        refer_to=[services.ReferralSpec(w.manager_pos.id, note="جهت بررسی")],
    )
    services.refer(user=w.manager, seat=w.seat(w.manager_pos), letter=letter, targets=[
        services.ReferralSpec(w.clerk_pos.id, note="پاسخ با هماهنگی اداره حقوقی و امور قراردادها تهیه شود؛ "
                                                   "رونوشت به معاونت توسعه مدیریت")])

    clerk = desk.sign_in(w.clerk, viewport=PHONE)
    clerk.goto(desk.url("/inbox/"))
    assert clerk.locator("#inbox-list", has_text="سیل‌زده").is_visible()
    _no_sideways_scroll(clerk, "the inbox")
    # The navbar is collapsed behind its toggler, and opens on a tap.
    assert clerk.locator(".navbar-toggler").is_visible()
    assert not clerk.locator("#mainnav").is_visible()
    persian_page(clerk)
    desk.shot(clerk, "1-inbox")
    clerk.locator(".navbar-toggler").click()
    clerk.locator("#mainnav.show").wait_for()
    assert clerk.locator("#mainnav").get_by_role("link", name="ثبت وارده").is_visible()
    _no_sideways_scroll(clerk, "the inbox with the menu open")
    desk.shot(clerk, "2-menu-open")
    clerk.locator(".navbar-toggler").click()
    clerk.locator("#mainnav").wait_for(state="hidden")

    open_from_inbox(clerk, "سیل‌زده")
    assert official_number(clerk) == to_persian_digits(letter.number)
    assert clerk.locator(".action-panel").is_visible()
    _no_sideways_scroll(clerk, "the letter page")
    assert not clerk.locator("#mainnav").is_visible()
    desk.shot(clerk, "3-letter")


# ---------------------------------------------------------------- 5. acting holder


def _this_week():
    """Saturday 00:00 to the next Saturday 00:00, Tehran time: the Iranian working week."""
    now = timezone.now().astimezone(TEHRAN)
    saturday = now.date() - dt.timedelta(days=(now.weekday() - 5) % 7)
    start = dt.datetime.combine(saturday, dt.time(), tzinfo=TEHRAN)
    return start, start + dt.timedelta(days=7)


def test_acting_holder(desk):
    w = make_world("استانداری خوزستان")
    starts, ends = _this_week()
    appoint_acting(position=w.manager_pos, user=w.expert, starts_at=starts, ends_at=ends, note="مرخصی")
    subject = "دعوت به جلسه هماهنگی ستاد خدمات سفر نوروزی"

    # The clerk refers the new letter to the manager's position and is warned who acts for it.
    clerk = desk.sign_in(w.clerk)
    clerk.goto(desk.url("/letters/incoming/new/"))
    fill_incoming(clerk, sender="شرکت ملی پست", number="۴۵۶", date=format_date(today()), subject=subject,
                  body="با سلام", refer_to=w.manager_pos, note="جهت اقدام فوری")
    option = text(clerk.locator(f"#id_refer_position option[value='{w.manager_pos.id}']"))
    assert "غایب" in option and "مریم کارشناس" in option
    note = clerk.locator("#id_refer_position").locator("xpath=..").locator(".absence-note")
    assert "غایب" in text(note) and "جانشین: مریم کارشناس" in text(note)
    desk.shot(clerk, "1-absence-warning")
    clerk.get_by_role("button", name="ثبت و گرفتن شماره").click()
    clerk.wait_for_url(LETTER_URL)
    letter = Letter.objects.get(pk=letter_id_of(clerk))

    # The acting user signs in at their own seat, then switches to the manager's.
    acting = desk.sign_in(w.expert)
    acting.goto(desk.url("/inbox/"))
    assert not acting.locator("#inbox-list a", has_text=subject).count()
    seat_select = acting.locator("#seat-select")
    assert "(جانشین)" in text(seat_select.locator(f"option[value='{w.manager_pos.id}']"))
    seat_select.select_option(str(w.manager_pos.id))
    acting.wait_for_url(desk.url("/inbox/"))
    acting.locator("#inbox-list a", has_text=subject).wait_for()
    assert "مدیرکل (جانشین)" in text(acting.locator("h1"))
    desk.shot(acting, "2-acting-inbox")
    open_from_inbox(acting, subject)
    acting.locator(".action-panel summary", has_text="انجام شد").click()
    acting.locator("#id_complete-note").press_sequentially("جلسه با حضور نماینده برگزار شد")
    acting.get_by_role("button", name="ثبت انجام").click()
    acting.wait_for_url(LETTER_URL)
    assert "ارجاع انجام‌شده ثبت شد." in text(acting.locator(".messages"))
    item = text(acting.locator("ol.timeline > li").first)
    assert "انجام شده" in item and "(مریم کارشناس، به جانشینی)" in item, item
    desk.shot(acting, "3-timeline")
    referral = Referral.objects.get(letter=letter, to_position=w.manager_pos)
    assert referral.status == ReferralStatus.DONE
    assert referral.acted_by == w.expert and referral.acted_as_acting


# ---------------------------------------------------------------- two defects these tests found (fixed since)


def test_disguised_scan_is_flagged_on_the_scan_field(desk):
    """A refused scan is flagged under the scan input the clerk used, not under «پیوست‌های دیگر»."""
    w = make_world("استانداری خوزستان")
    clerk = desk.sign_in(w.clerk)
    clerk.goto(desk.url("/letters/incoming/new/"))
    fill_incoming(clerk, sender="شرکت ملی پست", number="۱۲", date=format_date(today()), subject="نامه آزمایشی",
                  body="متن", pdf={"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"plain text"})
    clerk.get_by_role("button", name="ثبت و گرفتن شماره").click()
    clerk.wait_for_load_state()
    scans = clerk.locator("#id_scans")
    assert "با پسوند آن نمی‌خواند" in text(scans.locator("xpath=.."))
    assert "is-invalid" in scans.get_attribute("class")


def test_registration_message_shows_the_number_like_the_header(desk):
    """The success message lays the official number out like the letter header (year at the left)."""
    w = make_world("استانداری خوزستان")
    clerk = desk.sign_in(w.clerk)
    clerk.goto(desk.url("/letters/incoming/new/"))
    fill_incoming(clerk, sender="شرکت ملی پست", number="۱۲", date=format_date(today()), subject="نامه آزمایشی",
                  body="متن")
    clerk.get_by_role("button", name="ثبت و گرفتن شماره").click()
    clerk.wait_for_url(LETTER_URL)
    number = official_number(clerk)
    # Where the number's first and last characters land on screen (bidi controls may sit between them).
    year_left_of_sequence = """(el, number) => {
        const gap = "[\\u200e\\u200f\\u061c\\u202a-\\u202e\\u2066-\\u2069]*";
        const pattern = new RegExp([...number].map(c => c.replace(/[.*+?^${}()|[\\]\\\\/]/g, "\\\\$&")).join(gap));
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        for (let t = walker.nextNode(); t; t = walker.nextNode()) {
            const m = pattern.exec(t.textContent);
            if (!m) continue;
            const r = document.createRange();
            r.setStart(t, m.index); r.setEnd(t, m.index + 1); const first = r.getBoundingClientRect().left;
            const end = m.index + m[0].length;
            r.setStart(t, end - 1); r.setEnd(t, end);
            return first < r.getBoundingClientRect().left;
        }
        return null;
    }"""
    header = clerk.locator(".letter-header dl.meta dd").first
    message = clerk.locator(".messages .alert").first
    assert header.evaluate(year_left_of_sequence, number) is True
    assert message.evaluate(year_left_of_sequence, number) is True
