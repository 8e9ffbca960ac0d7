"""Disputes: opening one, evidence, staff asking for more, and the resolution that moves the money.

Every function is one transaction. Locking order is the bookings app's (the listing,
then the booking) followed by the dispute, then the payment rows that the payments
functions lock themselves; so a dispute's operations queue behind a booking's
transitions instead of deadlocking with them.

The money never moves here directly: a resolution records its settlement (take back from
the host, return Sharing's fee, refund, release: `payments.clawback.settle`) in the decision's
transaction, and the money outbox calls Stripe once it commits, never while rows are locked.
A Stripe refusal then waits in the admin's "Money operations" queue instead of undoing the decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_noop

from accounts.models import User
from bookings.models import Booking, BookingStatus
from bookings.services.disputes import clear_dispute, mark_disputed
from core.errors import Conflict, DomainError, NotFound, PermissionDenied
from core.images import normalise_image
from core.money import format_money
from disputes.models import (
    OPEN_WINDOW,
    AdminDecision,
    Category,
    Dispute,
    DisputeEvidence,
    DisputeStatus,
    Source,
)
from disputes.selectors import DISPUTE_NOT_FOUND, booking_payment, settlement_limits, valid_id
from disputes.settlement_taxes import taxes_back_by_settlement, taxes_kept_by_settlement
from listings.models import Listing
from payments import clawback
from payments.models import Payment
from payments.services import guest_payments
from realtime import notify
from realtime.services import ensure_thread, grant_thread_access
from realtime.wording import english, words

DISPUTABLE_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS, BookingStatus.COMPLETED)
DESCRIPTION_MAX = 4000
EVIDENCE_MAX_SIDE = 1600
MAX_EVIDENCE_PER_DISPUTE = 30


# --- Helpers ------------------------------------------------------------------------------


def _lock_booking(booking_id: int) -> Booking:
    """The bookings app's order: listing first, then the booking."""
    if not valid_id(booking_id):
        raise NotFound(gettext_noop("No such booking."))
    listing_id = Booking.objects.filter(pk=booking_id).values_list("listing_id", flat=True).first()
    if listing_id is None:
        raise NotFound(gettext_noop("No such booking."))
    listing = Listing.objects.select_for_update().get(pk=listing_id)
    booking = Booking.objects.select_for_update().select_related("guest").get(pk=booking_id)
    booking.listing = listing
    return booking


def _lock_dispute(dispute_id: int) -> Dispute:
    if not valid_id(dispute_id):
        raise NotFound(DISPUTE_NOT_FOUND)
    booking_id = Dispute.objects.filter(pk=dispute_id).values_list("booking_id", flat=True).first()
    if booking_id is None:
        raise NotFound(DISPUTE_NOT_FOUND)
    booking = _lock_booking(booking_id)
    dispute = Dispute.objects.select_for_update().get(pk=dispute_id)
    dispute.booking = booking
    return dispute


def _parties(booking: Booking) -> list[User]:
    return [booking.guest, booking.listing.owner]


def _is_party(booking: Booking, user: User) -> bool:
    return user.is_authenticated and user.pk in (booking.guest_id, booking.listing.owner_id)


def require_desk_staff(user: User) -> None:
    """Staff who may work disputes: the "support" group or superusers (change permission on disputes)."""
    if not (user.is_authenticated and user.is_active and user.is_staff and user.has_perm("disputes.change_dispute")):
        raise PermissionDenied(gettext_noop("Only Sharing's support staff can do this."))


def _clean_text(value: str, *, field: str, what: str, max_length: int = DESCRIPTION_MAX) -> str:
    text = (value or "").replace("\r\n", "\n").strip()
    if not text:
        raise DomainError(gettext_noop("%(what)s cannot be empty."), params={"what": gettext(what)}, field=field)
    if len(text) > max_length:
        raise DomainError(
            gettext_noop("%(what)s can be at most %(count)s characters; this one has %(length)s."),
            params={"what": gettext(what), "count": max_length, "length": len(text)},
            field=field,
        )
    return text


