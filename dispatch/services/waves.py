"""Waves of offers: a live request is offered to the nearest providers in growing waves, and offers withdrawn.

Wave 0 goes out with the request (in its transaction) and asks DISPATCH_WAVE_SIZE providers;
every DISPATCH_WAVE_INTERVAL_SECONDS a task sends the next wave, twice as large (at most
MAX_WAVE), to the next-nearest providers not asked yet, until the request is taken, closed
or expires. Only providers available now, whose reach covers the pickup point and who are
free for the job's period, are asked; and only those whose fare fits the hold (the
estimate's high end) in the request's currency. Each offer reaches the provider twice: live
on their open dispatch page, and as one stored notice per wave.

An offer is withdrawn when the request is taken, cancelled or expires, or when its provider
took another job at that time; the provider is told live and by a stored notice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from accounts.models import User
from accounts.safety import blocked_either_way
from bookings.selectors import quote_for
from bookings.services.taxation import taxed_quote
from core.errors import NotFound
from core.tasks import schedule_on_commit
from dispatch import selectors, tasks
from dispatch.models import DispatchRequest, Offer, OfferState, RequestState
from dispatch.services.common import job_period, tell_on_commit
from listings.models import ListingKind
from realtime import notify
from realtime.wording import line_notice, words

MAX_WAVE = 50


def wave_size(wave: int) -> int:
    """Wave 0 asks DISPATCH_WAVE_SIZE providers, each later wave twice as many as the one before."""
    return min(settings.DISPATCH_WAVE_SIZE * 2**wave, MAX_WAVE)


def send_next_wave(*, request_id: int, now: datetime | None = None) -> list[Offer]:
    """Offer a request still looking to the next-nearest providers not asked yet; schedules the following wave."""
    now = now or timezone.now()
    with transaction.atomic():
        request = DispatchRequest.objects.select_for_update().filter(pk=request_id).first()
        if request is None:
            raise NotFound(gettext_noop("No such request."))
        if request.state != RequestState.REQUESTED or now >= request.expires_at:
            return []
        wave = request.waves_sent
        request.waves_sent += 1
        request.save(update_fields=["waves_sent"])
        return send_wave(request, wave=wave, now=now)


def send_wave(
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
        seen: dict[tuple, Any] = {}  # each tax rate read once for all the candidates
        priced = tuple(
            (c, quote.total, quote.currency)
            for c in candidates
            for quote in [
                taxed_quote(
                    quote_for(listing=listings[c.listing_id], start=start, end=end),
                    guest=request.requester,
                    listing=listings[c.listing_id],
                    start=start,
                    persons=1,
                    now=now,
                    seen=seen,
                )
            ]
        )
    blocked = blocked_either_way(request.requester_id)
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
            if currency == request.currency
            and fare <= request.estimate_amount
            # A block means no booking requests either way: a blocked provider is never offered the job.
            and candidate.provider_id not in blocked
        ]
    )
    languages = dict(User.objects.filter(pk__in={o.provider_id for o in offers}).values_list("pk", "language"))
    # The live offers first (after-commit hooks run in the order registered), then the next wave's task.
    tell_on_commit(_offers_in_their_languages(offers, now=now, languages=languages))
    following = now + timedelta(seconds=settings.DISPATCH_WAVE_INTERVAL_SECONDS)
    if following < request.expires_at:
        schedule_on_commit(tasks.send_next_wave_task, request.pk, at=following)
    if offers:
        said = _offer_words(request, now=now)
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
                # The line the bell and the push show (realtime.Notification.text), in each reader's language.
                **line_notice(said),
                "url": "/dispatch/provider/",
            },
        )
    return offers


def _offers_in_their_languages(
    offers: list[Offer], *, now: datetime, languages: dict[int, str]
) -> list[tuple[int, dict]]:
    """The live offers as each provider's page shows them: pickup, area and fare in the provider's language.
    What depends on the request only is read once per language of the wave, not once per offer."""
    by_language: dict[str, list[Offer]] = {}
    for offer in offers:
        by_language.setdefault(languages.get(offer.provider_id) or settings.LANGUAGE_CODE, []).append(offer)
    told: list[tuple[int, dict]] = []
    for language, group in by_language.items():
        with translation.override(language):
            messages = selectors.offer_messages(group, now=now)
        told += [(offer.provider_id, message) for offer, message in zip(group, messages, strict=True)]
    return told


# Whole sentences per kind, so each language says "a driver" / "a car" its own way.
OFFER_NOW = {
    ListingKind.DRIVER: gettext_noop("Someone near you needs a driver now."),
    ListingKind.CAR: gettext_noop("Someone near you needs a car now."),
}
OFFER_LATER = {
    ListingKind.DRIVER: gettext_noop("Someone near you needs a driver %(when)s."),
    ListingKind.CAR: gettext_noop("Someone near you needs a car %(when)s."),
}


def _offer_words(request: DispatchRequest, *, now: datetime) -> dict[str, Any]:
    """The wave's one stored notice, kept as words: each provider reads it in their language (bell, push)."""
    kind = ListingKind(request.kind)
    if request.pickup_at is None:
        return words(OFFER_NOW[kind])
    when = selectors.pickup_words(request.pickup_at, now=now, time_zone=request.time_zone)
    return words(OFFER_LATER[kind], when=when)


def withdraw_offers(offers: QuerySet[Offer], *, now: datetime, reason: str) -> None:
    """Withdraw open offers and tell their providers: stored (a reconnecting page replays it) and live."""
    withdrawn = list(offers.select_for_update(of=("self",)))
    if not withdrawn:
        return
    Offer.objects.filter(pk__in=[o.pk for o in withdrawn]).update(state=OfferState.WITHDRAWN, answered_at=now)
    tell_on_commit(
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
