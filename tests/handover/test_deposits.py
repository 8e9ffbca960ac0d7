"""Car deposits: held before the renter's pickup report, released after the claim window, or claimed and decided."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.urls import reverse

from bookings.models import BookingStatus
from core.errors import Conflict, DomainError, NotFound, PermissionDenied
from disputes.models import Category, Dispute
from handover import deposits, services
from handover.models import Deposit, RentalCard
from payments.errors import PaymentFailed
from payments.models import Payment
from tests.conftest import make_user
from tests.disputes.helpers import support_user
from tests.handover.factories import AT_PICKUP, AT_RETURN, keep_card, picked_up, rented_car, report, returned
from tests.payments.fixtures import DECLINED, card

pytestmark = pytest.mark.django_db

DEPOSIT = 50_000


def _returned_with_deposit():
    booking = picked_up(rented_car(deposit_amount=DEPOSIT))
    returned(booking, host_km=10_100, guest_km=10_100)
    return booking


def _hold(booking) -> Payment:
    return Payment.objects.get(reference=f"deposit:{booking.pk}")


def test_keeping_the_card_holds_the_deposit_without_charging_it():
    booking = rented_car(deposit_amount=DEPOSIT)
    keep_card(booking)
    deposit = Deposit.objects.get(booking=booking)
    assert (deposit.status, deposit.amount, deposit.currency) == ("held", DEPOSIT, "EUR")
    assert deposit.release_after == booking.end + timedelta(hours=48)
    hold = _hold(booking)
    assert (hold.status, hold.amount, hold.captured_amount) == ("authorized", DEPOSIT, 0)


def test_the_renter_pickup_report_waits_for_the_deposit():
    booking = rented_car(deposit_amount=DEPOSIT, extra_km_price=0)
    with pytest.raises(Conflict, match="the deposit is held"):
        report(booking, side="guest")
    keep_card(booking)
    assert report(booking, side="guest").side == "guest"


def test_a_refused_card_keeps_nothing_and_holds_nothing():
    booking = rented_car(deposit_amount=DEPOSIT)
    with pytest.raises(PaymentFailed):
        services.keep_card(guest=booking.guest, booking_id=booking.pk, payment_method=card(DECLINED))
    assert not RentalCard.objects.filter(booking=booking).exists()
    assert not Deposit.objects.filter(booking=booking).exists()


def test_keeping_the_card_twice_holds_once():
    booking = rented_car(deposit_amount=DEPOSIT)
    keep_card(booking)
    keep_card(booking)
    assert Payment.objects.filter(reference=f"deposit:{booking.pk}").count() == 1


def test_only_the_renter_keeps_a_card():
    booking = rented_car(deposit_amount=DEPOSIT)
    with pytest.raises(PermissionDenied):
        services.keep_card(guest=booking.listing.owner, booking_id=booking.pk, payment_method=card())
    with pytest.raises(NotFound):
        services.keep_card(guest=make_user(), booking_id=booking.pk, payment_method=card())
    assert not Deposit.objects.exists()


def test_the_sweep_releases_the_hold_once_the_window_closes_and_only_once():
    booking = _returned_with_deposit()
    deposit = Deposit.objects.get(booking=booking)
    assert deposits.release_due_deposits(now=deposit.release_after - timedelta(minutes=1)) == []
    assert _hold(booking).status == "authorized"

    released = deposits.release_due_deposits(now=deposit.release_after)
    assert [d.pk for d in released] == [deposit.pk]
    deposit.refresh_from_db()
    assert deposit.status == "released"
    assert _hold(booking).status == "canceled"
    assert deposits.release_due_deposits(now=deposit.release_after + timedelta(hours=1)) == []


def test_the_scheduled_command_releases_due_deposits():
    booking = _returned_with_deposit()
    deposit = Deposit.objects.get(booking=booking)
    with mock.patch("django.utils.timezone.now", return_value=deposit.release_after + timedelta(minutes=1)):
        call_command("release_deposits", stdout=(out := __import__("io").StringIO()))
    assert out.getvalue().strip() == "renewed=0 released=1 extras_charged=0"
    assert Deposit.objects.get(pk=deposit.pk).status == "released"


def test_a_claim_opens_a_damage_dispute_and_keeps_the_hold():
    booking = _returned_with_deposit()
    deposit = deposits.file_claim(
        host=booking.listing.owner, booking_id=booking.pk, amount=30_000, description="Dented rear door.", now=AT_RETURN
    )
    dispute = Dispute.objects.get(pk=deposit.claim_dispute_id)
    assert (dispute.category, dispute.booking_id, dispute.opened_by_id) == (
        Category.DAMAGE,
        booking.pk,
        booking.listing.owner_id,
    )
    booking.refresh_from_db()
    assert booking.status == BookingStatus.DISPUTED
    assert deposits.release_due_deposits(now=deposit.release_after + timedelta(days=1)) == []
    assert _hold(booking).status == "authorized"


def test_support_charges_part_of_the_deposit_for_the_owner_and_the_rest_goes():
    booking = _returned_with_deposit()
    deposit = deposits.file_claim(
        host=booking.listing.owner, booking_id=booking.pk, amount=30_000, description="Dented rear door.", now=AT_RETURN
    )
    decided = deposits.decide_claim(
        staff=support_user(), deposit_id=deposit.pk, amount=20_000, reason="Photos show the dent at return only."
    )
    assert (decided.status, decided.captured_amount) == ("captured", 20_000)
    hold = _hold(booking)
    assert (hold.status, hold.captured_amount, hold.host_payout_amount, hold.escrow_amount) == (
        "captured",
        20_000,
        20_000,
        0,
    )


def test_support_can_refuse_a_claim_and_release_everything():
    booking = _returned_with_deposit()
    deposit = deposits.file_claim(
        host=booking.listing.owner, booking_id=booking.pk, amount=30_000, description="Dirty seats.", now=AT_RETURN
    )
    decided = deposits.decide_claim(staff=support_user(), deposit_id=deposit.pk, amount=0, reason="Not shown.")
    assert (decided.status, _hold(booking).status) == ("released", "canceled")


def test_nobody_but_desk_staff_decides_a_claim():
    booking = _returned_with_deposit()
    deposit = deposits.file_claim(
        host=booking.listing.owner, booking_id=booking.pk, amount=30_000, description="Dent.", now=AT_RETURN
    )
    for person in (booking.listing.owner, booking.guest, make_user(is_staff=True)):
        with pytest.raises(PermissionDenied):
            deposits.decide_claim(staff=person, deposit_id=deposit.pk, amount=30_000, reason="Mine.")
    assert Deposit.objects.get(pk=deposit.pk).status == "claimed"


def test_support_cannot_charge_more_than_was_claimed():
    booking = _returned_with_deposit()
    deposit = deposits.file_claim(
        host=booking.listing.owner, booking_id=booking.pk, amount=30_000, description="Dent.", now=AT_RETURN
    )
    with pytest.raises(DomainError, match=r"between 0 and the €300\.00 claimed"):
        deposits.decide_claim(staff=support_user(), deposit_id=deposit.pk, amount=30_001, reason="More.")


@pytest.mark.parametrize(
    ("who", "error", "message"),
    [("guest", PermissionDenied, "Only the car's owner"), ("stranger", NotFound, "No such booking")],
)
def test_only_the_owner_claims(who, error, message):
    booking = _returned_with_deposit()
    person = booking.guest if who == "guest" else make_user()
    with pytest.raises(error, match=message):
        deposits.file_claim(host=person, booking_id=booking.pk, amount=1_000, description="x", now=AT_RETURN)
    assert Deposit.objects.get(booking=booking).status == "held"


def test_a_claim_rests_on_the_owners_return_report():
    booking = picked_up(rented_car(deposit_amount=DEPOSIT))
    with pytest.raises(Conflict, match="File your return report first"):
        deposits.file_claim(
            host=booking.listing.owner, booking_id=booking.pk, amount=1_000, description="Dent.", now=AT_RETURN
        )


def test_a_claim_above_the_deposit_twice_or_after_the_window_is_refused():
    booking = _returned_with_deposit()
    owner = booking.listing.owner
    with pytest.raises(DomainError, match="at most the deposit"):
        deposits.file_claim(host=owner, booking_id=booking.pk, amount=DEPOSIT + 1, description="Dent.", now=AT_RETURN)
    late = booking.end + timedelta(hours=48, minutes=1)
    with pytest.raises(Conflict, match="claim window has closed"):
        deposits.file_claim(host=owner, booking_id=booking.pk, amount=1_000, description="Dent.", now=late)
    deposits.file_claim(host=owner, booking_id=booking.pk, amount=1_000, description="Dent.", now=AT_RETURN)
    with pytest.raises(Conflict, match="already claimed"):
        deposits.file_claim(host=owner, booking_id=booking.pk, amount=1_000, description="Dent.", now=AT_RETURN)


def test_the_owner_claims_through_the_api_and_the_page_shows_refusals(client):
    booking = _returned_with_deposit()
    with mock.patch("django.utils.timezone.now", return_value=AT_RETURN):
        client.force_login(booking.guest)
        refused = client.post(
            reverse("handover:claim", kwargs={"booking_id": booking.pk}), {"amount": "1000", "description": "x"}
        )
        assert refused.status_code == 403
        client.force_login(booking.listing.owner)
        answer = client.post(
            f"/api/v1/handover/bookings/{booking.pk}/claim",
            {"amount": 12_000, "description": "Cracked windscreen."},
            content_type="application/json",
        )
    assert answer.status_code == 201, answer.content
    assert (answer.json()["status"], answer.json()["claim_amount"]) == ("claimed", 12_000)


def test_the_desk_page_decides_a_claim(client):
    booking = _returned_with_deposit()
    deposit = deposits.file_claim(
        host=booking.listing.owner, booking_id=booking.pk, amount=30_000, description="Dent.", now=AT_RETURN
    )
    url = reverse("handover:decide_claim", kwargs={"deposit_id": deposit.pk})
    client.force_login(booking.listing.owner)
    assert client.get(url).status_code == 403
    client.force_login(support_user())
    assert "Dent." in client.get(url).content.decode()
    answer = client.post(url, {"amount": "5000", "reason": "A small dent."})
    assert answer.status_code == 302
    assert Deposit.objects.get(pk=deposit.pk).captured_amount == 5000


def test_a_car_without_a_deposit_holds_nothing():
    booking = rented_car(deposit_amount=0)
    keep_card(booking)
    assert not Deposit.objects.filter(booking=booking).exists()
    assert AT_PICKUP  # the factories' pickup time stays in the rental's window


def test_the_desk_lists_reports_returns_and_claims(client):
    booking = _returned_with_deposit()
    deposits.file_claim(
        host=booking.listing.owner, booking_id=booking.pk, amount=30_000, description="Dent.", now=AT_RETURN
    )
    client.force_login(make_user(is_staff=True, is_superuser=True))
    for model in ("handoverreport", "settlement", "deposit"):
        answer = client.get(reverse(f"admin:handover_{model}_changelist"))
        assert answer.status_code == 200, model
    assert "Decide" in client.get(reverse("admin:handover_deposit_changelist")).content.decode()


def test_the_renter_keeps_the_card_through_the_api_and_sees_the_deposit_held(client):
    booking = rented_car(deposit_amount=DEPOSIT)
    with mock.patch("django.utils.timezone.now", return_value=AT_PICKUP):
        client.force_login(booking.guest)
        answer = client.post(
            f"/api/v1/handover/bookings/{booking.pk}/card", {"payment_method": card()}, content_type="application/json"
        )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["card_kept"] is True
    assert (body["deposit"]["status"], body["deposit"]["amount"]) == ("held", DEPOSIT)