def _amount(value: object, *, field: str, label: str) -> int:
    """`label` is marked with gettext_noop where it is written, and said in the asker's language here."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise DomainError(
            gettext_noop("%(what)s must be a whole number of cents."), params={"what": gettext(label)}, field=field
        )
    if value < 0:
        raise DomainError(gettext_noop("%(what)s cannot be negative."), params={"what": gettext(label)}, field=field)
    return value


def record_decision(
    *,
    staff: User,
    target: models.Model,
    action: str,
    reason: str,
    details: dict | None = None,
    now: datetime | None = None,
) -> AdminDecision:
    """Append one line to the audit log of staff decisions (who, when, what, why, on what)."""
    return AdminDecision.objects.create(
        staff=staff,
        at=now or timezone.now(),
        action=action,
        reason=reason,
        details=details or {},
        content_type=ContentType.objects.get_for_model(target),
        object_id=target.pk,
    )


def _notify(recipients: list[User], kind: str, dispute: Dispute, said: dict | list[dict]) -> None:
    """`said` is the message's words (realtime.wording): each party reads it in their own language."""
    message = english(said)
    notify(
        recipients,
        kind,
        {
            "dispute_id": dispute.pk,
            "booking_id": dispute.booking_id,
            "status": dispute.status,
            "message": message,
            "message_words": said,
            "listing_title": dispute.booking.listing.title,
            "title": f"{dispute.booking.listing.title}: {message}",
            "url": dispute.get_absolute_url(),
        },
    )


def _thread_for(dispute: Dispute):
    return ensure_thread(
        key=dispute.thread_key,
        title=f"Dispute about {dispute.booking.listing.title}"[:200],
        link_url=dispute.get_absolute_url(),
        participants=_parties(dispute.booking),
    )


def _freeze(booking: Booking, dispute: Dispute) -> None:
    """Hold the payout while the dispute is open (idempotent: a frozen payment stays as it is).

    bookings.mark_disputed may freeze it too once payments are wired into bookings; freezing
    twice changes nothing but the reason.
    """
    payment = booking_payment(booking)
    if payment is not None and not payment.frozen:
        guest_payments.freeze_payment(payment=payment, reason=f"Dispute #{dispute.pk} is open")


def _create(booking: Booking, **fields) -> Dispute:
    try:
        with transaction.atomic():
            return Dispute.objects.create(booking=booking, currency=booking.currency, **fields)
    except IntegrityError as error:
        raise Conflict(gettext_noop("A dispute is already open for this booking."), code="already_disputed") from error


# --- Opening ----------------------------------------------------------------------------------


def open_dispute(
    *, user: User, booking_id: int, category: str, description: str, now: datetime | None = None
) -> Dispute:
    """The guest or the host opens a dispute: the booking becomes disputed, its payout frozen, a thread opens."""
    now = now or timezone.now()
    if category not in Category.values:
        raise DomainError(gettext_noop("Choose what the dispute is about."), field="category")
    text = _clean_text(description, field="description", what=gettext_noop("The description"))
    with transaction.atomic():
        booking = _lock_booking(booking_id)
        if not _is_party(booking, user):
            # Strangers (staff included) learn nothing about the booking.
            raise NotFound(gettext_noop("No such booking."))
        if booking.status == BookingStatus.DISPUTED or booking.disputes.exclude(status=DisputeStatus.RESOLVED).exists():
            raise Conflict(gettext_noop("A dispute is already open for this booking."), code="already_disputed")
        if booking.status not in DISPUTABLE_STATUSES:
            label = BookingStatus(booking.status).label.lower()
            raise Conflict(
                gettext_noop("This booking is %(status)s: there is nothing to dispute."),
                params={"status": label},
                code="wrong_state",
            )
        deadline = booking.end + OPEN_WINDOW
        if now > deadline:
            raise Conflict(
                gettext_noop(
                    "Disputes can be opened until 48 hours after the booking ends; the time ran out on %(deadline)s."
                ),
                params={"deadline": date_format(timezone.localtime(deadline), "DATETIME_FORMAT")},
                code="window_closed",
            )
        dispute = _create(
            booking, opened_by=user, source=Source.PARTY, category=category, description=text, created_at=now
        )
        mark_disputed(
            booking_id=booking.pk, by=user, reason=f"Dispute #{dispute.pk}: {Category(category).label}", now=now
        )
        _freeze(booking, dispute)
        _thread_for(dispute)
        if user.pk == booking.guest_id:
            opened = words(gettext_noop("A dispute was opened by the guest. The payout is on hold."))
        else:
            opened = words(gettext_noop("A dispute was opened by the host. The payout is on hold."))
        _notify(_parties(booking), "dispute.opened", dispute, opened)
    return dispute


