"""A host's codes (page and API), the code in the live quote and the quote API, staff's codes in the admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from promotions.models import PromoCode
from tests.bookings.factories import CHECK_IN, CHECK_OUT
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.promotions.factories import make_code

pytestmark = pytest.mark.django_db

WINDOW = {"valid_from": "2026-01-01T00:00", "valid_until": "2030-01-01T00:00"}


def live_code(**fields):
    """A code valid now (the pages and the API read the real clock)."""
    return make_code(
        valid_from=timezone.now() - timedelta(days=1), valid_until=timezone.now() + timedelta(days=365), **fields
    )


def signed_in(client, user):
    client.force_login(user)
    return client


def test_a_host_makes_a_code_for_their_listings_on_the_page(client):
    host = make_user()
    listing = make_listing(owner=host)
    page = signed_in(client, host).post(
        reverse("promotions:host_codes"),
        {"code": "summer-10", "listing": listing.pk, "percent": "10", "per_person_limit": 1, **WINDOW},
    )

    assert page.status_code == 302
    code = PromoCode.objects.get(code="SUMMER-10")
    assert (code.funded_by, code.host, code.listing, code.percent_bps) == ("host", host, listing, 1000)
    assert b"SUMMER-10" in client.get(reverse("promotions:host_codes")).content


def test_an_amount_with_too_many_decimals_for_yen_is_refused_on_the_page(client):
    host = make_user()
    page = signed_in(client, host).post(
        reverse("promotions:host_codes"),
        {"code": "YEN", "amount_off": "10.5", "currency": "JPY", "per_person_limit": 1, **WINDOW},
    )
    assert page.status_code == 400
    assert "JPY has no smaller unit" in page.content.decode()
    assert not PromoCode.objects.exists()


def test_a_host_makes_and_stops_a_code_through_the_api(client):
    host = make_user()
    api = signed_in(client, host)
    made = api.post(
        "/api/v1/promotions/codes",
        {"code": "TEN", "amount_off": "10.00", "currency": "EUR", "budget": "100", **WINDOW},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["amount_off"], body["budget"], body["funded_by"]) == (1000, 10_000, "host")

    stopped = api.post(f"/api/v1/promotions/codes/{body['id']}/deactivate")
    assert stopped.status_code == 200 and stopped.json()["active"] is False
    assert [c["code"] for c in api.get("/api/v1/promotions/codes").json()] == ["TEN"]


def test_a_code_needs_a_currency_for_an_amount(client):
    response = signed_in(client, make_user()).post(
        "/api/v1/promotions/codes", {"code": "TEN", "amount_off": "10", **WINDOW}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["field"] == "currency"


def test_a_host_cannot_make_a_code_that_sharing_pays_for_or_for_someone_elses_listing(client):
    other = make_listing()
    response = signed_in(client, make_user()).post(
        "/api/v1/promotions/codes",
        {"code": "THEIRS", "percent": "10", "listing_id": other.pk, **WINDOW},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not PromoCode.objects.exists()


def test_a_stranger_cannot_stop_someone_elses_code(client):
    host = make_user()
    code = make_code(by=host, funded_by="host", code="ADA")
    response = signed_in(client, make_user()).post(f"/api/v1/promotions/codes/{code.pk}/deactivate")
    assert response.status_code == 404
    assert PromoCode.objects.get(pk=code.pk).active


def test_the_quote_api_shows_the_discount_and_what_the_card_pays(client):
    listing = make_listing()
    live_code(code="WELCOME", percent=10)
    period = {"listing_id": listing.pk, "start": str(CHECK_IN), "end": str(CHECK_OUT), "guests": 1}
    api = signed_in(client, make_user())

    quote = api.post("/api/v1/bookings/quote", {**period, "promo_code": "welcome"}, content_type="application/json")

    assert quote.status_code == 200, quote.content
    body = quote.json()
    assert body["platform_promotion"] == 2400 and body["promo_code"] == "WELCOME"
    assert body["charged"] == body["total"] - 2400


def test_the_quote_api_says_why_a_code_is_refused(client):
    listing = make_listing()
    live_code(code="CARS", kinds=["car"])
    period = {"listing_id": listing.pk, "start": str(CHECK_IN), "end": str(CHECK_OUT), "guests": 1}
    response = signed_in(client, make_user()).post(
        "/api/v1/bookings/quote", {**period, "promo_code": "CARS"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "This promo code is for cars only.",
        "field": "promo_code",
        "code": "wrong_kind",
    }


def test_the_live_quote_shows_a_discount_line(client):
    listing = make_listing()
    live_code(code="WELCOME", percent=10)
    page = signed_in(client, make_user()).get(
        reverse("bookings:quote", kwargs={"listing_id": listing.pk}),
        {"start": str(CHECK_IN), "end": str(CHECK_OUT), "guests": 1, "promo_code": "WELCOME"},
    )
    html = page.content.decode()
    assert "Promo code WELCOME (from Sharing)" in html and "-€24.00" in html
    assert "To pay by card" in html


def test_the_live_quote_shows_the_price_without_a_refused_code_and_why(client):
    listing = make_listing()
    page = signed_in(client, make_user()).get(
        reverse("bookings:quote", kwargs={"listing_id": listing.pk}),
        {"start": str(CHECK_IN), "end": str(CHECK_OUT), "guests": 1, "promo_code": "NOPE"},
    )
    html = page.content.decode()
    assert "data-promo-refused" in html and "We do not know this promo code" in html
    assert "data-total" in html and "Promo code" not in html.split("data-promo-refused")[0].split("<table")[1]


def test_staff_make_a_sharing_funded_code_in_the_admin(client):
    staff = make_user(is_staff=True, is_superuser=True)
    response = signed_in(client, staff).post(
        reverse("admin:promotions_promocode_add"),
        {
            "code": "launch",
            "percent": "15",
            "amount_off": "0",
            "currency": "",
            "min_spend": "0",
            "per_person_limit": "1",
            "valid_from_0": "2026-01-01",
            "valid_from_1": "00:00:00",
            "valid_until_0": "2030-01-01",
            "valid_until_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    code = PromoCode.objects.get(code="LAUNCH")
    assert (code.funded_by, code.host, code.percent_bps, code.created_by) == ("platform", None, 1500, staff)


def test_the_admin_refuses_an_amount_without_a_currency(client):
    staff = make_user(is_staff=True, is_superuser=True)
    response = signed_in(client, staff).post(
        reverse("admin:promotions_promocode_add"),
        {
            "code": "broken",
            "amount_off": "500",
            "currency": "",
            "min_spend": "0",
            "per_person_limit": "1",
            "valid_from_0": "2026-01-01",
            "valid_from_1": "00:00:00",
            "valid_until_0": "2030-01-01",
            "valid_until_1": "00:00:00",
        },
    )
    assert response.status_code == 200
    assert "needs a currency" in response.content.decode()
    assert not PromoCode.objects.exists()


def test_my_invitation_link_and_credit(client):
    person = make_user()
    response = signed_in(client, person).get("/api/v1/promotions/invitation")
    body = response.json()
    assert response.status_code == 200 and body["link"].endswith(f"/promotions/invite/{body['code']}/")
    assert body["credit"] == []
    assert body["code"] in client.get(reverse("promotions:invite")).content.decode()


def test_a_code_applies_to_a_stay_charged_later_as_to_one_paid_now(client, settings):
    """Far-ahead stays are charged later (bookings.services.schedule); the quote takes a code the same way
    for them as for a stay soon enough, and prices what the saved card will be charged."""
    settings.PAYMENT_SCHEDULE_AFTER_DAYS = 30
    listing = make_listing()
    live_code(code="WELCOME", percent=10)
    api = signed_in(client, make_user())

    def quote(days_ahead: int):
        start = (timezone.now() + timedelta(days=days_ahead)).date()
        period = {"listing_id": listing.pk, "start": str(start), "end": str(start + timedelta(days=3)), "guests": 1}
        return api.post("/api/v1/bookings/quote", {**period, "promo_code": "WELCOME"}, content_type="application/json")

    far, soon = quote(60), quote(10)
    assert far.status_code == 200 and soon.status_code == 200, (far.content, soon.content)
    assert far.json()["promo_code"] == soon.json()["promo_code"] == "WELCOME"
    assert far.json()["platform_promotion"] == soon.json()["platform_promotion"] > 0
