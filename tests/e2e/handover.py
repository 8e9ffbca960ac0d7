"""What the car journeys share: a car with a deposit, a report filled on the phone, a task run on the moved clock."""

from __future__ import annotations

from unittest import mock

from playwright.sync_api import Page, expect

from handover.models import Angle
from listings.models import CancellationPolicy, CarDetails, Listing, ListingKind
from tests.e2e.people import off_the_browser_thread
from tests.listings.factories import make_listing
from tests.security.world import jpeg

HOUR_PRICE = 1500
DAILY_KM = 200
EXTRA_KM_PRICE = 25  # 0.25 EUR per km beyond the daily limit
DEPOSIT = 30_000  # 300.00 EUR


def car_with_deposit(owner, title: str) -> Listing:
    listing = make_listing(
        owner=owner,
        kind=ListingKind.CAR,
        title=title,
        instant_book=True,
        cancellation_policy=CancellationPolicy.MODERATE,
        unit_price=HOUR_PRICE,
    )
    CarDetails.objects.filter(listing=listing).update(
        daily_distance_limit_km=DAILY_KM, extra_km_price=EXTRA_KM_PRICE, deposit_amount=DEPOSIT
    )
    return listing


PHOTO = jpeg(size=(64, 48)).read()


def file_report(page: Page, stage: str, *, km: int, fuel: int, notes: str = "") -> None:
    """Fill one's own report on the handover page (a photo from every angle) and send it."""
    button = page.get_by_role("button", name=f"File my {stage} report")
    form = page.locator("form", has=button)
    form.get_by_label("Odometer (km)").fill(str(km))
    form.get_by_label("Fuel or charge (%)").fill(str(fuel))
    if notes:
        form.get_by_label("Notes (scratches, dents, cleanliness)").fill(notes)
    for angle in Angle:
        form.get_by_label(f"Photo: {angle.label.lower()}").set_input_files(
            {"name": f"{angle.value}.jpg", "mimeType": "image/jpeg", "buffer": PHOTO}
        )
    button.click()
    expect(
        page.locator("ul.messages").get_by_text("Report filed. The other party confirms it next."),
        f"handover page after filing the {stage} report ({page.url})",
    ).to_be_visible()


def confirm_the_other_report(page: Page) -> None:
    page.get_by_role("button", name="Confirm this report").click()
    confirmed = page.locator("ul.messages").get_by_text("Report confirmed.")
    expect(confirmed, "handover page after confirming").to_be_visible()


def at(moment, work):
    """Run `work` as the worker or the scheduler would at `moment` (the services' clock moved, not slept)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        return off_the_browser_thread(work)


def fill_card(page: Page, number: str = "4242424242424242") -> None:
    page.get_by_placeholder("number").fill(number)
    page.get_by_placeholder("exp_month").fill("12")
    page.get_by_placeholder("exp_year").fill("34")
    page.get_by_placeholder("cvc").fill("123")
