"""localstripe, extended with what Sharing needs: run it with `python -m devtools.localstripe_server --port P`.

localstripe (a stateful fake Stripe server, an aiohttp app) covers customers, payment
methods, PaymentIntents with manual capture, 3-D Secure, refunds and signed webhooks.
This harness adds, as localstripe-style stateful resources in the same store:

- Connect Express accounts (`/v1/accounts`), onboarded through account links
  (`/v1/account_links`, whose URL is a local page on this server) or through
  `POST /_config/accounts/{id}/onboard` in tests; emits `account.updated`.
- Accounts are opened in the country asked (default currency from it), and a transfer in a currency
  the destination's country cannot settle is refused (`transfers_not_allowed`), by the table of
  Stripe's settlement currencies in payments/settlement.py.
- Transfers (`/v1/transfers`, with `transfer_group`, metadata) and transfer reversals
  (`/v1/transfers/{id}/reversals`); emit `transfer.created` / `transfer.reversed`.
- Disputes: `POST /_config/charges/{id}/dispute` (optional `reason`, Stripe's dispute reasons) opens
  one and emits `charge.dispute.created` and `charge.dispute.funds_withdrawn`; `POST
  /_config/disputes/{id}/close` with `outcome=won|lost` closes it (`charge.dispute.updated` as the
  evidence goes under review, `charge.dispute.closed`, and `charge.dispute.funds_reinstated` when won);
  `GET /v1/disputes/{id}` with its `balance_transactions` (amount, fee). A disputed charge refuses
  refunds (`charge_disputed`), as Stripe does.
- Balances (`GET /v1/balance`, `Stripe-Account` for a connected account): pending and available per
  currency, with Stripe's rules for transfers, `source_transaction`, refunds and disputes
  (devtools/stripe_balances.py lists them); `POST /_config/clock` moves the harness's clock.
- Idempotency keys on every POST: the same key on the same path with the same
  parameters replays the stored response (header `Idempotent-Replayed: true`) without
  running the request again; with other parameters it is refused, as Stripe does.
- Behaviour fixes so that Stripe's documented test cards act as on Stripe: 4000000000000002
  is declined when charged, a PaymentMethod not attached to a Customer is refused for a
  second PaymentIntent, refunds over the unrefunded amount are refused, PaymentIntents
  report `amount_capturable` / `amount_received` (the captured part after a partial capture with
  `amount_to_capture`, whose remainder Stripe refunds automatically), accept `transfer_group` and `description`,
  and emit `payment_intent.amount_capturable_updated`, `payment_intent.canceled` and
  `charge.refunded`.

The store lives in memory only (localstripe's pickle file in /tmp is shared by every
process on the machine, so it is switched off here).

Size: one test harness run as one program, not application code. Its parts patch localstripe's
resources in place and are installed together, in one order, by `_install`; split it into a
package (resources, fixes, idempotency, routes) if it grows further.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import logging
import socket
import time
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from localstripe import resources
from localstripe.errors import UserError
from localstripe.resources import (
    Charge,
    Event,
    List,
    PaymentIntent,
    PaymentMethod,
    Refund,
    SetupIntent,
    StripeObject,
    random_id,
    store,
    try_convert_to_bool,
    try_convert_to_int,
)
from localstripe.webhooks import schedule_webhook

from devtools import stripe_balances as balances
from payments import settlement

# --- No shared pickle file: each harness process keeps its own state in memory. -----
resources.Store.dump_to_disk = lambda self: None
resources.Store.try_load_from_disk = lambda self: None

_PUBLIC_BASE = {"url": "http://127.0.0.1:8420"}


def _emit(event_type: str, obj: StripeObject) -> None:
    schedule_webhook(Event(event_type, obj))


def _check_metadata(metadata: Any) -> dict:
    if metadata is None or metadata == "":
        return {}
    if not isinstance(metadata, dict):
        raise UserError(400, "metadata must be a dictionary")
    return {str(k): str(v) for k, v in metadata.items()}


# --- Connect Express accounts ---------------------------------------------------------
class Account(StripeObject):
    object = "account"
    _id_prefix = "acct_"

    def __init__(self, type=None, country=None, email=None, metadata=None, capabilities=None, **kwargs):
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs.keys()))
        if type not in ("express", "standard", "custom"):
            raise UserError(400, "type must be express, standard or custom", {"param": "type"})
        metadata = _check_metadata(metadata)
        super().__init__()
        self.type = type
        self.country = (country or "US").upper()  # Stripe defaults to the platform's country
        if self.country not in settlement.SETTLEMENT_CURRENCIES:
            raise UserError(400, f"Connected accounts cannot be created in {self.country}", {"param": "country"})
        self.email = email
        self.metadata = metadata
        self.default_currency = settlement.DEFAULT_CURRENCY[self.country].lower()
        self.charges_enabled = False
        self.payouts_enabled = False
        self.details_submitted = False
        self.capabilities = {name: "inactive" for name in (capabilities or {"transfers": {}})}
        self.requirements = {"currently_due": ["external_account", "tos_acceptance.date"], "disabled_reason": None}

    def _onboard(self, payouts_enabled: bool = True) -> None:
        self.details_submitted = True
        self.charges_enabled = True
        self.payouts_enabled = payouts_enabled
        self.capabilities = {name: "active" for name in self.capabilities}
        self.requirements = {
            "currently_due": [] if payouts_enabled else ["external_account"],
            "disabled_reason": None if payouts_enabled else "requirements.past_due",
        }
        _emit("account.updated", self)

    @classmethod
    def _api_update(cls, id, **data):
        # Stripe lets a platform update metadata/email; the onboarding state is Stripe's.
        allowed = {"metadata", "email"}
        if set(data) - allowed:
            raise UserError(400, "Only metadata and email can be updated here")
        obj = super()._api_update(id, **data)
        _emit("account.updated", obj)
        return obj


class AccountLink(StripeObject):
    object = "account_link"
    _id_prefix = "acctlink_"

    def __init__(self, account=None, refresh_url=None, return_url=None, type=None, collect=None, **kwargs):
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs.keys()))
        if type not in ("account_onboarding", "account_update"):
            raise UserError(400, "type must be account_onboarding or account_update", {"param": "type"})
        for name, value in (("refresh_url", refresh_url), ("return_url", return_url)):
            if not isinstance(value, str) or not value.startswith("http"):
                raise UserError(400, f"{name} must be an http(s) URL", {"param": name})
        Account._api_retrieve(account or "")
        super().__init__()
        self.expires_at = self.created + 300
        query = urlencode({"return_url": return_url, "refresh_url": refresh_url})
        self.url = f"{_PUBLIC_BASE['url']}/_config/onboarding/{account}?{query}"
        # Account links are not retrievable on Stripe: drop it from the store.
        del store[self.object + ":" + self.id]


# --- Transfers and reversals ------------------------------------------------------------
def _source_charge(source_transaction: str | None) -> Charge | None:
    """The captured charge a transfer names as its source_transaction (None if it names none or no such)."""
    if not isinstance(source_transaction, str) or not source_transaction.startswith("ch_"):
        return None
    charge = store.get("charge:" + source_transaction)
    return charge if charge is not None and charge.captured and charge.status == "succeeded" else None


class Transfer(StripeObject):
    object = "transfer"
    _id_prefix = "tr_"

    def __init__(
        self,
        amount=None,
        currency=None,
        destination=None,
        transfer_group=None,
        metadata=None,
        description=None,
        source_transaction=None,
        **kwargs,
    ):
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs.keys()))
        amount = try_convert_to_int(amount)
        if not isinstance(amount, int) or amount <= 0:
            raise UserError(400, "amount must be a positive integer", {"param": "amount"})
        if not isinstance(currency, str) or len(currency) != 3:
            raise UserError(400, "currency must be a three-letter code", {"param": "currency"})
        destination_obj = Account._api_retrieve(destination or "")
        if destination_obj.capabilities.get("transfers") != "active":
            raise UserError(
                400,
                "Your destination account needs to have at least one of the following capabilities enabled: "
                "transfers, crypto_transfers, legacy_payments",
                {"code": "insufficient_capabilities_for_transfer", "param": "destination"},
            )
        if not settlement.can_receive(destination_obj.country, currency):
            # Stripe refuses a transfer an account cannot settle (its country's settlement currencies).
            accepted = ", ".join(sorted(settlement.SETTLEMENT_CURRENCIES[destination_obj.country]))
            raise UserError(
                400,
                f"Funds can't be sent to accounts located in {destination_obj.country} in {currency.upper()}: "
                f"this account can receive only {accepted}.",
                {"code": "transfers_not_allowed", "param": "currency"},
            )
        metadata = _check_metadata(metadata)
        transfer_id = self._id_prefix + random_id(14)
        source = _source_charge(source_transaction)
        try:
            balances.transfer_created(
                transfer_id=transfer_id,
                destination=destination,
                currency=currency,
                amount=amount,
                source_transaction=source_transaction,
                source_remaining=None if source is None else source.amount_captured - source.amount_refunded,
                source_currency=None if source is None else source.currency,
            )
        except balances.BalanceRefusal as refusal:
            raise UserError(400, refusal.message, {"code": refusal.code, "param": refusal.param}) from None
        super().__init__(id=transfer_id)
        self.amount = amount
        self.currency = currency.lower()
        self.destination = destination
        self.transfer_group = transfer_group
        self.metadata = metadata
        self.description = description
        self.source_transaction = source_transaction
        self.amount_reversed = 0
        self._reversals: list[TransferReversal] = []
        _emit("transfer.created", self)

    @property
    def reversed(self) -> bool:
        return self.amount_reversed >= self.amount

    @property
    def reversals(self) -> dict:
        return {
            "object": "list",
            "data": [r._export() for r in self._reversals],
            "has_more": False,
            "total_count": len(self._reversals),
            "url": f"/v1/transfers/{self.id}/reversals",
        }

    @classmethod
    def _api_list_all(cls, url, destination=None, transfer_group=None, limit=None, starting_after=None, **kwargs):
        li = super()._api_list_all(url, limit=limit, starting_after=starting_after, **kwargs)
        li._list = [
            t
            for t in li._list
            if (destination is None or t.destination == destination)
            and (transfer_group is None or t.transfer_group == transfer_group)
        ]
        return li

    @classmethod
    def _api_update(cls, id, **data):
        if set(data) - {"metadata", "description"}:
            raise UserError(400, "Only metadata and description can be updated")
        return super()._api_update(id, **data)

    @classmethod
    def _api_delete(cls, id):
        raise UserError(405, "Method Not Allowed")

    @classmethod
    def _api_create_reversal(cls, id, amount=None, metadata=None, description=None, **kwargs):
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs.keys()))
        transfer = cls._api_retrieve(id)
        return TransferReversal(transfer=transfer, amount=amount, metadata=metadata)

    @classmethod
    def _api_list_reversals(cls, id, **kwargs):
        transfer = cls._api_retrieve(id)
        li = List(f"/v1/transfers/{id}/reversals")
        li._list = list(transfer._reversals)
        return li


class TransferReversal(StripeObject):
    object = "transfer_reversal"
    _id_prefix = "trr_"

    def __init__(self, transfer: Transfer, amount=None, metadata=None):
        remaining = transfer.amount - transfer.amount_reversed
        amount = remaining if amount is None else try_convert_to_int(amount)
        if not isinstance(amount, int) or amount <= 0:
            raise UserError(400, "amount must be a positive integer", {"param": "amount"})
        if amount > remaining:
            raise UserError(
                400,
                f"You have requested a reversal of {amount}, which exceeds the remaining "
                f"unreversed amount of {remaining} on this transfer.",
                {"code": "parameter_invalid_integer", "param": "amount"},
            )
        metadata = _check_metadata(metadata)
        super().__init__()
        self.amount = amount
        self.currency = transfer.currency
        self.transfer = transfer.id
        self.metadata = metadata
        transfer.amount_reversed += amount
        transfer._reversals.append(self)
        balances.transfer_reversed(
            transfer_id=transfer.id,
            destination=transfer.destination,
            currency=transfer.currency,
            amount=amount,
            source_transaction=transfer.source_transaction,
        )
        _emit("transfer.reversed", transfer)


# --- Disputes (chargebacks), opened by a test or demo trigger ---------------------------
def _dispute_movement(dispute: Dispute, amount: int, fee: int, category: str) -> dict:
    """A balance transaction as Stripe lists it on `dispute.balance_transactions`."""
    return {
        "id": "txn_" + random_id(24),
        "object": "balance_transaction",
        "amount": amount,
        "fee": fee,
        "net": amount - fee,
        "currency": dispute.currency,
        "reporting_category": category,
        "type": "adjustment",
    }


class Dispute(StripeObject):
    object = "dispute"
    _id_prefix = "dp_"

    def __init__(self, charge: Charge, reason: str = "fraudulent"):
        super().__init__()
        self.amount = charge.amount
        self.currency = charge.currency
        self.charge = charge.id
        self.payment_intent = charge.payment_intent
        self.reason = reason
        self.status = "needs_response"
        self.metadata: dict[str, str] = {}
        fee = balances.settings["dispute_fee"]
        # Stripe lists the withdrawal (and later the reinstatement) with its fee on the dispute.
        self.balance_transactions = [
            _dispute_movement(self, -self.amount, fee, "dispute"),
        ]
        charge.disputed = True
        charge._refunds_refused = True  # until the dispute is won: the bank, not the platform, pays back
        self._charge = charge
        balances.dispute_opened(dispute_id=self.id, currency=self.currency, amount=self.amount)
        _emit("charge.dispute.created", self)
        _emit("charge.dispute.funds_withdrawn", self)

    def _close(self, outcome: str) -> None:
        """The bank's decision: `won` reinstates the disputed amount, `lost` keeps it withdrawn."""
        if self.status not in ("needs_response", "under_review", "warning_needs_response"):
            raise UserError(400, f"This dispute is already closed ({self.status}).")
        if outcome not in ("won", "lost"):
            raise UserError(400, "outcome must be won or lost", {"param": "outcome"})
        if self.status == "needs_response":
            # Evidence submitted (the dashboard's "Submit"): Stripe reports the review first.
            self.status = "under_review"
            _emit("charge.dispute.updated", self)
        self.status = outcome
        if outcome == "won":
            self._charge._refunds_refused = False
            self.balance_transactions.append(_dispute_movement(self, self.amount, 0, "dispute_reversal"))
            balances.dispute_won(dispute_id=self.id, currency=self.currency, amount=self.amount)
        _emit("charge.dispute.closed", self)
        if outcome == "won":
            _emit("charge.dispute.funds_reinstated", self)

    @classmethod
    def _api_create(cls, **data):
        raise UserError(405, "Method Not Allowed")


