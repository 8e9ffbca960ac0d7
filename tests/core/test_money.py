"""The one money formatter and parser: ISO 4217 exponents, the reader's locale, exact round trips."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from core.errors import DomainError
from core.money import (
    CURRENCIES,
    SYMBOL_CURRENCIES,
    checked_currency,
    currency_exponent,
    currency_for_country,
    format_money,
    to_major,
    to_minor,
)

ZERO_AND_TWO_DECIMALS = st.sampled_from(["JPY", "KRW", "EUR", "USD", "GBP", "SEK", "BRL"])
AMOUNTS = st.integers(min_value=-(10**12), max_value=10**12)


def test_the_issues_currencies_are_all_allowed():
    for code in ("EUR", "USD", "GBP", "CHF", "JPY", "CNY", "KRW", "CAD", "AUD", "SEK", "MXN", "BRL"):
        assert code in CURRENCIES


def test_yen_and_won_have_no_minor_unit_and_the_others_two():
    assert (currency_exponent("JPY"), currency_exponent("krw"), currency_exponent("EUR")) == (0, 0, 2)


@pytest.mark.parametrize(
    ("amount", "currency", "language", "shown"),
    [
        (1234, "EUR", "en", "€12.34"),
        (-5, "EUR", "en", "-€0.05"),
        (1200000, "JPY", "en", "¥1,200,000"),
        (1250, "GBP", "en", "£12.50"),
        (1250, "USD", "en", "$12.50"),
        (1250, "CHF", "en", "12.50 CHF"),
        (12000, "KRW", "en", "12,000 KRW"),
        (1250, "CAD", "en", "12.50 CAD"),
        (1250, "CNY", "en", "12.50 CNY"),
        # Other languages: the locale's own pattern and symbol (CLDR), still with the ISO 4217 digits.
        (123456, "EUR", "de", "1.234,56\xa0€"),
        (123450, "EUR", "de", "1.234,50\xa0€"),
        (123456, "EUR", "fr", "1\u202f234,56\xa0€"),
        (1500000, "KRW", "de", "1.500.000\xa0₩"),
        (1235, "JPY", "ja", "¥1,235"),
        (-5, "EUR", "es", "-0,05\xa0€"),
        (1250, "CNY", "zh-hans", "¥12.50"),
        (1235, "JPY", "zh-hans", "JP¥1,235"),
    ],
)
def test_amounts_read_in_the_readers_language_with_the_currencys_decimals(amount, currency, language, shown):
    with translation.override(language):
        assert format_money(amount, currency) == shown


def test_no_symbol_stands_for_two_currencies_we_handle_in_english():
    shown = {
        currency: format_money(100, currency, locale="en").replace("1.00", "").replace("100", "")
        for currency in CURRENCIES
    }
    symbols = [text.strip() for text in shown.values()]
    assert len(set(symbols)) == len(CURRENCIES), shown
    assert {shown[code] for code in SYMBOL_CURRENCIES} == {"€", "£", "¥", "$"}


def test_a_typed_amount_with_more_decimals_than_the_currency_has_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="JPY has no smaller unit"):
        to_minor(Decimal("10.5"), "JPY")
    with pytest.raises(ValueError, match="EUR has 2 decimals"):
        to_minor(Decimal("10.555"), "EUR")


def test_an_unknown_currency_code_is_refused_naming_the_allowed_ones():
    with pytest.raises(DomainError, match="“XYZ” is not a currency we handle: choose among EUR, USD"):
        checked_currency("XYZ")
    assert checked_currency("jpy") == "JPY"


@pytest.mark.parametrize(
    ("country", "currency"), [("JP", "JPY"), ("KR", "KRW"), ("FR", "EUR"), ("US", "USD"), ("BR", "BRL"), ("IN", "EUR")]
)
def test_a_countrys_default_currency_is_its_own_when_we_handle_it(country, currency):
    assert currency_for_country(country) == currency


@given(amount=AMOUNTS, currency=ZERO_AND_TWO_DECIMALS)
def test_minor_units_survive_the_trip_to_major_units_and_back(amount, currency):
    assert to_minor(to_major(amount, currency), currency) == amount


@given(amount=AMOUNTS, currency=ZERO_AND_TWO_DECIMALS, language=st.sampled_from(["en", "de", "fr", "ja"]))
def test_what_the_formatter_prints_parses_back_to_the_same_minor_units(amount, currency, language):
    with translation.override(language):
        shown = format_money(amount, currency)
    if language == "en" and currency not in SYMBOL_CURRENCIES:
        number, code = shown.rsplit(" ", 1)
        assert code == currency
    else:  # a symbol (English's four, or the locale's own: no digit in any of them) around the number
        assert language != "en" or currency not in shown, shown
        number = "".join(ch for ch in shown if ch.isdigit() or ch in "-.,")
    # Undo the locale: group separators out, the decimal mark (the last of "," or ".") as a point.
    decimals = currency_exponent(currency)
    digits = "".join(ch for ch in number if ch.isdigit())
    sign = -1 if number.startswith("-") else 1
    if decimals:
        assert number[-decimals - 1] in ",.", shown
    assert sign * int(digits) == amount or (amount == 0 and int(digits) == 0)


@given(
    whole=st.integers(min_value=0, max_value=10**9),
    cents=st.integers(min_value=0, max_value=99),
    currency=ZERO_AND_TWO_DECIMALS,
)
def test_typed_amounts_parse_exactly_or_are_refused_never_rounded(whole, cents, currency):
    typed = Decimal(f"{whole}.{cents:02d}")
    if currency_exponent(currency) == 0 and cents:
        with pytest.raises(ValueError):
            to_minor(typed, currency)
    else:
        minor = to_minor(typed, currency)
        assert to_major(minor, currency) == typed
