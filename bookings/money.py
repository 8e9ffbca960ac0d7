"""The money port: what a booking's transitions need from whoever holds the guest's money.

Bookings never import the payments app (dependencies point listings <- bookings <- payments).
The transitions call this Protocol; the implementation is named by the `BOOKING_MONEY`
setting (default "payments.escrow.StripeEscrow") and loaded with `import_string`, so
every caller of a transition (pages, API, tasks, the advance_bookings sweep) decides the
money with the status, inside the same transaction. capture, release_authorisation,
refund and payout only RECORD the operation there; the implementation sends it to Stripe
after the commit (never while the booking's rows are locked) and re-drives it after a
crash, so for a moment a booking can be "confirmed, charge pending": `money_pending`
says so in words for both parties.

Amounts are integers in minor units. Every method raises a `core.errors.DomainError`
(with a message for a person) when the money cannot move, which rolls the transition back.
References name what the money is for: "booking:<id>" once attached.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from accounts.models import User


@dataclass(frozen=True)
class Authorisation:
    """The outcome of authorising a guest's card: held, or waiting for the guest's bank (3-D Secure)."""

    payment_id: int
    # "authorized", "card_saved" (a far-ahead booking: nothing held, charged later), "requires_action" or "failed"
    status: str
    client_secret: str = ""
    failure_message: str = ""

    @property
    def requires_action(self) -> bool:
        return self.status == "requires_action"

    @property
    def authorised(self) -> bool:
        return self.status == "authorized"

    @property
    def ready(self) -> bool:
        """The booking may be made: the amount is held, or the card is saved for its scheduled charge."""
        return self.status in ("authorized", "card_saved")


class BookingMoney(Protocol):
    """Moves the money of one booking; every mutating method is idempotent for one booking and action."""

    def authorise(
        self, *, payer: User, amount: int, currency: str, reference: str, payment_method: str
    ) -> Authorisation:
        """Hold `amount` on the guest's card (not charged). A declined card raises a DomainError."""

    def save_card_for_later(
        self, *, payer: User, amount: int, currency: str, reference: str, payment_method: str
    ) -> Authorisation:
        """Save the guest's card for a charge of `amount` later (a far-ahead booking): nothing is held.

        "card_saved", or "requires_action" when the bank wants 3-D Secure now (on-session, while the
        guest is there); a refused card raises a DomainError.
        """

    def confirm_authentication(self, *, payment_id: int) -> Authorisation:
        """Re-read an authorisation (or a card being saved) after the guest's bank check (3-D Secure)."""

    def authentication_url(self, *, payment_id: int, next_url: str) -> str:
        """The page where the guest finishes 3-D Secure, then goes to `next_url`."""

    def attach(self, *, payment_id: int, reference: str) -> None:
        """Point an authorised payment at the booking it pays for."""

    def adopt(self, *, payment_id: int, payer: User, amount: int, currency: str, reference: str) -> None:
        """Point an authorisation made earlier for something else at this booking (an on-demand request's hold).

        Refused unless it is `payer`'s, still authorised, in `currency` and holds at least
        `amount`; the booking's capture then charges its total and the rest of the hold goes.
        """

    def abandon(self, *, payment_id: int) -> None:
        """Release an authorisation no booking was made for."""

    def capture(self, *, reference: str, amount: int, promotion: int = 0, credit: int = 0) -> None:
        """Charge `amount` (what the card pays of the booking's total) into escrow; a hold larger than it is
        released for the rest. `promotion` (Sharing-funded) and the guest's `credit` pay the rest into escrow."""

    def charge_saved_card(self, *, reference: str, amount: int, promotion: int = 0, credit: int = 0) -> None:
        """Charge `amount` off-session on the card saved for this booking (recorded now, sent after commit);
        `promotion` (Sharing-funded) and the guest's `credit`, reserved at booking, pay the rest into escrow with it.

        The bank's answer reaches `bookings.services.schedule.scheduled_charge_answered`."""

    def scheduled_charge_outcome(self, *, reference: str) -> tuple[str, str]:
        """("paid" | "refused" | "pending" | "none", the bank's words) of the saved card's charge."""

    def replace_saved_card(
        self, *, reference: str, payment_id: int, payer: User, amount: int, promotion: int = 0, credit: int = 0
    ) -> None:
        """The guest paid on-session after the saved card was refused: `payment_id` (authorised, theirs)
        pays `amount` (captured after commit, with `promotion` and `credit` beside it) and the saved card is let go."""

    def release_authorisation(self, *, reference: str) -> None:
        """Release an authorisation that will never be charged (declined, expired, withdrawn)."""

    def refund(
        self,
        *,
        reference: str,
        amount: int,
        host_keeps: int,
        promotion: int = 0,
        credit: int = 0,
        taxes_keep: Mapping[str, int] | None = None,
    ) -> None:
        """Give exactly `amount` back to the guest's card; all zero does nothing. `promotion` goes back to
        Sharing's promotions and `credit` to the guest's credit (the refund's shares, bookings.pricing).

        A booking whose saved card was not charged yet gives nothing back (nothing was taken): the
        rest of the total, what the policy keeps, is charged off-session (the promotion and credit
        reserved at booking paying their shares of it, the refund's shares going straight back to the
        code's budget and the guest's credit); if the card keeps nothing (or was refused already), the
        card is let go and the code and the credit are released.

        `host_keeps` is the host's final share: if the payout was already released, what the
        host no longer keeps (and Sharing's fee on it) comes back into escrow first. `taxes_keep` (ledger
        account -> amount, `Booking.taxes_kept`) is what the tax accounts keep in the end: after a release,
        the refund's share of the taxes collected comes back out of them first (None: leave them alone).
        """

    def payout(self, *, reference: str, host: User, amount: int, taxes: Mapping[str, int] | None = None) -> None:
        """Close the escrow: `amount` to the host (sent now, or waiting until the host can receive it),
        `taxes` (ledger account -> amount, "tax:vat:FR") to the taxes collected, the rest to Sharing's fee."""

    def money_pending(self, *, reference: str) -> str:
        """What is still on its way to the bank (or stuck) for this booking, for both parties; "" if nothing."""

    # --- A booking's change of dates or guests (bookings.services.changes) ---

    def reprice_saved_card(self, *, reference: str, amount: int) -> bool:
        """A far-ahead booking whose saved card is not charged yet will be charged `amount` instead: True.
        False (nothing changed) when there is no such card: the booking was paid."""

    def replace_payment(self, *, reference: str, payment_id: int, payer: User, amount: int) -> None:
        """A dearer change of a paid booking: `payment_id` (authorised for the new total, `payer`'s) becomes the
        booking's payment and is charged `amount` after commit; the first payment is refunded in full."""

    def freeze(self, *, reference: str, reason: str) -> None:
        """Hold the payout while a dispute is open."""

    def unfreeze(self, *, reference: str) -> None:
        """Lift the hold once the dispute is closed."""

    # --- Cars: a card kept for the rental, its deposit hold and extra charges (payments/deposits.py) ---
    # None of these may be called inside a database transaction: each calls the card's bank.

    def save_card(self, *, payer: User, payment_method: str, reference: str) -> str:
        """Keep the renter's card for off-session charges of this rental; returns an opaque card token.

        Idempotent per `reference` ("car:<booking id>"). A refused card raises a DomainError.
        """

    def hold_deposit(self, *, card: str, payer: User, amount: int, currency: str, reference: str) -> Authorisation:
        """Hold (not charge) `amount` on the kept card; once per `reference` ("deposit:<booking id>")."""

    def release_deposit(self, *, payment_id: int) -> None:
        """Let the deposit hold go; releasing twice is a no-op."""

    def capture_deposit(self, *, payment_id: int, amount: int, host: User) -> None:
        """Charge `amount` of the deposit hold (a claim support decided) for the host; the rest is released."""

    def charge_extra(self, *, card: str, payer: User, host: User, amount: int, currency: str, reference: str) -> int:
        """Charge `amount` off-session on the kept card for the host (extra kilometres); returns the payment id.

        Once per `reference` ("extras:<booking id>"): a retry finds the first charge.
        """


@cache
def _load(path: str) -> BookingMoney:
    return import_string(path)()


def money() -> BookingMoney:
    """The configured implementation (settings.BOOKING_MONEY)."""
    return _load(settings.BOOKING_MONEY)


def booking_reference(booking_id: int) -> str:
    return f"booking:{booking_id}"
