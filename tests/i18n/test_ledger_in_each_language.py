"""What the ledger's invariants say to staff reads in their language: `ledger_check --language` and the refusal
of a posting that breaks them (a bug when it shows). The invariants' codes stay the same in every language."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from payments.errors import LedgerImbalance
from payments.ledger import Line, post_transaction
from payments.models import ESCROW, GUEST_FUNDING, LedgerEntry, LedgerTransaction


@pytest.fixture
def ledger_checked() -> Iterator[None]:
    """These tests break the ledger on purpose: the package's after-test check is off here."""
    yield


@pytest.mark.django_db
def test_ledger_check_reports_in_the_staff_members_language(capsys):
    tx = LedgerTransaction.objects.create(reference="booking:1", description="forged", created_at="2026-01-01T00:00Z")
    LedgerEntry.objects.create(transaction=tx, account=ESCROW, amount=250, currency="EUR")
    with pytest.raises(CommandError) as caught:
        call_command("ledger_check", language="de")
    errors = capsys.readouterr().err
    assert f"[transaction-balanced] Buchungsvorgang #{tx.pk} ergibt 250 EUR" in errors
    assert "[escrow-matches-payments] booking:1: Verwahrung im Hauptbuch 250 EUR" in errors
    assert str(caught.value) == "Prüfung des Hauptbuchs fehlgeschlagen: 2 Probleme."
    with pytest.raises(CommandError):
        call_command("ledger_check", language="ja")
    assert f"[transaction-balanced] 取引#{tx.pk}の合計は250 EURです" in capsys.readouterr().err


@pytest.mark.django_db
def test_a_refused_posting_says_why_in_the_active_language():
    def unbalanced():
        post_transaction(lines=[Line(ESCROW, 10, "EUR")], reference="booking:1", description="bad")

    with translation.override("de"), pytest.raises(LedgerImbalance) as caught:
        unbalanced()
    assert caught.value.message == "Ein Buchungsvorgang muss je Währung null ergeben; er ergibt {'EUR': 10}."
    with translation.override("fr"), pytest.raises(LedgerImbalance) as caught:
        post_transaction(
            lines=[Line("cash_drawer", 10, "EUR"), Line(GUEST_FUNDING, -10, "EUR")], reference="b:1", description="x"
        )
    assert caught.value.message == "Compte comptable inconnu : 'cash_drawer'."
