"""The monthly tax report for staff: a CSV of the taxable base and the tax collected per jurisdiction."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse

from bookings.services.clock import complete_booking, release_payout, start_booking
from payments.models import LedgerTransaction
from tests.bookings.factories import confirmed_room
from tests.conftest import make_user
from tests.listings.factories import make_listing
from tests.payments.helpers import host_with_payout_account
from tests.taxes.factories import french_guest, paris_tax, vat

pytestmark = pytest.mark.django_db
URL = reverse("admin:payments_ledgerentry_tax_report")


@pytest.fixture
def staff_client(client):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def _completed_paris_booking():
    vat()
    paris_tax()
    host = host_with_payout_account(settings.STRIPE_API_BASE)
    booking = confirmed_room(listing=make_listing(owner=host), guest=french_guest(), guests=2)
    start_booking(booking_id=booking.pk, now=booking.start)
    complete_booking(booking_id=booking.pk, now=booking.end)
    release_payout(booking_id=booking.pk, now=booking.end)
    booking.refresh_from_db()
    return booking


def _rows(response):
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_the_month_of_the_payout_lists_each_jurisdiction_with_its_base_and_tax(staff_client):
    booking = _completed_paris_booking()
    month = LedgerTransaction.objects.filter(reference=f"booking:{booking.pk}").last().created_at.strftime("%Y-%m")
    response = staff_client.get(URL, {"month": month})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = {(row["tax"], row["jurisdiction"]): row for row in _rows(response)}
    assert set(rows) == {("vat", "FR"), ("occupancy", "FR:Paris"), ("host_vat", "FR")}
    assert rows[("vat", "FR")]["taxable_base_minor"] == str(booking.guest_service_fee)
    assert rows[("vat", "FR")]["tax_minor"] == str(booking.vat)
    assert rows[("occupancy", "FR:Paris")]["taxable_base_minor"] == str(booking.subtotal - booking.discount)
    assert rows[("occupancy", "FR:Paris")]["tax_minor"] == str(booking.occupancy_tax)
    assert rows[("occupancy", "FR:Paris")]["currency"] == "EUR"
    # VAT on Sharing's host fee, by the host's country (here the listing's: the host did not say).
    assert rows[("host_vat", "FR")]["taxable_base_minor"] == str(booking.host_service_fee)
    assert rows[("host_vat", "FR")]["tax_minor"] == str(booking.host_vat) != "0"


def test_another_month_has_the_header_and_no_rows(staff_client):
    _completed_paris_booking()
    response = staff_client.get(URL, {"month": "2001-02"})
    assert response.status_code == 200
    assert _rows(response) == []
    assert response.content.decode().startswith("month,tax,jurisdiction,currency,taxable_base_minor,tax_minor")


@pytest.mark.parametrize("month", ["", "2026-13", "26-11", "2026/11", "x" * 500, "1999-12"])
def test_a_bad_month_is_refused_with_a_message(staff_client, month):
    response = staff_client.get(URL, {"month": month})
    assert response.status_code == 400
    assert "Give the month as YYYY-MM, e.g. 2026-11" in response.content.decode()


def test_people_who_are_not_staff_are_sent_to_the_admin_log_in(client):
    client.force_login(make_user())
    response = client.get(URL, {"month": "2027-03"})
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_payout_released_in_march_is_in_march_not_february(staff_client):
    booking = _completed_paris_booking()
    released = LedgerTransaction.objects.filter(reference=f"booking:{booking.pk}").last().created_at
    before = (released.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    assert _rows(staff_client.get(URL, {"month": before})) == []