# --- Fixes to localstripe's own resources -----------------------------------------------
_original_trigger_payment = Charge._trigger_payment


def _trigger_payment(self, on_success=None):
    # The moment a charge's funds are taken: they enter the platform's pending balance
    # (before on_success, which refunds the uncaptured rest of a partial capture).
    if not self._is_async_payment_method():
        method = store.get("payment_method:" + str(self.payment_method))
        balances.charge_captured(
            charge_id=self.id,
            currency=self.currency,
            amount=self.amount,
            card_number=getattr(method, "_card_number", None),
        )
    _original_trigger_payment(self, on_success)


Charge._trigger_payment = _trigger_payment

_original_charging_is_declined = PaymentMethod._charging_is_declined


def _charging_is_declined(self) -> bool:
    # On Stripe, 4000000000000002 is the "generic decline" card when charged.
    if self.type == "card" and self._card_number == "4000000000000002":
        return True
    return _original_charging_is_declined(self)


PaymentMethod._charging_is_declined = _charging_is_declined

_original_pi_init = PaymentIntent.__init__


# PaymentMethods already used by a PaymentIntent while attached to no Customer.
_spent_payment_methods: set[str] = set()
SPENT_PAYMENT_METHOD = (
    "The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment, "
    "shared with a connected account without Customer attachment, or was detached from a Customer. "
    "It may not be used again. To use a PaymentMethod multiple times, you must attach it to a Customer first."
)


