"""Work in bulk in the browser: ten letters referred at once from the inbox (desktop and 390x844), and
several letters registered at once from the secretariat's queue."""

import datetime as dt

import pytest
from django.urls import reverse

from dabir.core.jalali import format_date, today
from dabir.core.models import AuditEntry
from dabir.core.text import to_persian_digits
from dabir.letters import services
from dabir.letters.models import Letter, Referral, ReferralStatus, Status
from tests.browser import PHONE, assert_phone_layout
from tests.factories import make_signed, make_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _to_manager(world, n):
    return [
        services.register_incoming(
            user=world.clerk, secretariat=world.secretariat, subject=f"درخواست تعمیر ساختمان شماره {i}",
            sender_name="شهرداری اهواز", channel="post", seat=world.seat(world.clerk_pos),
            refer_to=[services.ReferralSpec(world.manager_pos.id, note="بررسی شود")],
        )
        for i in range(1, n + 1)
    ]


def _pick_position(page, dialog, title):
    """Choose a position in the dialog's searchable picker by typing part of its title, as a user does."""
    control = dialog.locator(".ts-control input")
    control.click()
    control.press_sequentially(title)
    page.locator(".ts-dropdown .option", has_text=title).first.click()


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_ten_letters_referred_at_once_from_the_inbox(desk, screen):
    # given ten letters in the manager's inbox
    world = make_world()
    letters = _to_manager(world, 10)
    deadline = today() + dt.timedelta(days=4)
    page = desk.sign_in(world.manager, viewport=PHONE if screen == "phone" else None)
    page.goto(desk.url(reverse("inbox")))
    count = page.locator("[data-bulk-count]")
    refer_button = page.get_by_role("button", name="ارجاع…")
    assert refer_button.is_disabled()  # nothing ticked yet

    # when they tick one by its label, then all of the page
    page.get_by_label(f"انتخاب نامه {to_persian_digits(letters[0].number)} {letters[0].subject}").check()
    assert count.inner_text() == "۱ نامه انتخاب شد."
    page.get_by_label("انتخاب همه نامه‌های این صفحه").check()
    assert count.inner_text() == "۱۰ نامه انتخاب شد."
    if screen == "phone":
        assert_phone_layout(page, "inbox with bulk bar")
    desk.shot(page, f"{screen}-ticked")

    # and refer them in the dialog: two positions, one action, note and deadline
    refer_button.click()
    dialog = page.locator("#bulk-refer")
    dialog.wait_for(state="visible")
    assert "۱۰ نامه انتخاب شده است" in dialog.inner_text()
    _pick_position(page, dialog, "کارشناس فناوری")
    _pick_position(page, dialog, "کارشناس مالی")
    dialog.get_by_label("اقدام").select_option("information")
    dialog.get_by_role("textbox", name="هامش").fill("برای آگاهی؛ گزارش کوتاه بفرستید")
    desk.shot(page, f"{screen}-dialog")
    # (the date last: a full-page screenshot resizes the window, which shows the picker's calendar again)
    dialog.get_by_label("مهلت").fill(format_date(deadline))
    dialog.get_by_label("مهلت").press("Tab")  # leaving the date box closes its calendar
    dialog.get_by_role("button", name="ارجاع", exact=True).click()
    page.wait_for_url(lambda url: reverse("inbox") in url and "bulk" not in url)

    # then each letter went to both positions with the same note, action and deadline, each with its audit entry
    assert "۱۰ نامه ارجاع شد." in page.locator(".alert-success, .alert").first.inner_text()
    desk.shot(page, f"{screen}-done")
    for letter in letters:
        sent = Referral.objects.filter(letter=letter, from_position=world.manager_pos)
        assert sorted(sent.values_list("to_position_id", flat=True)) == sorted([world.expert_pos.id, world.other_pos.id])
        assert set(sent.values_list("action", "note", "deadline")) == {
            ("information", "برای آگاهی؛ گزارش کوتاه بفرستید", deadline)}
        assert AuditEntry.objects.filter(action="letter.refer", object_id=str(letter.pk)).count() == 1
    assert not Referral.objects.filter(to_position=world.manager_pos, status__in=["unread", "read"]).exists()


def test_the_queue_registers_several_letters_at_once(desk):
    # given three signed letters waiting in the secretariat's queue
    world = make_world()
    letters = [make_signed(world, subject=f"گزارش عملکرد فصل {i}") for i in (1, 2, 3)]
    page = desk.sign_in(world.clerk)
    page.goto(desk.url(reverse("to_register")))

    # when the clerk ticks two of them and registers them together
    for letter in letters[:2]:
        page.get_by_label(f"انتخاب نامه {letter.subject}").check()
    assert page.locator("[data-bulk-count]").inner_text() == "۲ نامه انتخاب شد."
    desk.shot(page, "ticked")
    page.get_by_role("button", name="ثبت و شماره‌گذاری انتخاب‌شده‌ها").click()
    page.wait_for_url(desk.url(reverse("to_register")))

    # then both are numbered, one after the other, and the third still waits
    assert "۲ نامه ثبت و شماره‌گذاری شد." in page.content()
    desk.shot(page, "done")
    numbered = Letter.objects.filter(pk__in=[le.pk for le in letters[:2]]).order_by("seq")
    assert [(le.status, le.seq) for le in numbered] == [(Status.REGISTERED, 1), (Status.REGISTERED, 2)]
    assert Letter.objects.get(pk=letters[2].pk).status == Status.APPROVED
    assert page.get_by_label(f"انتخاب نامه {letters[2].subject}").is_visible()


def test_a_refused_letter_stops_the_batch_and_is_named(desk):
    # given two letters in the inbox, one of them already referred on in another tab
    world = make_world()
    letters = _to_manager(world, 2)
    page = desk.sign_in(world.manager)
    page.goto(desk.url(reverse("inbox")))
    services.refer(user=world.manager, seat=world.seat(world.manager_pos), letter=letters[1],
                   targets=[services.ReferralSpec(world.expert_pos.id)])

    # when both are marked done
    page.get_by_label("انتخاب همه نامه‌های این صفحه").check()
    page.get_by_role("button", name="انجام شد…").click()
    dialog = page.locator("#bulk-complete")
    dialog.wait_for(state="visible")
    dialog.get_by_role("button", name="انجام شد", exact=True).click()

    # then nothing changed and the page names the letter that could not be done
    page.wait_for_url(desk.url(reverse("bulk_inbox")))
    text = page.locator(".alert-danger").inner_text()
    assert "هیچ نامه‌ای تغییر نکرد" in text and letters[1].subject in text
    desk.shot(page, "refused")
    assert Referral.objects.get(letter=letters[0], to_position=world.manager_pos).status == ReferralStatus.UNREAD
    # one click does the rest
    page.get_by_role("button", name="انجام ارجاع: نامه‌های علامت‌خورده").click()
    page.wait_for_url(lambda url: reverse("inbox") in url)
    assert Referral.objects.get(letter=letters[0], to_position=world.manager_pos).status == ReferralStatus.DONE
