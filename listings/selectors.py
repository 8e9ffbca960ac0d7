"""Reads of the listings app: one listing as a person may see it, an owner's listings, search."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from core.errors import NotFound, PermissionDenied
from listings.models import BusyPeriod, Listing, ListingStatus
from listings.search import SearchQuery, SearchResult, search_listing_hits

LISTING_NOT_FOUND_MESSAGE = "This listing does not exist or is not available any more."


def overlapping_busy_periods(*, listing_id: int, start: datetime, end: datetime) -> QuerySet[BusyPeriod]:
    """Busy periods of the listing that intersect [start, end) (touching ends do not overlap)."""
    return BusyPeriod.objects.filter(listing_id=listing_id, start__lt=end, end__gt=start)


def visible_listing(*, listing_id: int, viewer: User | AnonymousUser | None) -> Listing:
    """The listing as `viewer` may see it: a paused or deleted listing exists only for its owner (else 404)."""
    listing = (
        Listing.objects.select_related("owner", "room", "car", "driver")
        .prefetch_related("photos")
        .filter(pk=listing_id)
        .first()
    )
    if listing is None or listing.status == ListingStatus.DELETED:
        raise NotFound(LISTING_NOT_FOUND_MESSAGE)
    if listing.status != ListingStatus.ACTIVE and (viewer is None or viewer.pk != listing.owner_id):
        raise NotFound(LISTING_NOT_FOUND_MESSAGE)
    return listing


def owned_listing(*, listing_id: int, owner: User) -> Listing:
    """The owner's own listing (any status but deleted); someone else's is refused with 403, a missing one 404."""
    listing = visible_listing(listing_id=listing_id, viewer=owner) if owner.is_authenticated else None
    if listing is None:
        raise NotFound(LISTING_NOT_FOUND_MESSAGE)
    if listing.owner_id != owner.pk:
        raise PermissionDenied("Only the owner can change this listing.")
    return listing


def listings_of(*, owner: User) -> QuerySet[Listing]:
    """The owner's listings that are not deleted, newest first, with their cover photo."""
    return (
        Listing.objects.filter(owner=owner)
        .exclude(status=ListingStatus.DELETED)
        .select_related("room", "car", "driver")
        .prefetch_related("photos")
    )


def upcoming_busy_periods(*, listing: Listing, since: datetime | None = None) -> QuerySet[BusyPeriod]:
    return BusyPeriod.objects.filter(listing=listing, end__gt=since or timezone.now()).order_by("start")


def search_listings(*, query: SearchQuery, now: datetime | None = None) -> SearchResult:
    """One page of search results with the listings loaded (owner, photos), each with `distance_km` set."""
    result = search_listing_hits(query, now=now)
    by_id = (
        Listing.objects.select_related("owner", "room", "car", "driver")
        .prefetch_related("photos")
        .in_bulk([hit.listing_id for hit in result.hits])
    )
    for hit in result.hits:
        listing = by_id[hit.listing_id]
        listing.distance_km = hit.distance_km
        result.listings.append(listing)
    return result
