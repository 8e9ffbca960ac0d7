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
from django.utils.translation import gettext_noop

from accounts.models import User
from bookings import pricing
from bookings import selectors as bookings_selectors
from bookings.models import CANCELLED_STATUSES, UNPAID_END_STATUSES, Booking, BookingStatus
from bookings.money import booking_reference
from bookings.selectors import PricedPeriod
from bookings.tenders import RefundTenders, refund_tenders
from core.errors import Conflict
from listings.models import Listing
from promotions import referrals, selectors, services


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


def release_reserved(booking: Booking, *, now: datetime) -> None:
    """A far-ahead booking that lapsed unpaid: its code and credit come back whole (caller's transaction)."""
    services.release(reference=booking_reference(booking.pk), now=now)


def return_kept(booking: Booking, *, now: datetime) -> None:
    """A cancelled far-ahead booking whose kept part the saved card's bank refused: the promotion and credit
    reserved for that part (what the refund did not give back) come back too. Idempotent: the code gives back
    at most what it gave, and the credit movement happens once."""
    back = refund_tenders(bookings_selectors.booking_quote(booking), booking.refund_amount or 0)
    services.return_refund_share(
        reference=booking_reference(booking.pk),
        promotion=booking.promotion - back.promotion - back.host_promotion,
        credit=booking.credit - back.credit,
        operation="kept-part-refused",
        now=now,
    )


def return_host_share(*, reference: str, tenders: RefundTenders, operation: str, now: datetime) -> None:
    """A refund's share of a host-funded discount goes back to its code's budget (no money moves for it:
    the discount lowered the price). Sharing's promotion and the credit go back with the refund itself."""
    if tenders.host_promotion > 0:
        services.return_refund_share(
            reference=reference, promotion=tenders.host_promotion, credit=0, operation=operation, now=now
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
            gettext_noop("The price changed while you were paying. Check the new price and book again."),
            code="price_changed",
        )
