"""Promo codes for tests, made through the service, valid around the bookings factories' NOW."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from accounts.models import User
from bookings.models import Booking
from bookings.services.checkout import request_booking
from listings.models import Listing
from promotions.models import PromoCode
from promotions.services import create_code
from tests.bookings.factories import CHECK_IN, CHECK_OUT, NOW
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.payments.fixtures import card

_codes = iter(range(1, 10**6))


def make_code(
    *, by: User | None = None, funded_by: str = "platform", percent: int | None = None, **fields
) -> PromoCode:
    """A Sharing-funded code (staff) by default; `funded_by="host"` needs `by`, the host."""
    if by is None:
        by = make_user(is_staff=True)
    if percent is None and not fields.get("amount_off"):
        percent = 10
    return create_code(
        by=by,
        code=fields.pop("code", f"CODE-{next(_codes)}"),
        funded_by=funded_by,
        percent=Decimal(percent) if percent is not None else None,
        valid_from=fields.pop("valid_from", NOW - timedelta(days=1)),
        valid_until=fields.pop("valid_until", NOW + timedelta(days=30)),
        **fields,
    )


def book_room(
    *,
    listing: Listing | None = None,
    guest: User | None = None,
    promo_code: str = "",
    use_credit: bool = False,
    check_in: date = CHECK_IN,
    check_out: date = CHECK_OUT,
    now: datetime = NOW,
    **listing_fields,
) -> Booking:
    """A room request (or instant booking) paid with a test card, with a code and/or credit."""
    listing = listing or make_listing(**listing_fields)
    return request_booking(
        guest=guest or make_user(),
        listing_id=listing.pk,
        start=check_in,
        end=check_out,
        guests=1,
        payment_method=card(),
        now=now,
        promo_code=promo_code,
        use_credit=use_credit,
    )
