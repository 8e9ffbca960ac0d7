"""Journey 7: a car booked, its deposit held, both sides' reports on the phone, 80 km over the limit charged, the
deposit released after the claim window.

The server reads the real clock: the car is booked for three hours starting within the next
day, so the pickup reports are open now. The test moves its own clock to run what the worker
and the scheduler would at the start, the end and the close of the claim window.
"""

from __future__ import annotations

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Sum
from django.utils import timezone
from playwright.sync_api import expect

from bookings import tasks
from bookings.models import Booking
from handover import deposits
from handover.models import Deposit, Settlement
from handover.tasks import collect_extra_charge_task
from payments.models import HOST_PAYABLE_PREFIX, LedgerEntry, Payment
from tests.e2e.handover import (
    DEPOSIT,
    EXTRA_KM_PRICE,
    at,
    car_with_deposit,
    confirm_the_other_report,
    file_report,
    fill_card,
)
from tests.e2e.panel import book_from_panel
from tests.e2e.people import host_who_can_be_paid, log_in, own_tab, person, snap

PARIS = ZoneInfo("Europe/Paris")
PICKUP_KM = 10_000
RETURN_KM = PICKUP_KM + 200 + 80  # three hours are one started day: 200 km included, 80 beyond
EXTRA = "€20.00"  # 80 km x 0.25 EUR


