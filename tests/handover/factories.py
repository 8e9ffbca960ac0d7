"""A car rented for a day and handed over: factories that go through the services, as people would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from bookings.models import Booking
from bookings.services.clock import start_booking
from handover import answers, services
from handover.models import Angle, HandoverReport
from listings.models import CarDetails, ListingKind
from tests.bookings.factories import NOW, request_hours
from tests.listings.factories import make_listing
from tests.payments.fixtures import card
from tests.security.world import jpeg

START = datetime(2027, 3, 5, 10, 0, tzinfo=UTC)
AT_PICKUP = START + timedelta(minutes=10)
AT_RETURN = START + timedelta(hours=24, minutes=5)


def photos(**replace: SimpleUploadedFile) -> dict:
    """A photo from every fixed angle (a small JPEG), with some replaced."""
    return {angle.value: replace.get(angle.value) or jpeg(name=f"{angle.value}.jpg") for angle in Angle}


def rented_car(
    *,
    extra_km_price: int = 25,
    daily_km: int = 200,
    hours: int = 24,
    deposit_amount: int = 0,
    refuel_price: int = 0,
    **listing_fields,
) -> Booking:
    """A confirmed (instant-book) car rental of `hours` from START."""
    listing = make_listing(kind=ListingKind.CAR, instant_book=True, **listing_fields)
    CarDetails.objects.filter(listing=listing).update(
        extra_km_price=extra_km_price,
        daily_distance_limit_km=daily_km,
        deposit_amount=deposit_amount,
        refuel_price_per_percent=refuel_price,
    )
    return request_hours(listing=listing, start=START, hours=hours, now=NOW)


def started(booking: Booking) -> Booking:
    return start_booking(booking_id=booking.pk, now=START)


def report(
    booking: Booking, *, side: str, stage: str = "pickup", km: int = 10_000, fuel: int = 80, at=None
) -> HandoverReport:
    author = booking.guest if side == "guest" else booking.listing.owner
    return services.file_report(
        author=author,
        booking_id=booking.pk,
        stage=stage,
        odometer_km=km,
        fuel_percent=fuel,
        notes="",
        photos=photos(),
        now=at or (AT_PICKUP if stage == "pickup" else AT_RETURN),
    )


def keep_card(booking: Booking) -> None:
    services.keep_card(guest=booking.guest, booking_id=booking.pk, payment_method=card())


def picked_up(
    booking: Booking, *, host_km: int = 10_000, guest_km: int = 10_000, host_fuel: int = 80, guest_fuel: int = 80
) -> Booking:
    """Both pickup reports filed and confirmed by the other side; the booking under way."""
    keep_card(booking)
    host_report = report(booking, side="host", km=host_km, fuel=host_fuel)
    guest_report = report(booking, side="guest", km=guest_km, fuel=guest_fuel)
    answers.confirm_report(user=booking.guest, report_id=host_report.pk, now=AT_PICKUP)
    answers.confirm_report(user=booking.listing.owner, report_id=guest_report.pk, now=AT_PICKUP)
    return started(booking)


def returned(booking: Booking, *, host_km: int, guest_km: int, host_fuel: int = 80, guest_fuel: int = 80) -> None:
    host_report = report(booking, side="host", stage="return", km=host_km, fuel=host_fuel)
    guest_report = report(booking, side="guest", stage="return", km=guest_km, fuel=guest_fuel)
    answers.confirm_report(user=booking.guest, report_id=host_report.pk, now=AT_RETURN)
    answers.confirm_report(user=booking.listing.owner, report_id=guest_report.pk, now=AT_RETURN)
