"""The money of a booking change: its new quote with the booking's promo code and credit carried over, and the
settlement of exactly the difference when it is accepted (called by `bookings.services.changes`).

CARRIED OVER (README "Changes of dates or guests"):
  the code    its terms price the new period as they priced the first (a percentage of the new units' price,
              or the same amount off), never more than its budget has left. A cheaper change gives back what it
              no longer uses; a dearer one takes the extra from the budget when accepted (the conditional UPDATE
              behind `promo_never_over_budget`), on the booking's one redemption: the per-person limit counts
              the booking once, however often it changes.
  the credit  a cheaper change gives back its share of the price difference (`share(R, credit, old total)`,
              half up, as a refund would); a dearer one keeps it as it was; the card never pays under the
              minimum charge.
  refused     (409, code "promotion_dearer") a booking already charged that Sharing's promotion or the guest's
              credit paid part of, when the change needs more of any tender: the new card payment would replace
              the first, and the promotion's and the credit's money would be stranded in the first's escrow.
MONEY, in the accepting transaction (sent after commit by the outbox):
  far ahead, unpaid -> the scheduled charge becomes the card's new part (`money().reprice_saved_card`); the
                       promotion and credit the change no longer uses go straight back (budget, balance)
  cheaper, paid     -> the card's, Sharing's promotion's and the credit's differences refunded (`money().refund`:
                       the budget and the balance get theirs when the refund is applied); a host-funded code's
                       budget gets its difference now (no money moves for it: it lowered the price)
  dearer, paid      -> the card held for the new total replaces the first payment (`money().replace_payment`)
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Protocol

from django.conf import settings
from django.utils.translation import gettext_noop

from bookings import pricing, selectors
from bookings.models import Booking, BookingChange, PaymentSchedule
from bookings.money import booking_reference, money
from bookings.services import schedule
from core.errors import CardRefused, Conflict
from promotions import selectors as promotion_selectors
from promotions import services as promotion_services
from promotions.selectors import PromotionRefused

NEEDS_CARD = gettext_noop("This change costs more: enter your card to pay the difference.")
PROMOTION_DEARER = gettext_noop(
    "This booking is paid and a promo code or credit paid part of it: a change that costs more cannot be paid "
    "that way. Pick a change that costs the same or less, or cancel and book again."
)


class Tenders(Protocol):
    """What a quote or a change says each tender pays."""

    @property
    def charged(self) -> int: ...

    @property
    def platform_promotion(self) -> int: ...

    @property
    def credit(self) -> int: ...


def card_pays(booking: Booking) -> bool:
    """The booking's card was charged (or is being charged): a dearer change needs a new authorisation."""
    plan = PaymentSchedule.objects.filter(booking=booking).first()
    return plan is None or plan.state == PaymentSchedule.State.PAID


def with_promotion(booking: Booking, quote: pricing.Quote) -> pricing.Quote:
    """The new period's quote (before taxes) with the booking's code applied by its terms, budget permitting."""
    if not booking.promotion or not booking.promo_code:
        return quote
    code = promotion_selectors.code_in_use(booking.promo_code)
    if code is None:
        return quote
    terms = promotion_selectors.terms_of(code)
    wanted = pricing.promotion_amount(terms, units_amount=quote.subtotal - quote.discount)
    left = promotion_selectors.budget_left(code)
    if left is not None:
        wanted = min(wanted, booking.promotion + left)
    return pricing.apply_promotion(
        quote,
        terms=replace(terms, percent_bps=0, amount_off=wanted),
        credit_available=0,
        guest_fee_bps=settings.GUEST_SERVICE_FEE_BPS,
        host_fee_bps=settings.HOST_SERVICE_FEE_BPS,
    )


def with_credit(booking: Booking, quote: pricing.Quote) -> pricing.Quote:
    """The taxed new quote with the booking's credit: less its share of the difference when cheaper."""
    if not booking.credit:
        return quote
    credit = booking.credit
    cheaper_by = booking.total - quote.total
    if cheaper_by > 0:
        credit -= pricing.share(min(cheaper_by, booking.total), booking.credit, booking.total)
    room = quote.total - quote.platform_promotion - pricing.minimum_charge(quote.currency)
    return replace(quote, credit=max(0, min(credit, room)))


def check_payable(booking: Booking, new: Tenders) -> None:
    """A charged booking partly paid by Sharing's promotion or credit cannot take more of any tender (409)."""
    if not (booking.platform_promotion or booking.credit) or not card_pays(booking):
        return
    if (
        new.charged > booking.charged
        or new.platform_promotion > booking.platform_promotion
        or new.credit > booking.credit
    ):
        raise Conflict(PROMOTION_DEARER, code="promotion_dearer")


def settle(booking: Booking, change: BookingChange, old: pricing.Quote, now: datetime) -> None:
    """Exactly the difference, tender by tender (the booking already carries the new quote; caller's transaction)."""
    reference = booking_reference(booking.pk)
    new = selectors.booking_quote(booking)
    try:
        promotion_services.extend_redemption(reference=reference, extra=new.promotion - old.promotion, now=now)
    except PromotionRefused as refused:
        raise Conflict(refused.message, field="promo_code", code="exhausted") from refused
    host_back = max(0, old.host_promotion - new.host_promotion)
    platform_back = max(0, old.platform_promotion - new.platform_promotion)
    credit_back = max(0, old.credit - new.credit)
    operation = f"change-{change.uid.hex}"
    if money().reprice_saved_card(reference=reference, amount=new.charged):
        # Nothing was paid in yet: what the change no longer uses goes straight back.
        _give_back(reference, promotion=host_back + platform_back, credit=credit_back, operation=operation, now=now)
        schedule.follow_new_start(booking, now=now)
        return
    _give_back(reference, promotion=host_back, credit=0, operation=operation, now=now)
    card = new.charged - old.charged
    if card < 0 or platform_back or credit_back:
        money().refund(
            reference=reference,
            amount=max(0, -card),
            host_keeps=booking.host_payout,
            taxes_keep=booking.taxes_kept(),
            promotion=platform_back,
            credit=credit_back,
        )
    elif card > 0:
        if change.payment_id is None:
            raise CardRefused(NEEDS_CARD, field="payment_method", code="card_needed")
        money().replace_payment(
            reference=reference, payment_id=change.payment_id, payer=booking.guest, amount=card + old.charged
        )


def _give_back(reference: str, *, promotion: int, credit: int, operation: str, now: datetime) -> None:
    if promotion > 0 or credit > 0:
        promotion_services.return_refund_share(
            reference=reference, promotion=promotion, credit=credit, operation=operation, now=now
        )
