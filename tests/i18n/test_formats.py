"""Money and dates in the reader's locale; English keeps the site's own formats."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from core.dates import format_when
from core.money import format_money

MOMENT = datetime(2026, 12, 6, 13, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "amount", "currency", "shown"),
    [
        ("en", 123450, "EUR", "€1,234.50"),
        ("en", 1235, "JPY", "¥1,235"),
        ("de", 123450, "EUR", "1.234,50\xa0€"),
        ("ja", 1235, "JPY", "¥1,235"),
        ("fr", 123450, "EUR", "1\u202f234,50\xa0€"),
        ("es", 123450, "EUR", "1.234,50\xa0€"),
        ("zh-hans", 123450, "CNY", "¥1,234.50"),
        # A currency that is not the reader's own keeps a symbol that cannot be mistaken.
        ("zh-hans", 1235, "JPY", "JP¥1,235"),
        ("de", 123450, "USD", "1.234,50\xa0$"),
        ("ja", 123450, "EUR", "€1,234.50"),
    ],
)
def test_money_is_written_as_the_reader_writes_it(language, amount, currency, shown):
    with translation.override(language):
        assert format_money(amount, currency) == shown


def test_the_money_filter_follows_the_active_language():
    template = Template("{% load money %}{{ amount|money:'EUR' }}")
    with translation.override("de"):
        assert template.render(Context({"amount": 123450})) == "1.234,50\xa0€"
    assert template.render(Context({"amount": 123450})) == "€1,234.50"


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("en", "Sun 6 Dec 2026 14:05"),
        ("de", "So., 6. Dez. 2026 14:05"),
        ("fr", "dim. 6 déc. 2026 14:05"),
        ("ja", "2026年12月6日(日) 14:05"),
        ("zh-hans", "2026年12月6日周日 14:05"),
    ],
)
def test_dates_are_written_in_the_readers_order_with_a_24_hour_clock(language, shown):
    with translation.override(language), timezone.override("Europe/Paris"):
        assert format_when(MOMENT, "D j M Y H:i") == shown


def test_a_date_without_a_year_or_time_drops_them_in_every_language():
    with translation.override("de"), timezone.override("Asia/Tokyo"):
        # 13:05 UTC is 22:05 in Tokyo, the same day.
        assert format_when(MOMENT, "D j M H:i") == "So., 6. Dez. 22:05"
        assert format_when(MOMENT.date(), "D j M Y") == "So., 6. Dez. 2026"
