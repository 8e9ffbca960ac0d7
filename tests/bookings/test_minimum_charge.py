"""A stay under the least a card can be charged in its currency (Stripe's table, core.money.MINIMUM_CHARGE)
is refused with the figures, on the live quote, the API quote and the request, before any card is asked for."""

from __future__ import annotations

from datetime import date
from unittest import mock

import pytest
from django.urls import reverse

from bookings.models import Booking
from core.errors import DomainError
from core.money import CURRENCIES, MINIMUM_CHARGE, SYMBOL_CURRENCIES, minimum_charge
from payments.models import Payment
from tests.bookings.factories import NOW, request_room
from tests.conftest import make_user
from tests.listings.factories import make_listing

pytestmark = pytest.mark.django_db

TOKYO = {
    "currency": "JPY",
    "country_code": "JP",
    "city": "Tokyo",
    "address": "1-1 Shibuya, Tokyo",
    "latitude": 35.6595,
    "longitude": 139.7005,
    "time_zone": "Asia/Tokyo",
}


@pytest.fixture(autouse=True)
def _frozen_clock():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


def tiny_tokyo_room(price: int = 20):
    """A room at ¥20 a night, no cleaning fee: one night with Sharing's 12 % is ¥22, under Stripe's ¥50."""
    return make_listing(unit_price=price, fee_amount=0, **TOKYO)


def test_every_currency_we_handle_has_a_minimum_and_the_zero_decimal_ones_are_in_whole_units():
    assert set(MINIMUM_CHARGE) == set(CURRENCIES)
    assert (minimum_charge("jpy"), minimum_charge("KRW"), minimum_charge("EUR"), minimum_charge("GBP")) == (
        50,
        1_000,
        50,
        30,
    )
    assert set(MINIMUM_CHARGE) >= SYMBOL_CURRENCIES


def test_a_request_under_the_minimum_is_refused_with_both_figures_and_nothing_is_written():
    listing = tiny_tokyo_room()
    with pytest.raises(DomainError) as refused:
        request_room(listing=listing, check_in=date(2027, 3, 5), check_out=date(2027, 3, 6))
    assert refused.value.code == "below_minimum_charge"
    assert refused.value.message == (
        "This comes to ¥22, under the least a card can be charged in JPY (¥50): book a longer stay."
    )
    assert not Booking.objects.exists() and not Payment.objects.exists()


def test_the_live_quote_says_why_before_any_card(client):
    client.force_login(make_user())
    url = reverse("bookings:quote", kwargs={"listing_id": tiny_tokyo_room().pk})
    html = client.get(url, {"guests": 1, "start": "2027-03-05", "end": "2027-03-06"}).content.decode()
    assert "data-quote-refused" in html and "under the least a card can be charged in JPY (¥50)" in html


def test_the_api_quote_answers_a_4xx_with_the_message(client):
    client.force_login(make_user())
    response = client.post(
        "/api/v1/bookings/quote",
        {"listing_id": tiny_tokyo_room().pk, "start": "2027-03-05", "end": "2027-03-06"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "under the least a card can be charged in JPY (¥50)" in response.json()["detail"]


def test_a_stay_at_the_minimum_is_priced_and_says_it_is_charged_in_yen(client):
    client.force_login(make_user())
    url = reverse("bookings:quote", kwargs={"listing_id": tiny_tokyo_room(price=45).pk})  # 45 + 5 = ¥50
    html = client.get(url, {"guests": 1, "start": "2027-03-05", "end": "2027-03-06"}).content.decode()
    assert "data-quote-refused" not in html and "¥50" in html
    assert "You are charged in JPY; if your card is in another currency, your bank converts." in html