def _pi_init(self, *args, transfer_group=None, description=None, **kwargs):
    payment_method, customer = kwargs.get("payment_method"), kwargs.get("customer")
    # Stripe refuses a second PaymentIntent on a card that is not saved to a customer.
    if isinstance(payment_method, str) and not customer:
        method = PaymentMethod._api_retrieve(payment_method)
        if getattr(method, "customer", None) is None and payment_method in _spent_payment_methods:
            raise UserError(400, SPENT_PAYMENT_METHOD, {"param": "payment_method"})
    _original_pi_init(self, *args, **kwargs)
    self.transfer_group = transfer_group
    self.description = description
    if isinstance(payment_method, str) and not customer:
        _spent_payment_methods.add(payment_method)


PaymentIntent.__init__ = _pi_init


def _amount_capturable(self) -> int:
    return self.amount if self.status == "requires_capture" else 0


def _amount_received(self) -> int:
    charge = self.latest_charge
    if charge is None or not charge.captured or charge.status != "succeeded":
        return 0
    return charge.amount_captured


def _amount_captured(self) -> int:
    # Stripe's Charge.amount_captured: less than `amount` after a partial capture.
    if not self.captured or self.status != "succeeded":
        return 0
    captured = getattr(self, "_amount_captured", None)
    return self.amount if captured is None else captured


