"""Writing faster in the browser: a letter started from the agency's template, and a referral whose margin
note is a ready note picked with one click and then edited, the positions found by typing in the
searchable picker (Arabic ي typed finds Persian ی). Desktop and 390x844."""

import pytest
from playwright.sync_api import expect

from dabir.core.jalali import format_date, today
from dabir.letters import services
from dabir.letters.models import Letter, LetterTemplate, ReadyNote, Referral
from tests.browser import assert_phone_layout, phone_context
from tests.factories import register_incoming

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def pick(page, select_id: str, typed: str, option_text: str) -> None:
    """Type in a Tom Select picker and choose the option shown."""
    control = page.locator(f"#{select_id}-ts-control")
    option = page.locator(f"#{select_id}-ts-dropdown .option", has_text=option_text).first
    for attempt in range(3):  # a busy machine may close the list before it shows (a late focus elsewhere)
        control.click()
        control.fill("")
        control.press_sequentially(typed)
        try:
            expect(option).to_be_visible(timeout=5_000)
            break
        except AssertionError:
            if attempt == 2:
                raise
    option.click()


def open_on_phone(desk, user, path):
    context = phone_context(desk.browser)
    desk.contexts.append(context)
    page = context.new_page()
    page.on("pageerror", lambda exc: desk.problems.append(f"script error on {page.url}: {exc}"))
    page.goto(desk.url("/accounts/login/"))
    page.locator("#id_username").press_sequentially(user.username)
    page.locator("#id_password").press_sequentially("demo-pass-1234")
    page.get_by_role("button", name="ورود").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(desk.url(path))
    return page


@pytest.fixture
def setting(db):
    from tests.factories import make_world

    world = make_world()
    LetterTemplate.objects.create(
        agency=world.agency, title="استعلام", kind="outgoing", subject="استعلام از {گیرنده}",
        body="<p>{گیرنده}</p><p>با سلام، در تاریخ {تاریخ} خواهشمند است درباره پرونده {شماره_پرونده} پاسخ دهید.</p>"
             "<p>{فرستنده}<br>{سمت_فرستنده}</p>")
    ReadyNote.objects.create(agency=world.agency, text="لطفاً بررسی و گزارش دهید", action="information")
    ReadyNote.objects.create(user=world.manager, text="جهت اقدام لازم", action="action")
    return world


def test_compose_from_a_template_with_the_recipient_found_by_typing(desk, setting):
    world = setting
    page = desk.sign_in(world.expert)
    page.goto(desk.url("/letters/new/"))
    # the recipient: typed with an Arabic «ي»; the picker's search is normalised
    pick(page, "id_to", "مالي", world.other_pos.title)
    page.keyboard.press("Escape")
    assert page.locator("#id_to option:checked").get_attribute("value") == str(world.other_pos.id)
    desk.shot(page, "picker")
    # the template fills subject and body in place, and names the placeholder it does not know
    page.locator("#template-choice").select_option(label="استعلام")
    page.get_by_role("button", name="پر کردن موضوع و متن از الگو").click()
    notice = page.locator(".template-notices")
    notice.get_by_text("{شماره_پرونده}").wait_for()
    assert page.locator("#id_subject").input_value() == f"استعلام از {world.other_pos.title}"
    editor = page.locator(".rich-area")
    assert format_date(today()) in editor.inner_text() and world.expert_pos.title in editor.inner_text()
    desk.shot(page, "filled")
    # the writer edits what the template left and saves the draft
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" شماره پرونده ۴۵۲")
    page.locator("#id_subject").fill("استعلام از کارشناس مالی درباره پرونده ۴۵۲")
    page.get_by_role("button", name="ذخیره پیش‌نویس").click()
    page.wait_for_url(lambda url: "/letters/new/" not in url)
    letter = Letter.objects.get(subject="استعلام از کارشناس مالی درباره پرونده ۴۵۲")
    assert format_date(today()) in letter.body and "شماره پرونده ۴۵۲" in letter.body
    assert letter.recipients.filter(position=world.other_pos).exists()
    desk.shot(page, "saved")


