"""What the car journeys share: a car with a deposit, a rental under way or returned, a report filled on the phone,
answering the other side's report, a task run on the moved clock."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from bookings.models import Booking
from bookings.services.checkout import request_booking
from bookings.services.clock import start_booking
from handover import answers, services
from handover.models import Angle, HandoverReport
from listings.models import CancellationPolicy, CarDetails, Listing, ListingKind
from tests.e2e.people import off_the_browser_thread
from tests.listings.factories import make_listing
from tests.payments.fixtures import card
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
PICKUP_KM = 10_000
FUEL = 70


def report_photos() -> dict:
    """A photo from every fixed angle, as a report filed through the services takes them."""
    return {a.value: SimpleUploadedFile(f"{a.value}.jpg", PHOTO, content_type="image/jpeg") for a in Angle}


def _file(author: User, booking: Booking, stage: str, km: int, at) -> HandoverReport:
    return services.file_report(
        author=author,
        booking_id=booking.pk,
        stage=stage,
        odometer_km=km,
        fuel_percent=FUEL,
        photos=report_photos(),
        now=at,
    )


def rental_under_way(listing: Listing, guest: User) -> Booking:
    """A three-hour rental that started an hour ago: card kept, deposit held, both pickup reports confirmed.

    Through the services, as the two parties would have done it (run it off the browser's thread).
    """
    now = timezone.now()
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    booking = request_booking(
        guest=guest,
        listing_id=listing.pk,
        start=start,
        end=start + timedelta(hours=3),
        guests=1,
        payment_method=card(),
        now=start - timedelta(days=2),
    )
    services.keep_card(guest=guest, booking_id=booking.pk, payment_method=card(), now=start - timedelta(hours=1))
    at = start - timedelta(minutes=10)
    owners = _file(listing.owner, booking, "pickup", PICKUP_KM, at)
    renters = _file(guest, booking, "pickup", PICKUP_KM, at)
    answers.confirm_report(user=guest, report_id=owners.pk, now=at)
    answers.confirm_report(user=listing.owner, report_id=renters.pk, now=at)
    return start_booking(booking_id=booking.pk, now=start)


def file_return_reports(booking: Booking, *, owner_km: int, renter_km: int) -> tuple[HandoverReport, HandoverReport]:
    """Both sides' return reports, filed now and not answered yet: (the owner's, the renter's)."""
    now = timezone.now()
    return _file(booking.listing.owner, booking, "return", owner_km, now), _file(
        booking.guest, booking, "return", renter_km, now
    )


def returned_rental(listing: Listing, guest: User, *, return_km: int) -> Booking:
    """A rental under way whose return both sides reported (the same reading) and confirmed."""
    booking = rental_under_way(listing, guest)
    owners, renters = file_return_reports(booking, owner_km=return_km, renter_km=return_km)
    answers.confirm_report(user=guest, report_id=owners.pk)
    answers.confirm_report(user=listing.owner, report_id=renters.pk)
    return booking


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


def contest_the_other_report(page: Page, *, parts: list[str], reason: str) -> None:
    """Contest the one report waiting for one's answer: tick what is wrong (the labels), say why, send."""
    page.get_by_text("Something is wrong? Contest it").click()
    form = page.locator("form", has=page.get_by_role("button", name="Contest this report"))
    for part in parts:
        form.get_by_label(part).check()
    form.get_by_label("Why you contest it").fill(reason)
    form.get_by_role("button", name="Contest this report").click()
    contested = page.locator("ul.messages").get_by_text("Report contested.")
    expect(contested, f"handover page after contesting ({page.url})").to_be_visible()


def at(moment, work):
    """Run `work` as the worker or the scheduler would at `moment` (the services' clock moved, not slept)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        return off_the_browser_thread(work)


def fill_card(page: Page, number: str = "4242424242424242") -> None:
    page.get_by_placeholder("number").fill(number)
    page.get_by_placeholder("exp_month").fill("12")
    page.get_by_placeholder("exp_year").fill("34")
    page.get_by_placeholder("cvc").fill("123")
