"""Car handover reports: both sides record the car at pickup and return, confirm each other, the return settles."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bookings.models import BookingStatus
from core.errors import Conflict, DomainError, NotFound, PermissionDenied
from handover import answers, services
from handover.models import HandoverPhoto, HandoverReport, Settlement
from payments.models import Payment
from tests.conftest import make_user
from tests.handover.factories import (
    AT_PICKUP,
    AT_RETURN,
    START,
    keep_card,
    photos,
    picked_up,
    rented_car,
    report,
    returned,
    started,
)

pytestmark = pytest.mark.django_db


def test_return_with_80_km_over_the_limit_charges_exactly_the_advertised_price():
    booking = picked_up(rented_car(extra_km_price=25, daily_km=200))
    returned(booking, host_km=10_281, guest_km=10_280)

    settlement = Settlement.objects.get(booking=booking)
    # Lowest return reading minus highest pickup reading: 280 driven, 200 included for one day.
    assert (settlement.driven_km, settlement.included_km, settlement.extra_km) == (280, 200, 80)
    assert settlement.extra_amount == 80 * 25
    assert settlement.charge_status == "due"

    settlement = services.collect_extra_charge(settlement_id=settlement.pk)
    assert settlement.charge_status == "charged"
    charge = Payment.objects.get(pk=settlement.charge_payment_id)
    assert (charge.reference, charge.status, charge.captured_amount) == (f"extras:{booking.pk}", "captured", 2000)
    # All of it is owed to the host; nothing stays in escrow.
    assert (charge.host_payout_amount, charge.escrow_amount) == (2000, 0)


def test_collecting_twice_charges_once():
    booking = picked_up(rented_car(extra_km_price=10))
    returned(booking, host_km=10_300, guest_km=10_300)
    settlement = Settlement.objects.get(booking=booking)
    services.collect_extra_charge(settlement_id=settlement.pk)
    services.collect_extra_charge(settlement_id=settlement.pk)
    assert Payment.objects.filter(reference=f"extras:{booking.pk}").count() == 1


def test_a_return_within_the_included_distance_charges_nothing():
    booking = picked_up(rented_car(hours=30))  # two started days: 400 km included
    returned(booking, host_km=10_390, guest_km=10_390)
    settlement = Settlement.objects.get(booking=booking)
    assert (settlement.included_km, settlement.extra_km, settlement.charge_status) == (400, 0, "nothing")
    assert not Payment.objects.filter(reference=f"extras:{booking.pk}").exists()


def test_photos_are_stored_one_per_angle_outside_public_media(settings):
    booking = rented_car()
    filed = report(booking, side="host")
    assert filed.photos.count() == 6
    path = HandoverPhoto.objects.filter(report=filed).first().image.path
    assert str(settings.PRIVATE_MEDIA_ROOT) in path and str(settings.MEDIA_ROOT) not in path


def test_a_stranger_cannot_file_a_report():
    booking = rented_car()
    with pytest.raises(NotFound, match="No such booking"):
        services.file_report(
            author=make_user(),
            booking_id=booking.pk,
            stage="pickup",
            odometer_km=1,
            fuel_percent=1,
            photos=photos(),
            now=AT_PICKUP,
        )
    assert not HandoverReport.objects.exists()


def test_a_stranger_cannot_confirm_a_report():
    booking = rented_car()
    filed = report(booking, side="host")
    with pytest.raises(NotFound):
        answers.confirm_report(user=make_user(), report_id=filed.pk, now=AT_PICKUP)
    filed.refresh_from_db()
    assert filed.confirmed_at is None


def test_nobody_confirms_their_own_report():
    booking = rented_car()
    filed = report(booking, side="host")
    with pytest.raises(PermissionDenied, match="other party"):
        answers.confirm_report(user=booking.listing.owner, report_id=filed.pk, now=AT_PICKUP)


def test_a_report_filed_twice_is_refused():
    booking = rented_car()
    report(booking, side="host")
    with pytest.raises(Conflict, match="already filed your pickup report"):
        report(booking, side="host")
    assert HandoverReport.objects.count() == 1


def test_a_report_confirmed_twice_is_refused():
    booking = rented_car()
    filed = report(booking, side="host")
    answers.confirm_report(user=booking.guest, report_id=filed.pk, now=AT_PICKUP)
    with pytest.raises(Conflict, match="already confirmed"):
        answers.confirm_report(user=booking.guest, report_id=filed.pk, now=AT_PICKUP)


def test_the_return_waits_for_both_pickup_reports_confirmed():
    booking = rented_car()
    report(booking, side="host")
    started(booking)
    with pytest.raises(Conflict, match="Both pickup reports"):
        report(booking, side="host", stage="return", km=10_100)


def test_pickup_is_refused_on_a_request_not_yet_accepted():
    booking = rented_car()
    booking.listing.bookings.filter(pk=booking.pk).update(status=BookingStatus.REQUESTED)
    with pytest.raises(Conflict, match="requested: there is no pickup"):
        report(booking, side="host")


def test_pickup_is_refused_more_than_a_day_before_the_start():
    booking = rented_car()
    with pytest.raises(Conflict, match="24 hours before"):
        report(booking, side="host", at=START.replace(day=1))


def test_a_return_report_after_the_deadline_is_refused():
    from datetime import timedelta

    booking = picked_up(rented_car())
    with pytest.raises(Conflict, match="close 48 hours"):
        report(booking, side="host", stage="return", km=10_100, at=booking.end + timedelta(hours=49))


def test_an_odometer_lower_than_at_pickup_is_refused():
    booking = picked_up(rented_car(), host_km=10_000, guest_km=10_002)
    with pytest.raises(DomainError, match=r"less than at pickup \(10002 km\)") as refused:
        report(booking, side="guest", stage="return", km=10_001)
    assert refused.value.field == "odometer_km"
    assert not HandoverReport.objects.filter(stage="return").exists()


def test_a_photo_that_is_not_an_image_is_refused_and_nothing_is_stored():
    booking = rented_car()
    fake = SimpleUploadedFile("front.jpg", b"#!/bin/sh\necho not a photo\n", content_type="image/jpeg")
    with pytest.raises(DomainError, match="The photo of the front: This file is not an image") as refused:
        services.file_report(
            author=booking.listing.owner,
            booking_id=booking.pk,
            stage="pickup",
            odometer_km=1,
            fuel_percent=1,
            photos=photos(front=fake),
            now=AT_PICKUP,
        )
    assert refused.value.field == "front"
    assert not HandoverReport.objects.exists() and not HandoverPhoto.objects.exists()


def test_a_missing_angle_is_refused():
    booking = rented_car()
    incomplete = photos()
    del incomplete["dashboard"]
    with pytest.raises(DomainError, match="dashboard"):
        services.file_report(
            author=booking.listing.owner,
            booking_id=booking.pk,
            stage="pickup",
            odometer_km=1,
            fuel_percent=1,
            photos=incomplete,
            now=AT_PICKUP,
        )


def test_an_oversized_photo_is_refused(settings):
    settings.MAX_IMAGE_UPLOAD_BYTES = 100
    booking = rented_car()
    with pytest.raises(DomainError, match="the limit is"):
        report(booking, side="host")


def test_the_renter_gives_a_card_before_the_pickup_report_when_kilometres_cost_extra():
    booking = rented_car(extra_km_price=25)
    with pytest.raises(Conflict, match="Give a card for the rental first"):
        report(booking, side="guest")
    keep_card(booking)
    assert report(booking, side="guest").side == "guest"


def test_a_car_without_an_extra_km_price_needs_no_card():
    booking = rented_car(extra_km_price=0)
    assert report(booking, side="guest").side == "guest"


# --- Pages and API: only the two parties and staff -------------------------------------------------
def _login(client, user):
    client.force_login(user)
    return client


def test_the_handover_page_shows_both_reports_to_the_parties(client):
    booking = rented_car()
    report(booking, side="host", km=12_345)
    for person in (booking.guest, booking.listing.owner):
        page = _login(client, person).get(reverse("handover:detail", kwargs={"booking_id": booking.pk}))
        assert page.status_code == 200 and "12345 km" in page.content.decode()


def test_a_stranger_gets_404_on_the_page_the_photo_and_the_api(client):
    booking = rented_car()
    filed = report(booking, side="host", km=12_345)
    photo = filed.photos.first()
    _login(client, make_user())
    assert client.get(reverse("handover:detail", kwargs={"booking_id": booking.pk})).status_code == 404
    assert client.get(reverse("handover:photo", kwargs={"photo_id": photo.pk})).status_code == 404
    assert client.get(f"/api/v1/handover/bookings/{booking.pk}").status_code == 404
    answer = client.post(f"/api/v1/handover/reports/{filed.pk}/confirm")
    assert answer.status_code == 404
    filed.refresh_from_db()
    assert filed.confirmed_at is None


def test_the_photo_is_served_to_the_parties_and_staff_only(client):
    booking = rented_car()
    photo = report(booking, side="host").photos.first()
    url = reverse("handover:photo", kwargs={"photo_id": photo.pk})
    assert client.get(url).status_code == 302  # anonymous: log in first
    for person in (booking.guest, booking.listing.owner, make_user(is_staff=True)):
        answer = _login(client, person).get(url)
        assert answer.status_code == 200 and answer["Content-Type"] == "image/jpeg"
        assert answer.content[:2] == b"\xff\xd8"


@mock.patch("django.utils.timezone.now", return_value=AT_PICKUP)
def test_filing_through_the_page_and_confirming_through_the_api(_now, client):
    booking = rented_car(extra_km_price=0)
    _login(client, booking.listing.owner)
    data = {"odometer_km": "15000", "fuel_percent": "70", "notes": "Scratch on the back bumper", **photos()}
    answer = client.post(reverse("handover:file_report", kwargs={"booking_id": booking.pk, "stage": "pickup"}), data)
    assert answer.status_code == 302
    filed = HandoverReport.objects.get(booking=booking)
    assert (filed.odometer_km, filed.notes) == (15000, "Scratch on the back bumper")
    _login(client, booking.guest)
    answer = client.post(f"/api/v1/handover/reports/{filed.pk}/confirm")
    assert answer.status_code == 200 and answer.json()["confirmed_at"]


@mock.patch("django.utils.timezone.now", return_value=AT_PICKUP)
def test_the_api_files_a_report_and_refuses_a_bad_photo_with_its_field(_now, client):
    booking = rented_car(extra_km_price=0)
    _login(client, booking.guest)
    bad = photos(back=SimpleUploadedFile("back.jpg", b"GIF89a broken", content_type="image/gif"))
    answer = client.post(
        f"/api/v1/handover/bookings/{booking.pk}/reports",
        {"stage": "pickup", "odometer_km": "15000", "fuel_percent": "70", **bad},
    )
    assert answer.status_code == 400 and answer.json()["field"] == "back"
    answer = client.post(
        f"/api/v1/handover/bookings/{booking.pk}/reports",
        {"stage": "pickup", "odometer_km": "15000", "fuel_percent": "70", **photos()},
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["side"] == "guest" and len(answer.json()["photos"]) == 6
    got = client.get(f"/api/v1/handover/bookings/{booking.pk}").json()
    assert got["reports"][0]["odometer_km"] == 15000


@mock.patch("django.utils.timezone.now", return_value=AT_RETURN)
def test_the_page_refuses_an_odometer_going_backwards_with_the_message(_now, client):
    booking = picked_up(rented_car(extra_km_price=0), host_km=20_000, guest_km=20_000)
    _login(client, booking.listing.owner)
    data = {"odometer_km": "19999", "fuel_percent": "70", **photos()}
    answer = client.post(reverse("handover:file_report", kwargs={"booking_id": booking.pk, "stage": "return"}), data)
    assert answer.status_code == 400
    assert "cannot read less than at pickup (20000 km)" in answer.content.decode()
    assert not HandoverReport.objects.filter(stage="return").exists()


def test_the_booking_page_links_the_handover(client):
    booking = rented_car()
    client.force_login(booking.guest)
    page = client.get(booking.get_absolute_url()).content.decode()
    assert reverse("handover:detail", kwargs={"booking_id": booking.pk}) in page


def test_the_sweep_charges_an_extra_whose_task_was_lost_once():
    booking = picked_up(rented_car(extra_km_price=10))
    returned(booking, host_km=10_300, guest_km=10_300)
    settlement = Settlement.objects.get(booking=booking)
    assert services.collect_due_extra_charges(now=settlement.created_at) == 0  # too fresh: its task may still run
    later = settlement.created_at + timedelta(minutes=6)
    assert services.collect_due_extra_charges(now=later) == 1
    assert services.collect_due_extra_charges(now=later) == 0
    assert Settlement.objects.get(pk=settlement.pk).charge_status == "charged"
    assert Payment.objects.filter(reference=f"extras:{booking.pk}").count() == 1


def test_confirming_the_last_return_report_enqueues_the_charge(django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    booking = picked_up(rented_car(extra_km_price=10))
    with django_capture_on_commit_callbacks(execute=True):
        returned(booking, host_km=10_300, guest_km=10_300)
    assert DBTaskResult.objects.filter(task_path="handover.tasks.collect_extra_charge_task").count() == 1


# --- Bad input: each refused with a message, nothing stored ------------------------------------------
@pytest.mark.parametrize("fuel", [101, -1, 250, "80", None, True])
def test_a_fuel_level_outside_0_to_100_is_refused(fuel):
    booking = rented_car(extra_km_price=0)
    with pytest.raises(DomainError, match="percentage from 0 to 100") as refused:
        report(booking, side="host", fuel=fuel)
    assert refused.value.field == "fuel_percent"
    assert not HandoverReport.objects.exists() and not HandoverPhoto.objects.exists()


@mock.patch("django.utils.timezone.now", return_value=AT_PICKUP)
def test_the_page_and_the_api_refuse_a_fuel_level_above_100_with_the_field(_now, client):
    booking = rented_car(extra_km_price=0)
    _login(client, booking.listing.owner)
    page_url = reverse("handover:file_report", kwargs={"booking_id": booking.pk, "stage": "pickup"})
    answer = client.post(page_url, {"odometer_km": "15000", "fuel_percent": "101", **photos()})
    assert answer.status_code == 400
    assert "less than or equal to 100" in answer.content.decode()
    answer = client.post(
        f"/api/v1/handover/bookings/{booking.pk}/reports",
        {"stage": "pickup", "odometer_km": "15000", "fuel_percent": "101", **photos()},
    )
    assert answer.status_code == 400 and answer.json()["field"] == "fuel_percent"
    assert "0 to 100" in answer.json()["detail"]
    assert not HandoverReport.objects.exists()


def test_a_pickup_report_after_the_end_of_the_rental_is_refused():
    booking = started(rented_car(extra_km_price=0))
    with pytest.raises(Conflict, match="close at the end of the rental"):
        report(booking, side="host", at=booking.end + timedelta(minutes=1))
    assert not HandoverReport.objects.exists()


@mock.patch("django.utils.timezone.now", return_value=AT_PICKUP)
def test_a_report_filed_twice_through_the_page_says_so(_now, client):
    booking = rented_car(extra_km_price=0)
    _login(client, booking.listing.owner)
    url = reverse("handover:file_report", kwargs={"booking_id": booking.pk, "stage": "pickup"})
    assert client.post(url, {"odometer_km": "15000", "fuel_percent": "70", **photos()}).status_code == 302
    again = client.post(url, {"odometer_km": "15001", "fuel_percent": "70", **photos()})
    assert again.status_code == 409 and "You already filed your pickup report." in again.content.decode()
    assert HandoverReport.objects.get().odometer_km == 15000


@mock.patch("django.utils.timezone.now", return_value=AT_PICKUP)
def test_a_stranger_filing_through_the_api_is_told_there_is_no_such_booking(_now, client):
    booking = rented_car(extra_km_price=0)
    _login(client, make_user())
    answer = client.post(
        f"/api/v1/handover/bookings/{booking.pk}/reports",
        {"stage": "pickup", "odometer_km": "15000", "fuel_percent": "70", **photos()},
    )
    assert answer.status_code == 404 and answer.json()["detail"] == "No such booking."
    assert not HandoverReport.objects.exists()
