"""Journey 8: the owner claims on a car's deposit for a dent; support charges part of it on the dispute desk.

The rental is set up through the services as the two parties would have done it (card kept,
deposit held, both pickup and return reports confirmed); the browser takes over at the claim:
the owner files it on the phone, support reads both reports on the desk and decides, and the
renter sees the charge on the handover page and the booking's receipt.
"""

from __future__ import annotations

from django.db.models import Sum
from playwright.sync_api import expect

from handover.models import Deposit
from payments.models import HOST_PAYABLE_PREFIX, LedgerEntry, Payment
from tests.e2e.handover import DEPOSIT, car_with_deposit, returned_rental
from tests.e2e.people import (
    DESKTOP,
    host_who_can_be_paid,
    log_in,
    off_the_browser_thread,
    own_tab,
    person,
    snap,
    support_person,
)

CLAIMED = 12_000  # 120.00 EUR, typed in cents as the form asks
DECIDED = 8_000  # 80.00 EUR
DENT = "Dent in the rear left door, not on the pickup photos."
REASON = "The return photos show the dent; the repair quote is 80 EUR."


def test_the_owner_claims_on_the_deposit_and_support_charges_part_of_it_on_the_desk(
    live_url, journey, browser, ledger_checked
):
    host = host_who_can_be_paid("otto@example.com", display_name="Otto Owner")
    guest = person("rita@example.com", display_name="Rita Renter")
    support = support_person("sue@example.com", display_name="Sue Support")
    listing = car_with_deposit(host, "Yaris in town")
    booking = off_the_browser_thread(lambda: returned_rental(listing, guest, return_km=10_150))
    handover = f"/handover/bookings/{booking.pk}/"
    page = journey.page

    # The owner claims on the phone: a damage dispute opens and the hold stays.
    log_in(page, live_url, host.email, then=handover)
    expect(page.locator("main"), "owner's handover page: the deposit").to_contain_text("€300.00: Held on the card")
    page.get_by_label("Amount to claim (cents)").fill(str(CLAIMED))
    page.get_by_label("What happened to the car").fill(DENT)
    journey.snap("owner-claim-form")
    page.get_by_role("button", name="Claim on the deposit").click()
    expect(
        page.locator("ul.messages").get_by_text("Claim filed: support decides it in the dispute."),
        f"dispute page after the claim ({page.url})",
    ).to_be_visible()
    record = page.locator(".handover-record")
    expect(record, "owner's dispute page: both reports").to_contain_text("Return, the renter")
    expect(record, "owner's dispute page: the claim").to_contain_text("claimed €120.00")
    journey.snap("owner-dispute-open")
    deposit = Deposit.objects.get(booking=booking)
    assert (deposit.status, deposit.claim_amount) == ("claimed", CLAIMED)

    # Support reads both reports on the desk and decides on the claim's page.
    desk_page = f"/admin/disputes/dispute/{deposit.claim_dispute_id}/change/"
    with own_tab(browser, live_url, support, then=desk_page, device=DESKTOP) as desk:
        reports = desk.locator(".handover-record table.handover-reports")
        expect(reports.locator("tr", has_text="Pickup, the owner"), "desk: the owner's pickup").to_contain_text(
            "10000 km"
        )
        expect(reports.locator("tr", has_text="Return, the renter"), "desk: the renter's return").to_contain_text(
            "10150 km"
        )
        snap(journey, desk, "desk-dispute-with-both-reports")
        desk.get_by_role("link", name="Decide the claim on the deposit").click()
        expect(desk.locator("main, #content").first, "desk: the claim").to_contain_text(DENT)
        desk.get_by_label("Charge to the renter (cents)").fill(str(DECIDED))
        desk.get_by_label("Reason both parties will read").fill(REASON)
        desk.get_by_role("button", name="Decide").click()
        expect(desk.get_by_text("Claim decided."), "desk: after deciding").to_be_visible()
        expect(desk.get_by_text("€80.00 charged"), "desk: the decision").to_be_visible()
        snap(journey, desk, "desk-claim-decided")

    # The renter sees what was charged, on the handover page and the booking's receipt.
    log_in(page, live_url, guest.email, then=handover)
    expect(page.locator("main"), "renter's handover page").to_contain_text("Charged for the claim: €80.00")
    journey.snap("renter-handover-claim-charged")
    page.goto(live_url + f"/bookings/{booking.pk}/")
    line = page.locator("table.receipt-lines tr.receipt-extra", has_text="damage claim")
    expect(line, "renter's booking page: the receipt line").to_contain_text("€80.00")
    journey.snap("renter-receipt-claim")

    hold = Payment.objects.get(reference=f"deposit:{booking.pk}")
    assert (hold.amount, hold.status, hold.captured_amount, hold.host_payout_amount) == (
        DEPOSIT,
        "captured",
        DECIDED,
        DECIDED,
    )
    owed = LedgerEntry.objects.filter(
        transaction__reference=f"deposit:{booking.pk}", account__startswith=HOST_PAYABLE_PREFIX, amount__gt=0
    ).aggregate(total=Sum("amount"))
    assert owed["total"] == DECIDED
