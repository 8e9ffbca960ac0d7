"""Issuing documents: receipts and refund receipts after a money movement, hosts' monthly statements,
credit notes; then their PDF, rendered once, and an email telling the recipient.

Issuing is one short transaction: the series' counter is locked, the next number taken and the
document written with its frozen content (a rollback gives the number back, so numbers have no
gaps). Each document has a unique `source` (the ledger transaction, the host's month, the
corrected document), so the same event issued twice (a retried task, the sweep and the task at
once) makes one document: the second finds it, or loses on the constraint and then finds it.
The PDF is rendered after that commit, with no transaction open, and stored once with the
notification that emails the recipient (`deliver`).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import User
from core.errors import DomainError, NotFound, PermissionDenied
from core.tasks import schedule_on_commit
from payments.models import ESCROW, GUEST_FUNDING, REFUNDS_PAID, LedgerTransaction
from realtime import notify
from receipts import content as contents
from receipts.models import SERIES, Document, DocumentFile, Kind
from receipts.numbering import take_next_number
from receipts.render import render_pdf

logger = logging.getLogger(__name__)


def money_recorded(*, ledger_transaction_id: int) -> None:
    """Payments' port (settings.MONEY_RECORDED_HOOKS), after the commit: the worker issues the receipt."""
    from receipts.tasks import issue_receipt_task

    issue_receipt_task.enqueue(ledger_transaction_id)


def _language(person: User) -> str:
    return person.language or settings.LANGUAGE_CODE


def _issue(*, kind: str, recipient: User, source: str, document_content: dict[str, Any], **fields: Any) -> Document:
    """Take the next number of the issuer's series and write the document; inside the caller's transaction."""
    issuer = settings.RECEIPTS_ISSUER
    series = SERIES[Kind(kind)]
    document = Document(
        issuer=issuer,
        series=series,
        number=take_next_number(issuer=issuer, series=series),
        kind=kind,
        recipient=recipient,
        source=source,
        language=_language(recipient),
        content=document_content,
        issued_at=timezone.now(),
        **fields,
    )
    document.save(force_insert=True)
    return document


def _once(source: str, issue: Any) -> Document | None:
    """The document of `source`: the existing one, or the one `issue()` writes in its own transaction."""
    existing = Document.objects.filter(source=source).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return issue()
    except IntegrityError:
        # Issued at the same instant by another worker (the source is unique): that one stands.
        existing = Document.objects.filter(source=source).first()
        if existing is None:
            raise
        return existing


def issue_receipt(*, ledger_transaction_id: int) -> Document | None:
    """The receipt (or refund receipt) of one guest money movement in the ledger; None if it is neither."""
    ledger_tx = (
        LedgerTransaction.objects.select_related("payment", "payment__payer").filter(pk=ledger_transaction_id).first()
    )
    if ledger_tx is None:
        return None
    kind = contents.receipt_kind(ledger_tx)
    if kind is None:
        return None
    payment = ledger_tx.payment
    assert payment is not None

    def issue() -> Document:
        original = ""
        if kind == Kind.REFUND:
            receipt = (
                Document.objects.filter(kind=Kind.RECEIPT, ledger_transaction__payment=payment).order_by("pk").first()
            )
            original = receipt.display_number if receipt is not None else ""
        document_content = contents.receipt_content(ledger_tx, kind=kind, original_number=original)
        total = next(abs(entry.amount) for entry in ledger_tx.entries.all() if entry.account == ESCROW)
        return _issue(
            kind=kind,
            recipient=payment.payer,
            source=f"ledger:{ledger_tx.pk}",
            document_content=document_content,
            ledger_transaction=ledger_tx,
            booking=contents.booking_of(payment.reference),
            currency=payment.currency,
            total=total,
        )

    return _once(f"ledger:{ledger_tx.pk}", issue)


def previous_month(now: datetime) -> date:
    """The first day of the last month that is over (UTC)."""
    this_month = now.astimezone(UTC).date().replace(day=1)
    return (this_month - timedelta(days=1)).replace(day=1)


