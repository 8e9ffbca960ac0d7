"""Saved-search alerts: when a listing is published or drops its price, tell the people whose saved search
it matches, at most once a day per saved search.

listings announces the change through its port (settings.LISTING_CHANGE_HOOKS -> `listing_changed`),
inside its transaction; the match runs later in the worker (`discovery.tasks.match_listing_task`,
enqueued on commit). Candidates come from the cell index, never from re-running every saved search.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

import realtime
from core.money import DEFAULT_CURRENCY
from core.rates import current_rates, to_reference
from core.tasks import schedule_on_commit
from discovery.cells import cell_of, cells_for_circle
from discovery.models import SavedSearch
from listings.geo import geodesic_km
from listings.models import Listing, ListingKind, ListingStatus
from listings.selectors import overlapping_busy_periods
from realtime.wording import english, words

ALERT_EVERY = timedelta(days=1)
# The alert's line, whole, so each owner reads it in their language (realtime.wording).
REASONS = {
    "published": gettext_noop("New for “%(search)s”: %(title)s"),
    "price_drop": gettext_noop("Cheaper now for “%(search)s”: %(title)s"),
}


def listing_changed(*, listing_id: int, reason: str) -> None:
    """listings' port: called inside the change's transaction; the match is enqueued once it commits."""
    from discovery.tasks import match_listing_task

    schedule_on_commit(match_listing_task, listing_id, reason)


def _reach_km(listing: Listing) -> float:
    """How far from its point a listing serves: a driver's service radius, else nothing (the point itself)."""
    if listing.kind == ListingKind.DRIVER:
        driver = getattr(listing, "driver", None)
        return float(driver.service_radius_km) if driver else 0.0
    return 0.0


def candidates(listing: Listing) -> list[SavedSearch]:
    """The saved searches whose circle may reach the listing, found by the cell index."""
    cells = cells_for_circle(listing.latitude, listing.longitude, _reach_km(listing)) or {
        cell_of(listing.latitude, listing.longitude)
    }
    return list(
        SavedSearch.objects.filter(cells__cell__in=cells)
        .filter(Q(kind="") | Q(kind=listing.kind))
        .exclude(owner_id=listing.owner_id)
        .select_related("owner")
        .distinct()
    )


def matches(saved: SavedSearch, listing: Listing, *, now: datetime) -> bool:
    """The exact check, with the search page's filters."""
    if listing.status != ListingStatus.ACTIVE:
        return False
    if saved.kind and saved.kind != listing.kind:
        return False
    distance = float(geodesic_km(saved.latitude, saved.longitude, listing.latitude, listing.longitude))
    if math.isnan(distance) or distance > saved.radius_km + _reach_km(listing):
        return False
    # A saved search's bounds are in the default currency (EUR): compared as search compares them, converted.
    if saved.min_price is not None or saved.max_price is not None:
        rates = current_rates()
        price = to_reference(listing.unit_price, listing.currency, rates)
        if saved.min_price is not None and price < to_reference(saved.min_price, DEFAULT_CURRENCY, rates):
            return False
        if saved.max_price is not None and price > to_reference(saved.max_price, DEFAULT_CURRENCY, rates):
            return False
    if saved.guests is not None and listing.capacity < saved.guests:
        return False
    if saved.instant_book and not listing.instant_book:
        return False
    if saved.start is not None and saved.end is not None:
        if saved.end <= now:
            return False  # the dates searched for have passed
        if overlapping_busy_periods(listing_id=listing.pk, start=saved.start, end=saved.end).exists():
            return False
    return True


def _claim(saved: SavedSearch, now: datetime) -> bool:
    """Take today's alert for this saved search; a conditional UPDATE, so two workers never both send it."""
    due = Q(last_alerted_at__isnull=True) | Q(last_alerted_at__lte=now - ALERT_EVERY)
    return SavedSearch.objects.filter(due, pk=saved.pk).update(last_alerted_at=now) == 1


def alert_matching_searches(*, listing_id: int, reason: str, now: datetime | None = None) -> int:
    """Notify the owner of every saved search the listing matches and not alerted in the last day; returns how many."""
    now = now or timezone.now()
    listing = Listing.objects.select_related("driver").filter(pk=listing_id).first()
    if listing is None or listing.status != ListingStatus.ACTIVE:
        return 0
    sent = 0
    for saved in candidates(listing):
        if not matches(saved, listing, now=now):
            continue
        with transaction.atomic():
            if not _claim(saved, now):
                continue
            search_url = reverse("listings:search") + (f"?{saved.query_string}" if saved.query_string else "")
            said = words(REASONS.get(reason, REASONS["published"]), search=saved.name, title=listing.title)
            realtime.notify(
                [saved.owner],
                "saved_search.match",
                {
                    "title": english(said),
                    "title_words": said,
                    "url": listing.get_absolute_url(),
                    "listing_id": listing.pk,
                    "saved_search_id": saved.pk,
                    "search_url": search_url,
                    "reason": reason,
                },
            )
            sent += 1
    return sent
