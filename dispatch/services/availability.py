"""The provider's "available now" switch: going available at a position, the heartbeat, going offline or silent.

A provider switches on one of their active driving services or cars at a time and place;
their page then says "still here, now at this point" every few seconds (`heartbeat`). One
not heard from for DISPATCH_SILENCE_SECONDS is offline: search skips them at once, and
`switch_off_silent` turns their switch off. Only a provider with a confirmed email who is
not suspended can go available. Their reach is their driving service's radius (a car's
fixed DISPATCH_CAR_REACH_KM), capped at DISPATCH_MAX_REACH_KM.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import User
from accounts.selectors import ensure_not_suspended, has_verified_email
from accounts.verifications import ensure_verified_licence
from core.errors import Conflict, DomainError, NotFound, PermissionDenied
from dispatch.inputs import Position
from dispatch.models import DISPATCH_KINDS, Availability
from listings import geo
from listings.models import Listing, ListingKind, ListingStatus


def _own_listing(provider: User, listing_id: int) -> Listing:
    listing = Listing.objects.select_related("driver").filter(pk=listing_id).first()
    if listing is None or listing.status == ListingStatus.DELETED or listing.owner_id != provider.pk:
        raise NotFound(gettext_noop("No such listing."))
    if listing.kind not in [k.value for k in DISPATCH_KINDS]:
        raise DomainError(gettext_noop("Only driving services and cars can take jobs on demand."), field="listing")
    return listing


def _reach_km(listing: Listing) -> float:
    if listing.kind == ListingKind.DRIVER:
        return min(listing.driver.service_radius_km, settings.DISPATCH_MAX_REACH_KM)
    return min(settings.DISPATCH_CAR_REACH_KM, settings.DISPATCH_MAX_REACH_KM)


def go_available(*, provider: User, listing_id: int, position: Position, now: datetime | None = None) -> Availability:
    """Switch "available now" on for one of the provider's active driving services or cars, at their position."""
    now = now or timezone.now()
    lat, lng = position.latitude, position.longitude
    if not has_verified_email(provider):
        raise PermissionDenied(gettext_noop("Confirm your email address before taking jobs."), code="email_unverified")
    ensure_not_suspended(provider, doing=gettext_noop("take jobs"))
    with transaction.atomic():
        listing = _own_listing(provider, listing_id)
        if listing.kind == ListingKind.DRIVER:
            ensure_verified_licence(provider, doing=gettext_noop("go online as a driver"))
        if listing.status != ListingStatus.ACTIVE:
            raise Conflict(
                gettext_noop("This listing is paused: resume it before going available."), code="listing_paused"
            )
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


def heartbeat(*, provider: User, listing_id: int, position: Position, now: datetime | None = None) -> Availability:
    """The provider's page says "still here, now at this point" every few seconds."""
    now = now or timezone.now()
    lat, lng = position.latitude, position.longitude
    with transaction.atomic():
        availability = Availability.objects.select_for_update().filter(listing_id=listing_id, provider=provider).first()
        if availability is None:
            raise NotFound(gettext_noop("No such listing."))
        silent = now - availability.last_seen > timedelta(seconds=settings.DISPATCH_SILENCE_SECONDS)
        if not availability.is_available or silent:
            if availability.is_available:
                availability.is_available = False
                availability.save(update_fields=["is_available"])
            raise Conflict(gettext_noop('You are offline: switch "available now" on again.'), code="offline")
        _, availability.cell, _ = geo.cells_for(lat, lng)
        availability.cell_coarse = geo.coverage_cell_of(lat, lng)
        availability.latitude, availability.longitude, availability.last_seen = lat, lng, now
        availability.save(update_fields=["cell", "cell_coarse", "latitude", "longitude", "last_seen"])
    return availability


def go_offline(*, provider: User, listing_id: int) -> Availability:
    """Switch "available now" off for one of the provider's listings; already off changes nothing."""
    with transaction.atomic():
        availability = Availability.objects.select_for_update().filter(listing_id=listing_id, provider=provider).first()
        if availability is None:
            raise NotFound(gettext_noop("No such listing."))
        if availability.is_available:
            availability.is_available = False
            availability.save(update_fields=["is_available"])
    return availability


def switch_off_silent(*, now: datetime | None = None) -> int:
    """Providers not heard from for DISPATCH_SILENCE_SECONDS go offline (search skips them already)."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.DISPATCH_SILENCE_SECONDS)
    return Availability.objects.filter(is_available=True, last_seen__lt=cutoff).update(is_available=False)
