"""Writes of saved searches: save one (validated as the search itself is) with its cells, delete one.

The circle's cells (discovery.cells) are written in the same transaction as the search, so the
alert matcher's index is never behind the searches it indexes.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_noop, ngettext_lazy

from accounts.models import User
from core.errors import DomainError, NotFound
from discovery.cells import cells_for_circle
from discovery.models import SavedSearch, SavedSearchCell
from listings.horizon import check_search_dates
from listings.search import SearchQuery

MAX_SAVED_SEARCHES = 30


def save_search(
    *,
    owner: User,
    name: str,
    latitude: float,
    longitude: float,
    radius_km: float,
    kind: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    guests: int | None = None,
    min_price: int | None = None,
    max_price: int | None = None,
    instant_book: bool = False,
    query_string: str = "",
) -> SavedSearch:
    """Keep a search to be alerted about; refused exactly where the search itself would be."""
    # The search's own rules (globe, radius, kind, dates, prices), then the dates' horizon.
    SearchQuery(
        latitude=latitude,
        longitude=longitude,
        radius_km=radius_km,
        kind=kind or None,
        start=start,
        end=end,
        guests=guests,
        min_price=min_price,
        max_price=max_price,
        instant_book=instant_book,
    )
    check_search_dates(start=start, end=end)
    label = " ".join((name or "").split())[:120] or f"Within {radius_km:g} km"
    if guests is not None and guests > 100:
        raise DomainError(gettext_noop("Guests or seats must be at most 100."), field="guests")
    with transaction.atomic():
        if SavedSearch.objects.filter(owner=owner).count() >= MAX_SAVED_SEARCHES:
            raise DomainError(
                ngettext_lazy(
                    "You can keep up to %(count)d saved search: delete it first.",
                    "You can keep up to %(count)d saved searches: delete one first.",
                    "count",
                ),
                params={"count": MAX_SAVED_SEARCHES},
            )
        saved = SavedSearch.objects.create(
            owner=owner,
            name=label,
            latitude=latitude,
            longitude=longitude,
            radius_km=radius_km,
            kind=kind or "",
            start=start,
            end=end,
            guests=guests,
            min_price=min_price,
            max_price=max_price,
            instant_book=instant_book,
            query_string=query_string[:1000],
        )
        SavedSearchCell.objects.bulk_create(
            [
                SavedSearchCell(saved_search=saved, cell=cell)
                for cell in cells_for_circle(latitude, longitude, radius_km)
            ]
        )
    return saved


def delete_saved_search(*, owner: User, saved_search_id: int) -> None:
    with transaction.atomic():
        deleted, _ = SavedSearch.objects.filter(pk=saved_search_id, owner=owner).delete()
    if not deleted:
        raise NotFound(gettext_noop("No such saved search."))
