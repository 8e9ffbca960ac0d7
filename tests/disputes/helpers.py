"""Builders for dispute tests: a paid booking (money captured into escrow through localstripe), staff users."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group

from accounts.models import User
from bookings.models import Booking
from bookings.services.clock import release_payout, start_booking
from disputes import services
from disputes.models import Category, Dispute
from disputes.selectors import booking_payment
from payments.models import Payment
from tests.bookings.factories import NOW, confirmed_room
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.payments.helpers import host_with_payout_account

__all__ = ["NOW", "open_as_guest", "paid_booking", "payment_of", "released_booking", "support_user"]


def paid_booking() -> Booking:
    """A confirmed room booking whose guest total is captured into escrow under "booking:<id>".

    The host has a finished Stripe Connect account, so payouts really transfer.
    """
    host = host_with_payout_account(settings.STRIPE_API_BASE)
    booking = confirmed_room(listing=make_listing(owner=host), now=NOW)
    assert booking_payment(booking).captured_amount == booking.total
    return booking


def payment_of(booking: Booking) -> Payment:
    payment = booking_payment(booking)
    assert payment is not None
    return payment


def released_booking() -> Booking:
    """A paid booking in progress whose host payout was released and transferred (24 h after the start)."""
    booking = paid_booking()
    start_booking(booking_id=booking.pk, now=booking.start)
    release_payout(booking_id=booking.pk, now=booking.payout_release_at)
    assert payment_of(booking).payouts.exists()
    booking.refresh_from_db()
    return booking


def open_as_guest(booking: Booking, *, now=None, category: str = Category.DAMAGE) -> Dispute:
    return services.open_dispute(
        user=booking.guest,
        booking_id=booking.pk,
        category=category,
        description="The room was not clean and the heating was broken.",
        now=now or booking.start + timedelta(hours=2),
    )


def support_user() -> User:
    user = make_user(display_name="Sam Support", is_staff=True)
    user.groups.add(Group.objects.get(name="support"))
    return user
