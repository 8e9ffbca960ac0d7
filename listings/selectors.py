"""Reads of the listings app: one listing as a person may see it, an owner's listings, search."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any, cast
from urllib.parse import urljoin

from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.expressions import ArraySubquery
from django.core.files.storage import FileSystemStorage
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import OuterRef, QuerySet
from django.db.models.functions import JSONObject
from django.utils import timezone
from django.utils.encoding import filepath_to_uri
from django.utils.translation import gettext_noop

from accounts.models import User
from core.errors import NotFound, PermissionDenied
from listings.models import BusyPeriod, Listing, ListingPhoto, ListingStatus
from listings.search import SearchQuery, SearchResult, search_listing_hits

LISTING_NOT_FOUND_MESSAGE = gettext_noop("This listing does not exist or is not available any more.")


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
        raise PermissionDenied(gettext_noop("Only the owner can change this listing."))
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
    """One page of search results with the listings loaded (details, photos), each with `distance_km` set.

    A search is one request among many on a web process: each round trip to the database holds the
    process's request thread while PostgreSQL answers, so on PostgreSQL the listings come with their
    photos in one statement (an array per listing), not a second prefetch query; no owner is loaded
    (search shows areas and prices, never the host). No hits, no statement.
    """
    result = search_listing_hits(query, now=now)
    ids = [hit.listing_id for hit in result.hits]
    if not ids:
        return result
    listings = Listing.objects.select_related("room", "car", "driver").filter(pk__in=ids).order_by()
    by_id: dict[int, Listing] = {}
    if connection.vendor == "postgresql":
        for loaded in listings.annotate(photo_rows=_photo_rows()):
            _keep_photos(loaded, loaded.photo_rows)
            by_id[loaded.pk] = loaded
    else:
        by_id = {listing.pk: listing for listing in listings.prefetch_related("photos")}
    for hit in result.hits:
        listing = by_id[hit.listing_id]
        listing.distance_km = hit.distance_km
        result.listings.append(listing)
    return result


_PHOTO_FIELDS = ("id", "listing_id", "image", "position", "caption")


def _photo_rows() -> ArraySubquery:
    """A listing's photos in their order, as one array of JSON objects (PostgreSQL)."""
    rows = ListingPhoto.objects.filter(listing=OuterRef("pk")).order_by("position", "pk")
    return ArraySubquery(rows.values(row=JSONObject(**{name: name for name in _PHOTO_FIELDS})))


def _keep_photos(listing: Listing, rows: list[dict]) -> None:
    """Store the photos as prefetch_related("photos") does, so that `listing.photos.all()` reads no more.

    The related manager's own queryset costs more to build than the photos (a filtered query clone per
    listing); this one applies the same filter only if someone chains on it (`_deferred_filter`).
    """
    photos = []
    for row in rows:
        photo = ListingPhoto.from_db(DEFAULT_DB_ALIAS, _PHOTO_FIELDS, [row[name] for name in _PHOTO_FIELDS])
        photo._state.fields_cache["listing"] = listing
        photos.append(photo)
    cached: Any = QuerySet(model=ListingPhoto, using=DEFAULT_DB_ALIAS)
    cached._deferred_filter = (False, (), {"listing": listing})
    cached._result_cache = photos
    cached._prefetch_done = True
    # "photos": the related name, the key prefetch_related uses.
    cast(Any, listing)._prefetched_objects_cache = {"photos": cached}


def photo_urls(listing: Listing) -> list[str]:
    """The URLs of the listing's photos, in their order (read from the prefetched photos when loaded)."""
    return photo_urls_of([photo.image.name for photo in listing.photos.all()])


def photo_urls_of(names: list[str | None]) -> list[str]:
    """The URLs of stored photo files (their `image` names), as `ListingPhoto.image.url` gives them."""
    return photo_urls_of_each([names])[0]


def photo_urls_of_each(listings_names: list[list[str | None]]) -> list[list[str]]:
    """photo_urls_of for the photos of several listings, the storage looked up once (a search page's 20)."""
    field: Any = ListingPhoto._meta.get_field("image")
    storage = field.storage
    base = getattr(storage, "base_url", None)  # the default storage is set up on first use
    backend: Any = type(getattr(storage, "_wrapped", storage))
    if base is None or backend.url is not FileSystemStorage.url:
        return [[field.attr_class(None, field, name).url for name in names] for names in listings_names]
    return [
        [_file_url(base, name) if name else field.attr_class(None, field, name).url for name in names]
        for names in listings_names
    ]


@functools.lru_cache(maxsize=65536)
def _file_url(base_url: str, name: str) -> str:
    """FileSystemStorage.url, kept: it joins URLs (tens of microseconds), for tens of photos a search.

    Only for stored files' URLs, which depend on the base URL and the name alone (a storage that signs
    URLs with an expiry is never cached: photo_urls asks it each time).
    """
    return urljoin(base_url, (filepath_to_uri(name) or "").lstrip("/"))
