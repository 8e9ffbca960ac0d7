"""A return charge contested in a dispute: support gives back part or all of it, through the money outbox.

The renter contests the kilometres or the fuel charged at the return by opening a dispute on the
booking (its page and the desk show both sides' reports and the settlement). While that dispute is
open, support may refund up to what is left of either charge (`refund_return_charge`). The refund is
recorded in the outbox inside the decision's transaction and sent after the commit with its own key
(`payments.outbox`): if the owner was already paid, what they no longer keep is taken back first.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import User
from bookings.money import money
from core.errors import Conflict, DomainError, NotFound
from core.money import format_money
from disputes.models import Dispute, DisputeStatus
from disputes.services import require_desk_staff
from handover.common import handover_url, lock_booking
from handover.models import ChargeStatus, Settlement
from handover.services import FUEL, KILOMETRES, Charge
from realtime.services import notify

REASON_MAX = 2000
# Which charge a refund is for, as the form and the page name them; each with the field of what was refunded.
CHARGES: dict[str, tuple[Charge, str]] = {"kilometres": (KILOMETRES, "extra_refunded"), "fuel": (FUEL, "fuel_refunded")}


def refund_return_charge(
    *, staff: User, booking_id: int, charge: str, amount: object, reason: str, now: datetime | None = None
) -> Settlement:
    """Give back `amount` (minor units) of the return's `charge` ("kilometres" or "fuel") the renter contested."""
    now = now or timezone.now()
    require_desk_staff(staff)
    if charge not in CHARGES:
        raise DomainError(gettext_noop("Say which charge to give back: the kilometres or the fuel."), field="charge")
    which, refunded_field = CHARGES[charge]
    words = (reason or "").strip()
    if not words:
        raise DomainError(gettext_noop("Give the reason both parties will read."), field="reason")
    if len(words) > REASON_MAX:
        raise DomainError(
            gettext_noop("Keep the reason under %(count)s characters."), params={"count": REASON_MAX}, field="reason"
        )
    with transaction.atomic():
        booking = lock_booking(booking_id)
        settlement = Settlement.objects.select_for_update().filter(booking=booking).first()
        if settlement is None:
            raise NotFound(gettext_noop("This rental has no return charges."))
        open_statuses = (DisputeStatus.OPEN, DisputeStatus.AWAITING_EVIDENCE)
        if not Dispute.objects.filter(booking=booking, status__in=open_statuses).exists():
            raise Conflict(
                gettext_noop("A charge is given back through an open dispute on the booking."), code="no_dispute"
            )
        if getattr(settlement, which.status) != ChargeStatus.CHARGED:
            raise Conflict(gettext_noop("This charge has not been taken from the card: there is nothing to give back."))
        charged, refunded = getattr(settlement, which.amount), getattr(settlement, refunded_field)
        left = charged - refunded
        if left == 0:
            raise Conflict(gettext_noop("This charge was already given back in full."), code="refunded")
        if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount <= left:
            raise DomainError(
                gettext_noop("Give back more than 0 and at most the %(left)s left."),
                params={"left": format_money(left, settlement.currency)},
                field="amount",
            )
        # The owner keeps what is left of the charge after this refund (no Sharing fee on it).
        money().refund(reference=which.reference(booking.pk), amount=amount, host_keeps=left - amount)
        setattr(settlement, refunded_field, refunded + amount)
        settlement.refund_reason, settlement.refunded_by, settlement.refunded_at = words, staff, now
        settlement.save(update_fields=[refunded_field, "refund_reason", "refunded_by", "refunded_at"])
        message = f"Support gave back {format_money(amount, settlement.currency)} of the {charge} charge: {words}"
        notify(
            [booking.guest, booking.listing.owner],
            "handover.charge_refunded",
            {"booking_id": booking.pk, "message": message, "title": message, "url": handover_url(booking.pk)},
        )
        return settlement
