"""Every notification kind, declared once: which channels it reaches people on, and whether they may turn it off.

In-app (the bell, the notifications page) is always on: every stored notification shows there.
Email and push are per kind. Money, safety and deadline kinds are `required`: a person cannot
turn them off (a host who unsubscribed from everything must still hear that a request waits
for them, or the 24-hour rule is not fair). Everything else is optional, per kind and channel.

Realtime imports no domain app, so the kinds are plain strings here; the domain apps pass the
same strings to `notify()` (a test greps the source and checks each one is declared).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_noop as _

IN_APP = "in_app"
EMAIL = "email"
PUSH = "push"
CHANNELS = (IN_APP, EMAIL, PUSH)
# The channels a person can have preferences for (in-app is always on).
OPTIONAL_CHANNELS = (EMAIL, PUSH)


@dataclass(frozen=True)
class Kind:
    name: str
    # What the settings page calls it ("A guest asks to book"). Labels and actions stay English here (`_` is
    # gettext_noop: it marks them for makemessages); pages and emails translate them ({% translate kind.label %}).
    label: str
    email: bool = False
    push: bool = False
    # Money, safety and deadline kinds: a person cannot turn them off.
    required: bool = False
    # The words on the email's one button.
    action: str = _("Open Sharing")
    # A payload key whose value groups emails: at most one email per group per batching window
    # (messages: one per thread per 15 minutes).
    batch_by: str = ""
    # Deadline mails go out ahead of a burst of ordinary ones.
    urgent: bool = False

    @property
    def channels(self) -> tuple[str, ...]:
        return (IN_APP,) + ((EMAIL,) if self.email else ()) + ((PUSH,) if self.push else ())

    @property
    def optional(self) -> bool:
        return not self.required


def _kinds(*kinds: Kind) -> dict[str, Kind]:
    return {kind.name: kind for kind in kinds}


KINDS: dict[str, Kind] = _kinds(
    # --- Bookings: money and deadlines ------------------------------------------------
    Kind(
        "booking.requested",
        _("A guest asks to book (answer within 24 hours)"),
        email=True,
        push=True,
        required=True,
        urgent=True,
        action=_("Answer the request"),
    ),
    Kind(
        "booking.answer_reminder",
        _("Reminder: a request waits for your answer"),
        email=True,
        push=True,
        required=True,
        urgent=True,
        action=_("Answer the request"),
    ),
    Kind(
        "booking.confirmed", _("Booking confirmed"), email=True, push=True, required=True, action=_("See the booking")
    ),
    Kind("booking.declined", _("Booking declined"), email=True, push=True, required=True, action=_("See the booking")),
    Kind("booking.expired", _("Request expired"), email=True, push=True, required=True, action=_("See the booking")),
    Kind(
        "booking.cancelled", _("Booking cancelled"), email=True, push=True, required=True, action=_("See the booking")
    ),
    # Far-ahead bookings: the saved card's charge. A refusal is money and a deadline (pay within 48 h).
    Kind(
        "booking.payment_failed",
        _("A scheduled payment was refused (pay within 48 hours)"),
        email=True,
        push=True,
        required=True,
        urgent=True,
        action=_("Pay now"),
    ),
    Kind(
        "booking.payment_taken",
        _("A scheduled payment went through"),
        email=True,
        required=True,
        action=_("See the booking"),
    ),
    Kind("booking.withdrawn", _("A guest withdrew a request"), email=True, push=True, action=_("See the booking")),
    Kind(
        "booking.starts_tomorrow",
        _("Your booking starts tomorrow"),
        email=True,
        push=True,
        action=_("See the details"),
    ),
    Kind("booking.started", _("Booking started"), push=True),
    Kind("booking.completed", _("Booking completed"), push=True),
    Kind(
        "booking.disputed",
        _("A dispute on a booking"),
        email=True,
        push=True,
        required=True,
        action=_("See the booking"),
    ),
    Kind(
        "booking.change_requested",
        _("A change of dates or guests to answer"),
        email=True,
        push=True,
        required=True,
        action=_("See the change"),
    ),
    Kind(
        "booking.change_reminder",
        _("A booking change waits for your answer"),
        email=True,
        push=True,
        required=True,
        action=_("See the change"),
    ),
    Kind(
        "booking.change_accepted",
        _("A booking change was accepted"),
        email=True,
        push=True,
        required=True,
        action=_("See the booking"),
    ),
    Kind(
        "booking.change_declined",
        _("A booking change was declined"),
        email=True,
        push=True,
        action=_("See the booking"),
    ),
    Kind(
        "booking.change_expired",
        _("A booking change was not answered in time"),
        email=True,
        push=True,
        action=_("See the booking"),
    ),
    Kind(
        "booking.dispute_closed",
        _("A dispute on a booking closed"),
        email=True,
        push=True,
        required=True,
        action=_("See the booking"),
    ),
    # --- Disputes: money and safety -------------------------------------------------
    Kind("dispute.opened", _("Dispute opened"), email=True, push=True, required=True, action=_("See the dispute")),
    Kind("dispute.evidence", _("New evidence in a dispute"), email=True, required=True, action=_("See the dispute")),
    Kind(
        "dispute.evidence_requested",
        _("Evidence asked of you"),
        email=True,
        push=True,
        required=True,
        urgent=True,
        action=_("Add evidence"),
    ),
    Kind("dispute.resolved", _("Dispute decided"), email=True, push=True, required=True, action=_("See the decision")),
    Kind("account.suspended", _("Your account is suspended"), email=True, required=True, action=_("See your account")),
    # --- Receipts and statements: money ---------------------------------------------
    Kind("document.issued", _("A receipt or statement for you"), email=True, required=True, action=_("Open the PDF")),
    # --- Reviews --------------------------------------------------------------------
    Kind("review.can_write", _("You can review a stay"), email=True, push=True, action=_("Write a review")),
    Kind("review.reminder", _("Last day to review"), email=True, push=True, action=_("Write a review")),
    Kind("review.published", _("Reviews published"), email=True, action=_("Read the reviews")),
    # --- Messages -------------------------------------------------------------------
    Kind("message.new", _("New message"), email=True, push=True, action=_("Reply"), batch_by="thread_id"),
    # --- On demand: minutes count, so push, not email -------------------------------
    Kind("dispatch.offer", _("A job near you"), push=True),
    Kind("dispatch.offer_withdrawn", _("A job offer was withdrawn")),
    Kind("dispatch.assigned", _("Someone is on the way"), push=True, required=True),
    Kind("dispatch.expired", _("Nobody was free"), email=True, push=True, required=True, action=_("See the request")),
    # --- Cars: handover reports, extra kilometres, deposits; verified documents -------
    Kind("handover.reported", _("A handover report to confirm"), email=True, push=True, action=_("See the report")),
    Kind("handover.confirmed", _("Your handover report was confirmed"), push=True),
    # A contest may open a dispute and stand between the owner and a charge: it is not to be missed.
    Kind(
        "handover.contested",
        _("Your handover report was contested"),
        email=True,
        push=True,
        required=True,
        action=_("See the report"),
    ),
    Kind(
        "handover.extra_charged",
        _("Extra kilometres or fuel charged"),
        email=True,
        push=True,
        required=True,
        action=_("See the return"),
    ),
    Kind(
        "handover.charge_refunded",
        _("A return charge was given back"),
        email=True,
        required=True,
        action=_("See the return"),
    ),
    Kind("deposit.held", _("Deposit held on your card"), email=True, required=True, action=_("See the booking")),
    Kind("deposit.released", _("Deposit released"), email=True, required=True, action=_("See the booking")),
    Kind(
        "deposit.renewal_refused",
        _("The card refused to renew the deposit hold"),
        email=True,
        required=True,
        action=_("See the booking"),
    ),
    Kind(
        "deposit.claimed",
        _("A claim on the deposit"),
        email=True,
        push=True,
        required=True,
        action=_("See the dispute"),
    ),
    Kind(
        "verification.decided",
        _("Your identity document or licence was reviewed"),
        email=True,
        required=True,
        action=_("See your document"),
    ),
    # --- Tools ----------------------------------------------------------------------
    Kind("bench.ping", _("Benchmark ping")),
)


def get_kind(name: str) -> Kind:
    """The declared kind; an undeclared one reaches people in-app only (a test keeps the list complete)."""
    return KINDS.get(name) or Kind(name, name.replace(".", " ").replace("_", " ").capitalize())


def optional_kinds() -> list[Kind]:
    """The kinds a person may turn off, on at least one channel besides in-app (the settings page's rows)."""
    return [kind for kind in KINDS.values() if kind.optional and (kind.email or kind.push)]
