"""A receipt for every guest payment and refund: issued by the worker after the money moved, read back from its PDF."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django_tasks_db.models import DBTaskResult

from bookings.services.answers import accept_booking
from bookings.services.cancellations import cancel_by_guest
from realtime.models import Notification
from receipts.models import Document, DocumentFile, Kind
from receipts.services import deliver, issue_receipt
from receipts.tasks import issue_receipt_task
from tests.bookings.factories import NOW, request_room
from tests.conftest import make_user
from tests.receipts.helpers import capture_of, paid_paris_room, paid_tokyo_room, pdf_text, refund_of

pytestmark = pytest.mark.django_db

recorded: list[int] = []


def record(*, ledger_transaction_id: int) -> None:
    recorded.append(ledger_transaction_id)


def issued_pdf_text(document: Document) -> str:
    return pdf_text(bytes(DocumentFile.objects.get(document=document).pdf))


def test_a_eur_payment_gets_a_receipt_whose_pdf_lists_the_price_and_what_was_charged():
    booking = paid_paris_room()

    issue_receipt_task.call(capture_of(booking).pk)

    receipt = Document.objects.get(booking=booking)
    assert (receipt.kind, receipt.display_number, receipt.recipient, receipt.currency, receipt.total) == (
        Kind.RECEIPT,
        "R-000001",
        booking.guest,
        "EUR",
        29120,
    )
    text = issued_pdf_text(receipt)
    assert "Receipt" in text and "R-000001" in text
    assert "3 nights \u00d7 €80.00" in text
    assert "Cleaning fee" in text and "€20.00" in text
    assert "Sharing's service fee" in text and "€31.20" in text
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert "Charged to your card €291.20" in lines
    assert f"#{booking.pk}: A room to share, Paris" in text


def test_a_jpy_payment_reads_in_whole_yen_and_the_japanese_title_survives_the_pdf():
    booking = paid_tokyo_room()

    issue_receipt_task.call(capture_of(booking).pk)

    text = issued_pdf_text(Document.objects.get(booking=booking))
    assert "東京の静かな部屋, Tokyo" in text
    assert "3 nights \u00d7 ¥12,000" in text
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert f"Charged to your card ¥{booking.total:,}" in lines
    assert not re.search(r"¥[\d,]+\.\d", text)  # whole yen, never "¥36,000.00"


def test_a_guest_who_reads_french_gets_amounts_in_french():
    booking = paid_paris_room(guest=make_user(language="fr"))

    issue_receipt_task.call(capture_of(booking).pk)

    receipt = Document.objects.get(booking=booking)
    assert receipt.language == "fr"
    assert "291,20 €" in " ".join(issued_pdf_text(receipt).split()).replace("\xa0", " ")


def test_a_refund_gets_its_own_receipt_naming_the_payment_receipt():
    booking = paid_paris_room()
    issue_receipt_task.call(capture_of(booking).pk)
    cancelled = cancel_by_guest(guest=booking.guest, booking_id=booking.pk, now=NOW + timedelta(days=1))
    assert cancelled.refund_amount > 0

    issue_receipt_task.call(refund_of(booking).pk)

    refund = Document.objects.get(booking=booking, kind=Kind.REFUND)
    assert (refund.display_number, refund.total) == ("R-000002", cancelled.refund_amount)
    text = issued_pdf_text(refund)
    assert "Refund receipt" in text and "receipt R-000001" in text
    assert f"€{cancelled.refund_amount // 100}.{cancelled.refund_amount % 100:02d}" in text


def test_the_same_money_movement_never_makes_two_documents_nor_two_emails():
    booking = paid_paris_room()
    capture = capture_of(booking)

    issue_receipt_task.call(capture.pk)
    issue_receipt_task.call(capture.pk)
    again = issue_receipt(ledger_transaction_id=capture.pk)
    deliver(document_id=again.pk)

    assert Document.objects.count() == 1
    assert DocumentFile.objects.count() == 1
    assert Notification.objects.filter(recipient=booking.guest, kind="document.issued").count() == 1


def test_the_recipient_is_told_by_a_required_email_kind_with_the_pdf_link():
    booking = paid_paris_room()
    issue_receipt_task.call(capture_of(booking).pk)

    receipt = Document.objects.get(booking=booking)
    notification = Notification.objects.get(recipient=booking.guest, kind="document.issued")
    assert notification.payload["url"] == f"/receipts/{receipt.pk}.pdf"
    assert notification.payload["title"] == "Your receipt R-000001 is ready"
    from realtime.kinds import KINDS

    assert KINDS["document.issued"].email and KINDS["document.issued"].required


def test_movements_that_are_not_a_guest_payment_or_refund_get_no_receipt():
    booking = paid_paris_room()
    authorised_only = request_room()  # nothing captured: no ledger movement at all
    capture = capture_of(booking)

    assert issue_receipt(ledger_transaction_id=capture.pk + 1000) is None
    assert not Document.objects.filter(booking=authorised_only).exists()
    assert issue_receipt(ledger_transaction_id=capture.pk) is not None


def test_a_capture_tells_the_money_hook_after_the_commit(django_capture_on_commit_callbacks):
    settings.MONEY_RECORDED_HOOKS = ["tests.receipts.test_receipts.record"]
    recorded.clear()
    booking = request_room()

    with django_capture_on_commit_callbacks(execute=True):
        accept_booking(host=booking.listing.owner, booking_id=booking.pk, now=NOW)

    assert recorded == [capture_of(booking).pk]


def test_the_default_hook_queues_the_receipt_on_the_worker(django_capture_on_commit_callbacks):
    booking = request_room()

    with django_capture_on_commit_callbacks(execute=True):
        accept_booking(host=booking.listing.owner, booking_id=booking.pk, now=NOW)

    queued = DBTaskResult.objects.filter(task_path="receipts.tasks.issue_receipt_task")
    assert [task.args_kwargs["args"] for task in queued] == [[capture_of(booking).pk]]
    assert not Document.objects.exists()  # issued by the worker, not in the request


def test_the_sweep_issues_a_receipt_whose_task_was_lost():
    from receipts.services import issue_due_documents

    booking = paid_paris_room()

    counts = issue_due_documents()

    assert counts["receipts"] == 1 and counts["delivered"] == 1
    assert Document.objects.get(booking=booking).file is not None
    assert issue_due_documents()["receipts"] == 0


def test_extra_kilometres_charged_at_a_cars_return_get_their_own_receipt():
    from handover import services as handover_services
    from handover.models import Settlement
    from payments.models import LedgerTransaction
    from tests.handover.factories import picked_up, rented_car, returned

    booking = picked_up(rented_car(extra_km_price=25, daily_km=200))
    returned(booking, host_km=10_281, guest_km=10_280)
    handover_services.collect_extra_charge(settlement_id=Settlement.objects.get(booking=booking).pk)
    capture = LedgerTransaction.objects.get(reference=f"extras:{booking.pk}", entries__account="guest_funding")

    issue_receipt_task.call(capture.pk)

    receipt = Document.objects.get(ledger_transaction=capture)
    assert (receipt.kind, receipt.booking, receipt.recipient, receipt.total) == (
        Kind.RECEIPT,
        booking,
        booking.guest,
        2000,
    )
    lines = [" ".join(line.split()) for line in issued_pdf_text(receipt).splitlines()]
    assert "80 km beyond the 200 km included \u00d7 €0.25 €20.00" in lines
    assert "Charged to your card €20.00" in lines
