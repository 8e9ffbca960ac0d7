"""The design system's showcase page, reached from the footer as a demo visitor would, on a phone and a desktop."""

from __future__ import annotations

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from sharing.design import sprite_icons
from tests.e2e.people import DESKTOP, snap


def test_the_footer_leads_to_every_component_and_axe_finds_nothing_serious(live_url, journey, browser):
    page = journey.page
    page.goto(live_url + "/")
    page.get_by_role("link", name="Design system").click()
    expect(page.get_by_role("heading", name="Sharing's design system")).to_be_visible()
    for section in (
        "Type scale",
        "Spacing",
        "Colours",
        "Buttons",
        "Cards",
        "Form fields",
        "Alerts and badges",
        "Empty states",
        "Icons",
    ):
        expect(page.get_by_role("heading", name=section, exact=True)).to_be_visible()
    icons = page.locator(".design-icons svg use")
    expect(icons).to_have_count(len(sprite_icons()))
    # Every icon is drawn from the sprite (a missing symbol draws nothing: a 0-wide box). The sprite is a
    # separate file the browser fetches after the page, so the boxes are 0 until it arrives: wait for them,
    # and name the icons still empty when the wait runs out.
    empty_icons = """() => Array.from(document.querySelectorAll('.design-icons svg use'))
        .filter((u) => !(u.getBBox().width > 0)).map((u) => u.getAttribute('href'))"""
    try:
        page.wait_for_function(f"() => ({empty_icons})().length === 0", timeout=10_000)
    except PlaywrightTimeout:
        raise AssertionError(f"icons of the sprite that draw nothing: {page.evaluate(empty_icons)}") from None
    journey.snap("design-system-phone")  # axe runs here, on the phone viewport

    context = browser.new_context(**DESKTOP)
    try:
        desktop = context.new_page()
        desktop.goto(live_url + "/design/")
        expect(desktop.get_by_role("heading", name="Sharing's design system")).to_be_visible()
        snap(journey, desktop, "design-system-desktop")
    finally:
        context.close()
