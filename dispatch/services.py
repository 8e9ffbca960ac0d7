"""Every write of the on-demand flow: availability, requests, waves of offers, acceptance, expiry, live positions.

A request is for "now" (pickup DISPATCH_PICKUP_MINUTES after acceptance) or for a pickup time
the requester chooses within the next DISPATCH_MAX_AHEAD_HOURS (see `pickup_time`); either way
it goes to providers who are available now, and only to those free for the job's period.

Money never gets its own code here. The card hold for the estimate goes through the
bookings money port (`bookings.money.money()`, settings.BOOKING_MONEY); on acceptance the
job becomes an ordinary booking of the provider's listing through
`bookings.services.request_booking(authorisation=...)`, which adopts that same hold (no
second authorisation: Stripe refuses to reuse a card not saved to a customer) and,
unless the listing books instantly, `accept_booking` on the provider's behalf: capture
of the exact fare (the rest of the hold is released), escrow, payout, reviews and
disputes then follow the booking lifecycle. A card that needs 3-D Secure keeps the
request `authenticating` (offered to nobody) until the bank confirms it.

First accept wins: `accept_offer` locks the request row (select_for_update; SQLite's
IMMEDIATE transactions serialise writers anyway) and only a request still `requested`
can be taken; a partial unique constraint allows one accepted offer per request, and a
check constraint ties `assigned` to a provider, a listing and a booking.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.selectors import ensure_not_suspended, has_verified_email
from bookings.models import BookingStatus
from bookings.money import money
from bookings.selectors import quote_for
from bookings.services.answers import accept_booking
from bookings.services.checkout import request_booking
from core.errors import Conflict, DomainError, NotFound, PermissionDenied
from dispatch import events, selectors, tasks
from dispatch.models import (
    DISPATCH_KINDS,
    OPEN_STATES,
    Availability,
    DispatchRequest,
    Offer,
    OfferState,
    RequestState,
)
from listings import geo
from listings.models import Listing, ListingKind, ListingStatus
from realtime import notify

logger = logging.getLogger(__name__)

MAX_HOURS = 12
MAX_WAVE = 50
# A later pickup is chosen in whole steps of this many minutes (the page offers every third one).
PICKUP_STEP_MINUTES = 5
# How many of the nearest providers the estimate is drawn from.
ESTIMATE_PROVIDERS = 10
TAKEN_MESSAGE = "Another provider already took this request."
KIND_WORDS = {ListingKind.DRIVER: "driver", ListingKind.CAR: "car"}


class CardRefused(DomainError):
    status_code = 402


class AuthenticationRequired(DomainError):
    """The requester's bank wants to confirm the card (3-D Secure) before the request goes live.

    Not a failure: the request exists, `authenticating`, offered to nobody. Pages send the
    requester to `url`, the API returns it with the `client_secret` for Stripe's SDK;
    afterwards `complete_authentication` sends the first wave.
    """

    status_code = 402

    def __init__(self, *, request: DispatchRequest, url: str, client_secret: str) -> None:
        super().__init__("Your bank asks you to confirm this card.", code="requires_action")
        self.request = request
        self.url = url
        self.client_secret = client_secret


@dataclass(frozen=True)
class Estimate:
    """The fare range of the nearest available providers for this job; the card is held for `high`."""

    low: int
    high: int
    currency: str
    providers: int
    start: datetime
    end: datetime
    # The nearest provider's listing's time zone: where the pickup time is shown in local time.
    time_zone: str = "UTC"
    # The providers it was drawn from, nearest first, with their fares: the first wave reuses them.
    priced: tuple[tuple[selectors.Candidate, int, str], ...] = ()


# --- Validation ---------------------------------------------------------------------------------


def _point(latitude: object, longitude: object) -> tuple[float, float]:
    try:
        lat, lng = float(latitude), float(longitude)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DomainError("Give your position as a latitude and a longitude.", field="latitude") from None
    if math.isnan(lat) or not -90 <= lat <= 90:
        raise DomainError("The latitude must be between -90 and 90.", field="latitude")
    if math.isnan(lng) or not -180 <= lng <= 180:
        raise DomainError("The longitude must be between -180 and 180.", field="longitude")
    return lat, lng


def _kind(kind: str) -> str:
    if kind not in [k.value for k in DISPATCH_KINDS]:
        raise DomainError("Ask for a driver or a car.", field="kind")
    return kind


def _hours(hours: object) -> int:
    if not isinstance(hours, int) or isinstance(hours, bool) or not 1 <= hours <= MAX_HOURS:
        raise DomainError(f"Ask for 1 to {MAX_HOURS} hours.", field="hours")
    return hours


def earliest_pickup(now: datetime) -> datetime:
    """When a job asked for now starts: the next whole minute after now + DISPATCH_PICKUP_MINUTES (the way there)."""
    return (now + timedelta(minutes=settings.DISPATCH_PICKUP_MINUTES, seconds=60)).replace(second=0, microsecond=0)


def job_period(now: datetime, hours: int, pickup_at: datetime | None = None) -> tuple[datetime, datetime]:
    """When a job runs, for `hours`: from the chosen pickup time, or for "now" from `earliest_pickup(now)`."""
    start = earliest_pickup(now) if pickup_at is None else pickup_at
    return start, start + timedelta(hours=hours)


def pickup_time(when: object, *, now: datetime) -> datetime | None:
    """The requester's "when": None for "now", else the chosen pickup time in UTC.

    Accepted: "now" (or nothing), an aware datetime, or an ISO 8601 string with its offset
    ("2027-01-10T14:30:00+01:00" or "...Z"). The time must be a whole PICKUP_STEP_MINUTES
    step (every UTC offset in use is a whole number of 5 minutes, so local and UTC agree),
    no sooner than a "now" job would start, and at most DISPATCH_MAX_AHEAD_HOURS ahead.
    """
    if when is None or (isinstance(when, str) and when.strip().lower() in ("", "now")):
        return None
    if isinstance(when, str):
        try:
            when = datetime.fromisoformat(when.strip())
        except ValueError:
            raise DomainError(
                'Give the pickup time as "now" or a date and time such as 2027-01-10T14:30:00+01:00.', field="when"
            ) from None
    if not isinstance(when, datetime):
        raise DomainError('Give the pickup time as "now" or a date and time.', field="when")
    if when.tzinfo is None or when.utcoffset() is None:
        raise DomainError(
            "Give the pickup time with its time zone offset, e.g. 2027-01-10T14:30:00+01:00 or ...Z.", field="when"
        )
    try:
        pickup = when.astimezone(UTC)
    except OverflowError:
        raise DomainError("That pickup time is out of range.", field="when") from None
    if pickup <= now:
        raise DomainError('That pickup time has passed. Choose "now" or a later time.', field="when")
    if pickup - now > timedelta(hours=settings.DISPATCH_MAX_AHEAD_HOURS):
        raise DomainError(
            f"You can ask at most {settings.DISPATCH_MAX_AHEAD_HOURS} hours ahead. Choose an earlier time.",
            field="when",
        )
    if pickup.second or pickup.microsecond or pickup.minute % PICKUP_STEP_MINUTES:
        raise DomainError(
            f"Choose a pickup time in whole steps of {PICKUP_STEP_MINUTES} minutes (14:30, 14:35...).", field="when"
        )
    if pickup < earliest_pickup(now):
        raise DomainError(
            f'A provider needs {settings.DISPATCH_PICKUP_MINUTES} minutes to get to you: choose "now" or a later time.',
            field="when",
        )
    return pickup


# --- The provider's "available now" switch ------------------------------------------------------


def _own_listing(provider: User, listing_id: int) -> Listing:
    listing = Listing.objects.select_related("driver").filter(pk=listing_id).first()
    if listing is None or listing.status == ListingStatus.DELETED or listing.owner_id != provider.pk:
        raise NotFound("No such listing.")
    if listing.kind not in [k.value for k in DISPATCH_KINDS]:
        raise DomainError("Only driving services and cars can take jobs on demand.", field="listing")
    return listing


def _reach_km(listing: Listing) -> float:
    if listing.kind == ListingKind.DRIVER:
        return min(listing.driver.service_radius_km, settings.DISPATCH_MAX_REACH_KM)
    return min(settings.DISPATCH_CAR_REACH_KM, settings.DISPATCH_MAX_REACH_KM)


def go_available(
    *, provider: User, listing_id: int, latitude: float, longitude: float, now: datetime | None = None
) -> Availability:
    """Switch "available now" on for one of the provider's active driving services or cars, at their position."""
    now = now or timezone.now()
    lat, lng = _point(latitude, longitude)
    if not has_verified_email(provider):
        raise PermissionDenied("Confirm your email address before taking jobs.", code="email_unverified")
    ensure_not_suspended(provider, doing="take jobs")
    with transaction.atomic():
        listing = _own_listing(provider, listing_id)
        if listing.status != ListingStatus.ACTIVE:
            raise Conflict("This listing is paused: resume it before going available.", code="listing_paused")
        _, cell, _ = geo.cells_for(lat, lng)
        availability, _ = Availability.objects.update_or_create(
            listing=listing,
            defaults={
                "provider": provider,
                "kind": listing.kind,
                "is_available": True,
                "latitude": lat,
                "longitude": lng,
                "cell": cell,
                "cell_coarse": geo.coverage_cell_of(lat, lng),
                "reach_km": _reach_km(listing),
                "last_seen": now,
            },
        )
    return availability


