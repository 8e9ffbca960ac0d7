"""The quote shows the taxes as their own lines (page and API), and the card is charged the taxed total."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bookings.pricing import apply_bps, make_quote
from bookings.pricing_taxes import apply_taxes
from taxes.rules import TaxRules
from tests.bookings.factories import CHECK_IN, CHECK_OUT
from tests.listings.factories import make_listing
from tests.taxes.factories import french_guest, paris_tax, vat


def _live_quote(client, listing, guest, guests=2):
    client.force_login(guest)
    return client.get(
        reverse("bookings:quote", kwargs={"listing_id": listing.pk}),
        {"start": str(CHECK_IN), "end": str(CHECK_OUT), "guests": guests},
    ).content.decode()


@pytest.mark.django_db
def test_a_french_guest_sees_vat_and_the_paris_tourist_tax_before_the_total(client):
    vat()
    paris_tax()
    html = _live_quote(client, make_listing(), french_guest())
    assert "VAT 20 % on Sharing&#x27;s service fee (FR)" in html or "VAT 20 % on Sharing's service fee (FR)" in html
    assert "Tourist tax (Paris)" in html and "€17.28" in html  # €2.88 x 2 people x 3 nights
    assert html.index("Tourist tax (Paris)") < html.index("Total")


@pytest.mark.django_db
def test_without_a_rate_for_the_guests_country_or_the_city_the_quote_has_no_tax_line(client):
    vat("DE", "19")
    html = _live_quote(client, make_listing(city="Lyon"), french_guest())
    assert "data-tax" not in html and "Tourist tax" not in html


@pytest.mark.django_db
def test_the_api_quote_gives_each_tax_in_minor_units(client):
    vat()
    paris_tax(per_person_night=0, percent="5")
    listing = make_listing()
    guest = french_guest()
    client.force_login(guest)
    response = client.post(
        "/api/v1/bookings/quote",
        {"listing_id": listing.pk, "start": str(CHECK_IN), "end": str(CHECK_OUT), "guests": 1},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["vat"] == apply_bps(body["guest_service_fee"], 2000)
    assert body["occupancy_tax"] == apply_bps(body["subtotal"] - body["discount"], 500)
    assert (body["vat_country"], body["vat_rate"], body["occupancy_place"]) == ("FR", 20_000, "FR:Paris")
    assert (
        body["total"]
        == body["subtotal"] + body["fee"] + body["guest_service_fee"] + body["vat"] + body["occupancy_tax"]
    )


def test_cars_and_drivers_pay_vat_on_the_fee_but_no_tourist_tax():
    quote = make_quote(
        kind="car", currency="EUR", units=3, unit_price=1500, fee=0, guest_fee_bps=1200, host_fee_bps=300
    )
    rules = TaxRules(vat_country="FR", vat_rate=20_000, occupancy_place="FR:Paris", occupancy_per_person_night=288)
    taxed = apply_taxes(quote, rules=rules, kind="car", persons=2)
    assert taxed.occupancy_tax == 0 and taxed.occupancy_place == ""
    assert taxed.vat == apply_bps(quote.guest_service_fee, 2000)
    assert taxed.total == quote.total + taxed.vat


def test_a_yen_quote_rounds_each_tax_to_the_yen():
    quote = make_quote(
        kind="room", currency="JPY", units=1, unit_price=12_345, fee=0, guest_fee_bps=1200, host_fee_bps=0
    )
    rules = TaxRules(vat_country="JP", vat_rate=10_000, occupancy_place="JP:Tokyo", occupancy_rate=3_000)
    taxed = apply_taxes(quote, rules=rules, kind="room", persons=1)
    assert quote.guest_service_fee == 1481  # 12 % of 12,345 = 1,481.4
    assert taxed.vat == 148  # 10 % of 1,481 = 148.1 -> 148
    assert taxed.occupancy_tax == 370  # 3 % of 12,345 = 370.35 -> 370