# --- Evidence ---------------------------------------------------------------------------------


def add_evidence(
    *, user: User, dispute_id: int, image: UploadedFile, caption: str = "", now: datetime | None = None
) -> DisputeEvidence:
    """A party (or staff) adds a photo; it is checked and re-encoded before anything is stored."""
    now = now or timezone.now()
    caption = (caption or "").strip()
    if len(caption) > 200:
        raise DomainError(gettext_noop("Captions can be at most 200 characters."), field="caption")
    try:
        photo = normalise_image(image, max_side=EVIDENCE_MAX_SIDE)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), field="image") from error
    with transaction.atomic():
        dispute = _lock_dispute(dispute_id)
        party = _is_party(dispute.booking, user)
        if not party and not user.is_staff:
            raise NotFound(DISPUTE_NOT_FOUND)
        if dispute.is_resolved:
            raise Conflict(gettext_noop("This dispute is resolved: no more evidence can be added."), code="resolved")
        if dispute.evidence.count() >= MAX_EVIDENCE_PER_DISPUTE:
            raise Conflict(
                gettext_noop("A dispute can hold at most %(count)s photos."),
                params={"count": MAX_EVIDENCE_PER_DISPUTE},
                code="too_many",
            )
        evidence = DisputeEvidence(dispute=dispute, uploader=user, caption=caption, created_at=now)
        evidence.image.save("evidence.jpg", photo, save=False)
        evidence.save()
        fields = []
        if party and dispute.status == DisputeStatus.AWAITING_EVIDENCE:
            # The parties answered: it is the desk's turn again.
            dispute.status = DisputeStatus.OPEN
            fields.append("status")
        if not party:
            dispute.last_staff_action_at = now
            fields.append("last_staff_action_at")
        if fields:
            dispute.save(update_fields=fields)
        others = [person for person in _parties(dispute.booking) if person.pk != user.pk]
        _notify(others, "dispute.evidence", dispute, words(gettext_noop("New evidence was added to the dispute.")))
    return evidence


def request_more_evidence(
    *, staff: User, dispute_id: int, message: str, deadline: datetime, now: datetime | None = None
) -> Dispute:
    """Staff ask both parties for more evidence by `deadline`; the request is also written in the thread."""
    now = now or timezone.now()
    require_desk_staff(staff)
    text = _clean_text(message, field="message", what=gettext_noop("The request"), max_length=2000)
    if deadline is None or deadline <= now:
        raise DomainError(gettext_noop("The deadline must be in the future."), field="deadline")
    with transaction.atomic():
        dispute = _lock_dispute(dispute_id)
        if dispute.is_resolved:
            raise Conflict(gettext_noop("This dispute is already resolved."), code="resolved")
        dispute.status = DisputeStatus.AWAITING_EVIDENCE
        dispute.evidence_deadline = deadline
        dispute.evidence_request = text
        dispute.last_staff_action_at = now
        dispute.save(update_fields=["status", "evidence_deadline", "evidence_request", "last_staff_action_at"])
        record_decision(
            staff=staff,
            target=dispute,
            action=AdminDecision.Action.REQUEST_EVIDENCE,
            reason=text,
            details={"deadline": deadline.isoformat()},
            now=now,
        )
        grant_thread_access(thread=_thread_for(dispute), user=staff)
        when = timezone.localtime(deadline).strftime("%d %b %Y %H:%M")
        _notify(
            _parties(dispute.booking),
            "dispute.evidence_requested",
            dispute,
            words(
                gettext_noop("Sharing asks for more evidence by %(when)s: %(request)s"), when=when, request=text[:120]
            ),
        )
    return dispute


