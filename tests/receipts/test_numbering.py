"""Numbers without gaps per issuer and series: a counter row locked while issuing, and a unique constraint."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connections, transaction
from django.utils import timezone

from payments.ledger import Line, post_transaction
from payments.models import ESCROW, GUEST_FUNDING, Payment
from receipts.models import Document, Kind, NumberSeries
from receipts.numbering import take_next_number
from receipts.services import issue_receipt
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_numbers_follow_each_other_per_issuer_and_series():
    with transaction.atomic():
        taken = [take_next_number(issuer="sharing", series="R") for _ in range(3)]
        other_series = take_next_number(issuer="sharing", series="S")
        other_issuer = take_next_number(issuer="sharing-jp", series="R")

    assert taken == [1, 2, 3]
    assert (other_series, other_issuer) == (1, 1)


def test_a_rolled_back_issue_gives_its_number_back():
    with transaction.atomic():
        assert take_next_number(issuer="sharing", series="R") == 1

    with pytest.raises(RuntimeError), transaction.atomic():
        assert take_next_number(issuer="sharing", series="R") == 2
        raise RuntimeError("the document could not be written")

    with transaction.atomic():
        assert take_next_number(issuer="sharing", series="R") == 2


@pytest.mark.django_db(transaction=True)
def test_a_number_is_taken_only_inside_the_issuing_transaction():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        take_next_number(issuer="sharing", series="R")


def test_the_database_refuses_a_number_given_twice_in_a_series():
    guest = make_user()
    fields = dict(issuer="sharing", series="R", kind=Kind.RECEIPT, recipient=guest, language="en", content={})
    Document(number=1, source="a", issued_at=timezone.now(), **fields).save(force_insert=True)

    with pytest.raises(IntegrityError), transaction.atomic():
        Document(number=1, source="b", issued_at=timezone.now(), **fields).save(force_insert=True)


def _captured_movement(payer, amount: int) -> int:
    """A guest money movement as the ledger records a capture (the receipt's source), without a card."""
    now = timezone.now()
    payment = Payment.objects.create(
        payer=payer,
        reference="booking:0",
        amount=amount,
        currency="EUR",
        status=Payment.Status.CAPTURED,
        captured_amount=amount,
        created_at=now,
        updated_at=now,
    )
    ledger_tx = post_transaction(
        lines=[Line(GUEST_FUNDING, -amount, "EUR"), Line(ESCROW, amount, "EUR")],
        reference=payment.reference,
        description="test capture",
        payment=payment,
    )
    return ledger_tx.pk


@pytest.mark.postgres_only  # threads with their own connections and row locks: the PostgreSQL pass
@pytest.mark.django_db(transaction=True)
def test_receipts_issued_at_the_same_instant_take_every_number_once_and_leave_no_gap():
    payer = make_user()
    movements = [_captured_movement(payer, 1000 + n) for n in range(12)]
    # Each movement is issued by two workers at once (a retried task and the sweep): 24 threads.
    work = movements + movements
    start = threading.Barrier(len(work))
    errors: list[BaseException] = []

    def worker(ledger_transaction_id: int) -> None:
        try:
            start.wait()
            issue_receipt(ledger_transaction_id=ledger_transaction_id)
        except BaseException as error:  # reported below, with the others
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(movement,)) for movement in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    numbers = sorted(Document.objects.filter(series="R").values_list("number", flat=True))
    assert numbers == list(range(1, len(movements) + 1))
    assert sorted(Document.objects.values_list("ledger_transaction_id", flat=True)) == sorted(movements)
    assert NumberSeries.objects.get(issuer="sharing", series="R").last_number == len(movements)
