"""Search across currencies and units: rates by day, prices compared in one unit, like with like.

Paris listings priced in four currencies at the shipped ECB snapshot (1 EUR = 180.47 JPY, 1.1642 USD,
0.87415 GBP): 100.00 EUR, 15,000 JPY (83.12 EUR), 90.00 GBP (102.96 EUR), 100.00 USD (85.90 EUR).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from core.models import ExchangeRate, RateLoad
from core.rates import SNAPSHOT, RateFileError, current_rates, shipped_rates, staff_warning, to_reference
from listings.models import DriverCoverage, Listing
from listings.prices import load_rates, refresh_reference_prices
from tests.conftest import make_user
from tests.listings.factories import make_listing

pytestmark = pytest.mark.django_db

PARIS = {"lat": 48.8556, "lng": 2.3601}


def rate_file(tmp_path: Path, *, day, jpy: str = "200", drop: str | None = None, name: str = "rates.xml") -> str:
    """The shipped snapshot re-dated, with the yen at `jpy` (and one currency left out with `drop`)."""
    text = SNAPSHOT.read_text().replace("2026-12-04", day.isoformat()).replace("rate='180.47'", f"rate='{jpy}'")
    if drop:
        text = "\n".join(line for line in text.splitlines() if f"currency='{drop}'" not in line)
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.fixture
def four_currencies():
    owner = make_user()
    return {
        "eur": make_listing(owner=owner, title="Euro room", currency="EUR", unit_price=10000),
        "jpy": make_listing(owner=owner, title="Yen room", currency="JPY", unit_price=15000),
        "gbp": make_listing(owner=owner, title="Pound room", currency="GBP", unit_price=9000),
        "usd": make_listing(owner=owner, title="Dollar room", currency="USD", unit_price=10000),
    }


def search(client, **params):
    response = client.get("/api/v1/listings/search", {**PARIS, "kind": "room", **params})
    assert response.status_code == 200, response.content
    return response.json()


def test_cheapest_first_compares_prices_converted_not_raw_numbers(client, four_currencies):
    body = search(client, sort="price")
    assert [hit["title"] for hit in body["results"]] == ["Yen room", "Dollar room", "Euro room", "Pound room"]


def test_price_filters_are_in_the_searchers_currency(client, four_currencies):
    # 15,000 JPY and 100 USD (15,502 JPY) are within 16,000 JPY; 100 EUR (18,047 JPY) is not.
    body = search(client, sort="price", currency="JPY", max_price=16000)
    assert [hit["title"] for hit in body["results"]] == ["Yen room", "Dollar room"]
    body = search(client, sort="price", currency="EUR", min_price=9000, max_price=10000)
    assert [hit["title"] for hit in body["results"]] == ["Euro room"]


def test_results_show_the_listings_price_and_an_approximate_one_in_the_searchers(client, four_currencies):
    body = search(client, sort="price", currency="JPY")
    by_title = {hit["title"]: hit for hit in body["results"]}
    assert body["currency"] == "JPY"
    assert (by_title["Euro room"]["unit_price"], by_title["Euro room"]["currency"]) == (10000, "EUR")
    assert by_title["Euro room"]["approx_unit_price"] == 18047
    assert by_title["Yen room"]["approx_unit_price"] is None


def test_the_search_page_shows_both_prices_and_the_rule(client, four_currencies):
    html = client.get("/listings/search/", {**PARIS, "kind": "room", "sort": "price", "currency": "JPY"}).content
    text = html.decode()
    assert '<strong>€100.00</strong> / night <span class="approx-price muted">(about ¥18,047)</span>' in text
    assert "<strong>¥15,000</strong> / night" in text
    assert "Cheapest first by the price per night, compared in JPY." in text
    assert "you pay in the listing's currency" in text.lower()


def test_the_searchers_currency_defaults_from_their_browsers_region(client, four_currencies):
    response = client.get("/api/v1/listings/search", {**PARIS, "kind": "room"}, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8")
    assert response.json()["currency"] == "GBP"
    assert search(client)["currency"] == "EUR"


def test_an_unknown_searcher_currency_is_refused_with_a_message(client, four_currencies):
    response = client.get("/api/v1/listings/search", {**PARIS, "currency": "XYZ"})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("“XYZ” is not a currency we handle")
    page = client.get("/listings/search/", {**PARIS, "currency": "XYZ"})
    assert page.status_code == 400
    assert "“XYZ” is not a currency we handle" in page.content.decode()


def test_without_dates_cheapest_first_compares_one_kind_and_says_so(client):
    owner = make_user()
    make_listing(owner=owner, kind="room", title="Room", unit_price=5000)
    make_listing(owner=owner, kind="car", title="Car", unit_price=1000)
    body = client.get("/api/v1/listings/search", {**PARIS, "sort": "price"}).json()
    assert [hit["title"] for hit in body["results"]] == ["Room"]
    assert body["price_rule"].startswith("Cheapest first compares like with like: rooms by their price per night")
    body = client.get("/api/v1/listings/search", {**PARIS, "sort": "price", "kind": "car"}).json()
    assert [hit["title"] for hit in body["results"]] == ["Car"]


@pytest.mark.parametrize(("hours", "order"), [(3, ["Car", "Room"]), (48, ["Room", "Car"])])
def test_with_dates_cheapest_first_compares_totals_across_kinds(client, hours, order):
    owner = make_user()
    # 50 EUR a night against 10 EUR an hour: for 3 hours the car (30) is cheaper than a night; for 2 days not.
    make_listing(owner=owner, kind="room", title="Room", unit_price=5000)
    make_listing(owner=owner, kind="car", title="Car", unit_price=1000)
    start = (timezone.now() + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    params = {**PARIS, "sort": "price", "start": start.isoformat(), "end": (start + timedelta(hours=hours)).isoformat()}
    body = client.get("/api/v1/listings/search", params).json()
    assert [hit["title"] for hit in body["results"]] == order
    assert body["price_rule"].startswith("Cheapest first by the total for your dates")


def test_loading_a_newer_day_of_rates_reprices_every_listing_and_driver(tmp_path, four_currencies):
    driver = make_listing(kind="driver", currency="JPY", unit_price=3000)
    loaded = load_rates(source=rate_file(tmp_path, day=timezone.localdate(), jpy="200"))
    assert loaded.latest and loaded.listings_repriced == 5
    four_currencies["jpy"].refresh_from_db()
    assert four_currencies["jpy"].reference_price == 75_000_000  # 15,000 JPY at 200 a euro: 75 EUR
    assert set(DriverCoverage.objects.filter(listing=driver).values_list("reference_price", flat=True)) == {15_000_000}
    assert current_rates().per_euro["JPY"] == 200


def test_the_databases_rounding_agrees_with_save(tmp_path):
    odd = [
        make_listing(currency=code, unit_price=price) for code, price in [("JPY", 12347), ("KRW", 99999), ("SEK", 1)]
    ]
    expected = {listing.pk: listing.reference_price for listing in odd}
    Listing.objects.update(reference_price=0)
    refresh_reference_prices(shipped_rates())
    assert dict(Listing.objects.values_list("pk", "reference_price")) == expected
    assert expected[odd[0].pk] == to_reference(12347, "JPY", shipped_rates())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("<gesmes:Envelope", "The rate file is not well-formed XML"),
        ("<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><x/>", "declares a DOCTYPE or entities"),
        ("<x/>", "exactly one day of rates"),
    ],
)
def test_a_malformed_rate_file_is_refused_and_the_last_good_rates_kept(tmp_path, content, message):
    good = load_rates(source=rate_file(tmp_path, day=timezone.localdate(), jpy="200"))
    bad = tmp_path / "bad.xml"
    bad.write_text(content)
    with pytest.raises(RateFileError, match=message):
        load_rates(source=str(bad))
    assert (current_rates().day, current_rates().per_euro["JPY"]) == (good.rates.day, 200)
    refused = RateLoad.objects.get(accepted=False)
    assert message in refused.message
    assert staff_warning().startswith(f"The last rate file ({bad}) was refused: ")


def test_a_rate_file_missing_one_of_our_currencies_is_refused(tmp_path):
    with pytest.raises(RateFileError, match="no rate for KRW"):
        load_rates(source=rate_file(tmp_path, day=timezone.localdate(), drop="KRW"))
    assert not ExchangeRate.objects.exists()


def test_a_rate_file_older_than_a_week_is_refused_with_the_command_saying_nothing_changed(tmp_path, four_currencies):
    before = {listing.pk: listing.reference_price for listing in four_currencies.values()}
    old = rate_file(tmp_path, day=timezone.localdate() - timedelta(days=8))
    with pytest.raises(CommandError, match=r"more than a week old.*Nothing was changed"):
        call_command("load_rates", old)
    assert not ExchangeRate.objects.exists()
    assert dict(Listing.objects.values_list("pk", "reference_price")) == before
    assert "more than a week old" in staff_warning()


def test_the_shipped_snapshot_loads_offline_and_staff_are_told_it_is_old(four_currencies, capsys):
    call_command("load_rates", "--snapshot")
    assert "Loaded 30 rates of 2026-12-04" in capsys.readouterr().out
    assert ExchangeRate.objects.filter(day="2026-12-04").count() == 31
    warning = staff_warning(today=shipped_rates().day + timedelta(days=10))
    assert warning == "The exchange rates are from 2026-12-04, 10 days ago: run `manage.py load_rates`."
    assert staff_warning(today=shipped_rates().day) is None


def test_staff_see_the_rate_warning_on_the_desk(client, tmp_path):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    bad = tmp_path / "bad.xml"
    bad.write_text("not xml")
    with pytest.raises(RateFileError):
        load_rates(source=str(bad))
    page = client.get("/admin/core/exchangerate/")
    assert page.status_code == 200
    assert "was refused: The rate file is not well-formed XML" in page.content.decode()