_original_charge_capture = Charge._capture


def _charge_capture(self, amount, on_success=None):
    # localstripe refunds the uncaptured remainder (as Stripe does: "any additional amount is
    # automatically refunded") but forgets how much was captured; PaymentIntent.amount_received
    # and Charge.amount_captured report the captured part only.
    wanted = self.amount if amount is None else try_convert_to_int(amount)
    if not self.captured and isinstance(wanted, int) and 0 < wanted <= self.amount:
        self._amount_captured = wanted
    _original_charge_capture(self, amount, on_success=on_success)


def _pi_capture(cls, id, amount_to_capture=None, **kwargs):
    obj = cls._api_retrieve(id) if isinstance(id, str) and id.startswith("pi_") else None
    if obj is not None and amount_to_capture is not None:
        wanted = try_convert_to_int(amount_to_capture)
        if not isinstance(wanted, int) or not 0 < wanted <= obj.amount:
            raise UserError(
                400,
                f"The amount to capture ({amount_to_capture}) must be positive and at most the "
                f"amount capturable ({obj.amount}).",
                {"code": "amount_too_large", "param": "amount_to_capture"},
            )
    return _original_pi_capture(cls, id, amount_to_capture=amount_to_capture, **kwargs)


Charge.amount_captured = property(_amount_captured)
Charge._capture = _charge_capture
_original_pi_capture = PaymentIntent._api_capture.__func__
PaymentIntent._api_capture = classmethod(_pi_capture)


