"""Deposit holds outliving a card authorisation (about 7 days): renewed by the sweep on the moved clock."""

from __future__ import annotations

import io
from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command

from bookings.money import money
from bookings.services.clock import start_booking
from handover import answers, deposits, renewals, services
from handover.models import Deposit
from notifications.models import Notification
from payments.errors import PaymentFailed, PaymentStateError
from payments.models import Payment
from tests.disputes.helpers import support_user
from tests.handover.factories import AT_RETURN, START, rented_car, report
from tests.payments.fixtures import card

pytestmark = pytest.mark.django_db

DEPOSIT = 50_000
HELD_AT = START - timedelta(hours=1)


def _long_rental(days: int = 8):
    """A car rented for `days` with its deposit held an hour before the start."""
    booking = rented_car(deposit_amount=DEPOSIT, hours=24 * days, max_units=24 * 20)
    services.keep_card(guest=booking.guest, booking_id=booking.pk, payment_method=card(), now=HELD_AT)
    return booking, Deposit.objects.get(booking=booking)


def _hold(reference: str) -> Payment:
    return Payment.objects.get(reference=reference)


def test_a_hold_older_than_five_days_is_replaced_by_a_new_one_then_the_old_one_released():
    booking, deposit = _long_rental(days=8)
    first = deposit.payment_id
    assert renewals.renew_due_holds(now=HELD_AT + timedelta(days=5) - timedelta(minutes=1)) == []

    at = HELD_AT + timedelta(days=5)
    renewed = renewals.renew_due_holds(now=at)
    assert [d.pk for d in renewed] == [deposit.pk]
    deposit.refresh_from_db()
    assert (deposit.status, deposit.renewals, deposit.held_at, deposit.replaced_payment_id) == ("held", 1, at, None)
    new = _hold(f"deposit:{booking.pk}:renewal:1")
    assert (deposit.payment_id, new.status, new.amount) == (new.pk, "authorized", DEPOSIT)
    assert Payment.objects.get(pk=first).status == "canceled"
    assert renewals.renew_due_holds(now=at) == []  # once
    assert Notification.objects.filter(recipient=booking.guest, kind="deposit.held").count() == 2


def test_the_renewed_hold_is_the_one_released_after_the_window():
    booking, deposit = _long_rental(days=7)
    renewals.renew_due_holds(now=HELD_AT + timedelta(days=5))
    # Renewed on day 5, the new hold lasts past the release (end + 48 h, day 9): no second renewal.
    assert renewals.renew_due_holds(now=deposit.release_after - timedelta(minutes=1)) == []
    released = deposits.release_due_deposits(now=deposit.release_after)
    assert [d.status for d in released] == ["released"]
    assert _hold(f"deposit:{booking.pk}:renewal:1").status == "canceled"
    assert not Payment.objects.filter(reference__startswith=f"deposit:{booking.pk}", status="authorized").exists()


def test_a_rental_of_two_weeks_renews_every_five_days():
    booking, deposit = _long_rental(days=14)
    for day in (5, 10, 15):
        assert len(renewals.renew_due_holds(now=HELD_AT + timedelta(days=day))) == 1
    deposit.refresh_from_db()
    assert deposit.renewals == 3
    live = Payment.objects.filter(reference__startswith=f"deposit:{booking.pk}", status="authorized")
    assert list(live.values_list("reference", flat=True)) == [f"deposit:{booking.pk}:renewal:3"]


def test_a_short_rental_is_never_renewed():
    _, deposit = _long_rental(days=1)
    assert renewals.renew_due_holds(now=deposit.release_after - timedelta(minutes=1)) == []
    assert renewals.renew_due_holds(now=HELD_AT + timedelta(days=6)) == []  # released by then, not renewed
    assert Deposit.objects.get(pk=deposit.pk).renewals == 0


def test_a_claim_waiting_for_support_keeps_its_hold_renewed_and_the_decision_charges_the_new_one():
    booking, deposit = _long_rental(days=1)
    for side in ("host", "guest"):
        report(booking, side=side, km=10_000)
    answers.confirm_report(user=booking.guest, report_id=booking.handover_reports.get(side="host").pk)
    answers.confirm_report(user=booking.listing.owner, report_id=booking.handover_reports.get(side="guest").pk)
    start_booking(booking_id=booking.pk, now=START)
    report(booking, side="host", stage="return", km=10_100)
    owner = booking.listing.owner
    deposits.file_claim(host=owner, booking_id=booking.pk, amount=20_000, description="Dent.", now=AT_RETURN)
    # Support takes a week: the hold is renewed while the claim waits, past the claim window too.
    assert len(renewals.renew_due_holds(now=HELD_AT + timedelta(days=5))) == 1
    decided = deposits.decide_claim(staff=support_user(), deposit_id=deposit.pk, amount=15_000, reason="Dent shown.")
    renewed = _hold(f"deposit:{booking.pk}:renewal:1")
    assert (decided.status, decided.payment_id, renewed.captured_amount) == ("captured", renewed.pk, 15_000)
    assert _hold(f"deposit:{booking.pk}").status == "canceled"


def test_a_card_refusing_the_renewal_keeps_the_old_hold_tells_both_and_waits_for_support():
    booking, deposit = _long_rental(days=8)
    refused = PaymentFailed("Your card was declined.", code="card_declined")
    with mock.patch.object(type(money()), "hold_deposit", side_effect=refused):
        assert renewals.renew_due_holds(now=HELD_AT + timedelta(days=5)) == []
    deposit.refresh_from_db()
    assert (deposit.status, deposit.renewing, deposit.renewal_error) == ("held", False, "Your card was declined.")
    assert _hold(f"deposit:{booking.pk}").status == "authorized"
    for person in (booking.guest, booking.listing.owner):
        assert Notification.objects.filter(recipient=person, kind="deposit.renewal_refused").count() == 1
    assert renewals.renew_due_holds(now=HELD_AT + timedelta(days=5, minutes=5)) == []  # not asked again


def test_a_crash_before_the_old_hold_is_released_is_finished_by_the_next_sweep():
    booking, deposit = _long_rental(days=8)
    first = deposit.payment_id
    cut = PaymentStateError("Stripe is unreachable.")
    with mock.patch.object(type(money()), "release_deposit", side_effect=cut):
        renewals.renew_due_holds(now=HELD_AT + timedelta(days=5))
    deposit.refresh_from_db()
    assert deposit.replaced_payment_id == first and Payment.objects.get(pk=first).status == "authorized"
    renewals.renew_due_holds(now=HELD_AT + timedelta(days=5, minutes=5))
    deposit.refresh_from_db()
    assert deposit.replaced_payment_id is None and Payment.objects.get(pk=first).status == "canceled"
    assert Payment.objects.filter(reference__startswith=f"deposit:{booking.pk}:renewal").count() == 1


def test_the_scheduled_command_renews_on_the_moved_clock():
    _, deposit = _long_rental(days=8)
    with mock.patch("django.utils.timezone.now", return_value=HELD_AT + timedelta(days=5, minutes=1)):
        call_command("release_deposits", stdout=(out := io.StringIO()))
    assert out.getvalue().strip() == "renewed=1 released=0 extras_charged=0"
    assert Deposit.objects.get(pk=deposit.pk).renewals == 1
