"""Dates and times as the reader reads them: English keeps the site's own formats, the other languages CLDR's.

`format_when(value, "D j M Y H:i")` prints "Sun 6 Dec 2026 14:05" in English (Django's format, as before) and
"So., 6. Dez. 2026 14:05" in German, "2026年12月6日(日) 14:05" in Japanese (Babel: the locale's order of day,
month and year, its abbreviations, and a 24-hour clock). The value is shown in the active time zone, so a
template's `{% timezone listing.time_zone %}` applies as it does for Django's `date` filter.
"""

from __future__ import annotations

from datetime import date, datetime

from babel.core import Locale
from babel.dates import format_skeleton, format_time
from django.utils import dateformat, timezone

from core.money import reader_locale


def format_when(value: datetime | date, english_format: str, *, locale: Locale | None = None) -> str:
    """A date or date-time in the reader's language; `english_format` is Django's, used as is in English."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    reader = locale or reader_locale()
    if reader.language == "en":
        return dateformat.format(value, english_format)
    day = value.date() if isinstance(value, datetime) else value
    shown = format_skeleton("yMMMEd" if "Y" in english_format else "MMMEd", day, locale=reader)
    if isinstance(value, datetime) and any(mark in english_format for mark in "HGgi"):
        shown += " " + format_time(value.time(), "HH:mm", locale=reader)
    return shown
