"""The only module that talks to Stripe, through the official SDK's `StripeClient`.

With `STRIPE_API_BASE` set (the default, http://127.0.0.1:8420) every call goes to the
localstripe harness (`devtools/localstripe_server.py`); with it empty and real keys set,
the same calls go to Stripe. Every mutating call takes an idempotency key, so a retry
after a crash or a timeout never charges or pays twice. Stripe's errors become
`PaymentFailed` with a message a person can act on.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import stripe
from django.conf import settings
from django.utils.translation import gettext, gettext_noop

from payments.errors import PaymentFailed, PaymentServiceUnavailable

logger = logging.getLogger(__name__)

Metadata = dict[str, str]


def idempotency_key(kind: str, object_id: int | str | UUID, action: str, *parts: int | str) -> str:
    """A stable key for one action on one object, e.g. ("booking", 42, "capture") -> "sharing:booking:42:capture".

    Stripe keeps keys for 24 hours: within that window the same key always returns
    the first result instead of acting again.
    """
    pieces = [kind, str(object_id), action, *(str(part) for part in parts)]
    if any(not piece or ":" in piece for piece in pieces):
        raise ValueError(f"idempotency key parts must be non-empty and free of ':': {pieces!r}")
    return "sharing:" + ":".join(pieces)


@functools.cache
def _client_for(
    api_key: str, api_base: str, connect_timeout: float, read_timeout: float, retries: int
) -> stripe.StripeClient:
    base_addresses: dict[str, str] = {}
    if api_base:
        base_addresses = {"api": api_base, "connect": api_base, "files": api_base}
    # Bounded: connect and read in seconds (the SDK's default is 80 s, retried), so a Stripe that
    # hangs costs seconds and the operation stays pending for the re-driver. Retries reuse the
    # idempotency key, so they are safe; one covers a dropped connection.
    http_client = stripe.RequestsClient(timeout=(connect_timeout, read_timeout))
    return stripe.StripeClient(
        api_key,
        base_addresses=base_addresses,  # type: ignore[arg-type]
        http_client=http_client,
        max_network_retries=retries,
    )


def client() -> stripe.StripeClient:
    """The SDK client for the current settings (tests point STRIPE_API_BASE at their own harness)."""
    return _client_for(
        settings.STRIPE_SECRET_KEY,
        settings.STRIPE_API_BASE.rstrip("/"),
        settings.STRIPE_CONNECT_TIMEOUT,  # seconds (settings make them numbers), not money
        settings.STRIPE_READ_TIMEOUT,
        int(settings.STRIPE_MAX_NETWORK_RETRIES),
    )


_DECLINE_MESSAGES = {
    "card_declined": "Your card was declined. Try another card or contact your bank.",
    "insufficient_funds": "Your card has insufficient funds. Try another card.",
    "expired_card": "Your card has expired. Try another card.",
    "incorrect_cvc": "The card's security code is incorrect.",
    "processing_error": "Your card could not be processed. Try again in a moment.",
    "payment_intent_authentication_failure": "The card's authentication failed. Try again or use another card.",
    "authentication_required": "Your bank wants you to confirm this payment yourself. Pay on the booking page.",
}


@contextmanager
def _stripe_errors(action: str) -> Iterator[None]:
    """Turn the SDK's exceptions into PaymentFailed (a 402 people can read), never a 500."""
    try:
        yield
    except stripe.CardError as error:
        code = error.code or "card_declined"
        message = _DECLINE_MESSAGES.get(code) or (error.user_message or "Your card was declined.")
        raise PaymentFailed(message, code=code) from error
    except stripe.IdempotencyError as error:
        logger.error("Stripe idempotency conflict during %s: %s", action, error)
        raise PaymentFailed(
            gettext_noop("This payment operation was already attempted with different details. Contact support."),
            code="idempotency_error",
        ) from error
    except stripe.InvalidRequestError as error:
        logger.warning("Stripe refused %s: %s", action, error)
        # Stripe's own words come in English (or the card holder's bank's language): kept as a value.
        reason = error.user_message or gettext("The payment provider refused this operation.")
        raise PaymentFailed(
            gettext_noop("Payment could not be completed: %(reason)s"),
            params={"reason": reason},
            code=error.code or "invalid_request",
        ) from error
    except stripe.APIConnectionError as error:
        logger.error("Stripe unreachable during %s: %s", action, error)
        raise PaymentServiceUnavailable(
            gettext_noop("The payment service is not answering right now. Nothing was charged; try again in a minute."),
            code="stripe_unreachable",
        ) from error
    except stripe.StripeError as error:
        logger.error("Stripe error during %s: %s", action, error)
        raise PaymentServiceUnavailable(
            gettext_noop("The payment service reported an error. Nothing was changed; try again later."),
            code="stripe_error",
        ) from error