PaymentIntent.amount_capturable = property(_amount_capturable)
PaymentIntent.amount_received = property(_amount_received)

_original_create_charge = PaymentIntent._create_charge


def _create_charge(self, on_failure_now):
    _original_create_charge(self, on_failure_now)
    if self.status == "requires_capture":
        _emit("payment_intent.amount_capturable_updated", self)


PaymentIntent._create_charge = _create_charge

_original_pi_cancel = PaymentIntent._api_cancel.__func__


def _pi_cancel(cls, id, cancellation_reason=None, **kwargs):
    obj = _original_pi_cancel(cls, id, **kwargs)
    obj.cancellation_reason = cancellation_reason
    _emit("payment_intent.canceled", obj)
    return obj


PaymentIntent._api_cancel = classmethod(_pi_cancel)
# localstripe's routes are built from `extra_apis` when its server module is imported,
# holding the original method: point that entry at ours first.
_patched_routes = {
    "/v1/payment_intents/{id}/cancel": PaymentIntent._api_cancel,
    "/v1/payment_intents/{id}/capture": PaymentIntent._api_capture,
}
resources.extra_apis[:] = [
    (method, url, _patched_routes.get(url, func))
    for method, url, func in resources.extra_apis
    # localstripe's balance is a constant 20 EUR: ours (retrieve_balance) keeps Stripe's rules.
    if (method, url) != ("GET", "/v1/balance")
]

_original_refund_init = Refund.__init__


def _refund_init(self, charge=None, payment_intent=None, amount=None, metadata=None, reason=None, **kwargs):
    charge_obj = None
    if payment_intent is not None and isinstance(payment_intent, str):
        pi = PaymentIntent._api_retrieve(payment_intent)
        charge_obj = pi.latest_charge
    elif isinstance(charge, str):
        charge_obj = Charge._api_retrieve(charge)
    if charge_obj is not None:
        if not charge_obj.captured:
            raise UserError(400, "This PaymentIntent has not been captured: cancel it instead.")
        if getattr(charge_obj, "_refunds_refused", False):
            raise UserError(
                400,
                f"Charge {charge_obj.id} has been charged back; cannot issue a refund.",
                {"code": "charge_disputed"},
            )
        remaining = charge_obj.amount - charge_obj.amount_refunded
        wanted = remaining if amount is None else try_convert_to_int(amount)
        if isinstance(wanted, int) and wanted > remaining:
            raise UserError(
                400,
                f"Refund amount ({wanted}) is greater than unrefunded amount on charge ({remaining})",
                {"code": "amount_too_large", "param": "amount"},
            )
    _original_refund_init(
        self, charge=charge, payment_intent=payment_intent, amount=amount, metadata=metadata, **kwargs
    )
    self.reason = reason
    if charge_obj is not None:
        balances.charge_refunded(charge_id=charge_obj.id, currency=charge_obj.currency, amount=self.amount)
        _emit("charge.refunded", charge_obj)


Refund.__init__ = _refund_init


# --- Saved cards: SetupIntents and off-session PaymentIntents, as on Stripe -----------------------
# Cards whose bank asks for authentication on every charge, however the card was saved: an
# off-session charge fails with `authentication_required` (Stripe's 4000002760003184).
ALWAYS_AUTHENTICATE = frozenset({"4000002760003184", "4000008260003178", "4000000000003220"})
# Cards a SetupIntent (with 3-D Secure) sets up for later off-session charges (Stripe's 4000002500003155).
_set_up_off_session: set[str] = set()


def _needs_authentication_off_session(method: PaymentMethod) -> bool:
    if method.type != "card" or not method._requires_authentication():
        return False
    return method._card_number in ALWAYS_AUTHENTICATE or method.id not in _set_up_off_session


def _setup_succeeded(setup: SetupIntent) -> None:
    """A confirmed SetupIntent saves its card to its customer for off-session use (Stripe attaches it)."""
    if setup.status != "succeeded" or not setup.payment_method:
        return
    method = PaymentMethod._api_retrieve(setup.payment_method)
    if setup.customer:
        method.customer = setup.customer
    if setup.usage == "off_session":
        _set_up_off_session.add(method.id)
    _emit("setup_intent.succeeded", setup)


