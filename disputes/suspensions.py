"""Suspending a person from the admin desk, and lifting the suspension.

A suspended person can still log in and read, but cannot list, book, accept or
write messages (each app's services refuse with a message). Their active
listings are paused, and every future booking they take part in, as guest or as
host, ends under host-cancellation rules: the guest gets everything back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, ngettext

from accounts.models import User
from bookings import step_reasons
from bookings.models import Booking, BookingStatus
from bookings.services.cancellations import cancel_for_suspension
from core.errors import DomainError, NotFound
from disputes.models import AdminDecision
from disputes.services import _clean_text, record_decision, require_desk_staff
from listings.services import pause_listings_of_suspended_owner
from realtime import notify
from realtime.wording import words


@dataclass
class SuspensionOutcome:
    person: User
    listings_paused: int = 0
    bookings_ended: list[int] = field(default_factory=list)
    # Bookings whose money could not be moved now (e.g. Stripe unreachable); staff retry them.
    bookings_failed: dict[int, str] = field(default_factory=dict)


def suspended_summary(outcome: SuspensionOutcome) -> str:
    """What the desk reads once a person is suspended, in the staff member's language."""
    paused = ngettext("%(count)s listing paused", "%(count)s listings paused", outcome.listings_paused) % {
        "count": outcome.listings_paused
    }
    ended = len(outcome.bookings_ended)
    refunded = ngettext(
        "%(count)s future booking ended with a full refund", "%(count)s future bookings ended with full refunds", ended
    ) % {"count": ended}
    return gettext("%(name)s is suspended: %(listings)s, %(bookings)s.") % {
        "name": outcome.person.public_name,
        "listings": paused,
        "bookings": refunded,
    }


def _future_bookings(person: User, now: datetime) -> list[int]:
    return list(
        Booking.objects.filter(Q(guest=person) | Q(listing__owner=person))
        .filter(
            Q(status=BookingStatus.REQUESTED) | Q(status=BookingStatus.CONFIRMED, start__gt=now),
        )
        .order_by("start")
        .values_list("pk", flat=True)
    )


def suspend_user(*, staff: User, person_id: int, reason: str, now: datetime | None = None) -> SuspensionOutcome:
    """Suspend a person, pause their listings, and end their future bookings (each in its own transaction).

    The suspension itself commits first, so that nothing new can be booked while
    the bookings are being ended; each booking's money then moves in that
    booking's own transaction, and one failing does not undo the others.
    """
    require_desk_staff(staff)
    reason = _clean_text(reason, field="reason", what="The reason", max_length=2000)
    now = now or timezone.now()
    with transaction.atomic():
        person = User.objects.select_for_update().filter(pk=person_id).first()
        if person is None:
            raise NotFound(gettext_noop("No such person."))
        if person.pk == staff.pk:
            raise DomainError(gettext_noop("You cannot suspend yourself."))
        if person.is_suspended:
            return SuspensionOutcome(person=person)
        person.is_suspended = True
        person.suspended_at = now
        person.suspension_reason = reason
        person.save(update_fields=["is_suspended", "suspended_at", "suspension_reason"])
        paused = pause_listings_of_suspended_owner(owner=person)
        record_decision(
            staff=staff,
            target=person,
            action=AdminDecision.Action.SUSPEND_USER,
            reason=reason,
            details={"listings_paused": paused},
            now=now,
        )
        notify(
            [person],
            "account.suspended",
            {
                "title": "Your account is suspended",
                "title_words": words(gettext_noop("Your account is suspended")),
                "message": reason,
                "url": person.get_absolute_url(),
            },
        )
    outcome = SuspensionOutcome(person=person, listings_paused=paused)
    for booking_id in _future_bookings(person, now):
        try:
            cancel_for_suspension(
                booking_id=booking_id, suspended=person, reason=step_reasons.suspended(reason), now=now
            )
            outcome.bookings_ended.append(booking_id)
        except DomainError as error:
            outcome.bookings_failed[booking_id] = error.message
    return outcome


def lift_suspension(*, staff: User, person_id: int, reason: str, now: datetime | None = None) -> User:
    """Let a person act again; their listings stay paused until they resume them."""
    require_desk_staff(staff)
    reason = _clean_text(reason, field="reason", what="The reason", max_length=2000)
    now = now or timezone.now()
    with transaction.atomic():
        person = User.objects.select_for_update().filter(pk=person_id).first()
        if person is None:
            raise NotFound(gettext_noop("No such person."))
        if not person.is_suspended:
            return person
        person.is_suspended = False
        person.suspended_at = None
        person.suspension_reason = ""
        person.save(update_fields=["is_suspended", "suspended_at", "suspension_reason"])
        record_decision(staff=staff, target=person, action=AdminDecision.Action.LIFT_SUSPENSION, reason=reason, now=now)
    return person
