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

from django.utils.translation import gettext_noop as N_

IN_APP = "in_app"
EMAIL = "email"
PUSH = "push"
CHANNELS = (IN_APP, EMAIL, PUSH)
# The channels a person can have preferences for (in-app is always on).
OPTIONAL_CHANNELS = (EMAIL, PUSH)


@dataclass(frozen=True)
class Kind:
    name: str
    # What the settings page calls it ("A guest asks to book"). Labels and actions stay English here (N_ marks
    # them for makemessages); pages and emails translate them for their reader ({% translate kind.label %}).
    label: str
    email: bool = False
    push: bool = False
    # Money, safety and deadline kinds: a person cannot turn them off.
    required: bool = False
    # The words on the email's one button.
    action: str = N_("Open Sharing")
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
        N_("A guest asks to book (answer within 24 hours)"),
        email=True,
        push=True,
        required=True,
        urgent=True,
        action=N_("Answer the request"),
    ),
    Kind(
        "booking.answer_reminder",
        N_("Reminder: a request waits for your answer"),
        email=True,
        push=True,
        required=True,
        urgent=True,
        action=N_("Answer the request"),
    ),
    Kind(
        "booking.confirmed", N_("Booking confirmed"), email=True, push=True, required=True, action=N_("See the booking")
    ),
    Kind(
        "booking.declined", N_("Booking declined"), email=True, push=True, required=True, action=N_("See the booking")
    ),
    Kind("booking.expired", N_("Request expired"), email=True, push=True, required=True, action=N_("See the booking")),
    Kind(
        "booking.cancelled", N_("Booking cancelled"), email=True, push=True, required=True, action=N_("See the booking")
    ),
    # Far-ahead bookings: the saved card's charge. A refusal is money and a deadline (pay within 48 h).
    Kind(
        "booking.payment_failed",
        N_("A scheduled payment was refused (pay within 48 hours)"),
        email=True,
        push=True,
        required=True,
        urgent=True,
        action=N_("Pay now"),
    ),
    Kind(
        "booking.payment_taken",
        N_("A scheduled payment went through"),
        email=True,
        required=True,
        action=N_("See the booking"),
    ),
    Kind("booking.withdrawn", N_("A guest withdrew a request"), email=True, push=True, action=N_("See the booking")),
    Kind(
        "booking.starts_tomorrow",
        N_("Your booking starts tomorrow"),
        email=True,
        push=True,
        action=N_("See the details"),
    ),
    Kind("booking.started", N_("Booking started"), push=True),
    Kind("booking.completed", N_("Booking completed"), push=True),
    Kind(
        "booking.disputed",
        N_("A dispute on a booking"),
        email=True,
        push=True,
        required=True,
        action=N_("See the booking"),
    ),
    Kind(
        "booking.dispute_closed",
        N_("A dispute on a booking closed"),
        email=True,
        push=True,
        required=True,
        action=N_("See the booking"),
    ),
    # --- Disputes: money and safety -------------------------------------------------
    Kind("dispute.opened", N_("Dispute opened"), email=True, push=True, required=True, action=N_("See the dispute")),
    Kind("dispute.evidence", N_("New evidence in a dispute"), email=True, required=True, action=N_("See the dispute")),
    Kind(
        "dispute.evidence_requested",
        N_("Evidence asked of you"),
        email=True,
        push=True,
        required=True,
        urgent=True,
        action=N_("Add evidence"),
    ),
    Kind(
        "dispute.resolved", N_("Dispute decided"), email=True, push=True, required=True, action=N_("See the decision")
    ),
    Kind(
        "account.suspended", N_("Your account is suspended"), email=True, required=True, action=N_("See your account")
    ),
    # --- Receipts and statements: money ---------------------------------------------
    Kind("document.issued", N_("A receipt or statement for you"), email=True, required=True, action=N_("Open the PDF")),
    # --- Reviews --------------------------------------------------------------------
    Kind("review.can_write", N_("You can review a stay"), email=True, push=True, action=N_("Write a review")),
    Kind("review.reminder", N_("Last day to review"), email=True, push=True, action=N_("Write a review")),
    Kind("review.published", N_("Reviews published"), email=True, action=N_("Read the reviews")),
    # --- Messages -------------------------------------------------------------------
    Kind("message.new", N_("New message"), email=True, push=True, action=N_("Reply"), batch_by="thread_id"),
    # --- On demand: minutes count, so push, not email -------------------------------
    Kind("dispatch.offer", N_("A job near you"), push=True),
    Kind("dispatch.offer_withdrawn", N_("A job offer was withdrawn")),
    Kind("dispatch.assigned", N_("Someone is on the way"), push=True, required=True),
    Kind("dispatch.expired", N_("Nobody was free"), email=True, push=True, required=True, action=N_("See the request")),
    # --- Cars: handover reports, extra kilometres, deposits; verified documents -------
    Kind("handover.reported", N_("A handover report to confirm"), email=True, push=True, action=N_("See the report")),
    Kind("handover.confirmed", N_("Your handover report was confirmed"), push=True),
    Kind(
        "handover.extra_charged",
        N_("Extra kilometres or fuel charged"),
        email=True,
        push=True,
        required=True,
        action=N_("See the return"),
    ),
    Kind(
        "handover.charge_refunded",
        N_("A return charge was given back"),
        email=True,
        required=True,
        action=N_("See the return"),
    ),
    Kind("deposit.held", N_("Deposit held on your card"), email=True, required=True, action=N_("See the booking")),
    Kind("deposit.released", N_("Deposit released"), email=True, required=True, action=N_("See the booking")),
    Kind(
        "deposit.renewal_refused",
        N_("The card refused to renew the deposit hold"),
        email=True,
        required=True,
        action=N_("See the booking"),
    ),
    Kind(
        "deposit.claimed",
        N_("A claim on the deposit"),
        email=True,
        push=True,
        required=True,
        action=N_("See the dispute"),
    ),
    Kind(
        "verification.decided",
        N_("Your identity document or licence was reviewed"),
        email=True,
        required=True,
        action=N_("See your document"),
    ),
    # --- Tools ----------------------------------------------------------------------
    Kind("bench.ping", N_("Benchmark ping")),
)


def get_kind(name: str) -> Kind:
    """The declared kind; an undeclared one reaches people in-app only (a test keeps the list complete)."""
    return KINDS.get(name) or Kind(name, name.replace(".", " ").replace("_", " ").capitalize())


def optional_kinds() -> list[Kind]:
    """The kinds a person may turn off, on at least one channel besides in-app (the settings page's rows)."""
    return [kind for kind in KINDS.values() if kind.optional and (kind.email or kind.push)]
