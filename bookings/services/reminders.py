"""Reminders before a booking's deadlines, scheduled from its clock and sent only while still needed.

  remind_host_to_answer  12 h and 2 h before an unanswered request expires (host)
  remind_starts_tomorrow 24 h before a confirmed booking starts (guest and host), with the
                         practical details: the address (or the car's pickup spot) and the time
  remind_change_answer   12 h and 2 h before an open change's answer window closes (the side that
                         answers), by the advance_bookings sweep (`changes_reminded`); once each, recorded
                         on the change (`reminded_hours`); a reminder whose moment passed unsent while a
                         later one is due is not sent late, and none is due before the change was asked

Each is a delayed task (`bookings.tasks`), enqueued on commit when the request is made or the
booking confirmed. A reminder whose deadline was met (the host answered, the booking was
cancelled) is skipped with code "not_needed"; one that is not due yet with "not_due"; each is
sent at most once (the stored notification is the record).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop, ngettext_lazy

from bookings.models import Booking, BookingChange, BookingStatus
from bookings.reminder_times import starts_tomorrow_at
from bookings.services.steps import _host, _lock, _lock_change, _notify
from core.errors import Conflict
from realtime import notify
from realtime.models import Notification
from realtime.wording import counted_words, english, words


def _already_sent(booking: Booking, kind: str, **payload: object) -> bool:
    lookups = {f"payload__{key}": value for key, value in payload.items()}
    return Notification.objects.filter(kind=kind, payload__booking_id=booking.pk, **lookups).exists()


def _base_payload(booking: Booking, said: dict) -> dict[str, object]:
    """The payload of a reminder: its words (`said`, each reader's language at read time) and their English."""
    message = english(said)
    return {
        "booking_id": booking.pk,
        "listing_title": booking.listing.title,
        "url": booking.get_absolute_url(),
        "status": booking.status,
        "start": booking.start.isoformat(),
        "end": booking.end.isoformat(),
        "message": message,
        "message_words": said,
        "title": f"{booking.listing.title}: {message}",
    }


def remind_host_to_answer(*, booking_id: int, hours_left: int, now: datetime | None = None) -> Booking:
    """Tell the host a request still waits for their answer, `hours_left` hours before it expires."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock(booking_id)
        if booking.status != BookingStatus.REQUESTED or now >= booking.respond_by:
            raise Conflict(
                gettext_noop("The request was answered or has ended: no reminder needed."), code="not_needed"
            )
        if now < booking.respond_by - timedelta(hours=hours_left):
            raise Conflict(gettext_noop("The reminder is not due yet."), code="not_due")
        if _already_sent(booking, "booking.answer_reminder", hours_left=hours_left):
            return booking
        said = counted_words(
            ngettext_lazy(
                "%(guest)s's request expires in %(count)s hour if you do not answer.",
                "%(guest)s's request expires in %(count)s hours if you do not answer.",
                "count",
            ),
            hours_left,
            guest=booking.guest.public_name,
        )
        payload = {**_base_payload(booking, said), "hours_left": hours_left}
        notify([_host(booking)], "booking.answer_reminder", payload)
    return booking


def _practical_details(booking: Booking, *, for_guest: bool) -> dict[str, str]:
    listing = booking.listing
    local_start = booking.start.astimezone(ZoneInfo(booking.time_zone or listing.time_zone or "UTC"))
    details = {"starts_at": local_start.strftime("%A %d %B, %H:%M"), "city": listing.city}
    room = getattr(listing, "room", None) if listing.kind == "room" else None
    if room is not None:
        details["check_in"] = room.check_in_time.strftime("%H:%M")
    if for_guest:
        # The address is the guest's to know once the booking is confirmed; the car is picked up there too.
        details["address"] = listing.address
    return details


def remind_starts_tomorrow(*, booking_id: int, now: datetime | None = None) -> Booking:
    """The day before a confirmed booking starts, tell both sides, with where and when."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock(booking_id)
        if booking.status != BookingStatus.CONFIRMED or now >= booking.start:
            raise Conflict(
                gettext_noop("The booking is no longer about to start: no reminder needed."), code="not_needed"
            )
        if now < starts_tomorrow_at(booking):
            raise Conflict(gettext_noop("The reminder is not due yet."), code="not_due")
        if _already_sent(booking, "booking.starts_tomorrow"):
            return booking
        guest_said = words(gettext_noop("Your booking starts tomorrow."))
        host_said = words(gettext_noop("%(guest)s arrives tomorrow."), guest=booking.guest.public_name)
        guest_payload = {**_base_payload(booking, guest_said), **_practical_details(booking, for_guest=True)}
        host_payload = {**_base_payload(booking, host_said), **_practical_details(booking, for_guest=False)}
        # notify() last, once per side: each gets their own words and details.
        notify([booking.guest], "booking.starts_tomorrow", guest_payload)
        notify([_host(booking)], "booking.starts_tomorrow", host_payload)
    return booking


CHANGE_REMINDER_HOURS = (12, 2)
CHANGE_REMINDER = ngettext_lazy(
    "A change of this booking waits for your answer: it lapses in %(count)s hour if you do not answer.",
    "A change of this booking waits for your answer: it lapses in %(count)s hours if you do not answer.",
    "count",
)


def due_change_reminder(change: BookingChange, now: datetime) -> int | None:
    """The reminder (hours before `respond_by`) the change is due, or None: the latest moment passed, not sent yet,
    and only if the change was asked before it (a window shorter than 12 h gets the 2-hour one only)."""
    if change.status != BookingChange.Status.OPEN or now >= change.respond_by:
        return None
    due = [
        hours
        for hours in CHANGE_REMINDER_HOURS
        if change.created_at < change.respond_by - timedelta(hours=hours) <= now
    ]
    hours = min(due, default=None)
    if hours is None or (change.reminded_hours and change.reminded_hours <= hours):
        return None
    return hours


def remind_change_answer(*, change_id: int, now: datetime | None = None) -> BookingChange:
    """Tell the side that answers an open change that its window closes soon (12 h, then 2 h before); once each."""
    now = now or timezone.now()
    with transaction.atomic():
        booking, change = _lock_change(change_id)
        if change.status != BookingChange.Status.OPEN or now >= change.respond_by:
            raise Conflict(gettext_noop("The change was answered or has ended: no reminder needed."), code="not_needed")
        hours = due_change_reminder(change, now)
        if hours is None:
            raise Conflict(gettext_noop("The reminder is not due yet."), code="not_due")
        change.reminded_hours = hours
        change.save(update_fields=["reminded_hours"])
        answers = _host(booking) if change.side == BookingChange.Side.GUEST else booking.guest
        _notify([answers], "booking.change_reminder", booking, counted_words(CHANGE_REMINDER, hours, hours=hours))
    return change
