"""The provider answers an offer: accept (the first one gets the job, as a booking of their listing) or pass.

First accept wins: `accept_offer` locks the request row (select_for_update; SQLite's
IMMEDIATE transactions serialise writers anyway) and only a request still `requested`
can be taken; a partial unique constraint allows one accepted offer per request, and a
check constraint ties `assigned` to a provider, a listing and a booking. Later accepts
get a 409 (`already_taken`).

On acceptance the job becomes an ordinary booking of the provider's listing through
`bookings.services.checkout.request_booking(authorisation=...)`, which adopts the request's hold (no
second authorisation: Stripe refuses to reuse a card not saved to a customer) and, unless
the listing books instantly, `accept_booking` on the provider's behalf: capture of the exact
fare (the rest of the hold is released), escrow, payout, reviews and disputes then follow
the booking lifecycle. A listing that cannot take the booking after all takes this provider
out (their offer is passed); the others stay asked.

A job now takes the provider off the map, and all their other open offers go; a later job
leaves them available, and only their offers overlapping it go.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import User
from bookings.models import Booking, BookingStatus
from bookings.services.answers import accept_booking
from bookings.services.checkout import request_booking
from core.errors import Conflict, DomainError, NotFound
from dispatch import selectors
from dispatch.models import Availability, DispatchRequest, Offer, OfferState, RequestState
from dispatch.services.common import job_period, tell_on_commit
from dispatch.services.waves import withdraw_offers
from realtime import notify
from realtime.wording import line_notice, words

TAKEN_MESSAGE = gettext_noop("Another provider already took this request.")


class _BookingFailed(Exception):
    def __init__(self, error: DomainError) -> None:
        super().__init__(error.message)
        self.error = error


def accept_offer(*, provider: User, request_id: int, now: datetime | None = None) -> DispatchRequest:
    """The first provider to accept gets the job, as a confirmed booking of their listing; later ones: 409."""
    now = now or timezone.now()
    try:
        return _accept(provider=provider, request_id=request_id, now=now)
    except _BookingFailed as failure:
        # Their listing could not take it after all (calendar, rules): this provider is out, the others stay asked.
        with transaction.atomic():
            Offer.objects.filter(request_id=request_id, provider=provider, state=OfferState.OPEN).update(
                state=OfferState.PASSED, answered_at=now
            )
        raise Conflict(
            gettext_noop("This job could not be booked on your listing: %(problem)s"),
            params={"problem": failure.error.message},
            code="booking_failed",
        ) from None


def _accept(*, provider: User, request_id: int, now: datetime) -> DispatchRequest:
    with transaction.atomic():
        # One accept at a time per provider (their availability rows, in a fixed order): two jobs
        # at the same time, offered on two of their listings and accepted at once, would otherwise
        # both be booked (or each wait on the other's offer to withdraw it). The second one then
        # finds its offer withdrawn by the first.
        list(Availability.objects.select_for_update().filter(provider=provider).order_by("pk").values_list("pk"))
        request = DispatchRequest.objects.select_for_update().filter(pk=request_id).first()
        offer = None
        if request is not None:
            offer = Offer.objects.select_for_update().filter(request=request, provider=provider).first()
        if request is None or offer is None:
            raise NotFound(gettext_noop("No such offer."))
        if request.state == RequestState.ASSIGNED:
            if request.assigned_provider_id == provider.pk:
                return request
            raise Conflict(TAKEN_MESSAGE, code="already_taken")
        if request.state != RequestState.REQUESTED or now >= request.expires_at:
            raise Conflict(gettext_noop("This request is closed: it expired or was cancelled."), code="request_closed")
        if offer.state == OfferState.PASSED:
            raise Conflict(gettext_noop("You passed on this request."), code="offer_passed")
        if offer.state == OfferState.WITHDRAWN:
            # The request is still looking, so the offer went because this provider took another job.
            raise Conflict(gettext_noop("You already took a job at that time."), code="busy")
        if offer.state != OfferState.OPEN:
            raise Conflict(TAKEN_MESSAGE, code="already_taken")
        start, end = job_period(now, request.hours, request.pickup_at)
        if selectors.booked_to_drive(provider_id=provider.pk, start=start, end=end):
            # Booked on one of their driving services since the offer went out.
            raise Conflict(gettext_noop("You are booked to drive someone at that time."), code="busy")
        try:
            with transaction.atomic():
                booking = _book(request, offer, now=now)
        except DomainError as error:
            raise _BookingFailed(error) from None
        request.state, request.assigned_at = RequestState.ASSIGNED, now
        request.assigned_listing_id, request.assigned_provider_id, request.booking = (
            offer.listing_id,
            provider.pk,
            booking,
        )
        request.save(update_fields=["state", "assigned_at", "assigned_listing", "assigned_provider", "booking"])
        offer.state, offer.answered_at = OfferState.ACCEPTED, now
        offer.save(update_fields=["state", "answered_at"])
        if request.pickup_at is None:
            # Busy from now on: off the map, and any other request's offer to them goes away.
            Availability.objects.filter(provider=provider, is_available=True).update(is_available=False)
        withdraw_offers(Offer.objects.filter(request=request, state=OfferState.OPEN), now=now, reason="taken")
        withdraw_offers(_offers_clashing_with(request, provider=provider, now=now), now=now, reason="busy")
        assigned = {
            "type": "assigned",
            "request": request.pk,
            "booking": booking.pk,
            "url": booking.get_absolute_url(),
            "provider_name": provider.public_name,
            "listing_title": offer.listing.title,
        }
        tell_on_commit(
            [
                (request.requester_id, assigned),
                (provider.pk, {**assigned, "requester_name": request.requester.public_name}),
            ]
        )
        said = words(gettext_noop("%(name)s is on the way."), name=provider.public_name)
        # The words read in the requester's language on the bell and the push (realtime.wording).
        notify(
            [request.requester],
            "dispatch.assigned",
            {**assigned, **line_notice(said)},
        )
    return request


def _offers_clashing_with(request: DispatchRequest, *, provider: User, now: datetime) -> QuerySet[Offer]:
    """The provider's other open offers that the job just accepted rules out.

    A job now: all of them (they are off the map, as before). A later job leaves them
    available now, so only the offers whose period overlaps the job's go; the others stay.
    """
    open_offers = Offer.objects.filter(provider=provider, state=OfferState.OPEN).exclude(request=request)
    if request.pickup_at is None:
        return open_offers
    start, end = job_period(now, request.hours, request.pickup_at)
    clashing = [
        offer.pk
        for offer in open_offers.select_related("request")
        for other_start, other_end in [job_period(now, offer.request.hours, offer.request.pickup_at)]
        if other_start < end and other_end > start
    ]
    return Offer.objects.filter(pk__in=clashing)


def _book(request: DispatchRequest, offer: Offer, *, now: datetime) -> Booking:
    """The job as an ordinary booking of the provider's listing, confirmed and paid at its exact fare.

    The booking adopts the request's hold (offers only go to fares within it): one
    authorisation for the whole job, captured at the exact fare, the rest released by Stripe.
    """
    start, end = job_period(now, request.hours, request.pickup_at)
    booking = request_booking(
        guest=request.requester,
        listing_id=offer.listing_id,
        start=start,
        end=end,
        guests=1,
        authorisation=request.payment_id,
        now=now,
    )
    if booking.status == BookingStatus.REQUESTED:
        booking = accept_booking(host=offer.provider, booking_id=booking.pk, now=now)
    return booking


def pass_offer(*, provider: User, request_id: int, now: datetime | None = None) -> Offer:
    """The provider says no; the request goes on to others. Passing twice changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        offer = Offer.objects.select_for_update().filter(request_id=request_id, provider=provider).first()
        if offer is None:
            raise NotFound(gettext_noop("No such offer."))
        if offer.state == OfferState.ACCEPTED:
            raise Conflict(gettext_noop("You already accepted this request."), code="already_accepted")
        if offer.state == OfferState.OPEN:
            offer.state, offer.answered_at = OfferState.PASSED, now
            offer.save(update_fields=["state", "answered_at"])
    return offer
