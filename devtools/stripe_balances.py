"""Balances as Stripe keeps them, for the localstripe harness (devtools/localstripe_server.py).

localstripe has no balances, so every transfer succeeded however little the platform held.
Stripe's rules emulated here, each from Stripe's documentation ("Balances and settlement time",
"Create separate charges and transfers", "Disputes"):

- A captured charge's funds are *pending* for the platform and become *available* some days
  later (`available_after_seconds`, two days by default; Stripe's card settlement is two
  business days in the US and Europe, longer elsewhere). The test card 4000000000000077 puts
  its funds straight into the available balance, as on Stripe.
- A transfer without `source_transaction` draws on the platform's *available* balance in its
  currency and is refused with `balance_insufficient` beyond it. A transfer with
  `source_transaction` (a captured charge of the same currency) is allowed up to what is left
  of that charge (captured, less refunds and earlier transfers from it) whatever the available
  balance; its funds stay pending on the connected account until the charge's funds are
  available. Stripe does not retry a refused transfer.
- A refund is taken from the charge's own funds: from pending while they are pending.
- A dispute withdraws the disputed amount plus a dispute fee (`dispute_fee`, 1500 minor units)
  from the available balance at once; a won dispute reinstates the disputed amount. Whether
  Stripe returns the fee of a won dispute depends on the country; the harness keeps it.
- A transfer reversal moves the amount back from the connected account to the platform at once.

The harness's clock can be moved (`POST /_config/clock` with `advance_seconds`) so tests can
let pending funds become available. State is per process, in memory, like the rest.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

PLATFORM = "platform"
INSTANT_AVAILABLE_CARD = "4000000000000077"

settings = {"available_after_seconds": 2 * 86400, "dispute_fee": 1500}
_clock = {"offset": 0.0}


@dataclass
class _Funds:
    account: str
    currency: str
    amount: int  # negative for a debit
    available_on: float
    source: str


_funds: list[_Funds] = []
# charge id -> when its funds become available on the platform
_charge_available_on: dict[str, float] = {}
# charge id -> amount already transferred with it as source_transaction
_transferred_from: dict[str, int] = {}


class BalanceRefusal(Exception):
    """Stripe would refuse this; the server turns it into a 400 with `code`."""

    def __init__(self, message: str, code: str, param: str | None = None) -> None:
        super().__init__(message)
        self.message, self.code, self.param = message, code, param


def now() -> float:
    return time.time() + _clock["offset"]


def advance_clock(seconds: float) -> float:
    _clock["offset"] += seconds
    return now()


def reset() -> None:
    _funds.clear()
    _charge_available_on.clear()
    _transferred_from.clear()
    _clock["offset"] = 0.0


def _add(account: str, currency: str, amount: int, available_on: float, source: str) -> None:
    _funds.append(_Funds(account, currency.lower(), amount, available_on, source))


def available(account: str, currency: str) -> int:
    moment, currency = now(), currency.lower()
    return sum(f.amount for f in _funds if f.account == account and f.currency == currency and f.available_on <= moment)


def balance(account: str = PLATFORM) -> dict:
    """Stripe's Balance object: per currency, available and pending."""
    moment = now()
    totals: dict[str, dict[str, int]] = {}
    for f in _funds:
        if f.account != account:
            continue
        bucket = totals.setdefault(f.currency, {"available": 0, "pending": 0})
        bucket["available" if f.available_on <= moment else "pending"] += f.amount

    def rows(part: str) -> list[dict]:
        return [{"amount": t[part], "currency": c, "source_types": {"card": t[part]}} for c, t in totals.items()]

    return {"object": "balance", "livemode": False, "available": rows("available"), "pending": rows("pending")}


def _charge_funds_on(charge_id: str) -> float:
    """When a charge's funds are (or were) available: refunds and transfers draw from them then."""
    return max(now(), _charge_available_on.get(charge_id, 0.0))


def charge_captured(*, charge_id: str, currency: str, amount: int, card_number: str | None) -> None:
    available_on = now() if card_number == INSTANT_AVAILABLE_CARD else now() + settings["available_after_seconds"]
    _charge_available_on[charge_id] = available_on
    _add(PLATFORM, currency, amount, available_on, charge_id)


def charge_refunded(*, charge_id: str, currency: str, amount: int) -> None:
    _add(PLATFORM, currency, -amount, _charge_funds_on(charge_id), charge_id)


def transfer_created(
    *,
    transfer_id: str,
    destination: str,
    currency: str,
    amount: int,
    source_transaction: str | None,
    source_remaining: int | None,
    source_currency: str | None,
) -> None:
    """Check the transfer against the balance (raising BalanceRefusal as Stripe would), then book it."""
    if source_transaction:
        if source_remaining is None:
            raise BalanceRefusal(f"No such charge: '{source_transaction}'", "resource_missing", "source_transaction")
        if (source_currency or "").lower() != currency.lower():
            raise BalanceRefusal(
                "The currency of the transfer must match the currency of its source_transaction.",
                "transfer_source_balance_parameters_mismatch",
                "currency",
            )
        left = source_remaining - _transferred_from.get(source_transaction, 0)
        if amount > left:
            raise BalanceRefusal(
                f"The transfer amount ({amount}) exceeds what remains of its source_transaction ({left}).",
                "amount_too_large",
                "amount",
            )
        _transferred_from[source_transaction] = _transferred_from.get(source_transaction, 0) + amount
        on = _charge_funds_on(source_transaction)
        _add(PLATFORM, currency, -amount, on, transfer_id)
        _add(destination, currency, amount, on, transfer_id)
        return
    if amount > available(PLATFORM, currency):
        raise BalanceRefusal(
            "You have insufficient available funds in your Stripe account. Transfers draw on the available "
            "balance: name the charge in source_transaction to transfer funds that are still pending.",
            "balance_insufficient",
        )
    _add(PLATFORM, currency, -amount, now(), transfer_id)
    _add(destination, currency, amount, now(), transfer_id)


def transfer_reversed(
    *, transfer_id: str, destination: str, currency: str, amount: int, source_transaction: str | None
) -> None:
    if source_transaction in _transferred_from:
        # What comes back to the platform may be sent again from the same charge.
        _transferred_from[source_transaction] -= amount
    _add(destination, currency, -amount, now(), transfer_id)
    _add(PLATFORM, currency, amount, now(), transfer_id)


def dispute_opened(*, dispute_id: str, currency: str, amount: int) -> None:
    _add(PLATFORM, currency, -(amount + settings["dispute_fee"]), now(), dispute_id)


def dispute_won(*, dispute_id: str, currency: str, amount: int) -> None:
    _add(PLATFORM, currency, amount, now(), dispute_id)
