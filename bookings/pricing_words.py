"""The words of prices: billed units and cancellation policies as people read them, in the reader's language.

Pure functions beside `bookings.pricing` (which re-exports them): the amounts live there, their words here.
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_lazy, ngettext, pgettext

from listings.models import CancellationPolicy, ListingKind


def unit_label(kind: str) -> str:
    """The billed unit's name (driving services are billed by the half hour)."""
    labels: dict[str, str] = {ListingKind.ROOM: "night", ListingKind.CAR: "hour"}
    return labels.get(kind, "half hour")


# units_label's msgid pairs by listing kind (None: driving services), for words translated later (receipts);
# units_label keeps its ngettext calls literal so that makemessages finds them.
UNITS_WORDS: dict[str | None, tuple[str, str]] = {
    ListingKind.ROOM: ("%(counter)s night", "%(counter)s nights"),
    ListingKind.CAR: ("%(counter)s hour", "%(counter)s hours"),
    None: ("%(counter)s half hour", "%(counter)s half hours"),
}


def units_label(*, kind: str, units: int) -> str:
    """What a booking's units are, as people say it: "2 nights", "3 hours", "1 half hour" (in the reader's language)."""
    if kind == ListingKind.ROOM:
        words = ngettext("%(counter)s night", "%(counter)s nights", units)
    elif kind == ListingKind.CAR:
        words = ngettext("%(counter)s hour", "%(counter)s hours", units)
    else:
        words = ngettext("%(counter)s half hour", "%(counter)s half hours", units)
    return words % {"counter": units}


def unit_word(unit: str) -> str:
    """One billed unit ("night"), in the reader's language."""
    words = {"night": gettext("night"), "hour": gettext("hour")}
    return words.get(unit) or gettext("half hour")


def units_word(unit: str) -> str:
    """The billed units in general ("nights"), for sentences about a policy, in the reader's language."""
    words = {
        "night": pgettext("billed units", "nights"),
        "hour": pgettext("billed units", "hours"),
    }
    return words.get(unit) or pgettext("billed units", "half hours")


# %(unit)s is the billed unit ("night", "hour", "half hour": unit_word), %(units)s the same in general (units_word).
POLICY_IN_PLAIN_WORDS = {
    CancellationPolicy.FLEXIBLE: gettext_lazy(
        "Free cancellation until 24 hours before the start. After that, the first %(unit)s and the service fee "
        "are kept and the rest is refunded; once it has started, the %(units)s not yet begun are refunded "
        "except the next one."
    ),
    CancellationPolicy.MODERATE: gettext_lazy(
        "Free cancellation until 5 days before the start. After that, half of the price of the %(units)s is "
        "refunded; fees are kept."
    ),
    CancellationPolicy.STRICT: gettext_lazy(
        "Free cancellation within 48 hours of booking if the start is at least 14 days away. Until 7 days "
        "before the start, half of the price of the %(units)s is refunded. After that, nothing is refunded."
    ),
}


def policy_in_plain_words(policy: str, unit: str) -> str:
    """The policy as shown on the book page and the booking page, in the reader's language."""
    words = POLICY_IN_PLAIN_WORDS[CancellationPolicy(policy)]
    return str(words) % {"unit": unit_word(unit), "units": units_word(unit)}