def mark_reviewed(*, staff: User, dispute_id: int, reason: str, now: datetime | None = None) -> Dispute:
    """Staff looked at the dispute (clears the 72-hour flag); never moves money."""
    now = now or timezone.now()
    require_desk_staff(staff)
    text = _clean_text(reason, field="reason", what=gettext_noop("The note"))
    with transaction.atomic():
        dispute = _lock_dispute(dispute_id)
        if dispute.is_resolved:
            return dispute
        dispute.last_staff_action_at = now
        dispute.save(update_fields=["last_staff_action_at"])
        record_decision(staff=staff, target=dispute, action=AdminDecision.Action.REVIEW_DISPUTE, reason=text, now=now)
    return dispute


# --- Resolution -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settlement:
    """What a resolution does with the money held for a booking (all minor units of `currency`)."""

    currency: str
    available: int  # escrow + what can still be taken back from the host
    guest_refund: int
    host_payout: int  # what the host has in total once it is done
    take_back: int  # taken back from a payout already sent or owed
    fee_back: int  # Sharing's fee (taken at an earlier release) moved back into escrow to fund the refund
    platform_keeps: int  # what Sharing keeps in the end (its fees)

    @property
    def takes_back_from_host(self) -> bool:
        return self.take_back > 0


def plan_settlement(*, dispute: Dispute, guest_refund: object, host_payout: object) -> Settlement:
    """Check the amounts against what is held and say where every cent will go (shown before confirming)."""
    refund = _amount(guest_refund, field="guest_refund", label=gettext_noop("The guest's refund"))
    payout = _amount(host_payout, field="host_payout", label=gettext_noop("The host's payout"))
    limits = settlement_limits(dispute.booking)
    if refund + payout > limits.available:
        raise DomainError(
            gettext_noop(
                "The refund and the payout together can be at most %(held)s: that is all Sharing holds for this "
                "booking (what the guest paid and was not refunded yet)."
            ),
            params={"held": format_money(limits.available, limits.currency)},
            field="guest_refund",
        )
    take_back = max(0, limits.paid_to_host - payout)
    # After the reversal, escrow must cover the refund and any payout the host is still owed.
    needed = refund + max(0, payout - limits.paid_to_host)
    fee_back = max(0, needed - (limits.escrow + take_back))
    return Settlement(
        currency=limits.currency,
        available=limits.available,
        guest_refund=refund,
        host_payout=payout,
        take_back=take_back,
        fee_back=fee_back,
        platform_keeps=limits.available - refund - payout,
    )


