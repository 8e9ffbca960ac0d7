"""A document's frozen content as people read it: the PDF (WeasyPrint) and, for statements, CSV.

Amounts are written by the site's one formatter (`core.money.format_money`) in the document's
language, so 1234 JPY reads "1,234 JPY" and 1234 EUR "12.34 EUR" (en) or "12,34 EUR" (fr). The
fonts are the machine's (DejaVu Sans; IPA Gothic for Japanese), found offline by fontconfig.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from core.money import format_money, to_major
from receipts.models import Document


def cell_text(cell: Any, language: str) -> str:
    """One cell as printed: money in the reader's locale, a priced count as "2 nights x 85.00 EUR"."""
    if isinstance(cell, dict) and "amount" in cell:
        return format_money(int(cell["amount"]), str(cell["currency"]), locale=_babel(language))
    if isinstance(cell, dict) and "each" in cell:
        each = cell["each"]
        return (
            f"{cell['text']} \u00d7 {format_money(int(each['amount']), str(each['currency']), locale=_babel(language))}"
        )
    return str(cell)


def _babel(language: str) -> str:
    return translation.to_locale(language or "en")


def readable(document: Document) -> dict[str, Any]:
    """The content with every cell written out, for the PDF and the pages."""
    content = document.content
    sections = [
        {
            "heading": section["heading"],
            "columns": section["columns"],
            "rows": [
                {"cells": [cell_text(cell, document.language) for cell in r["cells"]], "total": r["total"]}
                for r in section["rows"]
            ],
        }
        for section in content["sections"]
    ]
    return {**content, "sections": sections}


def render_pdf(document: Document) -> bytes:
    """The document's PDF: its number, the parties, the facts and the sections' tables."""
    from weasyprint import HTML  # loads Pango: only where a PDF is made

    with translation.override(document.language or "en"):
        html = render_to_string(
            "receipts/document_pdf.html",
            {"document": document, "content": readable(document), "language": document.language or "en"},
        )
    return HTML(string=html).write_pdf()


def render_csv(document: Document) -> str:
    """A statement's rows as CSV: one line per row, money as a plain decimal and its currency in a column.

    Columns: section, the section's own columns (amounts as "12.34"), then currency; machine-readable,
    so decimals use a point whatever the reader's language."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["document", document.display_number, "recipient", document.content["recipient"]["email"]])
    for section in document.content["sections"]:
        writer.writerow([])
        writer.writerow(["section", *section["columns"], "currency"])
        for r in section["rows"]:
            currency = ""
            cells = []
            for cell in r["cells"]:
                if isinstance(cell, dict) and "amount" in cell:
                    currency = cell["currency"]
                    cells.append(str(to_major(int(cell["amount"]), currency)))
                elif isinstance(cell, dict) and "each" in cell:
                    cells.append(cell["text"])
                else:
                    cells.append(str(cell))
            writer.writerow([section["heading"], *cells, currency])
    return out.getvalue()
