"""Journey 6: a guest opens a dispute during a paid stay, support splits the money on the desk, both sides see it.

The stay is under way in real time (the server reads the real clock): it started yesterday and
ends in two days; the start task ran at the start, the host's payout is not released yet, so
the whole guest payment is still held in escrow when the dispute freezes it.
"""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from bookings import tasks
from bookings.models import BookingStatus
from core.money import format_money
from disputes.models import Dispute, DisputeStatus
from disputes.roles import SUPPORT_GROUP
from tests.bookings.factories import confirmed_room
from tests.e2e.people import (
    DESKTOP,
    host_who_can_be_paid,
    log_in,
    off_the_browser_thread,
    open_page,
    own_tab,
    person,
    snap,
)
from tests.listings.factories import make_listing

DESCRIPTION = "The heating was broken for two nights and the host did not answer."
REASON = "The heating failed for two of the three nights: the guest gets part of the price back."
GUEST_REFUND = 12_000  # minor units; the desk types them in euros ("120")
HOST_KEEPS = 14_000


def test_a_guest_disputes_support_splits_the_money_and_both_sides_see_the_outcome(
    live_url, journey, browser, ledger_checked
):
    real_now = timezone.now()
    host = host_who_can_be_paid("henri@example.com", display_name="Henri Host")
    guest = person("greta@example.com", display_name="Greta Guest")
    support = person("sam@example.com", display_name="Sam Support", is_staff=True)
    support.groups.add(Group.objects.get(name=SUPPORT_GROUP))
    listing = make_listing(owner=host, title="Loft near the station")

    def paid_stay_under_way():
        booking = confirmed_room(
            listing=listing,
            guest=guest,
            check_in=(real_now - timedelta(days=1)).date(),
            check_out=(real_now + timedelta(days=2)).date(),
            now=real_now - timedelta(days=3),
        )
        with mock.patch("django.utils.timezone.now", return_value=booking.start):
            assert tasks.start_booking_task.call(booking.pk) == BookingStatus.IN_PROGRESS
        return booking

    booking = off_the_browser_thread(paid_stay_under_way)
    assert booking.total > GUEST_REFUND + HOST_KEEPS
    refund, keeps = format_money(GUEST_REFUND, booking.currency), format_money(HOST_KEEPS, booking.currency)
    detail = f"/bookings/{booking.pk}/"
    page = journey.page

    # The guest opens the dispute from the booking page.
    log_in(page, live_url, guest.email, then=detail)
    expect(page.locator("h1 .booking-status"), "guest's booking page: status").to_have_text("In progress")
    page.get_by_role("link", name="Report a problem (open a dispute)").click()
    expect(page.get_by_role("heading", name="Report a problem with Loft near the station"), "open page").to_be_visible()
    page.get_by_label("What went wrong?").select_option(label="Not as described")
    page.get_by_label("Tell us what happened").fill(DESCRIPTION)
    journey.snap("guest-dispute-form")
    page.get_by_role("button", name="Open the dispute").click()
    expect(
        page.locator("ul.messages").get_by_text("Your dispute is open."), f"dispute page after opening ({page.url})"
    ).to_be_visible()
    dispute = Dispute.objects.get(booking=booking)
    expect(page.locator("main").get_by_text("Status: Open"), "guest's dispute page: status").to_be_visible()
    expect(page.locator("blockquote"), "guest's dispute page: the description").to_have_text(DESCRIPTION)
    journey.snap("guest-dispute-open")

    # Support decides on the desk: the form, the preview of who gets what, then the confirmation.
    desk_page = f"/admin/disputes/dispute/{dispute.pk}/change/"
    with own_tab(browser, live_url, support, then=desk_page, device=DESKTOP) as desk:
        expect(desk.locator(".dispute-desk"), "desk: the dispute's booking").to_contain_text(f"Booking #{booking.pk}")
        desk.get_by_role("link", name="Resolve").click()
        expect(desk.get_by_role("heading", name=f"Resolve dispute #{dispute.pk}"), "desk: resolve page").to_be_visible()
        desk.get_by_label("Refund to the guest (EUR)").fill(str(GUEST_REFUND // 100))
        desk.get_by_label("The host keeps in total (EUR)").fill(str(HOST_KEEPS // 100))
        desk.get_by_label("Reason (shown to both parties)").fill(REASON)
        desk.get_by_role("button", name="Show who gets what").click()
        preview = desk.locator("#content table")
        expect(preview.locator("tr", has_text="The guest receives back"), "desk: preview refund").to_contain_text(
            refund
        )
        expect(preview.locator("tr", has_text="The host keeps in total"), "desk: preview payout").to_contain_text(keeps)
        platform = format_money(booking.total - GUEST_REFUND - HOST_KEEPS, booking.currency)
        expect(desk.locator(".keeps-warning"), "desk: warns what Sharing keeps").to_contain_text(
            f"Sharing would keep {platform}"
        )
        snap(journey, desk, "desk-preview")
        desk.get_by_role("button", name="Confirm: move the money and close the dispute").click()
        expect(desk.get_by_text(f"Dispute #{dispute.pk} is resolved"), "desk: after confirming").to_be_visible()
        expect(desk.locator(".dispute-desk"), "desk: outcome").to_contain_text(f"Refund to the guest: {refund}")
        snap(journey, desk, "desk-resolved")

    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.RESOLVED

    # The guest sees the outcome on the dispute page and the refund in the booking's money trail.
    page.reload()
    # Inside the page's own content: the bell in the header may list the same words.
    content = page.locator("main")
    expect(content.get_by_text("Status: Resolved"), "guest's dispute page: status").to_be_visible()
    outcome = content.locator("table.dispute-outcome")
    refund_row = outcome.locator("tr", has_text="Refund to the guest")
    expect(refund_row, "guest's dispute page: refund").to_contain_text(refund)
    expect(outcome.locator("tr", has_text="The host keeps"), "guest's dispute page: payout").to_contain_text(keeps)
    expect(outcome.locator("tr", has_text="Sharing keeps"), "guest's dispute page: Sharing").to_contain_text(platform)
    expect(content.get_by_text(f"Reason: {REASON}"), "guest's dispute page: reason").to_be_visible()
    journey.snap("guest-sees-the-outcome")
    open_page(page, live_url, detail)
    refunded = page.locator("table.money-trail tr", has_text="Refunded to the guest")
    expect(refunded, "guest's booking page: money trail refund").to_contain_text(refund)
    # The split is final: the page no longer offers the policy's refund on top of it.
    settled = page.locator("main").get_by_text("it can no longer be cancelled")
    expect(settled, "guest's booking page: the dispute settled the money").to_be_visible()
    expect(page.get_by_role("button", name="Cancel booking"), "guest's booking page after the dispute").to_have_count(0)
    journey.snap("guest-booking-money-trail")

    # The host learns it from their notifications and sees the same outcome, and the payout sent.
    with own_tab(browser, live_url, host, then="/notifications/") as host_page:
        host_page.locator("#notifications-page").get_by_role("link", name="The dispute is resolved.").click()
        content = host_page.locator("main")
        expect(content.get_by_text("Status: Resolved"), "host's dispute page: status").to_be_visible()
        host_row = content.locator("table.dispute-outcome tr", has_text="The host keeps")
        expect(host_row, "host's dispute page: outcome payout").to_contain_text(keeps)
        snap(journey, host_page, "host-sees-the-outcome")
        open_page(host_page, live_url, detail)
        sent = host_page.locator("table.money-trail tr", has_text="Sent to the host")
        expect(sent, "host's booking page: money trail payout").to_contain_text(keeps)
        snap(journey, host_page, "host-booking-money-trail")