def resolve_dispute(
    *, staff: User, dispute_id: int, guest_refund: object, host_payout: object, reason: str, now: datetime | None = None
) -> Dispute:
    """Settle a dispute: refund the guest, pay the host, the rest to Sharing's fees (recorded with the decision).

    `host_payout` is what the host keeps in total. If the payout was already released and the
    host should keep less, the difference is taken back (a Stripe transfer reversal when it was
    sent), and as much of Sharing's fee as the refund still needs goes back into escrow
    (a ledger movement: the fee never left Sharing's balance), before the guest is refunded.
    Afterwards nothing stays in escrow for the booking; the booking leaves `disputed` through
    bookings.clear_dispute, back to where its dates put it.
    """
    now = now or timezone.now()
    require_desk_staff(staff)
    text = _clean_text(reason, field="reason", what=gettext_noop("The reason"))
    with transaction.atomic():
        dispute = _lock_dispute(dispute_id)
        if dispute.is_resolved:
            raise Conflict(gettext_noop("This dispute is already resolved."), code="resolved")
        booking = dispute.booking
        plan = plan_settlement(dispute=dispute, guest_refund=guest_refund, host_payout=host_payout)
        payment = booking_payment(booking)
        by_tender: dict[str, int] = {}
        taxes_back: dict[str, int] = {}
        if payment is not None and payment.status == Payment.Status.CAPTURED:
            # Recorded with the decision; Stripe (reversals, the refund by tender) is called once it commits,
            # then the release, each re-driven by the scheduler until done (payments.clawback.settle).
            # The refund's share of taxes collected at an earlier release comes back out of the tax accounts.
            taxes_back = taxes_back_by_settlement(booking, payment, refund=plan.guest_refund, fee_back=plan.fee_back)
            by_tender = clawback.settle(
                payment=payment,
                host=booking.listing.owner,
                take_back=plan.take_back,
                fee_back=plan.fee_back - sum(taxes_back.values()),
                taxes_back=taxes_back,
                refund=plan.guest_refund,
                host_total=plan.host_payout,
                taxes=taxes_kept_by_settlement(
                    booking, refund=plan.guest_refund, released=payment.platform_fee_amount > 0
                ),
            ).__dict__  # how the refund went back: card, promotion, credit, host-funded budget
        dispute.status = DisputeStatus.RESOLVED
        dispute.guest_refund = plan.guest_refund
        dispute.host_payout = plan.host_payout
        dispute.payout_reversed = plan.take_back
        dispute.reason = text
        dispute.resolved_by = staff
        dispute.resolved_at = now
        dispute.last_staff_action_at = now
        dispute.save()
        record_decision(
            staff=staff,
            target=dispute,
            action=AdminDecision.Action.RESOLVE_DISPUTE,
            reason=text,
            details={
                "currency": plan.currency,
                "guest_refund": plan.guest_refund,
                "host_payout": plan.host_payout,
                "taken_back_from_host": plan.take_back,
                "fee_returned_to_escrow": plan.fee_back,  # taxes_returned_to_escrow included
                "taxes_returned_to_escrow": taxes_back,
                "platform_keeps": plan.platform_keeps,
                "refund_by_tender": by_tender,
            },
            now=now,
        )
        # The staff member who decided can answer the parties' questions in the thread.
        grant_thread_access(thread=_thread_for(dispute), user=staff)
        if booking.status == BookingStatus.DISPUTED:
            clear_dispute(booking_id=booking.pk, by=staff, reason=f"Dispute #{dispute.pk} resolved", now=now)
        said = _resolution_words(plan, text)
        _notify(_parties(booking), "dispute.resolved", dispute, said)
    return dispute


def _resolution_words(plan, reason: str) -> list[dict]:
    """The decision in sentences each party reads in their own language (amounts as written for the desk)."""
    currency = plan.currency
    said = [
        words(gettext_noop("The dispute is resolved.")),
        words(
            gettext_noop("Refund to the guest: %(refund)s; the host keeps %(payout)s."),
            refund=format_money(plan.guest_refund, currency),
            payout=format_money(plan.host_payout, currency),
        ),
    ]
    if plan.take_back:
        said.append(
            words(
                gettext_noop("%(amount)s is taken back from the payout already sent."),
                amount=format_money(plan.take_back, currency),
            )
        )
    if plan.platform_keeps:
        said.append(
            words(gettext_noop("Sharing keeps %(amount)s."), amount=format_money(plan.platform_keeps, currency))
        )
    said.append(words(gettext_noop("Reason: %(reason)s"), reason=reason[:300]))
    return said
