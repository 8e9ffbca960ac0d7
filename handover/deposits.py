"""Car deposits: held when the renter keeps a card before pickup, released after the claim window, or claimed.

The rule, written once:
- A car listing with a deposit (CarDetails.deposit_amount > 0) has it held on the renter's kept card
  before the renter's pickup report (`hold_deposit`, called by `services.keep_card`). The renter's
  pickup report is refused until the hold stands.
- The hold is released by the sweep (`release_due_deposits`, every five minutes) at `release_after`:
  CLAIM_WINDOW (48 hours, the disputes' own window) after the end of the rental, unless the owner
  filed a claim by then, or while another dispute of the booking is open.
- A claim (`file_claim`) needs the owner's return report (the record it rests on), names an amount
  up to the deposit and what happened; it opens a damage dispute through the disputes flow (or joins
  the booking's open one, a contested return for instance: support settles both there), and the
  hold stays until support decides (`decide_claim`): that much is charged for the owner, the rest let go.
- Card holds last about seven days at most banks (HOLD_LIFETIME), so a hold is renewed before it lapses
  (`renew_due_holds`, the same sweep): a hold placed RENEW_AFTER (five days) ago that still has to
  stand (held with its release still ahead, or claimed and not decided yet) is replaced by a new hold
  of the same amount on the kept card, under its own reference ("deposit:<booking>:renewal:<n>"),
  and only then is the old one released; the new hold counts from its own day, so a rental of any
  length is covered by one renewal every five days. Never a charge instead: a deposit is money the
  renter may get back whole, and refunding a charge takes days. If the card refuses the new hold,
  the old one stands until the bank lets it lapse; the renter and the owner are told, the refusal is
  kept on the deposit (`renewal_error`, in the desk's list) for support; the sweep does not ask the
  declined card again every five minutes.
Money goes through the bookings money port, never inside a transaction: each step records its
intent and commits, calls the card, then records the answer; a crash in between is re-driven by
the sweep or by calling again (the port is idempotent per deposit).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import User
from bookings.models import Booking, BookingStatus
from bookings.money import money
from core.errors import Conflict, DomainError, NotFound, PermissionDenied
from core.money import format_money
from disputes import services as dispute_services
from disputes.joining import join_open_dispute
from disputes.models import Category
from handover.common import handover_url, lock_booking, side_of
from handover.models import Deposit, DepositStatus, Side, Stage
from listings.models import CarDetails
from realtime.services import notify
from realtime.wording import english, words

logger = logging.getLogger(__name__)

CLAIM_WINDOW = timedelta(hours=48)
HOLD_LIFETIME = timedelta(days=7)  # what most banks honour for a card authorisation
RENEW_AFTER = timedelta(days=5)  # two days to spare before HOLD_LIFETIME
CLAIM_TEXT_MAX = 4000


def deposit_reference(booking_id: int) -> str:
    return f"deposit:{booking_id}"


def deposit_amount(booking: Booking) -> int:
    car = CarDetails.objects.filter(listing_id=booking.listing_id).first()
    return car.deposit_amount if car is not None else 0


def _tell(booking: Booking, recipients: list[User], kind: str, message: str, **params: object) -> None:
    """`message` is English with %(name)s placeholders (marked with gettext_noop): each reader's language."""
    said = words(message, **params)
    message = english(said)
    notify(
        recipients,
        kind,
        {
            "booking_id": booking.pk,
            "message": message,
            "message_words": said,
            "listing_title": booking.listing.title,
            "title": f"{booking.listing.title}: {message}",
            "url": handover_url(booking.pk),
        },
    )


