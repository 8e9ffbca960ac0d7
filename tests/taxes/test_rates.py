"""Which rate holds on a day: validity dates (both days included), the guest's country, the city, the kinds."""

from __future__ import annotations

from datetime import date

import pytest

from taxes.selectors import rules_for

pytestmark = pytest.mark.django_db

from tests.taxes.factories import paris_tax, vat  # noqa: E402


def _rules(*, guest_country: str = "FR", city: str = "Paris", kind: str = "room", on: date = date(2027, 3, 5), **kw):
    return rules_for(
        guest_country=guest_country,
        listing_country=kw.get("listing_country", "FR"),
        city=city,
        kind=kind,
        currency=kw.get("currency", "EUR"),
        booked_on=on,
        stay_starts_on=on,
    )


def test_a_rate_holds_from_its_first_to_its_last_day_included():
    vat("FR", "19.6", valid_from=date(2010, 1, 1), valid_to=date(2013, 12, 31))
    vat("FR", "20", valid_from=date(2014, 1, 1))
    assert _rules(on=date(2013, 12, 31)).vat_rate == 19_600
    assert _rules(on=date(2014, 1, 1)).vat_rate == 20_000
    assert _rules(on=date(2009, 12, 31)).vat_country == ""


def test_vat_follows_the_guests_country_and_falls_back_to_the_listings():
    vat("FR", "20")
    vat("DE", "19")
    assert (_rules(guest_country="DE").vat_country, _rules(guest_country="DE").vat_rate) == ("DE", 19_000)
    assert _rules(guest_country="").vat_country == "FR"
    assert _rules(guest_country="US").vat_country == ""  # no VAT rate set for the US: no VAT line


def test_the_city_matches_whatever_its_case_and_only_for_the_kinds_it_names():
    paris_tax()
    assert _rules(city="  paris ").occupancy_place == "FR:Paris"
    assert _rules(city="Lyon").occupancy_place == ""
    assert _rules(kind="car").occupancy_place == ""


def test_a_per_person_amount_in_another_currency_is_converted_to_the_listings():
    paris_tax(per_person_night=288, currency="EUR")
    assert _rules(currency="EUR").occupancy_per_person_night == 288
    in_yen = _rules(currency="JPY").occupancy_per_person_night
    assert in_yen > 288  # a euro is worth many yen, and yen have no minor unit


def test_a_percentage_rate_is_held_in_thousandths_of_a_percent():
    paris_tax(per_person_night=0, percent="5.875")
    rules = _rules()
    assert (rules.occupancy_rate, rules.occupancy_per_person_night) == (5_875, 0)
