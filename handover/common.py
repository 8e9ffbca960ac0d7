"""What every handover operation shares: the booking's lock order, who is which party, the page's address."""

from __future__ import annotations

from django.urls import reverse

from accounts.models import User
from bookings.models import Booking
from bookings.selectors import BOOKING_NOT_FOUND
from core.errors import NotFound
from handover.models import Side
from listings.models import Listing


def lock_booking(booking_id: int) -> Booking:
    """The bookings app's lock order: the listing, then the booking."""
    listing_id = Booking.objects.filter(pk=booking_id).values_list("listing_id", flat=True).first()
    if listing_id is None:
        raise NotFound(BOOKING_NOT_FOUND)
    listing = Listing.objects.select_for_update().get(pk=listing_id)
    booking = Booking.objects.select_for_update().select_related("guest").get(pk=booking_id)
    booking.listing = listing
    return booking


def side_of(booking: Booking, user: User) -> str:
    """Which party `user` is; anyone else gets NotFound, as if the booking did not exist."""
    if user.pk == booking.guest_id:
        return Side.GUEST
    if user.pk == booking.listing.owner_id:
        return Side.HOST
    raise NotFound(BOOKING_NOT_FOUND)


def handover_url(booking_id: int) -> str:
    return reverse("handover:detail", kwargs={"booking_id": booking_id})
