"""Background work of receipts: issue a receipt after the money movement committed, render and send it."""

from __future__ import annotations

from django_tasks import task


@task()
def issue_receipt_task(ledger_transaction_id: int) -> str:
    from receipts.services import deliver, issue_receipt

    document = issue_receipt(ledger_transaction_id=ledger_transaction_id)
    if document is None:
        return "no receipt for this movement"
    deliver(document_id=document.pk)
    return document.display_number


@task()
def deliver_document_task(document_id: int) -> str:
    from receipts.services import deliver

    deliver(document_id=document_id)
    return "delivered"
