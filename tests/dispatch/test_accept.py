"""First accept wins: a confirmed, paid booking for that provider; everyone else gets "already taken"."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookings.models import Booking, BookingStatus
from core.errors import Conflict, NotFound
from dispatch import selectors
from dispatch.models import Availability, DispatchRequest, Offer, OfferState, RequestState
from dispatch.services.acceptance import accept_offer, pass_offer
from payments.models import Payment
from realtime.models import Notification
from tests.conftest import make_user
from tests.dispatch.factories import NOW, provider, request_driver
from tests.support.threads import run_concurrently

CONCURRENT = 20


@pytest.mark.django_db
def test_the_first_to_accept_gets_a_confirmed_paid_booking_and_the_second_hears_already_taken():
    first, second = provider(km=1), provider(km=2)
    request = request_driver(hours=2)

    taken = accept_offer(provider=first.owner, request_id=request.pk, now=NOW + timedelta(seconds=5))

    assert taken.state == RequestState.ASSIGNED
    booking = taken.booking
    assert (booking.listing_id, booking.guest_id, booking.status) == (first.pk, request.requester_id, "confirmed")
    assert booking.end - booking.start == timedelta(hours=2)
    # The booking adopted the estimate hold and was charged its exact fare from it.
    paid = Payment.objects.get(reference=f"booking:{booking.pk}")
    assert paid.pk == request.payment_id and paid.amount == request.estimate_amount
    assert paid.status == Payment.Status.CAPTURED and paid.captured_amount == booking.total <= request.estimate_amount
    assert not Availability.objects.get(listing=first).is_available

    with pytest.raises(Conflict, match="already took") as late:
        accept_offer(provider=second.owner, request_id=request.pk, now=NOW + timedelta(seconds=6))
    assert late.value.code == "already_taken"
    assert Offer.objects.get(request=request, listing=second).state == OfferState.WITHDRAWN
    assert Notification.objects.filter(recipient=second.owner, kind="dispatch.offer_withdrawn").exists()
    assert Notification.objects.filter(recipient=request.requester, kind="dispatch.assigned").exists()
    assert Booking.objects.count() == 1
    # Accepting again is harmless for the winner.
    again = accept_offer(provider=first.owner, request_id=request.pk, now=NOW + timedelta(seconds=7))
    assert again.booking_id == booking.pk


@pytest.mark.django_db
def test_a_provider_who_was_not_offered_the_request_cannot_take_it(settings):
    settings.DISPATCH_WAVE_SIZE = 1
    provider(km=1)
    far = provider(km=40, radius_km=50)  # in reach, but not in the first wave
    request = request_driver()
    with pytest.raises(NotFound):
        accept_offer(provider=far.owner, request_id=request.pk, now=NOW)
    with pytest.raises(NotFound):
        accept_offer(provider=make_user(), request_id=request.pk, now=NOW)
    with pytest.raises(NotFound):
        pass_offer(provider=make_user(), request_id=request.pk, now=NOW)
    assert DispatchRequest.objects.get(pk=request.pk).state == RequestState.REQUESTED


@pytest.mark.django_db
def test_a_provider_who_passed_cannot_accept_and_the_others_still_can():
    first, second = provider(km=1), provider(km=2)
    request = request_driver()
    pass_offer(provider=first.owner, request_id=request.pk, now=NOW)
    with pytest.raises(Conflict, match="passed"):
        accept_offer(provider=first.owner, request_id=request.pk, now=NOW)
    assert accept_offer(provider=second.owner, request_id=request.pk, now=NOW).assigned_listing_id == second.pk


@pytest.mark.django_db
def test_only_the_requester_and_the_assigned_provider_see_the_request():
    first, second = provider(km=1), provider(km=2)
    request = request_driver()
    accept_offer(provider=first.owner, request_id=request.pk, now=NOW)
    for person in (request.requester, first.owner):
        assert selectors.visible_request(user=person, request_id=request.pk).pk == request.pk
    for person in (second.owner, make_user()):
        with pytest.raises(NotFound):
            selectors.visible_request(user=person, request_id=request.pk)


@pytest.mark.django_db
def test_an_offline_provider_finds_no_stale_offer_once_the_request_is_taken():
    first, offline = provider(km=1), provider(km=2)
    request = request_driver()
    assert [o.request_id for o in selectors.live_offers_for(provider=offline.owner)] == [request.pk]
    accept_offer(provider=first.owner, request_id=request.pk, now=NOW)
    # What their page or app shows on reconnect: no live offer, and the replayed history ends with the withdrawal.
    assert list(selectors.live_offers_for(provider=offline.owner)) == []
    kinds = list(Notification.objects.filter(recipient=offline.owner).order_by("pk").values_list("kind", flat=True))
    assert kinds[-2:] == ["dispatch.offer", "dispatch.offer_withdrawn"]


@pytest.mark.django_db(transaction=True)
def test_twenty_providers_accepting_at_once_make_exactly_one_winner(settings):
    """Real threads: PostgreSQL's row lock decides; on SQLite the IMMEDIATE transactions queue. Both passes."""
    settings.DISPATCH_WAVE_SIZE = CONCURRENT
    listings = [provider(km=0.3 + i * 0.2, bearing=18 * i) for i in range(CONCURRENT)]
    request = request_driver()
    assert Offer.objects.filter(request=request).count() == CONCURRENT

    def accept(listing):
        return lambda: accept_offer(provider=listing.owner, request_id=request.pk, now=NOW + timedelta(seconds=3))

    results, errors = run_concurrently([accept(listing) for listing in listings])

    assert len(results) == 1, errors[:3]
    assert len(errors) == CONCURRENT - 1
    assert all(isinstance(e, Conflict) and e.code == "already_taken" for e in errors), errors[:3]
    request.refresh_from_db()
    assert request.state == RequestState.ASSIGNED
    assert Offer.objects.filter(request=request, state=OfferState.ACCEPTED).count() == 1
    assert Offer.objects.filter(request=request, state=OfferState.WITHDRAWN).count() == CONCURRENT - 1
    assert Booking.objects.filter(status=BookingStatus.CONFIRMED).count() == 1
    assert Booking.objects.get().listing_id == request.assigned_listing_id
    assert Payment.objects.filter(status=Payment.Status.CAPTURED).count() == 1


