"""Chargebacks become disputes: the guest's bank disputed a booking's charge (a Stripe dispute on the payment), and
the desk handles it like any other dispute, joined to the booking's open one if there is one. Called by the
webhook (settings.CHARGEBACK_HOOK) and by the `open_chargeback_disputes` sweep, which catches any miss."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from bookings.models import Booking
from bookings.services.disputes import mark_disputed
from disputes.models import Category, Dispute, DisputeStatus, Source
from disputes.services import DISPUTABLE_STATUSES, _create, _freeze, _lock_booking, _notify, _parties, _thread_for
from payments.models import Payment
from realtime.wording import words


def open_chargeback_dispute(*, payment_id: int, now: datetime | None = None) -> Dispute | None:
    """A chargeback on a booking's payment becomes a dispute (source chargeback). Idempotent.

    Returns the dispute that now carries the Stripe dispute id, or None if the payment is not a booking's.
    If the booking already has an open dispute, the chargeback joins it instead of opening a second.
    """
    now = now or timezone.now()
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None or not payment.stripe_dispute_id or not payment.reference.startswith("booking:"):
        return None
    try:
        booking_id = int(payment.reference.split(":", 1)[1])
    except ValueError:
        return None
    if not Booking.objects.filter(pk=booking_id).exists():
        return None
    with transaction.atomic():
        booking = _lock_booking(booking_id)
        existing = Dispute.objects.select_for_update().filter(stripe_dispute_id=payment.stripe_dispute_id).first()
        if existing is not None:
            return existing
        current = booking.disputes.select_for_update().exclude(status=DisputeStatus.RESOLVED).first()
        if current is not None:
            current.stripe_dispute_id = payment.stripe_dispute_id
            current.save(update_fields=["stripe_dispute_id"])
            return current
        dispute = _create(
            booking,
            opened_by=None,
            source=Source.CHARGEBACK,
            stripe_dispute_id=payment.stripe_dispute_id,
            category=Category.PAYMENT,
            description=f"The card holder disputed the charge with their bank. {payment.frozen_reason}".strip(),
            created_at=now,
        )
        if booking.status in DISPUTABLE_STATUSES:
            mark_disputed(booking_id=booking.pk, by=None, reason=f"Chargeback: dispute #{dispute.pk}", now=now)
        _freeze(booking, dispute)
        _thread_for(dispute)
        said = words(gettext_noop("The guest's bank reported a chargeback: a dispute is open."))
        _notify(_parties(booking), "dispute.opened", dispute, said)
    return dispute


def open_chargeback_disputes(*, now: datetime | None = None) -> list[Dispute]:
    """The sweep: every frozen payment with a Stripe dispute id and no Dispute yet gets one."""
    known = Dispute.objects.exclude(stripe_dispute_id="").values("stripe_dispute_id")
    pending = (
        Payment.objects.filter(frozen=True, reference__startswith="booking:")
        .exclude(stripe_dispute_id="")
        .exclude(stripe_dispute_id__in=known)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    opened = []
    for payment_id in list(pending):
        dispute = open_chargeback_dispute(payment_id=payment_id, now=now)
        if dispute is not None:
            opened.append(dispute)
    return opened
