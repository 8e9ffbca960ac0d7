"""Bad currency input: an unknown code is a 4xx saying which codes we handle (core.money.UNKNOWN_CURRENCY) on
every listing form and API, with nothing written; exchange rates more than a week old are flagged on search
(page and API) rather than silently used."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.money import CURRENCIES, UNKNOWN_CURRENCY
from core.rates import STALE_AFTER, Rates, shipped_rates, store
from listings.models import Listing
from promotions.models import PromoCode
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.listings.helpers import FORM_COMMON, FORM_DETAILS, api_payload

pytestmark = pytest.mark.django_db

PARIS = {"lat": 48.8556, "lng": 2.3601, "kind": "room"}


def unknown(code: str) -> str:
    return UNKNOWN_CURRENCY.format(code=code, allowed=", ".join(CURRENCIES))


@pytest.fixture
def host(client):
    user = make_user()
    client.force_login(user)
    return user


# --- Listing forms and the listings API ------------------------------------------------------------


def test_the_new_listing_form_refuses_an_unknown_currency_with_a_400_naming_ours(client, host):
    data = {**FORM_COMMON, **FORM_DETAILS["room"], "currency": "XYZ"}
    response = client.post(reverse("listings:create", kwargs={"kind": "room"}), data)
    assert response.status_code == 400
    assert unknown("XYZ") in response.content.decode()
    assert not Listing.objects.exists()


def test_the_edit_form_refuses_an_unknown_currency_and_the_listing_keeps_its_own(client, host):
    listing = make_listing(owner=host, currency="JPY", unit_price=12000, fee_amount=0)
    data = {**FORM_COMMON, **FORM_DETAILS["room"], "currency": "YEN", "price": "9000", "fee": "0"}
    response = client.post(reverse("listings:edit", kwargs={"listing_id": listing.pk}), data)
    assert response.status_code == 400
    assert unknown("YEN") in response.content.decode()
    listing.refresh_from_db()
    assert (listing.currency, listing.unit_price) == ("JPY", 12000)


def test_the_api_refuses_an_unknown_currency_on_create_with_the_field_and_writes_nothing(client, host):
    response = client.post("/api/v1/listings/", api_payload("room", currency="JPN"), content_type="application/json")
    assert response.status_code == 400
    assert (response.json()["detail"], response.json()["field"]) == (unknown("JPN"), "currency")
    assert not Listing.objects.exists()


def test_the_api_refuses_an_unknown_currency_on_update_and_the_listing_keeps_its_own(client, host):
    listing = make_listing(owner=host, currency="EUR")
    response = client.patch(f"/api/v1/listings/{listing.pk}", {"currency": "BTC"}, content_type="application/json")
    assert response.status_code == 400
    assert (response.json()["detail"], response.json()["field"]) == (unknown("BTC"), "currency")
    listing.refresh_from_db()
    assert listing.currency == "EUR"


def test_a_host_promo_code_in_an_unknown_currency_is_refused_with_the_same_sentence(client, host):
    data = {"code": "YEN-OFF", "amount_off": "500", "currency": "JPX"}
    response = client.post(reverse("promotions:host_codes"), data)
    assert unknown("JPX") in response.content.decode()
    assert not PromoCode.objects.exists()


def test_search_refuses_an_unknown_searcher_currency_on_the_page_and_the_api(client):
    assert client.get("/api/v1/listings/search", {**PARIS, "currency": "EURO"}).json()["detail"] == unknown("EURO")
    page = client.get("/listings/search/", {"lat": 48.8556, "lng": 2.3601, "currency": "EURO"})
    assert page.status_code == 400 and unknown("EURO") in page.content.decode()


# --- Stale exchange rates on search -----------------------------------------------------------------


def rates_of(age: timedelta) -> None:
    """The shipped rates stored as the latest day, `age` before today."""
    store(Rates(day=timezone.localdate() - age, per_euro=shipped_rates().per_euro), source="test")


@pytest.fixture
def yen_room_in_paris():
    return make_listing(title="Yen room", currency="JPY", unit_price=15000)


def test_rates_older_than_a_week_are_flagged_on_the_search_page_and_in_the_api(client, yen_room_in_paris):
    rates_of(STALE_AFTER + timedelta(days=3))
    day = (timezone.localdate() - STALE_AFTER - timedelta(days=3)).isoformat()
    page = client.get("/listings/search/", {"lat": 48.8556, "lng": 2.3601, "currency": "EUR"}).content.decode()
    assert "data-rates-stale" in page
    assert f"Approximate prices use the exchange rates of {day}, 10 days old" in page
    answer = client.get("/api/v1/listings/search", {**PARIS, "currency": "EUR"}).json()
    assert answer["results"][0]["approx_unit_price"] is not None  # still used: the last good rates
    assert answer["rates_note"].startswith(f"Approximate prices use the exchange rates of {day}")


def test_rates_of_a_week_ago_are_not_flagged(client, yen_room_in_paris):
    rates_of(STALE_AFTER)
    page = client.get("/listings/search/", {"lat": 48.8556, "lng": 2.3601, "currency": "EUR"}).content.decode()
    assert "(about €" in page and "data-rates-stale" not in page
    assert client.get("/api/v1/listings/search", {**PARIS, "currency": "EUR"}).json()["rates_note"] is None


def test_old_rates_are_not_mentioned_when_no_price_needed_converting(client, yen_room_in_paris):
    rates_of(timedelta(days=30))
    page = client.get("/listings/search/", {"lat": 48.8556, "lng": 2.3601, "currency": "JPY"}).content.decode()
    assert "¥15,000" in page and "data-rates-stale" not in page
