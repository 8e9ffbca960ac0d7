"""The page script in a real Chromium: bell, toast and a conversation updating live, no reload."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from playwright.sync_api import expect

from realtime import notify, services
from tests.conftest import make_user
from tests.realtime.helpers import live_db, session_key_for
from tests.support.browser import open_chromium
from tests.support.servers import daphne_servers

pytestmark = [live_db, pytest.mark.browser]


def off_loop(work: Callable[[], object]) -> None:
    """Run ORM work in a plain thread: Playwright's event loop runs in this one, and Django refuses."""

    def run() -> None:
        try:
            work()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(run).result(timeout=30)


def test_bell_toast_and_conversation_update_live_between_two_people():
    guest = make_user(display_name="Gina Guest")
    host = make_user(display_name="Hugo Host")
    thread = services.ensure_thread(key="booking:5", title="Room, 5 June", participants=[guest, host])
    keys = {"guest": session_key_for(guest), "host": session_key_for(host)}

    with daphne_servers(1) as [port], open_chromium() as browser:
        site = f"http://127.0.0.1:{port}"
        pages = {}
        for who, key in keys.items():
            context = browser.new_context(viewport={"width": 1200, "height": 900})
            context.add_cookies([{"name": "sessionid", "value": key, "url": site}])
            pages[who] = context.new_page()
        host_page, guest_page = pages["host"], pages["guest"]

        host_page.goto(site + "/")
        guest_page.goto(site + f"/messages/{thread.pk}/")
        for page in (host_page, guest_page):
            expect(page.locator("#notifications-bell[data-connected=true]")).to_be_attached()

        # The guest writes through the page's form; the host, on another page, is told at once.
        guest_page.get_by_label("Your message").fill("<b>Running late</b>, there at 7")
        guest_page.get_by_role("button", name="Send").click()
        expect(guest_page.locator("#thread-messages .rt-body").last).to_have_text("<b>Running late</b>, there at 7")
        expect(guest_page.locator("#read-receipt")).to_have_text("✓ Sent")
        expect(host_page.locator("#toasts .toast")).to_contain_text("Gina Guest wrote: <b>Running late</b>")
        expect(host_page.locator(".rt-count")).to_have_text("1")
        host_page.locator(".rt-bell-button").click()
        expect(host_page.locator(".rt-panel .rt-item.unread")).to_contain_text("Running late")

        # The host opens the conversation: the guest's page shows the receipt, the host's bell clears.
        host_page.locator(".rt-panel a", has_text="Running late").click()
        expect(host_page).to_have_url(site + f"/messages/{thread.pk}/")
        expect(guest_page.locator("#read-receipt")).to_contain_text("Seen")
        expect(host_page.locator(".rt-count")).to_be_hidden()

        # And the reply appears on the guest's open page, escaped, without a reload.
        host_page.get_by_label("Your message").fill("No problem <i>at all</i>")
        host_page.get_by_role("button", name="Send").click()
        expect(guest_page.locator("#thread-messages .rt-body").last).to_have_text("No problem <i>at all</i>")
        assert guest_page.locator("#thread-messages i").count() == 0


def test_page_reconnects_after_a_server_restart_and_shows_what_it_missed():
    host = make_user(display_name="Hugo Host")
    key = session_key_for(host)
    with open_chromium() as browser:
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        page = context.new_page()
        with daphne_servers(1) as [port]:
            site = f"http://127.0.0.1:{port}"
            context.add_cookies([{"name": "sessionid", "value": key, "url": site}])
            page.goto(site + "/")
            bell = page.locator("#notifications-bell")
            expect(bell).to_have_attribute("data-connected", "true")
        # The server is gone: the page notices, and two notifications commit meanwhile.
        expect(bell).not_to_have_attribute("data-connected", "true")
        off_loop(lambda: notify([host], "booking.requested", {"title": "Someone asked for Saturday"}))
        off_loop(lambda: notify([host], "booking.requested", {"title": "Someone asked for Sunday"}))
        with daphne_servers(1, ports=[port]):
            # The page's backoff is full jitter capped at 30 s: after a slow restart (a busy machine
            # starting daphne) its next try may come up to 30 s later, by design.
            expect(bell).to_have_attribute("data-connected", "true", timeout=35_000)
            expect(page.locator("#toasts .toast", has_text="Saturday")).to_be_visible()
            expect(page.locator("#toasts .toast", has_text="Sunday")).to_be_visible()
            expect(page.locator(".rt-count")).to_have_text("2")
