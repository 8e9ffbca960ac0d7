"""A conversation, checked by axe: a guest on a phone asks a host a question from the listing page; the
host, on a desktop, finds it in the inbox and answers; the guest's open page shows the answer live."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.people import DESKTOP, log_in, own_tab, person, snap
from tests.listings.factories import make_listing

QUESTION = "Hello! Is there a place to leave a bicycle?"
ANSWER = "Yes: the courtyard has a rack, and the gate code comes with the booking."


def test_a_guest_asks_a_question_and_the_host_answers_in_the_conversation(live_url, journey, browser):
    host = person("hana.talk@example.com", display_name="Hana Host")
    listing = make_listing(owner=host, title="Quiet room by the canal")
    guest = person("gus.talk@example.com", display_name="Gus Guest")
    page = journey.page

    log_in(page, live_url, guest.email, then=listing.get_absolute_url())
    page.get_by_role("button", name="Ask the host a question").click()
    expect(
        page.get_by_role("heading", level=1), "listing page: the question did not open a conversation"
    ).to_contain_text("Quiet room by the canal")
    expect(
        page.locator("#notifications-bell[data-connected=true]"), "conversation page: no live socket"
    ).to_be_attached()
    page.get_by_label("Your message").fill(QUESTION)
    page.get_by_role("button", name="Send").click()
    mine = page.locator("#thread-messages .rt-message.mine", has_text=QUESTION)
    expect(mine, "conversation page: the question is not in the conversation").to_be_visible()
    journey.snap("guest-asked")

    with own_tab(browser, live_url, host, then="/messages/", device=DESKTOP) as host_page:
        thread = host_page.locator(".thread-list .rt-item.unread")
        expect(thread, "host's inbox: the new conversation is not shown as unread").to_contain_text("1 new")
        snap(journey, host_page, "host-inbox")
        thread.get_by_role("link").click()
        expect(host_page.locator("#thread-messages"), "host's conversation page").to_contain_text(QUESTION)
        host_page.get_by_label("Your message").fill(ANSWER)
        host_page.get_by_role("button", name="Send").click()
        expect(host_page.locator("#thread-messages .rt-message.mine", has_text=ANSWER)).to_be_visible()
        snap(journey, host_page, "host-answered")

    answer = page.locator("#thread-messages .rt-message", has_text=ANSWER)
    expect(answer, "guest's open conversation page: the answer did not arrive live").to_be_visible()
    expect(answer).to_contain_text("Hana Host")
    journey.snap("guest-sees-the-answer")