def test_a_car_returned_80_km_over_the_limit_is_charged_exactly_and_the_deposit_released(
    live_url, journey, browser, ledger_checked
):
    host = host_who_can_be_paid("olga@example.com", display_name="Olga Owner")
    guest = person("ravi@example.com", display_name="Ravi Renter")
    listing = car_with_deposit(host, "Zoe for the afternoon")
    start = (timezone.now().astimezone(PARIS) + timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    end = (start.astimezone(UTC) + timedelta(hours=3)).astimezone(PARIS)
    page = journey.page

    # The renter books the car with the card form.
    log_in(page, live_url, guest.email, then=f"/listings/{listing.pk}/")
    expect(page.locator("main"), "listing page: the deposit is announced").to_contain_text("Deposit held from pickup")
    panel = page.locator("#booking-panel")
    panel.get_by_label("From").fill(start.strftime("%Y-%m-%dT%H:%M"))
    panel.get_by_label("Until").fill(end.strftime("%Y-%m-%dT%H:%M"))
    book_from_panel(page, "Book now")
    expect(page.locator("#quote"), "book page: the quote for three hours").to_contain_text("€45.00")
    fill_card(page)
    page.get_by_role("button", name="Book now").click()
    expect(page.locator("ul.messages").get_by_text("Booked: see you there."), "booking page").to_be_visible()
    booking = Booking.objects.get(listing=listing, guest=guest)
    journey.snap("renter-booked")

    # Before pickup the renter keeps a card: the deposit is held on it, not charged.
    page.get_by_role("link", name="Car handover: reports, return and deposit").click()
    expect(page.get_by_role("heading", name="Handover of Zoe for the afternoon"), "handover page").to_be_visible()
    fill_card(page)
    page.get_by_role("button", name="Keep this card for the rental").click()
    expect(page.locator("ul.messages").get_by_text("Card kept for this rental."), "handover page").to_be_visible()
    expect(page.locator("main"), "handover page: the deposit").to_contain_text("€300.00: Held on the card")
    hold = Payment.objects.get(reference=f"deposit:{booking.pk}")
    assert (hold.status, hold.amount, hold.captured_amount) == ("authorized", DEPOSIT, 0)
    journey.snap("renter-deposit-held")

    file_report(page, "pickup", km=PICKUP_KM, fuel=80, notes="Small scratch on the front bumper.")
    journey.snap("renter-pickup-filed")

    handover = f"/handover/bookings/{booking.pk}/"
    with own_tab(browser, live_url, host, then=handover) as owner:
        expect(owner.locator("main"), "owner's handover page: the renter's report").to_contain_text(
            "Small scratch on the front bumper."
        )
        # Each side confirms the other's pickup report (or could contest it): the answer shows on both pages.
        confirm_the_other_report(owner)
        renters_pickup = owner.locator("article.handover-report", has_text="The renter's report").first
        expect(renters_pickup, "owner's handover page: the answer").to_contain_text("Confirmed by the owner")
        file_report(owner, "pickup", km=PICKUP_KM, fuel=80)
        snap(journey, owner, "owner-pickup-filed")

        page.reload()
        confirm_the_other_report(page)
        owners_pickup = page.locator("article.handover-report", has_text="The owner's report").first
        expect(owners_pickup, "renter's handover page: the answer").to_contain_text("Confirmed by the renter")
        expect(
            page.locator("article.handover-report", has_text="The renter's report").first,
            "renter's handover page: the owner's answer to the renter's pickup report",
        ).to_contain_text("Confirmed by the owner")
        journey.snap("renter-confirmed-the-owner-pickup")

        # The start time comes: the worker starts the rental.
        assert at(booking.start, lambda: tasks.start_booking_task.call(booking.pk)) == "in_progress"

        # The return: both sides read the odometer (one kilometre apart: the lower counts) and confirm.
        page.reload()
        file_report(page, "return", km=RETURN_KM, fuel=80)
        owner.reload()
        file_report(owner, "return", km=RETURN_KM + 1, fuel=80)
        confirm_the_other_report(owner)
        page.reload()
        confirm_the_other_report(page)
        settlement = Settlement.objects.get(booking=booking)
        assert (settlement.extra_km, settlement.extra_amount) == (80, 80 * EXTRA_KM_PRICE)

        # The worker collects the extra charge the last confirmation enqueued.
        assert at(timezone.now(), lambda: collect_extra_charge_task.call(settlement.pk)) == "charged"
        owner.reload()
        charge_row = owner.locator("table.handover-settlement tr", has_text="Extra charge")
        expect(charge_row, "owner's handover page: the extra charge").to_contain_text(f"{EXTRA} (charged)")
        expect(
            owner.locator("table.handover-settlement tr", has_text="Beyond the included distance"),
            "owner's handover page: the kilometres",
        ).to_contain_text("80 km at €0.25 per km")
        snap(journey, owner, "owner-extra-charged")

    page.goto(live_url + f"/bookings/{booking.pk}/")
    line = page.locator("table.receipt-lines tr.receipt-extra", has_text="Extra kilometres")
    expect(line, "renter's booking page: the receipt line").to_contain_text("80 km \u00d7 €0.25 (charged)")
    expect(line, "renter's booking page: the amount").to_contain_text(EXTRA)
    journey.snap("renter-receipt-extra")

    charge = Payment.objects.get(reference=f"extras:{booking.pk}")
    assert (charge.status, charge.captured_amount, charge.host_payout_amount) == ("captured", 2000, 2000)
    entries = LedgerEntry.objects.filter(transaction__reference=f"extras:{booking.pk}")
    owed = entries.filter(account__startswith=HOST_PAYABLE_PREFIX, amount__gt=0).aggregate(total=Sum("amount"))
    assert owed["total"] == 2000  # the whole extra is the owner's
    assert entries.aggregate(total=Sum("amount"))["total"] == 0

    # The end comes, then the 48-hour claim window closes without a claim: the scheduler releases the hold.
    assert at(booking.end, lambda: tasks.complete_booking_task.call(booking.pk)) == "completed"
    deposit = Deposit.objects.get(booking=booking)
    assert at(deposit.release_after - timedelta(minutes=1), deposits.release_due_deposits) == []
    page.goto(live_url + handover)
    expect(page.locator("main"), "renter's handover page during the claim window").to_contain_text(
        "€300.00: Held on the card"
    )
    assert len(at(deposit.release_after, deposits.release_due_deposits)) == 1
    page.reload()
    expect(page.locator("main"), "renter's handover page after the window").to_contain_text("€300.00: Released")
    journey.snap("renter-deposit-released")
    hold.refresh_from_db()
    assert (hold.status, hold.captured_amount) == ("canceled", 0)
