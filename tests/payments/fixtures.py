"""Payment test fixtures, importable by any test package's conftest.

- `localstripe`: one real harness process (devtools/localstripe_server.py) per test
  session and xdist worker, on a free port; killed at the end.
- `stripe_api`: points the site's Stripe settings at it for one test.
- `ledger_checked`: runs every ledger invariant after the test (use it in any test that moves money).

In another package: `from tests.payments.fixtures import ledger_checked, localstripe, stripe_api  # noqa: F401`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import subprocess
import sys
import time
import traceback
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from payments import gateway
from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
WEBHOOK_SECRET = "whsec_sharing_tests"
VISA = "4242424242424242"
DECLINED = "4000000000000002"
THREE_D_SECURE = "4000002760003184"
INSTANT_AVAILABLE = "4000000000000077"


@pytest.fixture(scope="session")
def localstripe() -> Iterator[str]:
    """Base URL of a localstripe harness started for this session (this xdist worker)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "devtools.localstripe_server", "--port", str(port), "--quiet"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"localstripe harness exited: {process.stderr.read().decode()[-2000:]}")
            try:
                if requests.get(f"{base}/_config/health", timeout=0.5).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("localstripe harness did not answer within 20 s")
            time.sleep(0.05)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def stripe_api(localstripe: str, settings) -> str:
    settings.STRIPE_API_BASE = localstripe
    # Idempotency keys are scoped to the API key, as on Stripe. Database ids restart in each
    # test while the harness lives for the session, so each test gets its own key space.
    settings.STRIPE_SECRET_KEY = "sk_test_" + uuid.uuid4().hex
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return localstripe