def test_refer_with_a_ready_note_edited_and_the_position_found_by_typing(desk, setting):
    world = setting
    letter = register_incoming(world, subject="درخواست ارتقای شبکه", refer_to=[services.ReferralSpec(world.manager_pos.id)])
    page = desk.sign_in(world.manager)
    page.goto(desk.url(f"/letters/{letter.id}/refer/"))
    pick(page, "id_t-0-position", "فناوري", world.expert_pos.title)
    row = page.locator("fieldset.refer-row").first
    row.get_by_role("button", name="لطفاً بررسی و گزارش دهید").click()
    note = page.locator("#id_t-0-note")
    assert note.input_value() == "لطفاً بررسی و گزارش دهید"
    assert page.locator("#id_t-0-action").input_value() == "information"  # the note's action came with it
    note.fill(note.input_value() + " تا پایان هفته")  # the chip's text stays editable
    expect(note).to_have_value("لطفاً بررسی و گزارش دهید تا پایان هفته")
    # a second recipient, the chip taken with the keyboard this time
    second = page.locator("fieldset.refer-row").nth(1)
    second.get_by_role("button", name="جهت اقدام لازم").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#id_t-1-note")).to_have_value("جهت اقدام لازم")
    pick(page, "id_t-1-position", "مالي", world.other_pos.title)
    desk.shot(page, "note")
    page.locator("form.refer-form button[type=submit]").click()
    page.wait_for_url(desk.url(f"/letters/{letter.id}/"))
    referral = Referral.objects.get(letter=letter, to_position=world.expert_pos)
    assert referral.note == "لطفاً بررسی و گزارش دهید تا پایان هفته" and referral.action == "information"
    referral = Referral.objects.get(letter=letter, to_position=world.other_pos)
    assert referral.note == "جهت اقدام لازم" and referral.action == "action"


def test_on_a_phone_the_ready_notes_and_the_picker_work(desk, setting):
    world = setting
    letter = register_incoming(world, subject="درخواست بودجه", refer_to=[services.ReferralSpec(world.manager_pos.id)])
    page = open_on_phone(desk, world.manager, f"/letters/{letter.id}/refer/")
    assert_phone_layout(page, "refer")
    pick(page, "id_t-0-position", "مالی", world.other_pos.title)
    page.locator("fieldset.refer-row").first.get_by_role("button", name="جهت اقدام لازم").click()
    assert page.locator("#id_t-0-note").input_value() == "جهت اقدام لازم"
    assert_phone_layout(page, "refer with picker")
    desk.shot(page, "phone-refer")
    page.locator("form.refer-form button[type=submit]").click()
    page.wait_for_url(desk.url(f"/letters/{letter.id}/"))
    referral = Referral.objects.get(letter=letter, to_position=world.other_pos)
    assert referral.note == "جهت اقدام لازم" and referral.action == "action"
    # the ready notes page on the phone: add one, and it is offered at once
    page.goto(desk.url("/notes/ready/"))
    page.locator("#id_text").fill("در جلسه هفتگی مطرح شود")
    page.get_by_role("button", name="افزودن").click()
    page.get_by_text("هامش آماده افزوده شد.").wait_for()
    assert_phone_layout(page, "ready notes")
    desk.shot(page, "phone-notes")
    assert ReadyNote.objects.filter(user=world.manager, text="در جلسه هفتگی مطرح شود").exists()
    page.goto(desk.url("/letters/new/"))
    assert_phone_layout(page, "compose")
    desk.shot(page, "phone-compose")


def test_the_refer_and_ready_notes_pages_pass_axe(browser, live_server, setting):
    from tests.browser import PHONE
    from tests.e2e.test_accessibility import DESKTOP, _session, _violations

    world = setting
    letter = register_incoming(world, subject="نامه آزمون دسترس‌پذیری",
                               refer_to=[services.ReferralSpec(world.manager_pos.id)])
    manager, clerk = _session(world.manager), _session(world.clerk)
    found = []
    for name, path, session in (("refer", f"/letters/{letter.id}/refer/", manager),
                                ("ready-notes", "/notes/ready/", manager),
                                ("register", "/letters/incoming/new/", clerk)):
        for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            found += [f"{name} ({size}): {v['impact']} {v['id']} at {v['nodes']}" for v in _violations(
                browser, live_server.url, path, session=session, viewport=viewport, shot=f"writing-{name}-{size}")]
    assert not found, found