def issue_statement(*, host_id: int, month: date, now: datetime | None = None) -> Document:
    """A host's statement of one month that is over; the existing one when already issued."""
    now = now or timezone.now()
    first_day = date(month.year, month.month, 1)
    if contents.month_bounds(first_day)[1] > now:
        raise DomainError(
            gettext_noop("%(month)s is not over yet: its statement is issued after the month ends."),
            params={"month": f"{first_day:%Y-%m}"},
        )
    host = User.objects.get(pk=host_id)
    source = f"statement:{host.pk}:{first_day:%Y-%m}"

    def issue() -> Document:
        return _issue(
            kind=Kind.STATEMENT,
            recipient=host,
            source=source,
            document_content=contents.statement_content(host, first_day),
            period_start=first_day,
        )

    document = _once(source, issue)
    assert document is not None
    return document


def issue_credit_note(*, original_id: int, reason: str, by: User) -> Document:
    """Staff correct an issued document: a credit note that cancels its figures and names it. One per document."""
    if not by.is_staff:
        raise PermissionDenied("Only Sharing's staff issue credit notes.")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            "Say why the document is corrected: the reason is printed on the credit note.", field="reason"
        )
    original = Document.objects.select_related("recipient").filter(pk=original_id).first()
    if original is None:
        raise NotFound(gettext_noop("No such document."))
    if original.kind == Kind.CREDIT_NOTE:
        raise DomainError(
            gettext_noop("A credit note is not corrected by another: correct the original document again.")
        )
    earlier = Document.objects.filter(corrects=original).first()
    if earlier is not None:
        raise DomainError(
            gettext_noop("%(number)s was already corrected by %(earlier)s."),
            params={"number": original.display_number, "earlier": earlier.display_number},
        )

    def issue() -> Document:
        return _issue(
            kind=Kind.CREDIT_NOTE,
            recipient=original.recipient,
            source=f"credit:{original.pk}",
            document_content=contents.credit_note_content(original, reason=reason[:500]),
            corrects=original,
            booking=original.booking,
            currency=original.currency,
            total=-original.total,
        )

    document = _once(f"credit:{original.pk}", issue)
    assert document is not None
    from receipts.tasks import deliver_document_task

    schedule_on_commit(deliver_document_task, document.pk)
    return document


def deliver(*, document_id: int) -> DocumentFile:
    """Render the document's PDF once (no transaction open), store it and tell the recipient by email.

    A second call finds the stored PDF and sends nothing; two at once both render, one stores."""
    existing = DocumentFile.objects.filter(document_id=document_id).first()
    if existing is not None:
        return existing
    document = Document.objects.select_related("recipient").get(pk=document_id)
    pdf = render_pdf(document)
    try:
        with transaction.atomic():
            stored = DocumentFile(
                document=document, pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(), rendered_at=timezone.now()
            )
            stored.save(force_insert=True)
            _tell_recipient(document)
    except IntegrityError:
        return DocumentFile.objects.get(document_id=document_id)
    return stored


def _tell_recipient(document: Document) -> None:
    from receipts.selectors import document_url

    title = f"Your {document.get_kind_display().lower()} {document.display_number} is ready"
    notify(
        [document.recipient],
        "document.issued",
        {
            "document_id": document.pk,
            "kind": document.kind,
            "number": document.display_number,
            "url": document_url(document),
            "title": title,
        },
    )


def issue_due_documents(*, now: datetime | None = None, limit: int = 200) -> dict[str, int]:
    """The sweep (`manage.py issue_documents`): receipts whose task was lost, PDFs not rendered yet, and last
    month's statements. Safe to run any time: each document is issued once."""
    now = now or timezone.now()
    counts = {"receipts": 0, "statements": 0, "delivered": 0}
    missing = (
        LedgerTransaction.objects.filter(
            payment__isnull=False, receipt__isnull=True, entries__account__in=(GUEST_FUNDING, REFUNDS_PAID)
        )
        .values_list("pk", flat=True)
        .distinct()
        .order_by("pk")[:limit]
    )
    for ledger_tx_id in missing:
        if issue_receipt(ledger_transaction_id=ledger_tx_id) is not None:
            counts["receipts"] += 1
    month = previous_month(now)
    done = set(Document.objects.filter(kind=Kind.STATEMENT, period_start=month).values_list("recipient_id", flat=True))
    for host_id in contents.hosts_with_activity(month):
        if host_id not in done:
            issue_statement(host_id=host_id, month=month, now=now)
            counts["statements"] += 1
    for document_id in Document.objects.filter(file__isnull=True).values_list("pk", flat=True)[:limit]:
        try:
            deliver(document_id=document_id)
        except Exception:  # one document's rendering never stops the others; it is logged and retried
            logger.exception("document %s: the PDF could not be rendered", document_id)
            continue
        counts["delivered"] += 1
    return counts
