"""A booking change in words: each reader's own for the notices (dates in their format, plurals and amounts in
their language, at read time through realtime.wording), and the English the booking's history keeps."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.utils.translation import gettext_noop, ngettext_lazy

from bookings.models import BookingChange
from core.money import format_money
from core.words import counted
from realtime.wording import counted_words, moment, money_value, words


def said(change: BookingChange) -> dict:
    """The change's words (new period, guests, the money), each reader's own: dates in their format, plurals
    in their language (realtime.wording)."""
    zone = change.booking.time_zone
    room = change.booking.listing.kind == "room"
    people = (
        counted_words(ngettext_lazy("%(count)s guest", "%(count)s guests", "count"), change.guests)
        if room
        else counted_words(ngettext_lazy("%(count)s person", "%(count)s people", "count"), change.guests)
    )
    period = {"start": moment(change.start, zone), "end": moment(change.end, zone), "people": people}
    if not change.difference:
        return words(gettext_noop("%(start)s to %(end)s, %(people)s"), **period)
    amount = money_value(abs(change.difference), change.booking.currency)
    if change.difference > 0:
        return words(gettext_noop("%(start)s to %(end)s, %(people)s, %(amount)s more"), amount=amount, **period)
    return words(
        gettext_noop("%(start)s to %(end)s, %(people)s, %(amount)s back to the guest"), amount=amount, **period
    )


def history_words(change: BookingChange) -> str:
    """The change in English, as the booking's history records it: new period, guests, and the money."""
    zone = ZoneInfo(change.booking.time_zone)
    period = f"{change.start.astimezone(zone):%d %b %Y %H:%M} to {change.end.astimezone(zone):%d %b %Y %H:%M}"
    money_words = ""
    if change.difference:
        amount = format_money(abs(change.difference), change.booking.currency)
        money_words = f", {amount} more" if change.difference > 0 else f", {amount} back to the guest"
    room = change.booking.listing.kind == "room"
    people = counted(change.guests, "guest") if room else counted(change.guests, "person", "people")
    return f"{period}, {people}{money_words}"
