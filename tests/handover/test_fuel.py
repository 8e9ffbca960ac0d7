"""Fuel or charge missing at the return: charged from the two reports as its own payment, receipt line and dispute."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from disputes import services as dispute_services
from disputes.models import Category
from handover import services
from handover.models import Settlement
from payments.models import LedgerTransaction, Payment
from tests.handover.factories import picked_up, rented_car, report, returned

pytestmark = pytest.mark.django_db

REFUEL = 50  # 0.50 EUR per percentage point


def _settled(*, pickup=(80, 80), back=(50, 50), km=(10_100, 10_100), extra_km_price=0):
    booking = picked_up(
        rented_car(refuel_price=REFUEL, extra_km_price=extra_km_price), host_fuel=pickup[0], guest_fuel=pickup[1]
    )
    returned(booking, host_km=km[0], guest_km=km[1], host_fuel=back[0], guest_fuel=back[1])
    return booking, Settlement.objects.get(booking=booking)


def test_fuel_missing_at_the_return_is_charged_at_the_listing_price_as_its_own_payment():
    booking, settlement = _settled(pickup=(80, 80), back=(50, 50))
    assert (settlement.pickup_fuel_percent, settlement.return_fuel_percent) == (80, 50)
    assert (settlement.missing_fuel_percent, settlement.fuel_amount, settlement.fuel_charge_status) == (30, 1500, "due")
    assert settlement.charge_status == "nothing"  # no kilometres beyond the limit

    settlement = services.collect_extra_charge(settlement_id=settlement.pk)
    assert settlement.fuel_charge_status == "charged"
    charge = Payment.objects.get(pk=settlement.fuel_payment_id)
    assert (charge.reference, charge.status, charge.captured_amount) == (f"fuel:{booking.pk}", "captured", 1500)
    assert (charge.host_payout_amount, charge.escrow_amount) == (1500, 0)
    assert LedgerTransaction.objects.filter(reference=f"fuel:{booking.pk}").exists()
    assert not Payment.objects.filter(reference=f"extras:{booking.pk}").exists()


def test_kilometres_and_fuel_are_two_payments_with_their_own_ledger_entries():
    booking, settlement = _settled(back=(70, 70), km=(10_300, 10_300), extra_km_price=10)
    services.collect_extra_charge(settlement_id=settlement.pk)
    services.collect_extra_charge(settlement_id=settlement.pk)  # twice: each still charged once
    km = Payment.objects.get(reference=f"extras:{booking.pk}")
    fuel = Payment.objects.get(reference=f"fuel:{booking.pk}")
    assert (km.captured_amount, fuel.captured_amount) == (100 * 10, 10 * REFUEL)
    km_moves = LedgerTransaction.objects.filter(reference=f"extras:{booking.pk}")
    fuel_moves = LedgerTransaction.objects.filter(reference=f"fuel:{booking.pk}")
    assert km_moves.exists() and fuel_moves.exists()
    assert set(km_moves.values_list("payment_id", flat=True)) == {km.pk}
    assert set(fuel_moves.values_list("payment_id", flat=True)) == {fuel.pk}


def test_a_disagreement_on_the_level_goes_to_the_renter():
    # Lowest pickup level (70) against the highest return level (65): 5 points missing, not 15.
    _, settlement = _settled(pickup=(80, 70), back=(65, 60))
    assert (settlement.missing_fuel_percent, settlement.fuel_amount) == (5, 5 * REFUEL)


def test_a_tank_returned_as_full_or_fuller_charges_nothing():
    booking, settlement = _settled(pickup=(60, 60), back=(90, 90))
    assert (settlement.missing_fuel_percent, settlement.fuel_amount, settlement.fuel_charge_status) == (0, 0, "nothing")
    services.collect_extra_charge(settlement_id=settlement.pk)
    assert not Payment.objects.filter(reference=f"fuel:{booking.pk}").exists()


def test_a_car_without_a_refuel_price_charges_no_fuel():
    booking = picked_up(rented_car(extra_km_price=0, deposit_amount=0), host_fuel=80, guest_fuel=80)
    returned(booking, host_km=10_100, guest_km=10_100, host_fuel=10, guest_fuel=10)
    assert Settlement.objects.get(booking=booking).fuel_amount == 0


def test_the_renter_keeps_a_card_first_when_only_fuel_may_cost_extra():
    from core.errors import Conflict

    booking = rented_car(extra_km_price=0, refuel_price=REFUEL)
    with pytest.raises(Conflict, match="Give a card for the rental first"):
        report(booking, side="guest")


def test_the_sweep_charges_fuel_whose_task_was_lost_once():
    booking, settlement = _settled()
    later = settlement.created_at + timedelta(minutes=6)
    assert services.collect_due_extra_charges(now=later) == 1
    assert services.collect_due_extra_charges(now=later) == 0
    assert Payment.objects.filter(reference=f"fuel:{booking.pk}").count() == 1


def test_the_receipt_has_a_line_for_the_fuel(client):
    booking, settlement = _settled()
    services.collect_extra_charge(settlement_id=settlement.pk)
    client.force_login(booking.guest)
    page = client.get(booking.get_absolute_url()).content.decode()
    assert "Fuel or charge missing: 30 % \u00d7 €0.50 (charged)" in page
    assert "€15.00" in page


def test_the_renter_contests_the_charge_in_a_dispute_that_shows_both_reports(client):
    booking, settlement = _settled()
    services.collect_extra_charge(settlement_id=settlement.pk)
    client.force_login(booking.guest)
    handover_page = client.get(reverse("handover:detail", kwargs={"booking_id": booking.pk})).content.decode()
    assert reverse("disputes:open", kwargs={"booking_id": booking.pk}) in handover_page
    dispute = dispute_services.open_dispute(
        user=booking.guest,
        booking_id=booking.pk,
        category=Category.OTHER,
        description="I returned the car with the tank as I found it.",
        now=settlement.created_at + timedelta(hours=1),
    )
    page = client.get(reverse("disputes:detail", kwargs={"dispute_id": dispute.pk})).content.decode()
    assert "Pickup, the renter" in page and "Return, the owner" in page
    assert "80 %" in page and "50 %" in page
    assert "Fuel or charge 80 % at pickup, 50 % at the return: €15.00 (charged)" in page
