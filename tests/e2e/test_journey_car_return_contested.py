"""Journey 9: the renter contests the owner's return odometer; a dispute opens; support reads both reports on the
desk and gives the kilometre charge back.

The rental is under way through the services (card kept, deposit held, both pickup reports confirmed)
and both return reports are filed, the owner's reading 20 km above the renter's. The browser takes over
at the answers: the renter contests the owner's odometer on the phone (a dispute opens), the owner sees
the contest and confirms the renter's report (the return settles: 80 km beyond the limit, charged by the
worker), support reads both reports and the contest on the desk and gives the charge back.
"""

from __future__ import annotations

from playwright.sync_api import expect

from disputes.models import Dispute
from handover.models import ReportAnswer, Settlement
from handover.tasks import collect_extra_charge_task
from payments.models import Payment
from realtime.models import Notification
from tests.e2e.handover import (
    EXTRA_KM_PRICE,
    PICKUP_KM,
    car_with_deposit,
    confirm_the_other_report,
    contest_the_other_report,
    file_return_reports,
    rental_under_way,
)
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

OWNER_KM = PICKUP_KM + 300
RENTER_KM = PICKUP_KM + 280  # the lower reading counts: 280 driven, 200 included, 80 beyond
EXTRA = 80 * EXTRA_KM_PRICE  # €20.00
CONTEST = "The dashboard read 10280 km when I gave the keys back; the 80 km beyond were the owner's station errand."
REFUND_REASON = "The owner agreed in the messages that the station trip was his errand."


def test_the_renter_contests_the_return_odometer_and_support_gives_the_kilometre_charge_back(
    live_url, journey, browser, ledger_checked
):
    host = host_who_can_be_paid("omar@example.com", display_name="Omar Owner")
    guest = person("rosa@example.com", display_name="Rosa Renter")
    support = support_person("sid@example.com", display_name="Sid Support")
    listing = car_with_deposit(host, "Clio by the station")

    def under_way_and_returned():
        booking = rental_under_way(listing, guest)
        file_return_reports(booking, owner_km=OWNER_KM, renter_km=RENTER_KM)
        return booking

    booking = off_the_browser_thread(under_way_and_returned)
    handover = f"/handover/bookings/{booking.pk}/"
    page = journey.page

    # The renter reads the owner's return report on the phone and contests its odometer: a dispute opens.
    log_in(page, live_url, guest.email, then=handover)
    owners_report = page.locator("article.handover-report", has_text="The owner's report").last
    expect(owners_report, "renter's handover page: the owner's return report").to_contain_text(f"{OWNER_KM} km")
    contest_the_other_report(page, parts=["Odometer"], reason=CONTEST)
    expect(owners_report, "renter's handover page: the contest").to_contain_text("Contested by the renter")
    expect(owners_report, "renter's handover page: the reason").to_contain_text(CONTEST)
    journey.snap("renter-contested-the-return-odometer")
    dispute = Dispute.objects.get(booking=booking)
    assert (dispute.status, dispute.opened_by_id, dispute.category) == ("open", guest.pk, "payment")
    answer = ReportAnswer.objects.get(report__booking=booking, report__stage="return", report__side="host")
    assert (answer.kind, answer.contested_fields, answer.dispute_id) == ("contest", ["odometer"], dispute.pk)
    assert Notification.objects.filter(recipient=host, kind="handover.contested").count() == 1

    with own_tab(browser, live_url, host, then=handover) as owner:
        # The owner sees the contest, then confirms the renter's return report: the return settles.
        mine = owner.locator("article.handover-report", has_text="The owner's report").last
        expect(mine, "owner's handover page: the renter's contest").to_contain_text(CONTEST)
        confirm_the_other_report(owner)
        renters_report = owner.locator("article.handover-report", has_text="The renter's report").last
        expect(renters_report, "owner's handover page: the answer").to_contain_text("Confirmed by the owner")
        snap(journey, owner, "owner-confirmed-the-renter-return")
    settlement = Settlement.objects.get(booking=booking)
    assert (settlement.return_km, settlement.extra_km, settlement.extra_amount) == (RENTER_KM, 80, EXTRA)

    # The worker collects the kilometre charge the owner's confirmation enqueued.
    assert off_the_browser_thread(lambda: collect_extra_charge_task.call(settlement.pk)) == "charged"
    assert Payment.objects.get(reference=f"extras:{booking.pk}").captured_amount == EXTRA

    # Support reads both reports and the contest on the desk, then gives the kilometre charge back.
    desk_page = f"/admin/disputes/dispute/{dispute.pk}/change/"
    with own_tab(browser, live_url, support, then=desk_page, device=DESKTOP) as desk:
        reports = desk.locator(".handover-record table.handover-reports")
        owners_row = reports.locator("tr", has_text="Return, the owner")
        expect(owners_row, "desk: the owner's return").to_contain_text(f"{OWNER_KM} km")
        expect(owners_row, "desk: the renter's contest").to_contain_text("Contested by the renter")
        expect(owners_row, "desk: what the renter says").to_contain_text(CONTEST)
        renters_row = reports.locator("tr", has_text="Return, the renter")
        expect(renters_row, "desk: the renter's return").to_contain_text(f"{RENTER_KM} km")
        expect(renters_row, "desk: the owner's answer").to_contain_text("Confirmed by the owner")
        snap(journey, desk, "desk-dispute-with-both-reports-and-the-contest")
        desk.get_by_role("link", name="Give back part of a return charge").click()
        desk.get_by_role("combobox", name="Charge").select_option("kilometres")
        desk.get_by_label("Give back to the renter (cents)").fill(str(EXTRA))
        desk.get_by_label("Reason both parties will read").fill(REFUND_REASON)
        desk.get_by_role("button", name="Give back").click()
        expect(desk.get_by_text("Refund recorded"), "desk: after giving back").to_be_visible()
        snap(journey, desk, "desk-kilometres-given-back")

    charge = Payment.objects.get(reference=f"extras:{booking.pk}")
    assert (charge.captured_amount, charge.refunded_amount) == (EXTRA, EXTRA)
    settlement.refresh_from_db()
    assert (settlement.extra_refunded, settlement.refund_reason) == (EXTRA, REFUND_REASON)

    # The renter's booking page: both reports with their answers, and the charge given back on the receipt.
    page.goto(live_url + f"/bookings/{booking.pk}/")
    record = page.locator(".handover-record table.handover-reports")
    expect(record.locator("tr", has_text="Return, the owner"), "renter's booking page").to_contain_text(
        "Contested by the renter"
    )
    line = page.locator("table.receipt-lines tr.receipt-extra", has_text="given back after a dispute")
    expect(line, "renter's booking page: the refund line").to_contain_text("-€20.00")
    journey.snap("renter-receipt-kilometres-given-back")
