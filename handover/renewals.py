"""Deposit holds renewed before the card's authorisation lapses (the rule is in handover/deposits.py).

Atomic phases, no card call inside a transaction:
1. claim the renewal (a short transaction: `renewing` set, `renewals` counted, which names the new
   hold's reference) and commit;
2. place the new hold (the port is idempotent per reference, so a re-driven renewal finds it);
3. swap it in (a second short transaction, only if the deposit still stands on the old hold);
   the hold that is no longer needed (the old one, or the new one if the deposit moved on
   meanwhile) is written down in `replaced_payment_id`;
4. release that hold, then forget it. A crash before 4 ends is re-driven by the next sweep.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from bookings.models import Booking
from bookings.money import money
from core.errors import Conflict, DomainError
from handover.deposits import RENEW_AFTER, _tell
from handover.models import Deposit, DepositStatus, RentalCard

logger = logging.getLogger(__name__)

STANDING = (DepositStatus.HELD, DepositStatus.CLAIMED)


def renewal_reference(booking_id: int, renewal: int) -> str:
    return f"deposit:{booking_id}:renewal:{renewal}"


def _due(now: datetime) -> Q:
    """Holds placed RENEW_AFTER ago that must still stand (held with the release ahead, or claimed, undecided).

    A renewal the card refused is not tried again by the sweep (a declined card is not asked every
    five minutes): it waits in the desk's list of deposits with its `renewal_error`.
    """
    still_needed = Q(status=DepositStatus.HELD, release_after__gt=now) | Q(
        status=DepositStatus.CLAIMED, decided_at__isnull=True
    )
    return still_needed & Q(held_at__lte=now - RENEW_AFTER, renewal_error="")


def renew_due_holds(*, now: datetime | None = None) -> list[Deposit]:
    """Renew every hold about to lapse, and finish renewals a crash interrupted (the scheduled sweep)."""
    now = now or timezone.now()
    renewed = []
    for deposit_id in Deposit.objects.filter(replaced_payment_id__isnull=False).values_list("pk", flat=True):
        _release_replaced(deposit_id)
    due = Deposit.objects.filter(_due(now) | Q(renewing=True)).order_by("held_at", "pk")
    for deposit_id in due.values_list("pk", flat=True):
        try:
            deposit = _renew(deposit_id, now=now)
        except DomainError as error:
            logger.warning("deposit %s: renewal not finished (%s); the next sweep retries", deposit_id, error.message)
            continue
        if deposit is not None:
            renewed.append(deposit)
    return renewed


def _renew(deposit_id: int, *, now: datetime) -> Deposit | None:
    with transaction.atomic():
        deposit = Deposit.objects.select_for_update().get(pk=deposit_id)
        if not deposit.renewing:
            if not Deposit.objects.filter(_due(now), pk=deposit_id).exists():
                return None
            deposit.renewing = True
            deposit.renewals += 1
            deposit.save(update_fields=["renewing", "renewals"])
        old_payment, renewal = deposit.payment_id, deposit.renewals
    booking = Booking.objects.select_related("listing__owner", "guest").get(pk=deposit.booking_id)
    card = RentalCard.objects.filter(booking=booking).first()
    try:
        if card is None:
            raise Conflict(gettext_noop("No card was kept for this rental."), code="card_missing")
        held = money().hold_deposit(
            card=card.token,
            payer=booking.guest,
            amount=deposit.amount,
            currency=deposit.currency,
            reference=renewal_reference(booking.pk, renewal),
        )
        if not held.authorised:
            raise Conflict(
                held.failure_message or gettext_noop("The card refused the new deposit hold."), code="deposit_refused"
            )
    except DomainError as error:
        if error.retryable:
            raise  # Stripe unreachable: the same renewal (same reference) is tried again by the next sweep
        with transaction.atomic():
            locked = Deposit.objects.select_for_update().get(pk=deposit_id)
            locked.renewing = False
            locked.renewal_error = error.message[:300]
            locked.save(update_fields=["renewing", "renewal_error"])
        _tell(
            booking,
            [booking.guest, booking.listing.owner],
            "deposit.renewal_refused",
            "The card refused to renew the deposit hold; the current hold stands until the bank lets it lapse",
        )
        return None
    with transaction.atomic():
        locked = Deposit.objects.select_for_update().get(pk=deposit_id)
        stands = locked.status in STANDING and locked.decided_at is None and locked.payment_id == old_payment
        if stands:
            locked.payment_id, locked.replaced_payment_id = held.payment_id, old_payment
            locked.held_at, locked.renewal_error = now, ""
        else:
            locked.replaced_payment_id = held.payment_id  # released or decided meanwhile: the new hold goes
        locked.renewing = False
        locked.save(update_fields=["payment_id", "replaced_payment_id", "held_at", "renewal_error", "renewing"])
        if stands:
            _tell(booking, [booking.guest], "deposit.held", "The deposit hold on your card was renewed (not charged)")
    _release_replaced(deposit_id)
    return Deposit.objects.get(pk=deposit_id) if stands else None


def _release_replaced(deposit_id: int) -> None:
    replaced = Deposit.objects.filter(pk=deposit_id).values_list("replaced_payment_id", flat=True).first()
    if replaced is None:
        return
    try:
        money().release_deposit(payment_id=replaced)
    except DomainError as error:
        logger.warning("deposit %s: replaced hold not released (%s); the next sweep retries", deposit_id, error.message)
        return
    Deposit.objects.filter(pk=deposit_id, replaced_payment_id=replaced).update(replaced_payment_id=None)
