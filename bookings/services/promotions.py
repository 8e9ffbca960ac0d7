"""Promo codes and credit in a booking: priced in the quote, redeemed in the booking's transaction, given back.

Kept apart from checkout so the checkout's own steps stay as they are: `promoted` prices a period
with a code and the guest's credit (the live quote and the request both call it, so a refusal
reads the same in both), `redeem` takes the code and the credit inside the booking transaction,
`booking_ended` gives them back when the booking never took place and rewards a referral when
it is completed. The rules themselves live in the promotions app.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from django.conf import settings

from accounts.models import User
from bookings import pricing
from bookings.models import CANCELLED_STATUSES, UNPAID_END_STATUSES, Booking, BookingStatus
from bookings.money import booking_reference
from bookings.selectors import PricedPeriod
from core.errors import Conflict
from listings.models import Listing
from promotions import referrals, selectors, services
from promotions.selectors import PromotionRefused


def is_first_booking(guest: User) -> bool:
    """No booking of the guest's took place or is under way (ended unpaid or cancelled ones do not count)."""
    ended_without_stay = (*UNPAID_END_STATUSES, *CANCELLED_STATUSES)
    return not Booking.objects.filter(guest=guest).exclude(status__in=ended_without_stay).exists()


def promoted(
    *, guest: User, listing: Listing, priced: PricedPeriod, promo_code: str, use_credit: bool, now: datetime
) -> PricedPeriod:
    """The period's price with the code and the guest's credit; a PromotionRefused says why a code cannot be used."""
    quote = priced.quote
    if not promo_code.strip() and not use_credit:
        return priced
    from bookings.services.schedule import charge_time  # schedule imports steps, which imports this module

    if charge_time(start=priced.start, now=now) is not None:
        # A far-ahead booking's saved card is charged later for the whole total (services.schedule), and
        # that charge does not carry a promotion or credit into escrow yet: refused before anything is taken.
        raise PromotionRefused(
            f"Promo codes and credit apply to stays paid when booked. This one starts more than "
            f"{settings.PAYMENT_SCHEDULE_AFTER_DAYS} days ahead and is charged later: book it without them.",
            field="promo_code" if promo_code.strip() else "use_credit",
            code="paid_later",
        )
    code = None
    if promo_code.strip():
        code = selectors.usable_code(
            text=promo_code,
            guest=guest,
            listing_id=listing.pk,
            listing_kind=listing.kind,
            host_id=listing.owner_id,
            currency=quote.currency,
            spend=quote.total,
            first_booking=is_first_booking(guest),
            now=now,
        )
    credit = selectors.credit_balance(user=guest, currency=quote.currency) if use_credit else 0
    quote = pricing.apply_promotion(
        quote,
        terms=selectors.terms_of(code) if code is not None else None,
        credit_available=credit,
        guest_fee_bps=settings.GUEST_SERVICE_FEE_BPS,
        host_fee_bps=settings.HOST_SERVICE_FEE_BPS,
    )
    if code is not None:
        selectors.check_budget(code, quote.promotion)
    return replace(priced, quote=quote)


def redeem(*, booking: Booking, now: datetime) -> None:
    """Inside the booking transaction: use the code (budget and per-person limit under lock) and the credit."""
    reference = booking_reference(booking.pk)
    if booking.promo_code and booking.promotion > 0:
        services.redeem(
            code_text=booking.promo_code,
            guest=booking.guest,
            reference=reference,
            amount=booking.promotion,
            currency=booking.currency,
            now=now,
        )
    if booking.credit:
        services.spend_credit(
            guest=booking.guest, currency=booking.currency, amount=booking.credit, reference=reference, now=now
        )


def booking_moved(booking: Booking, *, now: datetime) -> None:
    """In the transition's transaction: a booking that never took place gives its code and credit back;
    a completed one may earn its guest's referrer (and the guest) their credit, once."""
    if booking.status in UNPAID_END_STATUSES:
        services.release(reference=booking_reference(booking.pk), now=now)
    elif booking.status == BookingStatus.COMPLETED:
        referrals.booking_completed(
            guest_id=booking.guest_id, reference=booking_reference(booking.pk), currency=booking.currency, now=now
        )


def check_price(quote: pricing.Quote, *, charged: int, currency: str) -> None:
    """The card was authorised for `charged`: the re-priced booking must cost the card exactly that."""
    if (quote.charged, quote.currency) != (charged, currency):
        raise Conflict(
            "The price changed while you were paying. Check the new price and book again.", code="price_changed"
        )
