"""Words people read (issue 24, item 7): counts agree with their number, no library stock phrases, and every
policy and fee is explained where a host chooses it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from core.words import counted
from tests.conftest import PASSWORD, make_user
from tests.listings.factories import make_listing

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def test_counted_says_one_thing_and_several_things():
    assert counted(1, "night") == "1 night"
    assert counted(2, "night") == "2 nights"
    assert counted(0, "review") == "0 reviews"
    assert counted(1, "person", "people") == "1 person" and counted(3, "person", "people") == "3 people"


def test_no_template_writes_a_plural_as_a_maybe():
    # "night(s)" reads as a form letter: templates use |pluralize, code uses core.words.counted.
    offenders = [str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.*") if re.search(r"\w\(s\)", p.read_text())]
    assert offenders == []


@pytest.mark.django_db
def test_a_one_seat_car_and_a_one_night_stay_are_singular_on_the_listing_page(client):
    car = make_listing(kind="car", capacity=1, min_units=1, max_units=1)
    page = client.get(car.get_absolute_url()).content.decode()
    assert "1 seat<" in page and "1 seats" not in page
    assert "1 hour ·" in page and "1 to 1" not in page


@pytest.mark.django_db
def test_a_refused_stay_length_of_one_night_is_singular():
    from datetime import date

    from bookings.services.checkout import quote_request
    from core.errors import DomainError
    from tests.bookings.factories import NOW

    listing = make_listing(max_units=1)
    with pytest.raises(DomainError, match=r"^The maximum stay is 1 night\.$"):
        quote_request(
            guest=make_user(), listing_id=listing.pk, start=date(2027, 3, 5), end=date(2027, 3, 7), guests=1, now=NOW
        )


@pytest.mark.django_db
def test_logging_in_greets_by_name_not_with_allauths_stock_phrase(client):
    make_user("wanda@example.com", display_name="Wanda")
    response = client.post(reverse("account_login"), {"login": "wanda@example.com", "password": PASSWORD}, follow=True)
    page = response.content.decode()
    assert "Welcome back, Wanda." in page
    assert "Successfully signed in" not in page


@pytest.mark.django_db
def test_the_listing_form_explains_each_policy_and_fee_where_they_are_chosen(client):
    client.force_login(make_user())
    page = client.get(reverse("listings:create", kwargs={"kind": "room"})).content.decode()
    assert "Free cancellation until 5 days before the start" in page  # moderate, in words
    assert "Free cancellation within 48 hours of booking" in page  # strict
    assert "first night and the service fee" in page  # flexible, in this kind's unit
    assert "Charged once per booking on top of the price" in page  # the cleaning fee
    assert f"({settings.GUEST_SERVICE_FEE_BPS / 100:g} % of the price and fee)" in page
    assert "you have 24 hours to accept or decline" in page  # instant book or not
    car_page = client.get(reverse("listings:create", kwargs={"kind": "car"})).content.decode()
    assert "each day capped at this price" in car_page and "first hour and the service fee" in car_page