def heartbeat(
    *, provider: User, listing_id: int, latitude: float, longitude: float, now: datetime | None = None
) -> Availability:
    """The provider's page says "still here, now at this point" every few seconds."""
    now = now or timezone.now()
    lat, lng = _point(latitude, longitude)
    with transaction.atomic():
        availability = Availability.objects.select_for_update().filter(listing_id=listing_id, provider=provider).first()
        if availability is None:
            raise NotFound("No such listing.")
        silent = now - availability.last_seen > timedelta(seconds=settings.DISPATCH_SILENCE_SECONDS)
        if not availability.is_available or silent:
            if availability.is_available:
                availability.is_available = False
                availability.save(update_fields=["is_available"])
            raise Conflict('You are offline: switch "available now" on again.', code="offline")
        _, availability.cell, _ = geo.cells_for(lat, lng)
        availability.cell_coarse = geo.coverage_cell_of(lat, lng)
        availability.latitude, availability.longitude, availability.last_seen = lat, lng, now
        availability.save(update_fields=["cell", "cell_coarse", "latitude", "longitude", "last_seen"])
    return availability


def go_offline(*, provider: User, listing_id: int) -> Availability:
    with transaction.atomic():
        availability = Availability.objects.select_for_update().filter(listing_id=listing_id, provider=provider).first()
        if availability is None:
            raise NotFound("No such listing.")
        if availability.is_available:
            availability.is_available = False
            availability.save(update_fields=["is_available"])
    return availability