_original_seti_create = SetupIntent._api_create.__func__


def _seti_create(cls, confirm=None, payment_method=None, **data):
    # Stripe accepts `payment_method` and `confirm=true` at creation; localstripe only on /confirm.
    confirm = try_convert_to_bool(confirm)
    if payment_method is not None and not isinstance(payment_method, str):
        raise UserError(400, "payment_method must be a PaymentMethod id", {"param": "payment_method"})
    method = PaymentMethod._api_retrieve(payment_method) if payment_method else None
    obj = _original_seti_create(cls, **data)
    if method is not None:
        obj.payment_method = method.id
        obj.status = "requires_confirmation"
    if confirm:
        if method is None:
            raise UserError(400, "confirm=true needs a payment_method", {"param": "payment_method"})
        obj._attach_pm(method)
        _setup_succeeded(obj)
    return obj


_original_seti_confirm = SetupIntent._api_confirm.__func__


def _seti_confirm(cls, id, **kwargs):
    obj = _original_seti_confirm(cls, id, **kwargs)
    _setup_succeeded(obj)
    return obj


SetupIntent._api_create = classmethod(_seti_create)
SetupIntent._api_confirm = classmethod(_seti_confirm)

_original_pi_create = PaymentIntent._api_create.__func__


def _pi_create(cls, confirm=None, off_session=None, **data):
    """`off_session=true`: nobody is there to answer the bank. A card that needs authentication fails
    with `authentication_required` (a 402 card error; the intent is left requires_payment_method), as on
    Stripe; a card declined when charged (4000000000000341) fails with `card_declined` as before."""
    off = try_convert_to_bool(off_session) is True
    method_id = data.get("payment_method")
    if off and try_convert_to_bool(confirm) is True and isinstance(method_id, str):
        method = PaymentMethod._api_retrieve(method_id)
        obj = _original_pi_create(cls, confirm=False, **data)
        if not _needs_authentication_off_session(method):
            # Set up for off-session use (or needing no authentication): charged without asking the bank.
            obj._create_charge(on_failure_now=obj._report_failure)
            return obj
        obj._authentication_failed = True
        obj.payment_method = None
        schedule_webhook(Event("payment_intent.payment_failed", obj))
        raise UserError(
            402,
            "Your card was declined. This transaction requires authentication.",
            {"code": "authentication_required", "decline_code": "authentication_required", "payment_intent": obj.id},
        )
    return _original_pi_create(cls, confirm=confirm, off_session=off_session, **data)


PaymentIntent._api_create = classmethod(_pi_create)
# localstripe's /confirm route holds the original method (see _patched_routes above): point it at ours.
resources.extra_apis[:] = [
    (method, url, SetupIntent._api_confirm if url == "/v1/setup_intents/{id}/confirm" else func)
    for method, url, func in resources.extra_apis
]

# Imported only now: importing it registers localstripe's routes from the patched resources.
from localstripe import server  # noqa: E402

# --- Idempotency keys --------------------------------------------------------------------
# (api key, idempotency key) -> (method, path, parameters digest, status, body)
_idempotent_responses: dict[tuple[str, str], tuple[str, str, str, int, bytes]] = {}


@web.middleware
async def idempotency_middleware(request: web.Request, handler):
    key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or not key or not request.path.startswith("/v1/"):
        return await handler(request)
    api_key = server.get_api_key(request) or ""
    body = await request.read()
    digest = hashlib.sha256(body).hexdigest()
    stored = _idempotent_responses.get((api_key, key))
    if stored is not None:
        method, path, stored_digest, status, payload = stored
        if (method, path) != (request.method, request.path) or stored_digest != digest:
            message = (
                "Keys for idempotent requests can only be used with the same parameters they were first used with."
            )
            return server.json_response({"error": {"type": "idempotency_error", "message": message}}, status=400)
        return web.Response(
            body=payload,
            status=status,
            content_type="application/json",
            headers={"Idempotent-Replayed": "true", "Idempotency-Key": key},
        )
    try:
        response = await handler(request)
    except UserError as error:
        response = error.to_response()
    if response.status < 500:
        _idempotent_responses[(api_key, key)] = (request.method, request.path, digest, response.status, response.body)
    response.headers["Idempotency-Key"] = key
    return response


