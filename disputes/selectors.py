"""Reads for disputes: what a party may see, the desk's flags, the parties' history, what money is held."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import User
from bookings.models import Booking
from bookings.tenders import RefundTenders, refund_tenders_of_rest
from core.errors import NotFound
from disputes.models import STALE_AFTER, AdminDecision, Dispute, DisputeStatus
from disputes.settlement_taxes import taxes_back_by_settlement
from payments.ledger import escrow_balance
from payments.models import Payment, Payout
from payments.selectors import payments_for_reference, tenders_left
from reviews.models import Review

DISPUTE_NOT_FOUND = gettext_noop("No such dispute.")
# Ids beyond a 64-bit integer cannot exist; SQLite would overflow on them instead of finding nothing.
MAX_ID = 2**63 - 1


def valid_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def booking_reference(booking: Booking) -> str:
    return f"booking:{booking.pk}"


def booking_payment(booking: Booking) -> Payment | None:
    """The booking's charged payment (reference "booking:<id>"); None if nothing was charged."""
    payments = payments_for_reference(booking_reference(booking))
    return payments.filter(status=Payment.Status.CAPTURED).order_by("-pk").first()


@dataclass(frozen=True)
class Limits:
    currency: str
    escrow: int
    paid_to_host: int  # released to the host (owed or transferred), net of reversals
    platform_fee: int  # Sharing's fee taken at a release; a ledger movement can give it back

    @property
    def available(self) -> int:
        """Everything the guest paid that was not refunded: a resolution splits all of it again."""
        return self.escrow + self.paid_to_host + self.platform_fee


def settlement_limits(booking: Booking) -> Limits:
    """What a resolution can hand out: the escrow (read from the ledger), what the host got, Sharing's fee."""
    payment = booking_payment(booking)
    if payment is None:
        return Limits(currency=booking.currency, escrow=0, paid_to_host=0, platform_fee=0)
    escrow = escrow_balance(reference=payment.reference, currency=payment.currency)
    paid = sum(
        payout.amount - payout.reversed_amount
        for payout in payment.payouts.exclude(status=Payout.Status.CANCELED).only("amount", "reversed_amount")
    )
    return Limits(currency=payment.currency, escrow=escrow, paid_to_host=paid, platform_fee=payment.platform_fee_amount)


def refund_split(booking: Booking, *, refund: int) -> RefundTenders | None:
    """How a settlement's refund of `refund` would go back, by tender (card, Sharing's promotion, the guest's
    credit, a host-funded code's budget), for the desk to show before staff confirm: the same rule and the same
    "what is left" the settlement uses (`payments.clawback.refund_by_tender`). None when nothing was charged
    or the refund is more than is left to give back (the settlement refuses it with its reason)."""
    payment = booking_payment(booking)
    if payment is None or refund <= 0:
        return None
    try:
        return refund_tenders_of_rest(tenders_left(payment), refund)
    except ValueError:
        return None


@dataclass(frozen=True)
class FeeSources:
    """Where a settlement takes what it moves back from Sharing's side to fund the refund (`fee_back`)."""

    taxes_back: int  # the refund's share of the taxes collected at the release, out of the tax accounts
    fee_back: int  # the rest, out of Sharing's own fee kept at the release


def fee_sources(booking: Booking, *, refund: int, fee_back: int) -> FeeSources:
    """How `fee_back` splits between the tax accounts and Sharing's fee, for the desk's preview: the same rule
    the settlement applies (`settlement_taxes.taxes_back_by_settlement`), so staff see every part of the money."""
    payment = booking_payment(booking)
    if payment is None or fee_back <= 0:
        return FeeSources(taxes_back=0, fee_back=max(0, fee_back))
    taxes = sum(taxes_back_by_settlement(booking, payment, refund=refund, fee_back=fee_back).values())
    return FeeSources(taxes_back=taxes, fee_back=fee_back - taxes)


def visible_dispute(*, user: User, dispute_id: int) -> Dispute:
    """The dispute for its two parties and staff; anyone else gets NotFound (no leak)."""
    if not valid_id(dispute_id):
        raise NotFound(DISPUTE_NOT_FOUND)
    dispute = (
        Dispute.objects.select_related("booking", "booking__listing", "booking__listing__owner", "booking__guest")
        .filter(pk=dispute_id)
        .first()
    )
    if dispute is None or not user.is_authenticated:
        raise NotFound(DISPUTE_NOT_FOUND)
    booking = dispute.booking
    if user.is_staff or user.pk in (booking.guest_id, booking.listing.owner_id):
        return dispute
    raise NotFound(DISPUTE_NOT_FOUND)


