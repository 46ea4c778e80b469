"""A letter between two agencies of one Dabir, in a real browser.

The sending clerk dispatches a signed outgoing letter with the channel «الکترونیکی»; the worker's
tries run (drain); the receiving clerk finds it from the navbar's counted link, opens it, sees the
checks of its signatures, opens the signed PDF, and accepts it with a first referral typed in Persian
with a Jalali deadline; the sending clerk then sees «ثبت شد» with the receiver's number on the sent
list and on the letter page. Screenshots of the arrival page and of the sent list are kept.
"""

import re

import pytest

from dabir.core.jalali import format_date, today
from dabir.core.text import to_persian_digits
from dabir.exchange.models import Arrival, Delivery
from dabir.letters import services as letters
from tests.exchange.conftest import Pair, drain
from tests.factories import make_pdf, make_registered

from .test_secretariat_flow import LETTER_URL, persian_only_digits, persian_page, text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_lingering_connections")]


def off_loop(fn, *args):
    """Run fn in a thread of its own: the worker's tries sign PDFs with asyncio, which cannot start
    inside the event loop Playwright runs in the test thread."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    def run():
        try:
            return fn(*args)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def keep(desk, page, step: str) -> None:
    """A screenshot among the test artifacts, to look at."""
    desk.shot(page, step)


def test_a_letter_travels_electronically_and_is_registered(desk):
    pair = Pair()
    subject = "درخواست همکاری در بازگشایی معابر شهری"
    letter = make_registered(pair.a, kind="outgoing", to=[pair.b.agency.name], subject=subject,
                             uploads=[letters.Upload("نقشه-معابر.pdf", make_pdf(title="map"))])

    # Clerk A dispatches it electronically from the letter page.
    a = desk.sign_in(pair.a.clerk)
    a.goto(desk.url(f"/letters/{letter.pk}/"))
    a.select_option("#id_dispatch-channel", "network")
    a.get_by_role("button", name="ارسال شد").click()
    a.wait_for_url(LETTER_URL)
    assert Delivery.objects.get(letter=letter).state == "queued"
    panel = a.locator("#exchange-panel")
    assert "در صف" in text(panel) and pair.b.agency.name in text(panel)
    assert off_loop(drain) == ["delivered"]

    # Clerk B finds it from the navbar, counted.
    b = desk.sign_in(pair.b.clerk)
    menu = b.locator("#nav-exchange")  # the «تبادل» menu, counted too
    assert text(menu).endswith("۱")
    menu.click()
    link = b.locator("#nav-arrivals")
    assert text(link).endswith("۱")
    link.click()
    b.wait_for_url(desk.url("/exchange/arrivals/"))
    row = b.locator("#arrivals tbody tr").first
    assert "رونوشت" not in text(row) and pair.a.agency.name in text(row)
    assert to_persian_digits(letter.number) in text(row)
    persian_only_digits(text(row.locator("td").nth(3)), "the received time")
    row.get_by_role("link", name=subject).click()
    b.wait_for_url(re.compile(r"/exchange/arrivals/\d+/$"))
    persian_page(b)

    checks = b.locator("#verification")
    assert text(checks.locator("[data-field=fingerprint]")) == pair.ma.fingerprint
    assert checks.locator("li[data-ok='0']").count() == 0
    assert checks.locator("li[data-ok='1']").count() >= 4
    assert text(b.locator("[data-field=sender-number]")) == to_persian_digits(letter.number)
    number_box = b.locator("[data-field=sender-number] bdi").evaluate("e => getComputedStyle(e).direction")
    assert number_box == "ltr"
    pdf = b.request.get(desk.url(b.locator("#signed-pdf").get_attribute("href")))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF-")

    # Accept with a first referral and a Jalali deadline typed in Persian digits.
    b.select_option("#id_accept-refer_position", str(pair.b.manager_pos.id))
    b.select_option("#id_accept-refer_action", "action")
    b.locator("#id_accept-refer_note").press_sequentially("جهت بررسی و اقدام")
    deadline = format_date(today().replace(year=today().year + 1))
    b.locator("#id_accept-refer_deadline").press_sequentially(deadline)
    keep(desk, b, "arrival")
    b.get_by_role("button", name="ثبت به‌عنوان وارده و ارجاع").click()
    b.wait_for_url(LETTER_URL)
    arrival = Arrival.objects.get()
    assert arrival.state == "accepted"
    registered = arrival.letter
    assert registered.referrals.get().to_position == pair.b.manager_pos
    assert "این نامه الکترونیکی از" in text(b.locator("#exchange-panel"))

    # The sender's receipt comes back; clerk A sees «ثبت شد» with B's number and date.
    off_loop(drain)
    a.locator("#nav-exchange").click()
    a.get_by_role("link", name="ارسال‌های الکترونیکی").click()
    a.wait_for_url(desk.url("/exchange/sent/"))
    persian_page(a)
    row = a.locator("#sent tbody tr").first
    shown = text(row)
    assert "ثبت شد" in shown and to_persian_digits(registered.number) in shown
    assert format_date(registered.registered_at) in shown
    persian_only_digits(text(row.locator("td").nth(3)), "the recipient's state")
    badge = row.locator(".exchange-state")
    assert text(badge) == "ثبت شد" and "text-bg-success" in badge.get_attribute("class")
    assert a.locator("#failed-banner").count() == 0
    keep(desk, a, "sent")
    a.goto(desk.url(f"/letters/{letter.pk}/"))
    assert "ثبت شد" in text(a.locator("#exchange-panel"))


def test_compose_suggests_the_directory_names_for_outside_recipients(desk):
    pair = Pair()
    page = desk.sign_in(pair.a.expert)
    page.goto(desk.url(_compose_path()))
    pick = page.locator("#to-outside-pick")
    assert pick.is_visible()  # shown by the script; hidden without it
    options = page.locator("#outside-names option")
    assert pair.b.agency.name in [options.nth(i).get_attribute("value") for i in range(options.count())]
    box = page.locator("#id_to_outside")
    box.fill("شرکت ملی پست")
    pick.fill(pair.b.agency.name)
    pick.dispatch_event("change")
    assert box.input_value() == f"شرکت ملی پست\n{pair.b.agency.name}"
    assert pick.input_value() == ""
    pick.fill(pair.b.agency.name)  # the same name twice is kept once
    pick.dispatch_event("change")
    assert box.input_value().count(pair.b.agency.name) == 1
    page.locator("#cc-outside-pick").fill(pair.a.agency.name)
    page.locator("#cc-outside-pick").dispatch_event("change")
    assert page.locator("#id_cc_outside").input_value() == pair.a.agency.name


def _compose_path() -> str:
    from django.urls import reverse

    return reverse("compose")
