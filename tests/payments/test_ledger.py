"""The double-entry ledger: balanced postings only, append-only rows, and a check that catches corruption."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from core.money import format_money
from payments import ledger
from payments.errors import LedgerImbalance
from payments.ledger import Line, check_ledger, post_transaction
from payments.models import ESCROW, GUEST_FUNDING, PLATFORM_FEES, REFUNDS_PAID, LedgerEntry, LedgerTransaction, Payment
from payments.services import guest_payments, host_payouts
from tests.payments.helpers import captured_payment, host_with_payout_account

pytestmark = pytest.mark.django_db
PAYMENTS_DIR = Path(__file__).resolve().parents[2] / "payments"


def test_balanced_posting_is_recorded_and_balances_are_sums():
    post_transaction(
        lines=[Line(GUEST_FUNDING, -1_000, "EUR"), Line(ESCROW, 1_000, "EUR")], reference="booking:1", description="in"
    )
    post_transaction(
        lines=[Line(ESCROW, -300, "EUR"), Line(REFUNDS_PAID, 300, "EUR")], reference="booking:1", description="out"
    )
    assert ledger.escrow_balance(reference="booking:1", currency="EUR") == 700
    assert ledger.balance(GUEST_FUNDING, currency="EUR") == -1_000
    assert ledger.escrow_balance(reference="booking:2", currency="EUR") == 0


@pytest.mark.parametrize(
    "lines",
    [
        [Line(GUEST_FUNDING, -1_000, "EUR"), Line(ESCROW, 999, "EUR")],
        # Balanced overall but not per currency:
        [Line(GUEST_FUNDING, -1_000, "EUR"), Line(ESCROW, 1_000, "USD")],
        [Line(ESCROW, 10, "EUR")],
        [],
    ],
)
def test_unbalanced_posting_is_refused_and_writes_nothing(lines):
    with pytest.raises(LedgerImbalance):
        post_transaction(lines=lines, reference="booking:1", description="bad")
    assert not LedgerTransaction.objects.exists()
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (Line(ESCROW, 10.0, "EUR"), "integers"),  # type: ignore[arg-type]
        (Line("cash_drawer", 10, "EUR"), "Unknown ledger account"),
        (Line(ESCROW, 10, "eur"), "upper-case"),
    ],
)
def test_malformed_lines_are_refused(line, message):
    with pytest.raises(LedgerImbalance, match=message):
        post_transaction(lines=[line, Line(GUEST_FUNDING, -10, "EUR")], reference="booking:1", description="bad")


def test_database_refuses_a_zero_entry_and_an_unknown_account():
    tx = LedgerTransaction.objects.create(reference="booking:1", description="raw", created_at="2026-01-01T00:00Z")
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(transaction=tx, account=ESCROW, amount=0, currency="EUR")
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(transaction=tx, account="cash_drawer", amount=5, currency="EUR")
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(transaction=tx, account=ESCROW, amount=5, currency="eur")


def test_database_refuses_a_payment_with_more_released_than_captured():
    payment = captured_payment(1_000)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(refunded_amount=600, platform_fee_amount=500)


def test_ledger_rows_cannot_be_edited_or_deleted():
    tx = post_transaction(
        lines=[Line(GUEST_FUNDING, -5, "EUR"), Line(ESCROW, 5, "EUR")], reference="booking:1", description="in"
    )
    entry = tx.entries.first()
    entry.amount = 50
    with pytest.raises(TypeError, match="append-only"):
        entry.save()
    with pytest.raises(TypeError, match="append-only"):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=50)
    with pytest.raises(TypeError, match="append-only"):
        LedgerEntry.objects.all().delete()


def test_ledger_check_passes_after_a_full_money_trail(localstripe, capsys):
    host = host_with_payout_account(localstripe)
    payment = captured_payment(10_000)
    guest_payments.refund_payment(payment=payment, amount=2_000)
    host_payouts.release_payout(payment=payment, host=host, host_amount=7_000)
    call_command("ledger_check")
    assert "Ledger OK" in capsys.readouterr().out
    assert ledger.balance(PLATFORM_FEES, currency="EUR") == 1_000


def test_ledger_check_fails_on_an_unbalanced_transaction(capsys):
    captured_payment(1_000)
    tx = LedgerTransaction.objects.create(reference="booking:1", description="forged", created_at="2026-01-01T00:00Z")
    LedgerEntry.objects.create(transaction=tx, account=ESCROW, amount=250, currency="EUR")
    with pytest.raises(CommandError) as caught:
        call_command("ledger_check")
    assert caught.value.returncode == 1
    errors = capsys.readouterr().err
    assert f"[transaction-balanced] transaction #{tx.pk} sums to 250 EUR" in errors
    assert "[escrow-matches-payments] booking:1: ledger escrow 1250 EUR" in errors


def test_ledger_check_fails_when_a_payment_disagrees_with_the_ledger():
    payment = captured_payment(1_000)
    Payment.objects.filter(pk=payment.pk).update(refunded_amount=400)  # a refund never posted
    problems = [str(problem) for problem in check_ledger()]
    assert problems == [
        "[escrow-matches-payments] booking:1: ledger escrow 1000 EUR, payments say captured - refunded - released = 600"
    ]


def test_ledger_check_fails_on_negative_escrow():
    post_transaction(
        lines=[Line(ESCROW, -100, "EUR"), Line(REFUNDS_PAID, 100, "EUR")], reference="booking:5", description="bad"
    )
    problems = [str(problem) for problem in check_ledger()]
    assert "[not-negative] escrow is -100 EUR" in problems
    assert "[not-negative] booking:5: escrow is -100 EUR" in problems


def test_no_float_near_money():
    offenders = []
    for path in PAYMENTS_DIR.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for number, text in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\bfloat\(|\bDecimal\(|FloatField|\d+\.\d+\s*\*", text):
                offenders.append(f"{path.name}:{number}: {text.strip()}")
    assert offenders == []


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (1234, "EUR", "€12.34"),
        (5, "eur", "€0.05"),
        (-5, "EUR", "-€0.05"),
        (123456789, "EUR", "€1,234,567.89"),
        (500, "JPY", "¥500"),
    ],
)
def test_money_is_formatted_from_integers(amount, currency, text):
    assert format_money(amount, currency) == text


def test_money_trail_lists_each_ledger_line_of_a_reference():
    from django.template import Context, Template

    payment = captured_payment(5_000, reference="booking:8")
    guest_payments.refund_payment(payment=payment, amount=1_250)
    html = Template('{% load money_trail %}{% money_trail "booking:8" %}').render(Context())
    assert html.count("<tr><td>") == 4
    assert "Held by Sharing" in html
    assert "-€12.50" in html
    assert "Refunded to the guest" in html
    assert "No money has moved yet." in Template('{% load money_trail %}{% money_trail "booking:9" %}').render(
        Context()
    )


def test_admin_shows_the_money_trail_and_cannot_edit_money(admin_client):
    payment = captured_payment(5_000, reference="booking:8")
    page = admin_client.get(f"/admin/payments/payment/{payment.pk}/change/")
    assert page.status_code == 200
    assert "Held by Sharing" in page.content.decode()
    assert "€50.00" in page.content.decode()
    entry = LedgerEntry.objects.first()
    assert admin_client.post(f"/admin/payments/ledgerentry/{entry.pk}/change/", {"amount": 1}).status_code == 403
    assert admin_client.post(f"/admin/payments/ledgerentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client.get("/admin/payments/ledgerentry/add/").status_code == 403
    assert LedgerEntry.objects.get(pk=entry.pk).amount == entry.amount
