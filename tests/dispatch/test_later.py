"""A pickup within the next hours: its validation, who is offered it, the booking it becomes, and what stays free."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bookings.models import Booking
from bookings.selectors import quote_for
from core.errors import Conflict, DomainError
from dispatch import selectors
from dispatch.inputs import Need, Position, parse_when
from dispatch.models import Availability, DispatchRequest, Offer, OfferState, RequestState
from dispatch.services.acceptance import accept_offer
from dispatch.services.requests import estimate, pickup_time
from listings.models import BusyPeriod, BusySource, ListingKind
from payments.models import Payment
from realtime.models import Notification
from tests.conftest import make_user
from tests.dispatch.factories import NOW, provider, request_driver
from tests.listings.factories import make_listing

pytestmark = pytest.mark.django_db

# NOW is 09:00 UTC, 10:00 in Paris (the test listings' time zone).
LATER = NOW + timedelta(hours=2, minutes=30)


def offered_listings(request: DispatchRequest) -> list[int]:
    return list(Offer.objects.filter(request=request).order_by("distance_km").values_list("listing_id", flat=True))


def test_a_later_request_is_booked_for_the_chosen_period_and_the_provider_stays_available():
    near = provider(km=1)
    request = request_driver(hours=2, when=LATER.isoformat())

    assert request.pickup_at == LATER and request.time_zone == "Europe/Paris"
    assert offered_listings(request) == [near.pk]
    taken = accept_offer(provider=near.owner, request_id=request.pk, now=NOW + timedelta(seconds=5))

    booking = taken.booking
    assert (booking.start, booking.end) == (LATER, LATER + timedelta(hours=2))
    assert booking.status == "confirmed" and booking.total <= request.estimate_amount
    # The booking adopted the request's hold and was charged its exact fare from it.
    payment = Payment.objects.get(pk=request.payment_id)
    assert (payment.status, payment.reference, payment.captured_amount) == (
        Payment.Status.CAPTURED,
        f"booking:{booking.pk}",
        booking.total,
    )
    # Not busy now: their switch stays on for jobs that do not overlap this one.
    assert Availability.objects.get(listing=near).is_available


def test_the_estimate_prices_the_chosen_period():
    near = provider(km=1)
    need = Need(kind="driver", position=Position(48.8566, 2.3522), hours=3, pickup_at=LATER)
    quote = estimate(requester=make_user(), need=need, now=NOW)
    assert (quote.start, quote.end) == (LATER, LATER + timedelta(hours=3))
    assert quote.low == quote.high == quote_for(listing=near, start=LATER, end=LATER + timedelta(hours=3)).total
    assert quote.high != quote_for(listing=near, start=LATER, end=LATER + timedelta(hours=2)).total


def test_a_provider_whose_calendar_is_busy_at_that_time_is_not_offered(settings):
    settings.DISPATCH_WAVE_SIZE = 10
    blocked = provider(km=0.5)
    BusyPeriod.objects.create(listing=blocked, start=LATER + timedelta(hours=1), end=LATER + timedelta(hours=5))
    blocked_earlier = provider(km=0.7)
    BusyPeriod.objects.create(listing=blocked_earlier, start=NOW, end=LATER)  # ends as the job starts: free
    free = provider(km=1)

    request = request_driver(hours=2, when=LATER)

    assert offered_listings(request) == [blocked_earlier.pk, free.pk]
    assert not Notification.objects.filter(recipient=blocked.owner, kind="dispatch.offer").exists()


def test_a_provider_holding_an_overlapping_job_is_not_offered_but_is_for_a_job_that_fits(settings):
    settings.DISPATCH_WAVE_SIZE = 10
    busy = provider(km=0.5)
    # The same person's car, available too: they cannot be at two jobs at once either.
    own_car = provider(km=0.5, kind=ListingKind.CAR, owner=busy.owner)
    other = provider(km=1)
    other_car = provider(km=1, kind=ListingKind.CAR)
    held = request_driver(hours=2, when=LATER)  # 11:30 to 13:30 UTC
    accept_offer(provider=busy.owner, request_id=held.pk, now=NOW)

    overlapping_now = request_driver(hours=3)  # from 09:16 to 12:16: overlaps the held job
    assert offered_listings(overlapping_now) == [other.pk]
    overlapping_car = request_driver(kind=ListingKind.CAR, hours=2, when=LATER + timedelta(hours=1))
    assert offered_listings(overlapping_car) == [other_car.pk]

    fitting_now = request_driver(hours=2)  # from 09:16 to 11:16: done before the held job
    assert offered_listings(fitting_now) == [busy.pk, other.pk]
    fitting_later = request_driver(kind=ListingKind.CAR, hours=1, when=LATER + timedelta(hours=2))
    assert offered_listings(fitting_later) == [own_car.pk, other_car.pk]


def test_a_provider_booked_to_drive_at_that_time_on_another_listing_is_not_offered(settings):
    """A booking of any of their driving services takes their time; a booked room, a booked car or a
    block on another listing does not (the guest has the car; the room needs nobody)."""
    settings.DISPATCH_WAVE_SIZE = 10
    driving = provider(km=0.5)
    tours = make_listing(kind=ListingKind.DRIVER, owner=driving.owner)
    BusyPeriod.objects.create(
        listing=tours, start=LATER + timedelta(hours=1), end=LATER + timedelta(hours=3), source=BusySource.BOOKING
    )
    elsewhere = provider(km=0.7)
    for kind, source in [
        (ListingKind.ROOM, BusySource.BOOKING),
        (ListingKind.CAR, BusySource.BOOKING),
        (ListingKind.DRIVER, BusySource.OWNER_BLOCK),
    ]:
        other = make_listing(kind=kind, owner=elsewhere.owner)
        BusyPeriod.objects.create(listing=other, start=LATER, end=LATER + timedelta(hours=3), source=source)
    free = provider(km=1)

    overlapping = request_driver(hours=2, when=LATER)  # 11:30 to 13:30, the tour from 12:30
    assert offered_listings(overlapping) == [elsewhere.pk, free.pk]
    before_the_tour = request_driver(hours=1)  # 09:16 to 10:16
    assert offered_listings(before_the_tour) == [driving.pk, elsewhere.pk, free.pk]


def test_a_provider_booked_to_drive_after_the_offer_cannot_accept_it(settings):
    settings.DISPATCH_WAVE_SIZE = 10
    driving = provider(km=0.5)
    request = request_driver(hours=2, when=LATER)
    assert offered_listings(request) == [driving.pk]
    tours = make_listing(kind=ListingKind.DRIVER, owner=driving.owner)
    BusyPeriod.objects.create(listing=tours, start=LATER, end=LATER + timedelta(hours=1), source=BusySource.BOOKING)

    with pytest.raises(Conflict, match="booked to drive someone at that time") as refused:
        accept_offer(provider=driving.owner, request_id=request.pk, now=NOW + timedelta(seconds=5))

    assert refused.value.code == "busy"
    request.refresh_from_db()
    assert request.state == RequestState.REQUESTED
    assert not Booking.objects.filter(listing=driving).exists()
    assert Offer.objects.get(request=request, provider=driving.owner).state == OfferState.OPEN


def test_accepting_a_later_job_withdraws_only_the_offers_that_overlap_it(settings):
    settings.DISPATCH_WAVE_SIZE = 10
    driver = provider(km=1)
    accepted = request_driver(hours=2, when=LATER)  # 11:30 to 13:30
    fits_before = request_driver(hours=1)  # 09:16 to 10:16
    overlaps = request_driver(hours=2, when=LATER + timedelta(hours=1))  # 12:30 to 14:30
    fits_after = request_driver(hours=2, when=LATER + timedelta(hours=2))  # 13:30 to 15:30

    accept_offer(provider=driver.owner, request_id=accepted.pk, now=NOW + timedelta(seconds=5))

    state = dict(Offer.objects.filter(provider=driver.owner).values_list("request_id", "state"))
    assert state == {
        accepted.pk: OfferState.ACCEPTED,
        fits_before.pk: OfferState.OPEN,
        overlaps.pk: OfferState.WITHDRAWN,
        fits_after.pk: OfferState.OPEN,
    }
    assert [o.request_id for o in selectors.live_offers_for(provider=driver.owner)] == [fits_before.pk, fits_after.pk]
    # And the job now still goes through: they are free until the later job.
    now_job = accept_offer(provider=driver.owner, request_id=fits_before.pk, now=NOW + timedelta(seconds=9))
    assert now_job.state == RequestState.ASSIGNED
    # A job now takes them off the map, as before, and every other offer goes.
    assert not Availability.objects.get(listing=driver).is_available
    assert Offer.objects.get(request=fits_after, provider=driver.owner).state == OfferState.WITHDRAWN
    assert Booking.objects.filter(listing=driver).count() == 2


def test_a_listing_needing_notice_is_offered_later_jobs_only():
    needs_notice = provider(km=1, advance_notice_hours=2)
    with pytest.raises(Conflict) as nobody:
        request_driver(hours=1)
    assert nobody.value.code == "no_providers"
    assert "available near you right now" in nobody.value.message
    request = request_driver(hours=1, when=LATER)
    assert offered_listings(request) == [needs_notice.pk]


def test_nobody_free_at_that_time_says_so():
    listing = provider(km=1)
    BusyPeriod.objects.create(listing=listing, start=LATER, end=LATER + timedelta(hours=1))
    with pytest.raises(Conflict, match="free at that time") as nobody:
        request_driver(hours=2, when=LATER)
    assert nobody.value.code == "no_providers"
    assert not Payment.objects.exists() and not DispatchRequest.objects.exists()


def test_the_offer_shows_the_pickup_in_the_listings_local_time():
    near = provider(km=1)
    later = request_driver(hours=2, when=NOW + timedelta(hours=2))
    offer = Offer.objects.select_related("request").get(request=later, listing=near)
    message = selectors.offer_message(offer, now=NOW)
    assert message["pickup"] == "in 2 h, 12:00"  # 11:00 UTC is 12:00 in Paris in January
    assert message["pickup_at"] == (NOW + timedelta(hours=2)).isoformat()
    assert selectors.offer_message(offer, now=NOW + timedelta(minutes=15))["pickup"] == "in 1 h 45 min, 12:00"
    notice = Notification.objects.get(recipient=near.owner, kind="dispatch.offer", payload__request=later.pk)
    assert notice.payload["message"] == "Someone near you needs a driver in 2 h, 12:00."


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (NOW - timedelta(minutes=5), "has passed"),
        (NOW, "has passed"),
        ((NOW + timedelta(minutes=10)).isoformat(), "needs 15 minutes"),
        (NOW + timedelta(hours=6, minutes=5), "at most 6 hours ahead"),
        ((NOW + timedelta(hours=2, minutes=7)).isoformat(), "whole steps of 5 minutes"),
        ((NOW + timedelta(hours=2, seconds=30)).isoformat(), "whole steps of 5 minutes"),
        ("2027-01-10T11:30:00", "time zone offset"),
        ("tomorrow at noon", 'Give the pickup time as "now"'),
        ("2026-01-10T09:00:00+01:00", "has passed"),
        ("0001-01-01T00:00:00+01:00", "out of range"),
        ("9999-12-31T23:55:00-01:00", "out of range"),
        (12, 'Give the pickup time as "now"'),
    ],
)
def test_a_bad_pickup_time_is_refused_on_the_when_field_and_nothing_is_held(when, message):
    provider(km=1)
    with pytest.raises(DomainError) as refused:
        request_driver(when=when)
    assert refused.value.field == "when" and message in refused.value.message
    assert refused.value.status_code == 400
    assert not DispatchRequest.objects.exists() and not Payment.objects.exists()


@pytest.mark.parametrize(
    "when",
    [
        "2027-01-10T15:00:00Z",  # exactly DISPATCH_MAX_AHEAD_HOURS ahead
        "2027-01-10T10:30:00+01:00",  # 09:30 UTC, an offset
        "2027-01-10T09:20:00+00:00",  # the earliest step after a "now" pickup (09:16)
    ],
)
def test_pickup_times_within_the_window_are_taken_in_utc(when):
    assert pickup_time(parse_when(when), now=NOW) == datetime.fromisoformat(when).astimezone(NOW.tzinfo)
    assert parse_when("now") is None and parse_when(None) is None and pickup_time(None, now=NOW) is None


def test_the_window_follows_the_setting(settings):
    settings.DISPATCH_MAX_AHEAD_HOURS = 2
    with pytest.raises(DomainError, match="at most 2 hours ahead"):
        pickup_time(NOW + timedelta(hours=2, minutes=5), now=NOW)
    slots = selectors.pickup_slots(now=NOW)
    assert slots[0] == NOW + timedelta(minutes=30) and slots[-1] == NOW + timedelta(hours=2)
    for slot in slots:
        assert pickup_time(parse_when(slot.isoformat()), now=NOW + timedelta(minutes=5)) == slot