def switch_off_silent(*, now: datetime | None = None) -> int:
    """Providers not heard from for DISPATCH_SILENCE_SECONDS go offline (search skips them already)."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.DISPATCH_SILENCE_SECONDS)
    return Availability.objects.filter(is_available=True, last_seen__lt=cutoff).update(is_available=False)


# --- The requester ------------------------------------------------------------------------------


def estimate(
    *,
    requester: User,
    kind: str,
    latitude: float,
    longitude: float,
    hours: int,
    when: object = "now",
    now: datetime | None = None,
) -> Estimate:
    """The fare range of the nearest available providers who would come here and are free for the job's period.

    `when`: "now" or a pickup time (see `pickup_time`); the job runs from it for `hours`.
    """
    now = now or timezone.now()
    kind, hours = _kind(kind), _hours(hours)
    lat, lng = _point(latitude, longitude)
    pickup_at = pickup_time(when, now=now)
    start, end = job_period(now, hours, pickup_at)
    candidates = selectors.nearest_available(
        kind=kind,
        latitude=lat,
        longitude=lng,
        hours=hours,
        start=start,
        end=end,
        count=ESTIMATE_PROVIDERS,
        now=now,
        exclude_provider_id=requester.pk,
    )
    listings = selectors.listings_to_quote([c.listing_id for c in candidates])
    quotes = [quote_for(listing=listings[c.listing_id], start=start, end=end) for c in candidates]
    if not quotes:
        word = KIND_WORDS[ListingKind(kind)]
        raise Conflict(
            f"No {word} is available near you right now. Try again in a few minutes."
            if pickup_at is None
            else f"No {word} near you is free at that time. Choose another time, or try again in a few minutes.",
            code="no_providers",
        )
    # The nearest provider's currency; providers pricing in another one are not offered this job.
    currency = quotes[0].currency
    totals = [q.total for q in quotes if q.currency == currency]
    return Estimate(
        low=min(totals),
        high=max(totals),
        currency=currency,
        providers=len(totals),
        start=start,
        end=end,
        time_zone=listings[candidates[0].listing_id].time_zone,
        priced=tuple((c, q.total, q.currency) for c, q in zip(candidates, quotes, strict=True)),
    )


def request_now(
    *,
    requester: User,
    kind: str,
    latitude: float,
    longitude: float,
    hours: int,
    payment_method: str,
    when: object = "now",
    now: datetime | None = None,
) -> DispatchRequest:
    """Hold the estimate on the requester's card, then offer the job to the nearest providers (first wave).

    `when` is "now" or a pickup time within the next DISPATCH_MAX_AHEAD_HOURS (`pickup_time`
    says what is accepted). Either way the job goes to providers available now (their switch
    is on and they were heard from) whose reach covers the point and who are free for the
    job's period: nothing on their listing's calendar then, and no dispatch job they already
    hold overlapping it. A later job is booked for its own period on acceptance, and the
    provider stays available for jobs that do not overlap it (see `_accept`).

    The card is authorised first, in its own committed step (a bank never waits inside a
    lock); if the request cannot be opened the hold is released. A card that needs 3-D
    Secure opens the request `authenticating`, offered to nobody and expiring like a live
    one, and raises AuthenticationRequired; `complete_authentication` then makes it live.
    """
    now = now or timezone.now()
    if not has_verified_email(requester):
        raise PermissionDenied("Confirm your email address before asking for a driver.", code="email_unverified")
    ensure_not_suspended(requester, doing="book")
    if selectors.has_open_request(requester=requester):
        raise Conflict("You are already waiting for a provider: cancel that request first.", code="duplicate_request")
    pickup_at = pickup_time(when, now=now)
    quote = estimate(
        requester=requester, kind=kind, latitude=latitude, longitude=longitude, hours=hours, when=pickup_at, now=now
    )
    lat, lng = _point(latitude, longitude)
    request = DispatchRequest(
        requester=requester,
        kind=kind,
        latitude=lat,
        longitude=lng,
        hours=hours,
        pickup_at=pickup_at,
        time_zone=quote.time_zone,
        currency=quote.currency,
        estimate_low=quote.low,
        estimate_amount=quote.high,
        payment_method=payment_method[:255],
        created_at=now,
        expires_at=now + timedelta(seconds=settings.DISPATCH_TIMEOUT_SECONDS),
    )
    authorisation = money().authorise(
        payer=requester,
        amount=quote.high,
        currency=quote.currency,
        reference=request.reference,
        payment_method=payment_method,
    )
    if not authorisation.authorised and not authorisation.requires_action:
        raise CardRefused(
            authorisation.failure_message or "Your card was refused. Try another card.",
            field="payment_method",
            code="payment_failed",
        )
    request.payment_id = authorisation.payment_id
    if authorisation.requires_action:
        # Nobody is asked before the bank confirms the card; a step never finished expires like a request.
        request.state = RequestState.AUTHENTICATING
    try:
        with transaction.atomic():
            live = request.state == RequestState.REQUESTED
            # The first wave goes out in this transaction: counted in the request's own insert.
            request.waves_sent = 1 if live else 0
            request.save()
            if live:
                first_wave = quote.priced if wave_size(0) <= ESTIMATE_PROVIDERS else None
                _send_wave(request, wave=0, now=now, priced=first_wave)
            # After the wave: after-commit hooks run in order, and the offers should not wait for the queue.
            tasks.schedule(tasks.expire_request_task, request_id=request.pk, at=request.expires_at)
    except Exception:
        _release(authorisation.payment_id)
        raise
    if request.state == RequestState.AUTHENTICATING:
        raise AuthenticationRequired(
            request=request, url=authentication_url(request), client_secret=authorisation.client_secret
        )
    return request


def authentication_url(request: DispatchRequest) -> str:
    """Where the requester confirms the card with their bank; it comes back to `complete_authentication`."""
    next_url = reverse("dispatch:authenticated", kwargs={"request_id": request.pk})
    return money().authentication_url(payment_id=request.payment_id, next_url=next_url)


def complete_authentication(*, requester: User, request_id: int, now: datetime | None = None) -> DispatchRequest:
    """The requester is back from their bank's check: the request goes live (first wave, a fresh timeout).

    A bank that said no closes the request (nothing stays held) and raises CardRefused; so does a
    check that took so long that a later pickup is now too close to make (Conflict, field "when").
    Idempotent: a request already live or closed is returned as it is. The row is locked,
    so a double click sends one first wave.
    """
    now = now or timezone.now()
    refused: DomainError | None = None
    with transaction.atomic():
        request = DispatchRequest.objects.select_for_update().filter(pk=request_id, requester=requester).first()
        if request is None:
            raise NotFound("No such request.")
        if request.state != RequestState.AUTHENTICATING:
            return request
        if now >= request.expires_at:
            _close(request, RequestState.EXPIRED, now=now, reason="expired")
            return request
        held = money().confirm_authentication(payment_id=request.payment_id)
        if held.requires_action:
            raise Conflict("Your bank has not confirmed the card yet. Finish its check first.", code="requires_action")
        if held.authorised and request.pickup_at is not None and request.pickup_at < earliest_pickup(now):
            # The bank's check took so long that no provider can make that pickup any more.
            _close(request, RequestState.CANCELLED, now=now, reason="pickup_passed")
            refused = Conflict(
                "Your bank's check took too long for that pickup time, so nothing is held."
                ' Ask again for "now" or a later time.',
                field="when",
                code="pickup_passed",
            )
        elif held.authorised:
            request.state, request.waves_sent = RequestState.REQUESTED, 1
            request.expires_at = now + timedelta(seconds=settings.DISPATCH_TIMEOUT_SECONDS)
            request.save(update_fields=["state", "waves_sent", "expires_at"])
            _send_wave(request, wave=0, now=now)
            tasks.schedule(tasks.expire_request_task, request_id=request.pk, at=request.expires_at)
            return request
        else:
            _close(request, RequestState.CANCELLED, now=now, reason="card_refused")
            refused = CardRefused(
                held.failure_message or "Your card could not be confirmed. Try another card.",
                field="payment_method",
                code="payment_failed",
            )
    # Committed first: the request is closed even though the requester hears a refusal.
    raise refused


def _release(payment_id: int | None) -> None:
    if payment_id is None:
        return
    try:
        money().abandon(payment_id=payment_id)
    except DomainError as error:
        # Stripe drops an uncaptured authorisation after 7 days anyway.
        logger.warning("could not release dispatch hold %s: %s", payment_id, error.message)


def cancel_request(*, requester: User, request_id: int, now: datetime | None = None) -> DispatchRequest:
    """The requester gives up before anybody accepted; the hold is released and the offers withdrawn."""
    now = now or timezone.now()
    with transaction.atomic():
        request = DispatchRequest.objects.select_for_update().filter(pk=request_id, requester=requester).first()
        if request is None:
            raise NotFound("No such request.")
        if request.state == RequestState.ASSIGNED:
            raise Conflict("A provider is on the way: cancel the booking from its page.", code="already_assigned")
        if request.state not in OPEN_STATES:
            return request
        _close(request, RequestState.CANCELLED, now=now, reason="cancelled")
    return request


def expire_request(*, request_id: int, now: datetime | None = None) -> DispatchRequest:
    """Nobody accepted in time: the request expires, the hold is released, the offers are withdrawn."""
    now = now or timezone.now()
    with transaction.atomic():
        request = DispatchRequest.objects.select_for_update().filter(pk=request_id).first()
        if request is None:
            raise NotFound("No such request.")
        if request.state not in OPEN_STATES or now < request.expires_at:
            return request
        at_the_bank = request.state == RequestState.AUTHENTICATING
        _close(request, RequestState.EXPIRED, now=now, reason="expired")
        message = (
            "Your bank's check was not finished in time, so nobody was asked. Nothing is held on your card."
            if at_the_bank
            else "Nobody could take your request in time. You will not be charged."
        )
        notify([request.requester], "dispatch.expired", {"request": request.pk, "message": message})
        events.send_on_commit([(request.requester_id, {"type": "expired", "request": request.pk})])
    return request


def _close(request: DispatchRequest, state: str, *, now: datetime, reason: str) -> None:
    """Close a request nobody took (caller holds its lock): release the hold, withdraw the open offers."""
    request.state, request.closed_at = state, now
    request.save(update_fields=["state", "closed_at"])
    money().abandon(payment_id=request.payment_id)
    _withdraw(Offer.objects.filter(request=request, state=OfferState.OPEN), now=now, reason=reason)


def _withdraw(offers, *, now: datetime, reason: str) -> None:
    """Withdraw open offers and tell their providers: stored (a reconnecting page replays it) and live."""
    withdrawn = list(offers.select_for_update(of=("self",)))
    if not withdrawn:
        return
    Offer.objects.filter(pk__in=[o.pk for o in withdrawn]).update(state=OfferState.WITHDRAWN, answered_at=now)
    events.send_on_commit(
        [
            (o.provider_id, {"type": "offer.withdrawn", "request": o.request_id, "offer": o.pk, "reason": reason})
            for o in withdrawn
        ]
    )
    by_request: dict[int, list[User]] = {}
    for offer in withdrawn:
        by_request.setdefault(offer.request_id, []).append(User(pk=offer.provider_id))
    for request_id, providers in by_request.items():
        notify(providers, "dispatch.offer_withdrawn", {"request": request_id, "reason": reason})


# --- Waves of offers ------------------------------------------------------------------------------


def wave_size(wave: int) -> int:
    """Wave 0 asks DISPATCH_WAVE_SIZE providers, each later wave twice as many as the one before."""
    return min(settings.DISPATCH_WAVE_SIZE * 2**wave, MAX_WAVE)


def send_next_wave(*, request_id: int, now: datetime | None = None) -> list[Offer]:
    """Offer a request still looking to the next-nearest providers not asked yet; schedules the following wave."""
    now = now or timezone.now()
    with transaction.atomic():
        request = DispatchRequest.objects.select_for_update().filter(pk=request_id).first()
        if request is None:
            raise NotFound("No such request.")
        if request.state != RequestState.REQUESTED or now >= request.expires_at:
            return []
        wave = request.waves_sent
        request.waves_sent += 1
        request.save(update_fields=["waves_sent"])
        return _send_wave(request, wave=wave, now=now)


def _send_wave(
    request: DispatchRequest,
    *,
    wave: int,
    now: datetime,
    priced: tuple[tuple[selectors.Candidate, int, str], ...] | None = None,
) -> list[Offer]:
    """Offer wave number `wave`; the caller holds the request's lock (or just created it) and counted the wave.

    `priced`: the estimate's providers, for the first wave.
    """
    size = wave_size(wave)
    if priced is None:
        asked = frozenset(Offer.objects.filter(request=request).values_list("listing_id", flat=True))
        start, end = job_period(now, request.hours, request.pickup_at)
        candidates = selectors.nearest_available(
            kind=request.kind,
            latitude=request.latitude,
            longitude=request.longitude,
            hours=request.hours,
            start=start,
            end=end,
            count=size,
            now=now,
            exclude_provider_id=request.requester_id,
            skip_listing_ids=asked,
        )
        listings = selectors.listings_to_quote([c.listing_id for c in candidates])
        priced = tuple(
            (c, quote.total, quote.currency)
            for c in candidates
            for quote in [quote_for(listing=listings[c.listing_id], start=start, end=end)]
        )
    offers = Offer.objects.bulk_create(
        [
            Offer(
                request=request,
                listing_id=candidate.listing_id,
                provider_id=candidate.provider_id,
                wave=wave,
                distance_km=candidate.distance_km,
                fare=fare,
                sent_at=now,
            )
            for candidate, fare, currency in priced[:size]
            # The hold covers the estimate: a provider dearer than it (or in another currency) is not asked.
            if currency == request.currency and fare <= request.estimate_amount
        ]
    )
    # The live offers first (after-commit hooks run in the order registered), then the next wave's task.
    events.send_on_commit([(o.provider_id, selectors.offer_message(o, now=now)) for o in offers])
    following = now + timedelta(seconds=settings.DISPATCH_WAVE_INTERVAL_SECONDS)
    if following < request.expires_at:
        tasks.schedule(tasks.send_next_wave_task, request_id=request.pk, at=following)
    if offers:
        # notify() last: on PostgreSQL it holds a lock until commit. One stored notice for the wave;
        # distance and fare are on each provider's live offer and dispatch page. It stays inside this
        # transaction rather than in a second one after the live offers: stored later, a quick accept's
        # "withdrawn" notice could land before this "offer" one in a provider's replayed history.
        notify(
            [User(pk=o.provider_id) for o in offers],
            "dispatch.offer",
            {
                "request": request.pk,
                "kind": request.kind,
                "hours": request.hours,
                "message": _offer_notice(request, now=now),
                "url": "/dispatch/provider/",
            },
        )
    return offers


def _offer_notice(request: DispatchRequest, *, now: datetime) -> str:
    word = KIND_WORDS[ListingKind(request.kind)]
    if request.pickup_at is None:
        return f"Someone near you needs a {word} now."
    when = selectors.pickup_label(request.pickup_at, now=now, time_zone=request.time_zone)
    return f"Someone near you needs a {word} {when}."


# --- The provider answers -------------------------------------------------------------------------


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
            f"This job could not be booked on your listing: {failure.error.message}", code="booking_failed"
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
        if offer is None:
            raise NotFound("No such offer.")
        if request.state == RequestState.ASSIGNED:
            if request.assigned_provider_id == provider.pk:
                return request
            raise Conflict(TAKEN_MESSAGE, code="already_taken")
        if request.state != RequestState.REQUESTED or now >= request.expires_at:
            raise Conflict("This request is closed: it expired or was cancelled.", code="request_closed")
        if offer.state == OfferState.PASSED:
            raise Conflict("You passed on this request.", code="offer_passed")
        if offer.state == OfferState.WITHDRAWN:
            # The request is still looking, so the offer went because this provider took another job.
            raise Conflict("You already took a job at that time.", code="busy")
        if offer.state != OfferState.OPEN:
            raise Conflict(TAKEN_MESSAGE, code="already_taken")
        start, end = job_period(now, request.hours, request.pickup_at)
        if selectors.booked_to_drive(provider_id=provider.pk, start=start, end=end):
            # Booked on one of their driving services since the offer went out.
            raise Conflict("You are booked to drive someone at that time.", code="busy")
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
        _withdraw(Offer.objects.filter(request=request, state=OfferState.OPEN), now=now, reason="taken")
        _withdraw(_offers_clashing_with(request, provider=provider, now=now), now=now, reason="busy")
        assigned = {
            "type": "assigned",
            "request": request.pk,
            "booking": booking.pk,
            "url": booking.get_absolute_url(),
            "provider_name": provider.public_name,
            "listing_title": offer.listing.title,
        }
        events.send_on_commit(
            [
                (request.requester_id, assigned),
                (provider.pk, {**assigned, "requester_name": request.requester.public_name}),
            ]
        )
        notify(
            [request.requester], "dispatch.assigned", {**assigned, "message": f"{provider.public_name} is on the way."}
        )
    return request


def _offers_clashing_with(request: DispatchRequest, *, provider: User, now: datetime):
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


def _book(request: DispatchRequest, offer: Offer, *, now: datetime):
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
            raise NotFound("No such offer.")
        if offer.state == OfferState.ACCEPTED:
            raise Conflict("You already accepted this request.", code="already_accepted")
        if offer.state == OfferState.OPEN:
            offer.state, offer.answered_at = OfferState.PASSED, now
            offer.save(update_fields=["state", "answered_at"])
    return offer


# --- Live positions while the provider is on the way ------------------------------------------------


def share_location(*, sender: User, request_id: int, latitude: float, longitude: float) -> int:
    """Send the sender's position to the other party of an assigned job; returns who received it.

    Only the requester and the assigned provider may share, and only while the booking is
    confirmed and not started: once the job starts or is cancelled, sharing stops. Nothing
    is stored.
    """
    lat, lng = _point(latitude, longitude)
    request = DispatchRequest.objects.select_related("booking").filter(pk=request_id).first()
    if request is None or sender.pk not in (request.requester_id, request.assigned_provider_id):
        raise NotFound("No such request.")
    if request.state != RequestState.ASSIGNED or request.booking.status != BookingStatus.CONFIRMED:
        raise Conflict("Location sharing has stopped: the job started or was cancelled.", code="sharing_stopped")
    is_requester = sender.pk == request.requester_id
    other = request.assigned_provider_id if is_requester else request.requester_id
    events.send_now(
        other,
        {
            "type": "location",
            "request": request.pk,
            "from": "requester" if is_requester else "provider",
            "lat": lat,
            "lng": lng,
            "at": timezone.now().isoformat(),
        },
    )
    return other