@pytest.fixture
def money_sent_after_commit(request: pytest.FixtureRequest) -> Iterator[None]:
    """Run the money outbox's after-commit sends when the service's transaction ends, as a commit would.

    A non-transactional database test runs inside a transaction that never commits, so
    `transaction.on_commit` callbacks would never run and no booking's money would move. This
    runs the outbox's callbacks (marked `money_outbox`, payments.outbox.after_commit) when the
    last atomic block opened by the code under test exits without error; a rolled-back block
    has already dropped its callbacks. Failures are logged and swallowed, as robust callbacks are.
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
    transactional = transactional or "transactional_db" in request.fixturenames or "live_server" in request.fixturenames
    if transactional or (marker is None and "db" not in request.fixturenames):
        yield  # real commits run the callbacks themselves; no database, nothing to send
        return
    request.getfixturevalue("db")
    from django.db import connection, transaction

    baseline = len(connection.savepoint_ids)
    original_exit = transaction.Atomic.__exit__

    def exit_and_send(self, exc_type, exc_value, traceback):  # type: ignore[no-untyped-def]
        result = original_exit(self, exc_type, exc_value, traceback)
        if (
            exc_type is None
            and connection.in_atomic_block
            and not connection.needs_rollback
            and len(connection.savepoint_ids) == baseline
        ):
            send_pending_money()
        return result

    transaction.Atomic.__exit__ = exit_and_send
    try:
        yield
    finally:
        transaction.Atomic.__exit__ = original_exit


@pytest.fixture
def no_stripe_call_in_transaction(request: pytest.FixtureRequest) -> Iterator[list[str]]:
    """Fail the test if the site called Stripe while a database transaction of its own was open.

    The rule (payments.outbox): record the operation in the transaction, call Stripe after
    commit, record the answer in a second short transaction. Every gateway function goes
    through `gateway._call`, so this wraps it. A non-transactional test itself runs inside the
    test's transaction: there, "open" means deeper than the test's own blocks (as
    `money_sent_after_commit` sees a commit); a transactional test, or another thread, must
    have no atomic block open at all. Violations are collected (code under test may swallow an
    exception, as a webhook's failure handler does) and reported when the test ends.
    """
    from django.db import DEFAULT_DB_ALIAS, connections

    if request.node.get_closest_marker("stripe_in_caller_transaction"):
        yield []  # the test wraps a service in its own transaction on purpose (rollback safety)
        return
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
    transactional = transactional or "transactional_db" in request.fixturenames or "live_server" in request.fixturenames
    if not transactional and (marker is not None or "db" in request.fixturenames):
        request.getfixturevalue("db")
    test_connection = connections[DEFAULT_DB_ALIAS]
    # Savepoints the test's own blocks opened: the code under test starts deeper than these.
    in_test_transaction = test_connection.in_atomic_block and not transactional
    baseline = len(test_connection.savepoint_ids)
    violations: list[str] = []
    real_call = gateway._call

    def guarded_call(action: str, *args: Any, **kwargs: Any) -> Any:
        current = connections[DEFAULT_DB_ALIAS]  # this thread's connection
        if current is test_connection and in_test_transaction:
            inside = current.in_atomic_block and len(current.savepoint_ids) > baseline
        else:
            inside = current.in_atomic_block
        if inside:
            where = " <- ".join(
                f"{frame.name} ({Path(frame.filename).name}:{frame.lineno})"
                for frame in reversed(traceback.extract_stack(limit=16)[:-1])
                if "site-packages" not in frame.filename and "/tests/" not in frame.filename
            )
            violations.append(f"Stripe {action} inside a transaction: {where}")
        return real_call(action, *args, **kwargs)

    gateway._call = guarded_call
    try:
        yield violations
    finally:
        gateway._call = real_call
    assert not violations, "Stripe was called with a transaction open:\n" + "\n".join(violations)


def _sent() -> None:
    """Stands in for an outbox callback the fixture already ran."""


def send_pending_money() -> None:
    """Run the money outbox's after-commit callbacks waiting on the connection now, as a commit would.

    For data built inside a transaction that never commits (a module's world, see
    tests/security/conftest.py), so its bookings' money is settled before the tests look at it.
    """
    from django.db import connection

    due = []
    for index, (sids, func, robust) in enumerate(connection.run_on_commit):
        if getattr(func, "money_outbox", False):
            connection.run_on_commit[index] = (sids, _sent, robust)
            due.append(func)
    for func in due:
        try:
            func()
        except Exception:
            logging.getLogger(__name__).exception("after-commit money send failed (as a robust callback)")


@pytest.fixture
def ledger_checked(db) -> Iterator[None]:
    """Fails the test if any ledger invariant is broken once it has run."""
    yield
    from payments.ledger import check_ledger

    problems = check_ledger()
    assert not problems, "ledger_check failed:\n" + "\n".join(str(p) for p in problems)


# --- Helpers that act as the guest's browser or as Stripe ------------------------------------
def card(number: str = VISA) -> str:
    """A PaymentMethod id for a test card, as Stripe.js would create it in the guest's browser."""
    method = gateway.client().v1.payment_methods.create(
        params={"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}}
    )
    return method.id


def fund_platform(amount: int, currency: str = "EUR") -> None:
    """Make sure the platform has at least `amount` available, topped up as Stripe's test card 4000000000000077
    does (its funds skip the pending balance), for tests of transfers that name no charge: the harness refuses
    those beyond the available balance, which other tests of this worker's harness (chargebacks) may have drawn."""
    balance = gateway.client().v1.balance.retrieve().to_dict()
    available = sum(row["amount"] for row in balance["available"] if row["currency"] == currency.lower())
    if available >= amount:
        return
    intent = gateway.create_payment_intent(
        amount=amount - available,
        currency=currency,
        payment_method=card(INSTANT_AVAILABLE),
        idempotency_key=gateway.idempotency_key("test", "fund", uuid.uuid4().hex),
    )
    gateway.capture_payment_intent(intent.id, idempotency_key=gateway.idempotency_key("test", "fund", intent.id))


def complete_3d_secure(base: str, payment_intent_id: str, client_secret: str, *, success: bool = True) -> None:
    """What the guest does in Stripe.js's 3-D Secure dialog (localstripe's authentication endpoint)."""
    response = requests.post(
        f"{base}/v1/payment_intents/{payment_intent_id}/_authenticate",
        data={"client_secret": client_secret, "success": "true" if success else "false", "key": "pk_test_sharing"},
        timeout=5,
    )
    response.raise_for_status()


def onboard(base: str, account_id: str, *, payouts_enabled: bool = True) -> None:
    """The host finishes Stripe's onboarding (the harness's test trigger)."""
    response = requests.post(
        f"{base}/_config/accounts/{account_id}/onboard",
        data={"payouts_enabled": "true" if payouts_enabled else "false"},
        timeout=5,
    )
    response.raise_for_status()


def signed_event(event_type: str, obj: dict[str, Any], *, event_id: str | None = None, secret: str = WEBHOOK_SECRET):
    """(body, signature header) of an event as Stripe would post it to the webhook endpoint."""
    event_id = event_id or "evt_test_" + uuid.uuid4().hex[:16]
    body = json.dumps(
        {"id": event_id, "object": "event", "type": event_type, "created": int(time.time()), "data": {"object": obj}}
    ).encode()
    timestamp = int(time.time())
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={timestamp},v1={signature}"
