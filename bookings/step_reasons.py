"""Why a booking took a step (`BookingTransition.reason`), as stored and as each reader reads it.

Most reasons are fixed English sentences marked for translation where they are written and translated when
shown. One carries a person's words: a booking ended because its party's account was suspended keeps the
English prefix and the staff member's reason as written; the prefix is read in the reader's language, the
staff member's words as they wrote them.
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

from bookings.models import BookingTransition

SUSPENDED_PREFIX = "Account suspended: "
SUSPENDED = gettext_noop("Account suspended: %(reason)s")
REASON_LENGTH = BookingTransition._meta.get_field("reason").max_length or 300


def suspended(reason: str) -> str:
    """The stored reason of a step taken because an account was suspended for `reason`."""
    return f"{SUSPENDED_PREFIX}{reason}"[:REASON_LENGTH]


def read(stored: str) -> str:
    """A stored reason in the active language (an unknown sentence reads as stored)."""
    if stored.startswith(SUSPENDED_PREFIX):
        return gettext(SUSPENDED) % {"reason": stored[len(SUSPENDED_PREFIX) :]}
    return gettext(stored) if stored else stored