@pytest.mark.django_db
def test_a_provider_whose_listing_needs_approval_accepting_is_the_approval():
    listing = provider(km=1, instant_book=False)
    request = request_driver()
    taken = accept_offer(provider=listing.owner, request_id=request.pk, now=NOW)
    assert taken.booking.status == BookingStatus.CONFIRMED
    assert Payment.objects.get(reference=f"booking:{taken.booking_id}").status == Payment.Status.CAPTURED


@pytest.mark.django_db(transaction=True)
def test_one_provider_accepting_two_jobs_at_the_same_time_at_once_gets_only_one():
    """Two requests now, both offered to one provider's two listings, accepted by that provider in two threads.

    Each accept locks its own request, so without a lock per provider both jobs would be booked (or each
    wait on the other's offer). Exactly one wins; the other hears the provider is busy then.
    """
    owner = make_user()
    first_listing = provider(km=1, owner=owner)
    second_listing = provider(km=1.5, owner=owner)
    requests = [request_driver(), request_driver()]
    for request in requests:
        assert set(Offer.objects.filter(request=request).values_list("listing_id", flat=True)) <= {
            first_listing.pk,
            second_listing.pk,
        }
        assert Offer.objects.filter(request=request, provider=owner, state=OfferState.OPEN).exists()

    def accept(request):
        return lambda: accept_offer(provider=owner, request_id=request.pk, now=NOW + timedelta(seconds=3))

    results, errors = run_concurrently([accept(request) for request in requests])

    assert len(results) == 1, errors
    [error] = errors
    assert isinstance(error, Conflict) and error.code == "busy", error
    assert Booking.objects.filter(status=BookingStatus.CONFIRMED).count() == 1
    assert DispatchRequest.objects.filter(state=RequestState.ASSIGNED).count() == 1
    loser = DispatchRequest.objects.get(state=RequestState.REQUESTED)
    assert not Offer.objects.filter(request=loser, provider=owner, state=OfferState.OPEN).exists()
