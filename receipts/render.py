"""A document's frozen content as people read it: the PDF (WeasyPrint) and, for statements, CSV.

The words are translated into the reader's language when the document is rendered (the content keeps
msgids, `receipts.content`), amounts are written by the site's one formatter (`core.money.format_money`)
in that language ("¥1,234" and "€12.34" in English, "12,34 €" in French) and days by Babel ("2027-03-06"
in English, "sam. 6 mars 2027" in French). The fonts are the machine's (DejaVu Sans; IPA Gothic for
Japanese), found offline by fontconfig.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from babel.core import Locale, UnknownLocaleError
from babel.dates import format_skeleton
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext, ngettext

from core.dates import format_when
from core.money import format_money, to_major
from receipts.models import Document


def cell_text(cell: Any, language: str) -> str:
    """One cell as printed in `language` (whose translations are active): money in the reader's locale, a day
    by Babel, our words translated with their values, a priced count as "2 nights x €85.00"; text as typed."""
    if not isinstance(cell, dict):
        return str(cell)
    if "amount" in cell:
        return format_money(int(cell["amount"]), str(cell["currency"]), locale=_babel(language))
    if "each" in cell:
        return f"{cell_text(cell['text'], language)} \u00d7 {cell_text(cell['each'], language)}"
    if "date" in cell:
        return format_when(date.fromisoformat(cell["date"]), "Y-m-d", locale=_babel(language))
    if "month" in cell:
        first = date.fromisoformat(f"{cell['month']}-01")
        reader = _babel(language)
        return cell["month"] if reader.language == "en" else format_skeleton("yMMMM", first, locale=reader)
    if "words" in cell:
        if "plural" in cell:
            text = ngettext(cell["words"], cell["plural"], int(cell["count"]))
        else:
            text = gettext(cell["words"])
        params = {name: cell_text(value, language) for name, value in (cell.get("params") or {}).items()}
        return text % params if params else text
    return str(cell)


def _babel(language: str) -> Locale:
    try:
        return Locale.parse(translation.to_locale(language or "en"))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse("en")


def _ours(words: Any, language: str) -> str:
    """A title, heading, column, fact label or note: our words (a msgid, or words with values)."""
    return gettext(words) if isinstance(words, str) and words else cell_text(words, language)


def readable(document: Document, language: str | None = None) -> dict[str, Any]:
    """The content written out in `language` (the document's own by default): words translated, money and days
    in its locale, for the PDF."""
    language = language or document.language or "en"
    content = document.content
    with translation.override(language):
        sections = [
            {
                "heading": _ours(section["heading"], language),
                "columns": [_ours(column, language) for column in section["columns"]],
                "rows": [
                    {"cells": [cell_text(cell, language) for cell in r["cells"]], "total": r["total"]}
                    for r in section["rows"]
                ],
            }
            for section in content["sections"]
        ]
        return {
            **content,
            "title": _ours(content["title"], language),
            "facts": [[_ours(label, language), cell_text(text, language)] for label, text in content["facts"]],
            "sections": sections,
            "note": _ours(content.get("note", ""), language),
        }


def render_pdf(document: Document, *, language: str | None = None) -> bytes:
    """The document's PDF in `language` (the document's own by default, the one stored): its number, the
    parties, the facts and the sections' tables."""
    from weasyprint import HTML  # loads Pango: only where a PDF is made

    language = language or document.language or "en"
    with translation.override(language):
        html = render_to_string(
            "receipts/document_pdf.html",
            {"document": document, "content": readable(document, language), "language": language},
        )
    return HTML(string=html).write_pdf()


def render_csv(document: Document) -> str:
    """A statement's rows as CSV: one line per row, money as a plain decimal and its currency in a column.

    Columns: section, the section's own columns (amounts as "12.34"), then currency; machine-readable,
    so decimals use a point whatever the reader's language, days are ISO 8601 and the words stay English."""
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
                    cells.append(_plain(cell["text"]))
                else:
                    cells.append(_plain(cell))
            writer.writerow([section["heading"], *cells, currency])
    return out.getvalue()


def _plain(cell: Any) -> str:
    """A cell for the CSV: a day or month in ISO 8601, our words in English (machine-readable, like the columns)."""
    if isinstance(cell, dict) and ("date" in cell or "month" in cell):
        return str(cell.get("date") or cell.get("month"))
    with translation.override("en"):
        return cell_text(cell, "en")