# --- What the browser needs: Stripe.js additions, publishable-key card creation ---------------
_STRIPE_JS_ADDITIONS = """
// Added by Sharing's harness: what localstripe's Stripe.js stand-in lacks.
(function () {
  const base = LOCALSTRIPE_BASE_API;
  const makeStripe = Stripe;
  Stripe = (apiKey) => {
    const stripe = makeStripe(apiKey);
    stripe.createPaymentMethod = async (options) => {
      const element = options && (options.card || options.element);
      const card = element && element.value && element.value.card;
      if (!card || !card.number) {
        return {error: {message: 'Enter your card number, expiry date and security code.'}};
      }
      const body = new URLSearchParams({
        'type': 'card', 'key': apiKey, 'card[number]': card.number.replace(/\\s+/g, ''),
        'card[exp_month]': card.exp_month, 'card[exp_year]': card.exp_year, 'card[cvc]': card.cvc,
      });
      const response = await fetch(`${base}/v1/payment_methods`, {
        method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body,
      });
      const result = await response.json().catch(() => ({}));
      if (!response.ok || result.error) {
        return {error: result.error || {message: 'Your card details were refused.'}};
      }
      return {paymentMethod: result};
    };
    // With server-side confirmation, 3-D Secure is the same dialog as confirmCardPayment.
    stripe.handleCardAction = (clientSecret) => stripe.confirmCardPayment(clientSecret);
    // A SetupIntent the server already confirmed with the card (a card saved for a later charge):
    // Stripe.js runs the bank's check only; localstripe's version wants the card details again.
    const confirmCardSetup = stripe.confirmCardSetup;
    stripe.confirmCardSetup = async (clientSecret, data) => {
      if (data) return confirmCardSetup(clientSecret, data);
      const seti = clientSecret.match(/^(seti_\\w+)_secret_/)[1];
      const success = await openModal('3D Secure\\nDo you want to confirm or cancel?',
                                      'Complete authentication', 'Fail authentication');
      const response = await fetch(`${base}/v1/setup_intents/${seti}/${success ? 'confirm' : 'cancel'}`, {
        method: 'POST', body: JSON.stringify({key: apiKey, use_stripe_sdk: true, client_secret: clientSecret}),
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok || body.error) return {error: body.error || {message: 'The card check failed.'}};
      return body.status === 'succeeded' ? {setupIntent: body}
        : {error: {message: 'The card could not be confirmed with your bank.'}};
    };
    return stripe;
  };
})();
"""


@web.middleware
async def browser_middleware(request: web.Request, handler):
    if request.method == "GET" and request.path == "/js.stripe.com/v3/":
        response = await handler(request)
        # localstripe's script declares `class Element` (and other names) at the top level, which
        # shadows the DOM's Element for every script of the page: htmx's `instanceof Element` then
        # fails and no hx- attribute works. Run it in its own function scope; it still sets the
        # global `Stripe` (a plain assignment), the only name the real Stripe.js gives the page.
        script = f"(function () {{\n{response.text}\n{_STRIPE_JS_ADDITIONS}\n}})();\n"
        return web.Response(text=script, content_type="application/javascript")
    if request.method == "POST" and request.path == "/v1/payment_methods" and "Authorization" not in request.headers:
        # Stripe.js creates card PaymentMethods with the publishable key; localstripe only
        # accepts secret keys there, so the browser's request is let through as Stripe would.
        headers = {**request.headers, "Authorization": "Bearer sk_test_from_publishable_key"}
        request = request.clone(headers=headers)
    return await handler(request)


# --- Routes ---------------------------------------------------------------------------------
async def onboarding_page(request: web.Request) -> web.Response:
    """Stands in for Stripe's hosted onboarding: one button marks the account onboarded."""
    account = Account._api_retrieve(request.match_info["id"])
    return_url = request.query.get("return_url", "")
    if request.method == "POST":
        form = await request.post()
        account._onboard(payouts_enabled=form.get("payouts") != "restricted")
        raise web.HTTPFound(return_url or "/")
    body = f"""<!doctype html><html><head><meta charset="utf-8"><title>Payout onboarding (test)</title></head>
<body style="font-family: sans-serif; max-width: 32rem; margin: 3rem auto">
<h1>Payout onboarding</h1>
<p>This page stands in for Stripe's hosted onboarding of account <code>{html.escape(account.id)}</code>.
Nothing is real: no bank details are asked.</p>
<form method="post"><button type="submit">Complete onboarding</button></form>
<form method="post"><input type="hidden" name="payouts" value="restricted">
<button type="submit">Finish with payouts still restricted</button></form>
</body></html>"""
    return web.Response(text=body, content_type="text/html")


