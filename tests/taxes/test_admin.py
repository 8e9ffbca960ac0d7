"""Staff edit the rates in the admin; overlapping validity for one country or city is refused with a message,
and on PostgreSQL the database refuses it too, whatever writes the row."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from taxes.models import OccupancyTax, VatRate
from tests.conftest import make_user
from tests.taxes.factories import paris_tax, vat

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def _add_vat(client, **data):
    form = {"country": "FR", "rate": "20", "valid_from": "2027-01-01", "valid_to": "", **data}
    return client.post(reverse("admin:taxes_vatrate_add"), form)


def _add_city(client, **data):
    form = {
        "country": "FR",
        "city": "Paris",
        "per_person_night": "288",
        "currency": "EUR",
        "percent": "0",
        "kinds": ["room"],
        "valid_from": "2027-01-01",
        "valid_to": "",
        **data,
    }
    return client.post(reverse("admin:taxes_occupancytax_add"), form)


def test_staff_add_a_vat_rate_that_starts_after_the_last_one_ends(staff_client):
    vat("FR", "19.6", valid_from=date(2014, 1, 1), valid_to=date(2026, 12, 31))
    response = _add_vat(staff_client, rate="20.5")
    assert response.status_code == 302
    assert VatRate.objects.get(valid_from=date(2027, 1, 1)).rate == Decimal("20.5")


def test_an_overlapping_vat_rate_is_refused_with_the_rate_in_the_way(staff_client):
    vat("FR", "20", valid_from=date(2026, 1, 1))
    response = _add_vat(staff_client, rate="21")
    assert response.status_code == 200
    text = response.content.decode()
    assert "VAT for FR already has a rate from 2026-01-01 to further notice" in text
    assert VatRate.objects.count() == 1


def test_another_countrys_rate_on_the_same_days_is_accepted(staff_client):
    vat("FR", "20", valid_from=date(2026, 1, 1))
    assert _add_vat(staff_client, country="de", rate="19").status_code == 302
    assert VatRate.objects.filter(country="DE").exists()


def test_a_country_that_is_not_two_letters_and_a_last_day_before_the_first_are_refused(staff_client):
    response = _add_vat(staff_client, country="France")
    assert "Give the country as two letters" in response.content.decode()
    response = _add_vat(staff_client, valid_from="2027-05-01", valid_to="2027-04-01")
    assert "The last day cannot come before the first." in response.content.decode()
    assert not VatRate.objects.exists()


def test_an_overlapping_city_tax_is_refused_whatever_the_citys_case(staff_client):
    paris_tax(valid_from=date(2026, 1, 1), valid_to=date(2027, 6, 30))
    response = _add_city(staff_client, city="PARIS", valid_from="2027-06-30")
    assert "PARIS (FR) already has a rate from 2026-01-01 to 2027-06-30" in response.content.decode()
    assert OccupancyTax.objects.count() == 1
    assert _add_city(staff_client, valid_from="2027-07-01").status_code == 302


def test_a_city_tax_is_charged_one_way_only(staff_client):
    response = _add_city(staff_client, percent="5")
    assert "Charge it one way" in response.content.decode()
    response = _add_city(staff_client, currency="")
    assert "Say which currency" in response.content.decode()
    assert not OccupancyTax.objects.exists()


def test_people_who_are_not_staff_never_reach_the_rates(client):
    client.force_login(make_user())
    response = _add_vat(client)
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert not VatRate.objects.exists()


@pytest.mark.postgres_only
def test_postgresql_refuses_overlapping_rates_written_past_the_admin():
    vat("FR", "20", valid_from=date(2026, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        vat("FR", "21", valid_from=date(2026, 6, 1), valid_to=date(2026, 6, 30))
    paris_tax(valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31))
    with pytest.raises(IntegrityError), transaction.atomic():
        paris_tax(city="paris", valid_from=date(2026, 12, 31))
    vat("FR", "19", valid_from=date(2020, 1, 1), valid_to=date(2025, 12, 31))  # touching is not overlapping
