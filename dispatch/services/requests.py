"""The requester's side: the estimate, asking (the card hold, 3-D Secure), cancelling, and expiry.

A request is for "now" (pickup DISPATCH_PICKUP_MINUTES after acceptance) or for a pickup time
the requester chooses within the next DISPATCH_MAX_AHEAD_HOURS (see `pickup_time`); either way
it goes to providers who are available now, and only to those free for the job's period.

The card is held for the estimate's high end through the bookings money port
(`bookings.money.money()`, settings.BOOKING_MONEY), in its own committed step before the
request is opened (a bank never waits inside a lock); if the request cannot be opened the
hold is released. A card that needs 3-D Secure keeps the request `authenticating` (offered to
nobody, expiring like a live one) until the bank confirms it (`complete_authentication`).
A request nobody took is closed (cancelled or expired): the hold is released and the open
offers withdrawn. One open request per requester.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop, ngettext_lazy

from accounts.models import User
from accounts.selectors import ensure_not_suspended, has_verified_email
from bookings.money import money
from bookings.selectors import quote_for
from bookings.services.taxation import taxed_quote
from core.errors import AuthenticationRequired, CardRefused, Conflict, DomainError, NotFound, PermissionDenied
from core.tasks import schedule_on_commit
from dispatch import selectors, tasks
from dispatch.inputs import Need
from dispatch.models import OPEN_STATES, DispatchRequest, Offer, OfferState, RequestState
from dispatch.services.common import earliest_pickup, job_period, tell_on_commit
from dispatch.services.waves import send_wave, wave_size, withdraw_offers
from listings.models import ListingKind
from realtime import notify
from realtime.wording import line_notice, words

logger = logging.getLogger(__name__)

# A later pickup is chosen in whole steps of this many minutes (the page offers every third one).
PICKUP_STEP_MINUTES = 5
# How many of the nearest providers the estimate is drawn from.
ESTIMATE_PROVIDERS = 10


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


# Whole sentences per kind, so each language says "a driver" / "a car" its own way.
NOBODY_NOW = {
    ListingKind.DRIVER: gettext_noop("No driver is available near you right now. Try again in a few minutes."),
    ListingKind.CAR: gettext_noop("No car is available near you right now. Try again in a few minutes."),
}
NOBODY_THEN = {
    ListingKind.DRIVER: gettext_noop(
        "No driver near you is free at that time. Choose another time, or try again in a few minutes."
    ),
    ListingKind.CAR: gettext_noop(
        "No car near you is free at that time. Choose another time, or try again in a few minutes."
    ),
}


def pickup_time(pickup_at: datetime | None, *, now: datetime) -> datetime | None:
    """The requester's chosen pickup time (None: "now") if a provider can serve it, as asked at `now`.

    The time must be a whole PICKUP_STEP_MINUTES step (every UTC offset in use is a whole
    number of 5 minutes, so local and UTC agree), no sooner than a "now" job would start, and
    at most DISPATCH_MAX_AHEAD_HOURS ahead. `dispatch.inputs.parse_when` reads it from a form.
    """
    if pickup_at is None:
        return None
    if pickup_at <= now:
        raise DomainError(gettext_noop('That pickup time has passed. Choose "now" or a later time.'), field="when")
    if pickup_at - now > timedelta(hours=settings.DISPATCH_MAX_AHEAD_HOURS):
        raise DomainError(
            ngettext_lazy(
                "You can ask at most %(count)s hour ahead. Choose an earlier time.",
                "You can ask at most %(count)s hours ahead. Choose an earlier time.",
                "count",
            ),
            params={"count": settings.DISPATCH_MAX_AHEAD_HOURS},
            field="when",
        )
    if pickup_at.second or pickup_at.microsecond or pickup_at.minute % PICKUP_STEP_MINUTES:
        raise DomainError(
            gettext_noop("Choose a pickup time in whole steps of %(step)s minutes (14:30, 14:35...)."),
            params={"step": PICKUP_STEP_MINUTES},
            field="when",
        )
    if pickup_at < earliest_pickup(now):
        raise DomainError(
            gettext_noop('A provider needs %(minutes)s minutes to get to you: choose "now" or a later time.'),
            params={"minutes": settings.DISPATCH_PICKUP_MINUTES},
            field="when",
        )
    return pickup_at


def estimate(*, requester: User, need: Need, now: datetime | None = None) -> Estimate:
    """The fare range of the nearest available providers who would come here and are free for the job's period.

    The job runs for `need.hours` from its pickup time (`pickup_time` says which are served).
    """
    now = now or timezone.now()
    pickup_at = pickup_time(need.pickup_at, now=now)
    start, end = job_period(now, need.hours, pickup_at)
    candidates = selectors.nearest_available(
        kind=need.kind,
        latitude=need.position.latitude,
        longitude=need.position.longitude,
        hours=need.hours,
        start=start,
        end=end,
        count=ESTIMATE_PROVIDERS,
        now=now,
        exclude_provider_id=requester.pk,
    )
    listings = selectors.listings_to_quote([c.listing_id for c in candidates])
    seen: dict[tuple, Any] = {}  # each tax rate read once for all the candidates
    # With the taxes the booking will charge (VAT on Sharing's fee), so the hold covers the exact fare.
    quotes = [
        taxed_quote(
            quote_for(listing=listings[c.listing_id], start=start, end=end),
            guest=requester,
            listing=listings[c.listing_id],
            start=start,
            persons=1,
            now=now,
            seen=seen,
        )
        for c in candidates
    ]
    if not quotes:
        raise Conflict(
            (NOBODY_NOW if pickup_at is None else NOBODY_THEN)[ListingKind(need.kind)],
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


def request_now(*, requester: User, need: Need, payment_method: str, now: datetime | None = None) -> DispatchRequest:
    """Hold the estimate on the requester's card, then offer the job to the nearest providers (first wave).

    `need.pickup_at` is None for "now" or a pickup time within the next DISPATCH_MAX_AHEAD_HOURS
    (`pickup_time` says what is served). Either way the job goes to providers available now
    (their switch is on and they were heard from) whose reach covers the point and who are
    free for the job's period: nothing on their listing's calendar then, and no dispatch job
    they already hold overlapping it. A later job is booked for its own period on acceptance,
    and the provider stays available for jobs that do not overlap it (see
    `dispatch.services.acceptance`).

    The card is authorised first, in its own committed step (a bank never waits inside a
    lock); if the request cannot be opened the hold is released. A card that needs 3-D
    Secure opens the request `authenticating`, offered to nobody and expiring like a live
    one, and raises AuthenticationRequired (its `subject` is the request);
    `complete_authentication` then makes it live.
    """
    now = now or timezone.now()
    if not has_verified_email(requester):
        raise PermissionDenied(
            gettext_noop("Confirm your email address before asking for a driver."), code="email_unverified"
        )
    ensure_not_suspended(requester, doing=gettext_noop("book"))
    if selectors.has_open_request(requester=requester):
        raise Conflict(
            gettext_noop("You are already waiting for a provider: cancel that request first."), code="duplicate_request"
        )
    quote = estimate(requester=requester, need=need, now=now)
    request = DispatchRequest(
        requester=requester,
        kind=need.kind,
        latitude=need.position.latitude,
        longitude=need.position.longitude,
        hours=need.hours,
        pickup_at=need.pickup_at,
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
                send_wave(request, wave=0, now=now, priced=first_wave)
            # After the wave: after-commit hooks run in order, and the offers should not wait for the queue.
            schedule_on_commit(tasks.expire_request_task, request.pk, at=request.expires_at)
    except Exception:
        _release(authorisation.payment_id)
        raise
    if request.state == RequestState.AUTHENTICATING:
        raise AuthenticationRequired(
            "Your bank asks you to confirm this card.",
            url=authentication_url(request),
            client_secret=authorisation.client_secret,
            subject=request,
        )
    return request


def _held_payment(request: DispatchRequest) -> int:
    """The card hold of a request that waits for the bank (every such request has one)."""
    if request.payment_id is None:
        raise Conflict(gettext_noop("This request holds no card payment to confirm."), code="no_payment")
    return request.payment_id


def authentication_url(request: DispatchRequest) -> str:
    """Where the requester confirms the card with their bank; it comes back to `complete_authentication`."""
    next_url = reverse("dispatch:authenticated", kwargs={"request_id": request.pk})
    return money().authentication_url(payment_id=_held_payment(request), next_url=next_url)


def complete_authentication(*, requester: User, request_id: int, now: datetime | None = None) -> DispatchRequest:
    """The requester is back from their bank's check: the request goes live (first wave, a fresh timeout).

    A bank that said no closes the request (nothing stays held) and raises CardRefused; so does a
    check that took so long that a later pickup is now too close to make (Conflict, field "when").
    Idempotent: a request already live or closed is returned as it is. The row is locked,
    so a double click sends one first wave.
    """
    now = now or timezone.now()
    refused: DomainError | None = None
    # The bank is asked first, with no transaction open (no Stripe call while the row is locked);
    # asking twice is harmless, the locked re-check below decides once.
    unlocked = DispatchRequest.objects.filter(pk=request_id, requester=requester).first()
    if unlocked is None:
        raise NotFound(gettext_noop("No such request."))
    held = None
    if unlocked.state == RequestState.AUTHENTICATING and now < unlocked.expires_at:
        held = money().confirm_authentication(payment_id=_held_payment(unlocked))
    with transaction.atomic():
        request = DispatchRequest.objects.select_for_update().filter(pk=request_id, requester=requester).first()
        if request is None:
            raise NotFound(gettext_noop("No such request."))
        if request.state != RequestState.AUTHENTICATING:
            return request
        if now >= request.expires_at or held is None:
            _close(request, RequestState.EXPIRED, now=now, reason="expired")
            return request
        if held.requires_action:
            raise Conflict(
                gettext_noop("Your bank has not confirmed the card yet. Finish its check first."),
                code="requires_action",
            )
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
            send_wave(request, wave=0, now=now)
            schedule_on_commit(tasks.expire_request_task, request.pk, at=request.expires_at)
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
            raise NotFound(gettext_noop("No such request."))
        if request.state == RequestState.ASSIGNED:
            raise Conflict(
                gettext_noop("A provider is on the way: cancel the booking from its page."), code="already_assigned"
            )
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
            raise NotFound(gettext_noop("No such request."))
        if request.state not in OPEN_STATES or now < request.expires_at:
            return request
        at_the_bank = request.state == RequestState.AUTHENTICATING
        _close(request, RequestState.EXPIRED, now=now, reason="expired")
        said = words(
            gettext_noop(
                "Your bank's check was not finished in time, so nobody was asked. Nothing is held on your card."
            )
            if at_the_bank
            else gettext_noop("Nobody could take your request in time. You will not be charged.")
        )
        notify(
            [request.requester],
            "dispatch.expired",
            {"request": request.pk, **line_notice(said)},
        )
        tell_on_commit([(request.requester_id, {"type": "expired", "request": request.pk})])
    return request


def _close(request: DispatchRequest, state: str, *, now: datetime, reason: str) -> None:
    """Close a request nobody took (caller holds its lock): release the hold, withdraw the open offers."""
    request.state, request.closed_at = state, now
    request.save(update_fields=["state", "closed_at"])
    if request.payment_id is not None:
        money().abandon(payment_id=request.payment_id)
    withdraw_offers(Offer.objects.filter(request=request, state=OfferState.OPEN), now=now, reason=reason)
