"""What every browser test shares: Debian's chromium with the flags this network needs, a phone
context, and the checks a Persian page must pass at phone width."""

import os

CHROMIUM = os.environ.get("DABIR_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags chromium keeps calling out to a closed network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def phone_context(browser):
    return browser.new_context(viewport=PHONE, locale="fa-IR", timezone_id="Asia/Tehran", device_scale_factor=2,
                               is_mobile=True, has_touch=True)


def assert_phone_layout(page, name: str) -> None:
    """Right to left, no horizontal scroll at 390px, Vazirmatn loaded."""
    page.evaluate("document.fonts.ready")
    layout = page.evaluate("""() => ({
        dir: getComputedStyle(document.documentElement).direction,
        overflow: document.documentElement.scrollWidth - window.innerWidth,
        font: getComputedStyle(document.body).fontFamily,
        fontReady: document.fonts.check('16px Vazirmatn'),
    })""")
    assert layout["dir"] == "rtl", name
    assert layout["overflow"] <= 0, f"{name}: {layout['overflow']}px of horizontal scroll at 390px"
    assert "Vazirmatn" in layout["font"] and layout["fontReady"], name
