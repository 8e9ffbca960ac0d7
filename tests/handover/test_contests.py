"""A return charge contested in a dispute: support gives back part of it through the outbox, nobody else can."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from core.errors import Conflict, DomainError, PermissionDenied
from disputes import services as dispute_services
from disputes.models import Category
from handover import services
from handover.contests import refund_return_charge
from handover.models import Settlement
from payments.models import Payment
from tests.conftest import make_user
from tests.disputes.helpers import support_user
from tests.handover.factories import picked_up, rented_car, returned

pytestmark = pytest.mark.django_db


def _charged():
    """80 km beyond the limit (20.00 EUR) and 30 % of fuel missing (15.00 EUR), both charged."""
    booking = picked_up(rented_car(extra_km_price=25, refuel_price=50))
    returned(booking, host_km=10_280, guest_km=10_280, host_fuel=50, guest_fuel=50)
    settlement = services.collect_extra_charge(settlement_id=Settlement.objects.get(booking=booking).pk)
    assert (settlement.charge_status, settlement.fuel_charge_status) == ("charged", "charged")
    return booking, settlement


def _contest(booking, settlement):
    return dispute_services.open_dispute(
        user=booking.guest,
        booking_id=booking.pk,
        category=Category.OTHER,
        description="I filled the tank before the return: the owner's gauge reading is wrong.",
        now=settlement.created_at + timedelta(hours=1),
    )


def test_support_gives_back_part_of_a_contested_fuel_charge_and_the_card_is_refunded():
    booking, settlement = _charged()
    _contest(booking, settlement)
    refund_return_charge(
        staff=support_user(), booking_id=booking.pk, charge="fuel", amount=1000, reason="The receipt shows a refill."
    )
    settlement.refresh_from_db()
    assert (settlement.fuel_refunded, settlement.extra_refunded) == (1000, 0)
    fuel = Payment.objects.get(reference=f"fuel:{booking.pk}")
    assert (fuel.captured_amount, fuel.refunded_amount) == (1500, 1000)
    assert Payment.objects.get(reference=f"extras:{booking.pk}").refunded_amount == 0


def test_the_receipt_shows_what_was_given_back(client):
    booking, settlement = _charged()
    _contest(booking, settlement)
    refund_return_charge(staff=support_user(), booking_id=booking.pk, charge="fuel", amount=1000, reason="Refill.")
    client.force_login(booking.guest)
    page = client.get(booking.get_absolute_url()).content.decode()
    assert "Fuel or charge given back after a dispute" in page and "-€10.00" in page


def test_what_is_left_of_a_charge_bounds_the_refunds():
    booking, settlement = _charged()
    _contest(booking, settlement)
    staff = support_user()
    refund_return_charge(staff=staff, booking_id=booking.pk, charge="kilometres", amount=1500, reason="Detour.")
    with pytest.raises(DomainError, match=r"at most the €5\.00 left"):
        refund_return_charge(staff=staff, booking_id=booking.pk, charge="kilometres", amount=501, reason="More.")
    assert Payment.objects.get(reference=f"extras:{booking.pk}").refunded_amount == 1500


def test_a_charge_is_given_back_only_through_an_open_dispute():
    booking, _ = _charged()
    with pytest.raises(Conflict, match="through an open dispute"):
        refund_return_charge(staff=support_user(), booking_id=booking.pk, charge="fuel", amount=100, reason="x")
    assert Payment.objects.get(reference=f"fuel:{booking.pk}").refunded_amount == 0


@pytest.mark.parametrize("who", ["owner", "renter", "staff without the desk", "stranger"])
def test_nobody_but_desk_staff_gives_a_charge_back(who):
    booking, settlement = _charged()
    _contest(booking, settlement)
    person = {
        "owner": booking.listing.owner,
        "renter": booking.guest,
        "staff without the desk": make_user(is_staff=True),
        "stranger": make_user(),
    }[who]
    with pytest.raises(PermissionDenied):
        refund_return_charge(staff=person, booking_id=booking.pk, charge="fuel", amount=100, reason="Mine.")
    assert Settlement.objects.get(pk=settlement.pk).fuel_refunded == 0


def test_the_desk_page_gives_back_a_charge_and_refuses_strangers(client):
    booking, settlement = _charged()
    _contest(booking, settlement)
    url = reverse("handover:refund_charge", kwargs={"booking_id": booking.pk})
    client.force_login(booking.guest)
    assert client.post(url, {"charge": "fuel", "amount": "1500", "reason": "Mine."}).status_code in (403, 404)
    client.force_login(support_user())
    page = client.get(url)
    assert page.status_code == 200 and "Return, the renter" in page.content.decode()
    answer = client.post(url, {"charge": "fuel", "amount": "1500", "reason": "The refill receipt."})
    assert answer.status_code == 302
    assert Settlement.objects.get(pk=settlement.pk).fuel_refunded == 1500
    refused = client.post(url, {"charge": "fuel", "amount": "1", "reason": "Again."})
    assert refused.status_code == 409 and "already given back in full" in refused.content.decode()