async def config_onboard(request: web.Request) -> web.Response:
    account = Account._api_retrieve(request.match_info["id"])
    data = await server.get_post_data(request) or {}
    account._onboard(payouts_enabled=try_convert_to_bool(data.get("payouts_enabled", True)) is not False)
    return server.json_response(account._export())


async def config_dispute(request: web.Request) -> web.Response:
    charge = Charge._api_retrieve(request.match_info["id"])
    data = await server.get_post_data(request) or {}
    dispute = Dispute(charge, reason=data.get("reason") or "fraudulent")
    return server.json_response(dispute._export())


async def config_close_dispute(request: web.Request) -> web.Response:
    dispute = Dispute._api_retrieve(request.match_info["id"])
    data = await server.get_post_data(request) or {}
    dispute._close(str(data.get("outcome", "")))
    return server.json_response(dispute._export())


async def config_clock(request: web.Request) -> web.Response:
    """Move the harness's clock forward, so pending funds become available in tests."""
    data = await server.get_post_data(request) or {}
    seconds = try_convert_to_int(data.get("advance_seconds", 0))
    if not isinstance(seconds, int) or seconds < 0:
        raise UserError(400, "advance_seconds must be a whole number of seconds, not negative")
    return web.json_response({"now": int(balances.advance_clock(seconds))})


async def config_balance_settings(request: web.Request) -> web.Response:
    data = await server.get_post_data(request) or {}
    for name in ("available_after_seconds", "dispute_fee"):
        if name in data:
            value = try_convert_to_int(data[name])
            if not isinstance(value, int) or value < 0:
                raise UserError(400, f"{name} must be a whole number, not negative")
            balances.settings[name] = value
    return web.json_response(balances.settings)


async def retrieve_balance(request: web.Request) -> web.Response:
    """GET /v1/balance: the platform's, or a connected account's with the Stripe-Account header."""
    if not server.get_api_key(request):
        raise UserError(401, "Unauthorized")
    account = request.headers.get("Stripe-Account") or balances.PLATFORM
    if account != balances.PLATFORM:
        Account._api_retrieve(account)
    return web.json_response(balances.balance(account))


async def health(request: web.Request) -> web.Response:
    return web.json_response({"ok": True, "time": int(time.time())})


def _install() -> web.Application:
    app = server.app
    app.middlewares.insert(1, browser_middleware)  # before localstripe's authentication
    app.middlewares.append(idempotency_middleware)
    router = app.router
    extra = (
        ("POST", "/v1/transfers/{id}/reversals", Transfer._api_create_reversal),
        ("GET", "/v1/transfers/{id}/reversals", Transfer._api_list_reversals),
    )
    for method, url, func in extra:
        router.add_route(method, url, server.api_extra(func, url))
    for cls, actions in (
        (Account, ("create", "retrieve", "update", "list")),
        (AccountLink, ("create",)),
        (Transfer, ("create", "retrieve", "update", "list")),
        (Dispute, ("retrieve", "list")),
    ):
        base = "/v1/" + cls.object + "s"
        routes = {
            "create": ("POST", base, server.api_create),
            "retrieve": ("GET", base + "/{id}", server.api_retrieve),
            "update": ("POST", base + "/{id}", server.api_update),
            "list": ("GET", base, server.api_list_all),
        }
        for action in actions:
            method, url, factory = routes[action]
            router.add_route(method, url, factory(cls, url))
    # Under /_config/ because localstripe lets only that prefix through without an API key.
    router.add_route("GET", "/_config/onboarding/{id}", onboarding_page)
    router.add_route("POST", "/_config/onboarding/{id}", onboarding_page)
    router.add_post("/_config/accounts/{id}/onboard", config_onboard)
    router.add_post("/_config/charges/{id}/dispute", config_dispute)
    router.add_post("/_config/disputes/{id}/close", config_close_dispute)
    router.add_post("/_config/clock", config_clock)
    router.add_post("/_config/balance_settings", config_balance_settings)
    router.add_get("/v1/balance", retrieve_balance)
    router.add_get("/_config/health", health)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="localstripe with Connect, transfers and idempotency keys")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--public-url", default="", help="base URL that browsers use to reach this server")
    parser.add_argument("--quiet", action="store_true", help="no access log")
    args = parser.parse_args()
    _PUBLIC_BASE["url"] = args.public_url or f"http://{args.host}:{args.port}"
    app = _install()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    access_log = None if args.quiet else logging.getLogger("aiohttp.access")
    if access_log is not None:
        access_log.setLevel(logging.INFO)
        access_log.addHandler(logging.StreamHandler())
    print(json.dumps({"localstripe": _PUBLIC_BASE["url"]}), flush=True)
    web.run_app(app, sock=sock, access_log=access_log, print=None)


if __name__ == "__main__":
    main()