def hold_deposit(*, booking: Booking, card: str, now: datetime) -> Deposit | None:
    """Hold the car's deposit on the kept card (outside any transaction); None when the car asks for none."""
    amount = deposit_amount(booking)
    if amount <= 0:
        return None
    release_after = booking.end + CLAIM_WINDOW
    with transaction.atomic():
        deposit, _ = Deposit.objects.select_for_update().get_or_create(
            booking=booking,
            defaults={"amount": amount, "currency": booking.currency, "release_after": release_after},
        )
        if deposit.status not in (DepositStatus.HOLDING, DepositStatus.FAILED):
            return deposit
        deposit.status = DepositStatus.HOLDING
        deposit.save(update_fields=["status"])
    try:
        held = money().hold_deposit(
            card=card,
            payer=booking.guest,
            amount=deposit.amount,
            currency=deposit.currency,
            reference=deposit_reference(booking.pk),
        )
        if not held.authorised:
            raise Conflict(
                held.failure_message or gettext_noop("Your card refused the deposit hold."), code="deposit_refused"
            )
    except DomainError as error:
        with transaction.atomic():
            locked = Deposit.objects.select_for_update().get(pk=deposit.pk)
            locked.status = DepositStatus.FAILED
            locked.failure_message = error.message[:300]
            locked.save(update_fields=["status", "failure_message"])
        raise
    with transaction.atomic():
        locked = Deposit.objects.select_for_update().get(pk=deposit.pk)
        if locked.status == DepositStatus.HOLDING:
            locked.status = DepositStatus.HELD
            locked.payment_id = held.payment_id
            locked.held_at = now
            locked.failure_message = ""
            locked.save(update_fields=["status", "payment_id", "held_at", "failure_message"])
            _tell(
                booking, [booking.guest], "deposit.held", gettext_noop("The deposit is held on your card (not charged)")
            )
        return locked


def _release(deposit: Deposit, *, now: datetime) -> Deposit:
    """Let a hold go that this caller has claimed (status releasing): call the card, then record it."""
    assert deposit.payment_id is not None
    money().release_deposit(payment_id=deposit.payment_id)
    with transaction.atomic():
        locked = (
            Deposit.objects.select_for_update().select_related("booking__listing", "booking__guest").get(pk=deposit.pk)
        )
        if locked.status != DepositStatus.RELEASING:
            return locked
        locked.status = DepositStatus.RELEASED
        locked.released_at = now
        locked.save(update_fields=["status", "released_at"])
        _tell(
            locked.booking,
            [locked.booking.guest],
            "deposit.released",
            gettext_noop("The deposit hold on your card was released"),
        )
        return locked


def release_due_deposits(*, now: datetime | None = None) -> list[Deposit]:
    """Release every hold whose claim window has closed without a claim (the scheduled sweep).

    Each is claimed by a conditional UPDATE (held -> releasing), so two sweeps never both take one;
    a hold left releasing by a crash or a refused call is re-driven (the port's call is idempotent).
    """
    now = now or timezone.now()
    due = Deposit.objects.filter(
        status__in=(DepositStatus.HELD, DepositStatus.RELEASING), release_after__lte=now
    ).exclude(booking__status=BookingStatus.DISPUTED)
    released = []
    for deposit in due.order_by("release_after", "pk"):
        if deposit.status == DepositStatus.HELD:
            taken = Deposit.objects.filter(pk=deposit.pk, status=DepositStatus.HELD).update(
                status=DepositStatus.RELEASING
            )
            if not taken:
                continue
        try:
            released.append(_release(Deposit.objects.get(pk=deposit.pk), now=now))
        except DomainError as error:
            logger.warning("deposit %s: release refused (%s); the next sweep retries", deposit.pk, error.message)
            if error.retryable:
                continue
    return released


