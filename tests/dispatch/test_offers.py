"""Who is offered a request, in which order, and what the card holds meanwhile."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django_tasks_db.models import DBTaskResult

from core.errors import Conflict, DomainError
from dispatch.inputs import Need, Position
from dispatch.models import Availability, Offer, OfferState, RequestState
from dispatch.services.acceptance import accept_offer
from dispatch.services.availability import go_available, go_offline, heartbeat, switch_off_silent
from dispatch.services.requests import cancel_request, expire_request, request_now
from dispatch.services.waves import send_next_wave
from listings.models import ListingKind, ListingStatus
from payments.models import Payment
from realtime.models import Notification
from tests.conftest import make_user
from tests.dispatch.factories import NOW, provider, request_driver

pytestmark = pytest.mark.django_db


def offered_listings(request) -> list[int]:
    return list(
        Offer.objects.filter(request=request).order_by("wave", "distance_km").values_list("listing_id", flat=True)
    )


def test_only_available_providers_whose_reach_covers_the_requester_are_offered(settings):
    settings.DISPATCH_WAVE_SIZE = 20
    requester = make_user()
    near = provider(km=1)
    never_switched_on = provider(km=0.5, available=False)
    went_offline = provider(km=0.7)
    go_offline(provider=went_offline.owner, listing_id=went_offline.pk)
    out_of_reach = provider(km=5, radius_km=3)
    silent = provider(km=0.8, now=NOW - timedelta(seconds=settings.DISPATCH_SILENCE_SECONDS + 1))
    paused = provider(km=0.9)
    paused.status = ListingStatus.PAUSED
    paused.save()
    car = provider(km=0.6, kind=ListingKind.CAR)
    own = provider(km=0.4, owner=requester)

    request = request_driver(requester=requester)

    assert offered_listings(request) == [near.pk]
    for listing in (never_switched_on, went_offline, out_of_reach, silent, paused, car, own):
        assert not Notification.objects.filter(recipient=listing.owner, kind="dispatch.offer").exists()
    assert Notification.objects.get(recipient=near.owner, kind="dispatch.offer").payload["request"] == request.pk
    offer = Offer.objects.get(request=request)
    assert offer.distance_km == pytest.approx(1.0, abs=0.05)
    assert offer.fare <= request.estimate_amount


def test_a_car_request_goes_to_cars_within_the_car_reach(settings):
    settings.DISPATCH_CAR_REACH_KM = 3
    near_car = provider(km=2, kind=ListingKind.CAR)
    provider(km=4, kind=ListingKind.CAR)
    provider(km=1, kind=ListingKind.DRIVER)
    request = request_driver(kind=ListingKind.CAR)
    assert offered_listings(request) == [near_car.pk]


def test_waves_widen_in_order_of_distance(settings, django_capture_on_commit_callbacks):
    settings.DISPATCH_WAVE_SIZE = 2
    # Created in scrambled order, at various bearings, so neither ids nor one direction decide the order.
    distances = [3.5, 0.4, 6.0, 1.2, 2.2, 0.9, 4.8, 9.0]
    listings = {km: provider(km=km, bearing=37 * i) for i, km in enumerate(distances)}
    by_distance = [listings[km].pk for km in sorted(distances)]

    with django_capture_on_commit_callbacks(execute=True):
        request = request_driver()
    assert offered_listings(request) == by_distance[:2]
    assert DBTaskResult.objects.filter(task_path="dispatch.tasks.send_next_wave_task").exists()

    second = send_next_wave(request_id=request.pk, now=NOW + timedelta(seconds=10))
    assert [o.listing_id for o in second] == by_distance[2:6]
    third = send_next_wave(request_id=request.pk, now=NOW + timedelta(seconds=20))
    assert [o.listing_id for o in third] == by_distance[6:]
    waves = dict(Offer.objects.filter(request=request).values_list("listing_id", "wave"))
    assert [waves[pk] for pk in by_distance] == [0, 0, 1, 1, 1, 1, 2, 2]
    distances_in_wave_order = list(
        Offer.objects.filter(request=request).order_by("wave", "distance_km").values_list("distance_km", flat=True)
    )
    assert distances_in_wave_order == sorted(distances_in_wave_order)
    # Nobody is asked twice.
    assert send_next_wave(request_id=request.pk, now=NOW + timedelta(seconds=30)) == []
    request.refresh_from_db()
    assert request.waves_sent == 4


def test_the_card_holds_the_highest_fare_of_the_nearest_providers_and_dearer_latecomers_are_not_asked(settings):
    settings.DISPATCH_WAVE_SIZE = 1
    cheap = provider(km=1, unit_price=1500)
    dear = provider(km=2, unit_price=2500)
    request = request_driver(hours=2)
    payment = Payment.objects.get(pk=request.payment_id)
    assert payment.status == Payment.Status.AUTHORIZED
    assert payment.amount == request.estimate_amount
    assert request.estimate_low < request.estimate_amount
    assert offered_listings(request) == [cheap.pk]
    dearest = provider(km=1.5, unit_price=9000)
    wave = send_next_wave(request_id=request.pk, now=NOW + timedelta(seconds=10))
    assert [o.listing_id for o in wave] == [dear.pk]
    assert not Offer.objects.filter(listing=dearest).exists()


def test_nobody_in_range_refuses_before_touching_the_card():
    provider(km=30, radius_km=10)
    with pytest.raises(Conflict, match="No driver is available near you"):
        request_driver()
    assert not Payment.objects.exists()


def test_a_declined_card_opens_no_request():
    from dispatch.models import DispatchRequest
    from tests.payments.fixtures import DECLINED, card

    provider(km=1)
    with pytest.raises(DomainError) as refused:
        request_now(
            requester=make_user(),
            need=Need(kind="driver", position=Position(48.8566, 2.3522), hours=2),
            payment_method=card(DECLINED),
            now=NOW,
        )
    assert refused.value.status_code == 402
    assert not DispatchRequest.objects.exists()
    assert not Offer.objects.exists()


def test_a_requester_cannot_open_two_live_requests():
    provider(km=1)
    requester = make_user()
    request_driver(requester=requester)
    with pytest.raises(Conflict, match="already waiting"):
        request_driver(requester=requester)


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("latitude", {"latitude": 91}),
        ("longitude", {"longitude": float("nan")}),
        ("hours", {"hours": 0}),
        ("hours", {"hours": 13}),
        ("kind", {"kind": "room"}),
    ],
)
def test_bad_requests_are_refused_with_the_field(field, kwargs):
    provider(km=1)
    args = {"kind": "driver", "latitude": 48.8566, "longitude": 2.3522, "hours": 2, **kwargs}
    with pytest.raises(DomainError) as refused:
        request_now(requester=make_user(), need=Need.parse(**args), payment_method="pm_x", now=NOW)
    assert refused.value.field == field
    assert not Payment.objects.exists()


def test_expiry_releases_the_authorisation_and_withdraws_the_offers(django_capture_on_commit_callbacks):
    near = provider(km=1)
    with django_capture_on_commit_callbacks(execute=True):
        request = request_driver()
    queued = DBTaskResult.objects.get(task_path="dispatch.tasks.expire_request_task")
    assert queued.run_after == request.expires_at == NOW + timedelta(seconds=180)

    early = expire_request(request_id=request.pk, now=request.expires_at - timedelta(seconds=1))
    assert early.state == RequestState.REQUESTED
    assert Payment.objects.get(pk=request.payment_id).status == Payment.Status.AUTHORIZED

    expired = expire_request(request_id=request.pk, now=request.expires_at)
    assert expired.state == RequestState.EXPIRED
    assert Payment.objects.get(pk=request.payment_id).status == Payment.Status.CANCELED
    assert Offer.objects.get(request=request).state == OfferState.WITHDRAWN
    assert Notification.objects.filter(recipient=near.owner, kind="dispatch.offer_withdrawn").exists()
    assert Notification.objects.filter(recipient=request.requester, kind="dispatch.expired").exists()
    # A late accept is refused, and a second expiry changes nothing.
    with pytest.raises(Conflict, match="closed"):
        accept_offer(provider=near.owner, request_id=request.pk, now=request.expires_at)
    assert expire_request(request_id=request.pk, now=request.expires_at).state == RequestState.EXPIRED
    assert Notification.objects.filter(kind="dispatch.expired").count() == 1


def test_the_requester_cancels_while_looking_and_the_hold_is_released():
    provider(km=1)
    request = request_driver()
    cancel_request(requester=request.requester, request_id=request.pk, now=NOW)
    request.refresh_from_db()
    assert request.state == RequestState.CANCELLED
    assert Payment.objects.get(pk=request.payment_id).status == Payment.Status.CANCELED


def test_the_available_switch_needs_an_own_active_driver_or_car_listing():
    from dispatch.models import Availability as Row
    from tests.listings.factories import make_listing

    room = make_listing(kind=ListingKind.ROOM)
    with pytest.raises(DomainError, match="Only driving services and cars"):
        go_available(provider=room.owner, listing_id=room.pk, position=Position(48.85, 2.35), now=NOW)
    driver = make_listing(kind=ListingKind.DRIVER)
    with pytest.raises(DomainError, match="No such listing"):
        go_available(provider=make_user(), listing_id=driver.pk, position=Position(48.85, 2.35), now=NOW)
    assert not Row.objects.exists()


def test_silence_switches_a_provider_off_and_the_heartbeat_then_says_so(settings):
    listing = provider(km=1)
    later = NOW + timedelta(seconds=settings.DISPATCH_SILENCE_SECONDS + 1)
    assert switch_off_silent(now=later) == 1
    assert not Availability.objects.get(listing=listing).is_available
    with pytest.raises(Conflict, match="You are offline"):
        heartbeat(provider=listing.owner, listing_id=listing.pk, position=Position(48.85, 2.35), now=later)


def test_the_sweep_expires_what_a_lost_task_missed_and_a_second_run_changes_nothing():
    from io import StringIO
    from unittest import mock

    from django.core.management import call_command

    provider(km=1)
    request = request_driver()
    later = request.expires_at + timedelta(seconds=1)
    outputs = []
    for _ in range(2):
        out = StringIO()
        with mock.patch("django.utils.timezone.now", return_value=later):
            call_command("advance_dispatch", stdout=out)
        outputs.append(out.getvalue().strip())
    assert outputs == ["expired=1 switched_off=1", "expired=0 switched_off=0"]
    assert Payment.objects.get(pk=request.payment_id).status == Payment.Status.CANCELED
