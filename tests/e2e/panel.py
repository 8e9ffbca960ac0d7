"""The listing page's booking panel, as the journeys use it."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def book_from_panel(page: Page, button: str) -> None:
    """Click the panel's `button` ("Request to book", "Book now") once its quote for the dates is in.

    Each date the journey types asks for the panel's quote (htmx), which lands above the button and
    moves it down: a click while an answer was on its way landed where the button had been (CI's
    loaded machine, once), and the book page never opened. A person reads the price first; so does this.
    """
    form = page.locator("#booking-panel-form")
    total = form.locator("#panel-quote th", has_text="Total")
    expect(total, "listing page: the panel did not price the dates").to_be_visible()
    # htmx marks the form while a quote it asked for is on its way (a later date's, after the first).
    in_flight = re.compile(r"\bhtmx-request\b")
    expect(form, "listing page: the panel's quote is still on its way").not_to_have_class(in_flight)
    form.get_by_role("button", name=button).click()
