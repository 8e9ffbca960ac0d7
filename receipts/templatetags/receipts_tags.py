"""`{% booking_documents booking %}` and `{% my_statements %}`: links to the reader's own PDFs and CSVs."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext

from receipts import selectors

register = template.Library()


def _reader(context: Any) -> Any:
    """The signed-in person reading the page, or None (a page rendered without a request shows no links)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


@register.inclusion_tag("receipts/_documents.html", takes_context=True)
def booking_documents(context: dict[str, Any], booking: Any) -> dict[str, Any]:
    """The receipts, refunds and credit notes of this booking issued to the person reading the page."""
    user = _reader(context)
    documents = list(selectors.booking_documents(user, booking.pk)) if user is not None else []
    return {"documents": documents, "heading": gettext("Receipts (PDF)"), "empty": ""}


@register.inclusion_tag("receipts/_documents.html", takes_context=True)
def my_statements(context: dict[str, Any]) -> dict[str, Any]:
    """The reader's monthly statements, newest first."""
    user = _reader(context)
    documents = list(selectors.statements_of(user)[:24]) if user is not None else []
    return {
        "documents": documents,
        "heading": gettext("Monthly statements"),
        "empty": gettext("Your first statement is issued after the end of a month in which your balance moved."),
    }