def open_dispute_for(booking: Booking) -> Dispute | None:
    return booking.disputes.exclude(status=DisputeStatus.RESOLVED).first()


def stale_disputes(*, now: datetime | None = None) -> QuerySet[Dispute]:
    """Unresolved disputes no staff member has acted on for 72 hours, oldest first."""
    now = now or timezone.now()
    return (
        Dispute.objects.exclude(status=DisputeStatus.RESOLVED)
        # Not named untouched_since: an annotation would hide the model's method of that name on every row.
        .annotate(untouched_at=Coalesce("last_staff_action_at", "created_at"))
        .filter(untouched_at__lte=now - STALE_AFTER)
        .order_by("untouched_at")
    )


@dataclass(frozen=True)
class History:
    """One party's past on the site, for the desk."""

    person: User
    bookings_as_guest: list[Booking]
    bookings_as_host: list[Booking]
    reviews_received: list[Review]
    reviews_written: list[Review]
    disputes: list[Dispute]


def party_history(*, person: User, exclude_dispute: Dispute | None = None, limit: int = 20) -> History:
    disputes = Dispute.objects.filter(Q(booking__guest=person) | Q(booking__listing__owner=person)).select_related(
        "booking"
    )
    if exclude_dispute is not None:
        disputes = disputes.exclude(pk=exclude_dispute.pk)
    return History(
        person=person,
        bookings_as_guest=list(
            Booking.objects.filter(guest=person).select_related("listing").order_by("-start")[:limit]
        ),
        bookings_as_host=list(
            Booking.objects.filter(listing__owner=person).select_related("listing", "guest").order_by("-start")[:limit]
        ),
        reviews_received=list(Review.objects.filter(subject=person).select_related("author").order_by("-pk")[:limit]),
        reviews_written=list(Review.objects.filter(author=person).select_related("subject").order_by("-pk")[:limit]),
        disputes=list(disputes.order_by("-created_at")[:limit]),
    )


@dataclass(frozen=True)
class Outcome:
    """Where every part of the money held for a resolved dispute went (minor units of `currency`).

    `host_keeps` includes what the host was already sent; `taken_back` is the part of that
    payout reversed; `fee_returned` the part of Sharing's fee that went back to fund the refund;
    the held amount is `guest_refund + host_keeps + platform_keeps`.
    """

    currency: str
    guest_refund: int
    host_keeps: int
    taken_back: int
    fee_returned: int
    platform_keeps: int

    @property
    def held(self) -> int:
        return self.guest_refund + self.host_keeps + self.platform_keeps


def outcome(dispute: Dispute) -> Outcome | None:
    """The settlement of a resolved dispute as recorded with the staff decision; None while it is open."""
    if not dispute.is_resolved:
        return None
    decision = (
        AdminDecision.objects.filter(
            content_type=ContentType.objects.get_for_model(Dispute),
            object_id=dispute.pk,
            action=AdminDecision.Action.RESOLVE_DISPUTE,
        )
        .order_by("-at")
        .first()
    )
    details = decision.details if decision is not None else {}
    return Outcome(
        currency=details.get("currency", dispute.currency),
        # A resolved dispute always has both amounts (the resolution sets them in one update).
        guest_refund=dispute.guest_refund or 0,
        host_keeps=dispute.host_payout or 0,
        taken_back=dispute.payout_reversed,
        fee_returned=details.get("fee_returned_to_escrow", 0),
        platform_keeps=details.get("platform_keeps", 0),
    )


@dataclass(frozen=True)
class BankRuling:
    """A chargeback's state at the card holder's bank, as Stripe's webhooks recorded it on the payment."""

    status: str  # open, won, lost
    label: str
    currency: str
    amount: int  # what the bank withdrew
    fee: int  # Stripe's dispute fee, Sharing's cost
    recovered: int  # of a lost one: taken from the booking's money (payments.chargebacks' rule)


def bank_ruling(dispute: Dispute) -> BankRuling | None:
    """The bank's side of a chargeback dispute; None when the bank has not withdrawn anything (or no chargeback)."""
    if not dispute.stripe_dispute_id:
        return None
    payment = Payment.objects.filter(stripe_dispute_id=dispute.stripe_dispute_id).order_by("-pk").first()
    if payment is None or not payment.chargeback_status:
        return None
    return BankRuling(
        status=payment.chargeback_status,
        label=payment.get_chargeback_status_display(),
        currency=payment.currency,
        amount=payment.chargeback_amount,
        fee=payment.chargeback_fee,
        recovered=payment.chargeback_recovered,
    )
