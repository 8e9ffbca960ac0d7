"""`{{ value|when:"D j M Y H:i" }}`: a date or date-time in the reader's language (core.dates.format_when)."""

from __future__ import annotations

from datetime import date, datetime

from django import template

from core.dates import format_when

register = template.Library()


@register.filter
def when(value: datetime | date | None, english_format: str = "D j M Y H:i") -> str:
    return "" if value in (None, "") else format_when(value, english_format)