def _call(action: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with _stripe_errors(action):
        return func(*args, **kwargs)


def _options(key: str) -> dict[str, str]:
    if not key:
        raise ValueError("every mutating Stripe call needs an idempotency key")
    return {"idempotency_key": key}


# --- PaymentIntents (guest payments, manual capture) ---------------------------------------
def create_payment_intent(
    *,
    amount: int,
    currency: str,
    payment_method: str,
    idempotency_key: str,
    customer: str | None = None,
    metadata: Metadata | None = None,
    transfer_group: str | None = None,
    confirm: bool = True,
    off_session: bool = False,
) -> stripe.PaymentIntent:
    """Create (and by default confirm) a manual-capture PaymentIntent: the card is authorised, not charged.

    A card that needs 3-D Secure comes back with status `requires_action`; a declined
    card raises PaymentFailed.

    `off_session` (a saved card charged with nobody there: `customer` required): the amount is
    charged at once (automatic capture); a card whose bank wants authentication raises
    PaymentFailed with code `authentication_required`, as Stripe answers.
    """
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ValueError("amount must be a positive integer in minor units")
    params: dict[str, Any] = {
        "amount": amount,
        "currency": currency.lower(),
        "payment_method": payment_method,
        "payment_method_types": ["card"],
        "capture_method": "automatic" if off_session else "manual",
        "metadata": metadata or {},
        "confirm": confirm,
    }
    if off_session:
        if not customer:
            raise ValueError("an off-session charge needs the customer the card is saved to")
        params["off_session"] = True
    if customer:
        params["customer"] = customer
    if transfer_group:
        params["transfer_group"] = transfer_group
    return _call(
        "create_payment_intent", client().v1.payment_intents.create, params=params, options=_options(idempotency_key)
    )


def retrieve_payment_intent(payment_intent_id: str) -> stripe.PaymentIntent:
    return _call("retrieve_payment_intent", client().v1.payment_intents.retrieve, payment_intent_id)


def confirm_payment_intent(payment_intent_id: str, *, idempotency_key: str) -> stripe.PaymentIntent:
    return _call(
        "confirm_payment_intent",
        client().v1.payment_intents.confirm,
        payment_intent_id,
        options=_options(idempotency_key),
    )


def capture_payment_intent(
    payment_intent_id: str, *, idempotency_key: str, amount_to_capture: int | None = None
) -> stripe.PaymentIntent:
    params: dict[str, Any] = {}
    if amount_to_capture is not None:
        params["amount_to_capture"] = amount_to_capture
    return _call(
        "capture_payment_intent",
        client().v1.payment_intents.capture,
        payment_intent_id,
        params=params,
        options=_options(idempotency_key),
    )


def cancel_payment_intent(payment_intent_id: str, *, idempotency_key: str) -> stripe.PaymentIntent:
    return _call(
        "cancel_payment_intent",
        client().v1.payment_intents.cancel,
        payment_intent_id,
        options=_options(idempotency_key),
    )


def create_refund(
    *, payment_intent_id: str, amount: int, idempotency_key: str, metadata: Metadata | None = None
) -> stripe.Refund:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ValueError("refund amount must be a positive integer in minor units")
    params = {"payment_intent": payment_intent_id, "amount": amount, "metadata": metadata or {}}
    return _call("create_refund", client().v1.refunds.create, params=params, options=_options(idempotency_key))


def list_refunds(payment_intent_id: str) -> list[stripe.Refund]:
    """Every refund Stripe made on this PaymentIntent (with the metadata we sent)."""
    page = _call("list_refunds", client().v1.refunds.list, params={"payment_intent": payment_intent_id, "limit": 100})
    return list(page.data)


def metadata_of(obj: Any) -> dict[str, str]:
    """A Stripe object's metadata as a plain dict (the SDK's StripeObject has no `.get`)."""
    metadata = getattr(obj, "metadata", None)
    if not metadata:
        return {}
    plain = metadata.to_dict() if hasattr(metadata, "to_dict") else dict(metadata)
    return {str(name): str(value) for name, value in plain.items()}


def latest_charge_id(intent: stripe.PaymentIntent) -> str | None:
    """The id of the intent's charge (Stripe sends an id; localstripe the expanded object)."""
    charge = intent.latest_charge
    if charge is None or isinstance(charge, str):
        return charge
    return charge.id


def retrieve_charge(charge_id: str) -> stripe.Charge:
    return _call("retrieve_charge", client().v1.charges.retrieve, charge_id)


def retrieve_dispute(dispute_id: str) -> stripe.Dispute:
    return _call("retrieve_dispute", client().v1.disputes.retrieve, dispute_id)


# --- Customers and saved cards (a renter's card kept for a car rental: payments.deposits) ---------
def create_customer(*, idempotency_key: str, metadata: Metadata | None = None) -> stripe.Customer:
    params = {"metadata": metadata or {}}
    return _call("create_customer", client().v1.customers.create, params=params, options=_options(idempotency_key))


def attach_payment_method(payment_method: str, *, customer: str, idempotency_key: str) -> stripe.PaymentMethod:
    return _call(
        "attach_payment_method",
        client().v1.payment_methods.attach,
        payment_method,
        params={"customer": customer},
        options=_options(idempotency_key),
    )


def create_setup_intent(
    *, customer: str, payment_method: str, idempotency_key: str, metadata: Metadata | None = None
) -> stripe.SetupIntent:
    """Save `payment_method` to `customer` for later off-session charges (confirmed now).

    Comes back `succeeded` (the card is attached to the customer) or `requires_action` (the bank
    wants 3-D Secure: Stripe.js's confirmCardSetup with its client_secret); a card refused raises.
    """
    params = {
        "customer": customer,
        "payment_method": payment_method,
        "payment_method_types": ["card"],
        "usage": "off_session",
        "confirm": True,
        "metadata": metadata or {},
    }
    return _call(
        "create_setup_intent", client().v1.setup_intents.create, params=params, options=_options(idempotency_key)
    )


def retrieve_setup_intent(setup_intent_id: str) -> stripe.SetupIntent:
    return _call("retrieve_setup_intent", client().v1.setup_intents.retrieve, setup_intent_id)


# --- Connect Express accounts (hosts' payout accounts) ------------------------------------
def create_connected_account(
    *, email: str, country: str, idempotency_key: str, metadata: Metadata | None = None
) -> stripe.Account:
    params = {
        "type": "express",
        "email": email,
        "country": country,
        "capabilities": {"transfers": {"requested": True}},
        "metadata": metadata or {},
    }
    return _call(
        "create_connected_account", client().v1.accounts.create, params=params, options=_options(idempotency_key)
    )


def create_account_link(*, account_id: str, refresh_url: str, return_url: str) -> stripe.AccountLink:
    """A one-time onboarding URL; not idempotent on purpose (each link expires after minutes)."""
    params = {"account": account_id, "refresh_url": refresh_url, "return_url": return_url, "type": "account_onboarding"}
    return _call("create_account_link", client().v1.account_links.create, params=params)


def retrieve_account(account_id: str) -> stripe.Account:
    return _call("retrieve_account", client().v1.accounts.retrieve, account_id)


# --- Transfers (payouts to hosts) and their reversals -------------------------------------
def create_transfer(
    *,
    amount: int,
    currency: str,
    destination: str,
    idempotency_key: str,
    transfer_group: str | None = None,
    source_transaction: str | None = None,
    metadata: Metadata | None = None,
) -> stripe.Transfer:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ValueError("transfer amount must be a positive integer in minor units")
    params: dict[str, Any] = {
        "amount": amount,
        "currency": currency.lower(),
        "destination": destination,
        "metadata": metadata or {},
    }
    if transfer_group:
        params["transfer_group"] = transfer_group
    if source_transaction:
        params["source_transaction"] = source_transaction
    return _call("create_transfer", client().v1.transfers.create, params=params, options=_options(idempotency_key))


def retrieve_transfer(transfer_id: str) -> stripe.Transfer:
    return _call("retrieve_transfer", client().v1.transfers.retrieve, transfer_id)


def list_transfers(*, transfer_group: str) -> list[stripe.Transfer]:
    """Every transfer Stripe made in `transfer_group` (a payment's reference), with the metadata we sent."""
    params = {"transfer_group": transfer_group, "limit": 100}
    return list(_call("list_transfers", client().v1.transfers.list, params=params).data)


def reverse_transfer(
    *, transfer_id: str, amount: int, idempotency_key: str, metadata: Metadata | None = None
) -> stripe.TransferReversal:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ValueError("reversal amount must be a positive integer in minor units")
    return _call(
        "reverse_transfer",
        client().v1.transfers.reversals.create,
        transfer_id,
        params={"amount": amount, "metadata": metadata or {}},
        options=_options(idempotency_key),
    )


# --- Webhooks --------------------------------------------------------------------------------
def construct_event(payload: bytes, signature: str | None) -> stripe.Event:
    """Verify the signature with the endpoint secret; raises stripe.SignatureVerificationError or ValueError."""
    return stripe.Webhook.construct_event(payload, signature or "", settings.STRIPE_WEBHOOK_SECRET)
