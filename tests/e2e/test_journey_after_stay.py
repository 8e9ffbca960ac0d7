"""Journey 4: after a stay. The clock moves through the booking tasks; guest and host see it, then review each other.

The server process reads the real clock, so the stay is booked in the recent past: the test
moves its own clock to each moment the booking's tasks are due and runs them there (as the
worker would), then the people look at their pages in the browser.
"""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

from django.utils import timezone
from playwright.sync_api import Page, expect

from bookings import tasks
from bookings.models import Booking
from core.money import format_money
from tests.bookings.factories import confirmed_room
from tests.e2e.people import host_who_can_be_paid, log_in, off_the_browser_thread, open_page, own_tab, person, snap
from tests.listings.factories import make_listing

GUEST_TEXT = "Quiet room, spotless bathroom, and Hannah left a map of the market streets."
HOST_TEXT = "Gaby was a considerate guest and left the room tidy."


def run_task_at(task, booking: Booking, moment) -> str:
    """Run one booking task as the worker would at `moment` (the clock the services read is moved, not slept)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        return off_the_browser_thread(lambda: task.call(booking.pk))


def money_row(page: Page, what: str, account: str):
    """A row of the booking page's money trail, by what happened and on which account."""
    return page.locator("table.money-trail tr", has_text=what).filter(has_text=account)


def write_review(page: Page, *, stars: int, text: str) -> None:
    """Fill the review form: every star question (overall and, for guests, each aspect) gets `stars`."""
    form = page.locator("form.review-form")
    for radio in form.locator(f"input[type=radio][value='{stars}']").all():
        radio.check()
    form.get_by_label("Your review").fill(text)
    form.get_by_role("button", name="Submit review").click()


def test_the_stay_runs_its_course_then_both_sides_review_each_other(live_url, journey, browser, ledger_checked):
    real_now = timezone.now()
    host = host_who_can_be_paid("hannah@example.com", display_name="Hannah Host")
    guest = person("gaby@example.com", display_name="Gaby Guest")
    listing = make_listing(owner=host, title="Room by the canal")
    # Booked eight days ago for a stay that ended two days ago, accepted by the host and paid.
    booking = off_the_browser_thread(
        lambda: confirmed_room(
            listing=listing,
            guest=guest,
            check_in=(real_now - timedelta(days=5)).date(),
            check_out=(real_now - timedelta(days=2)).date(),
            now=real_now - timedelta(days=8),
        )
    )
    detail = f"/bookings/{booking.pk}/"
    page = journey.page

    log_in(page, live_url, guest.email, then=detail)
    expect(page.locator("h1 .booking-status"), "guest's booking page: status").to_have_text("Confirmed")
    expect(page.get_by_role("link", name="Write your review"), "guest's booking page before the stay").to_have_count(0)
    journey.snap("guest-confirmed")

    # The start time comes: the worker runs the start task.
    assert run_task_at(tasks.start_booking_task, booking, booking.start) == "in_progress"
    page.reload()
    expect(page.locator("h1 .booking-status"), "guest's booking page after the start").to_have_text("In progress")
    expect(page.locator("ol.timeline"), "guest's booking page: timeline").to_contain_text("Start time reached")
    journey.snap("guest-in-progress")

    # 24 hours after the start the host's payout is released and sent to their Stripe account.
    booking.refresh_from_db()
    assert booking.payout_release_at <= booking.end
    assert run_task_at(tasks.release_payout_task, booking, booking.payout_release_at) == "in_progress"
    with own_tab(browser, live_url, host, then=detail) as host_page:
        payout = format_money(booking.host_payout, booking.currency)
        expect(host_page.locator("table.host-lines"), "host's booking page: host payout").to_contain_text(payout)
        paid_out = host_page.locator(".money-steps li.done", has_text="Paid out to the host")
        expect(paid_out, "host's booking page: the payout is not shown as paid").to_contain_text(payout)
        sent = money_row(host_page, "transferred to the host", "Sent to the host")
        expect(sent, "host's booking page: money trail, payout sent to the host").to_contain_text(payout)
        snap(journey, host_page, "host-payout-released")

        # The end time comes: the stay is complete and both can review.
        assert run_task_at(tasks.complete_booking_task, booking, booking.end) == "completed"
        host_page.reload()
        expect(host_page.locator("h1 .booking-status"), "host's booking page after the end").to_have_text("Completed")
        expect(
            host_page.get_by_role("link", name="Write your review"), "host's booking page after the end"
        ).to_be_visible()
        snap(journey, host_page, "host-completed")

        # The guest writes first.
        page.reload()
        expect(page.locator("h1 .booking-status"), "guest's booking page after the end").to_have_text("Completed")
        page.get_by_role("link", name="Write your review").click()
        expect(page.get_by_role("heading", name="Review: Room by the canal"), "review page heading").to_be_visible()
        write_review(page, stars=5, text=GUEST_TEXT)
        expect(
            page.locator("ul.messages").get_by_text("Your review will be public once both sides have written."),
            "review page",
        ).to_be_visible()
        own = page.locator("article.review", has_text=GUEST_TEXT)
        expect(own, "guest's review page: their own review").to_contain_text("not public yet")
        journey.snap("guest-reviewed-not-public-yet")

        # The host cannot read it before writing theirs.
        host_page.get_by_role("link", name="Write your review").click()
        expect(host_page.locator("form.review-form"), "host's review page: the form").to_be_visible()
        expect(
            host_page.get_by_text(GUEST_TEXT), "host's review page shows the guest's review too early"
        ).to_have_count(0)
        snap(journey, host_page, "host-cannot-read-the-guest-review-yet")
        write_review(host_page, stars=4, text=HOST_TEXT)

        # Both wrote: both reviews are public, each side reads the other's.
        reviews = host_page.locator("section.reviews")
        expect(
            reviews.locator("article.review", has_text=GUEST_TEXT), "host's review page: guest's review"
        ).to_be_visible()
        expect(reviews.locator("article.review", has_text=HOST_TEXT), "host's review page: own review").to_be_visible()
        expect(reviews, "host's review page: both public").not_to_contain_text("not public yet")
        snap(journey, host_page, "host-sees-both")

    page.reload()
    host_review = page.locator("article.review", has_text=HOST_TEXT)
    expect(host_review, "guest's review page: the host's review").to_contain_text("Hannah Host")
    expect(host_review.locator(".stars"), "guest's review page: the host's rating").to_have_text("★★★★☆")
    journey.snap("guest-sees-both")

    open_page(page, live_url, f"/listings/{listing.pk}/")
    expect(page.locator("main").get_by_text(GUEST_TEXT), "listing page: the guest's public review").to_be_visible()
    journey.snap("listing-shows-the-review")