def file_claim(
    *, host: User, booking_id: int, amount: object, description: str, now: datetime | None = None
) -> Deposit:
    """The owner claims part or all of the deposit: a damage dispute opens, and the hold stays until support decides."""
    now = now or timezone.now()
    text = " ".join((description or "").split())
    if not text:
        raise DomainError(gettext_noop("Say what happened to the car."), field="description")
    if len(text) > CLAIM_TEXT_MAX:
        raise DomainError(
            gettext_noop("Keep the description under %(count)s characters."),
            params={"count": CLAIM_TEXT_MAX},
            field="description",
        )
    with transaction.atomic():
        booking = lock_booking(booking_id)
        if side_of(booking, host) != Side.HOST:
            raise PermissionDenied(gettext_noop("Only the car's owner can claim on the deposit."), code="not_the_owner")
        deposit = Deposit.objects.select_for_update().filter(booking=booking).first()
        if deposit is None or deposit.status in (DepositStatus.HOLDING, DepositStatus.FAILED):
            raise Conflict(gettext_noop("No deposit is held for this rental."), code="no_deposit")
        if deposit.status == DepositStatus.CLAIMED or deposit.claim_amount is not None:
            raise Conflict(gettext_noop("You already claimed on this deposit."), code="already_claimed")
        if deposit.status != DepositStatus.HELD or now > deposit.release_after:
            raise Conflict(
                gettext_noop("The claim window has closed: the deposit is being released."), code="window_closed"
            )
        if not booking.handover_reports.filter(stage=Stage.RETURN, side=Side.HOST).exists():
            raise Conflict(
                gettext_noop("File your return report first: the claim rests on it."), code="return_report_missing"
            )
        if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount <= deposit.amount:
            raise DomainError(gettext_noop("Claim an amount above zero and at most the deposit."), field="amount")
        dispute = join_open_dispute(
            user=host,
            booking_id=booking.pk,
            category=Category.DAMAGE,
            description=f"Claim on the deposit ({format_money(amount, deposit.currency)}): {text}",
            now=now,
        ).dispute
        deposit.status = DepositStatus.CLAIMED
        deposit.claim_amount = amount
        deposit.claim_description = text
        deposit.claim_dispute_id = dispute.pk
        deposit.claimed_at = now
        deposit.save(update_fields=["status", "claim_amount", "claim_description", "claim_dispute_id", "claimed_at"])
        _tell(
            booking,
            [booking.guest],
            "deposit.claimed",
            gettext_noop("The owner claimed on the deposit; support will decide"),
        )
        return deposit


def decide_claim(*, staff: User, deposit_id: int, amount: object, reason: str, now: datetime | None = None) -> Deposit:
    """Support decides a claim: `amount` (0 to the claim) is charged for the owner, the rest of the hold released.

    The decision is recorded and committed first; then the card is charged or released; then the outcome
    is recorded. Deciding again after a crash re-drives the same call (the port is idempotent per deposit).
    """
    now = now or timezone.now()
    dispute_services.require_desk_staff(staff)
    words = " ".join((reason or "").split())
    if not words:
        raise DomainError(gettext_noop("Give the reason both parties will read."), field="reason")
    with transaction.atomic():
        deposit = Deposit.objects.select_for_update().filter(pk=deposit_id).first()
        if deposit is None:
            raise NotFound(gettext_noop("No such deposit."))
        if deposit.status != DepositStatus.CLAIMED:
            raise Conflict(gettext_noop("This deposit has no claim waiting for a decision."), code="no_claim")
        if deposit.decided_at is None:
            claimed = deposit.claim_amount or 0
            if not isinstance(amount, int) or isinstance(amount, bool) or not 0 <= amount <= claimed:
                raise DomainError(
                    gettext_noop("Charge between 0 and the %(claimed)s claimed."),
                    params={"claimed": format_money(claimed, deposit.currency)},
                    field="amount",
                )
            deposit.captured_amount = amount
            deposit.decided_by = staff
            deposit.decision_reason = words
            deposit.decided_at = now
            deposit.save(update_fields=["captured_amount", "decided_by", "decision_reason", "decided_at"])
    booking = Booking.objects.select_related("listing__owner", "guest").get(pk=deposit.booking_id)
    assert deposit.payment_id is not None
    if deposit.captured_amount:
        money().capture_deposit(
            payment_id=deposit.payment_id, amount=deposit.captured_amount, host=booking.listing.owner
        )
    else:
        money().release_deposit(payment_id=deposit.payment_id)
    with transaction.atomic():
        locked = Deposit.objects.select_for_update().get(pk=deposit.pk)
        if locked.status == DepositStatus.CLAIMED:
            locked.status = DepositStatus.CAPTURED if locked.captured_amount else DepositStatus.RELEASED
            locked.released_at = now
            locked.save(update_fields=["status", "released_at"])
            _tell(
                booking,
                [booking.guest, booking.listing.owner],
                "deposit.released",
                gettext_noop("Support decided the claim on the deposit: %(reason)s"),
                reason=locked.decision_reason,
            )
        return locked
