"""Reads of favourites and saved searches: my lists, a shared list by its link, what I have hearted."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet
from django.utils.translation import gettext_noop

from accounts.models import User
from core.errors import NotFound
from discovery.models import Favourite, FavouriteList, SavedSearch
from listings.models import ListingStatus

SHARED_NOT_FOUND = "This link does not work: the list is private again or was deleted."


def my_lists(*, owner: User) -> QuerySet[FavouriteList]:
    return FavouriteList.objects.filter(owner=owner).annotate(size=Count("items"))


def _with_items(lists: QuerySet[FavouriteList], *, active_only: bool) -> QuerySet[FavouriteList]:
    items = Favourite.objects.select_related("listing").prefetch_related("listing__photos")
    if active_only:
        items = items.filter(listing__status=ListingStatus.ACTIVE)
    return lists.prefetch_related(Prefetch("items", queryset=items))


def my_list(*, owner: User, list_id: int) -> FavouriteList:
    """One of my lists with its listings (a paused or removed one stays, marked, so I can take it out)."""
    found = _with_items(FavouriteList.objects.filter(pk=list_id, owner=owner), active_only=False).first()
    if found is None:
        raise NotFound(gettext_noop("No such list."))
    return found


def shared_list(*, token: str) -> FavouriteList:
    """A list opened by its read-only link: only while sharing is on, and only its active listings."""
    found = (
        _with_items(FavouriteList.objects.filter(share_token=token, shared=True), active_only=True)
        .select_related("owner")
        .first()
    )
    if found is None or not token:
        raise NotFound(SHARED_NOT_FOUND)
    return found


def hearted_listing_ids(*, owner: User | None) -> set[int]:
    """The listings in any of my lists (one query per page, for the hearts)."""
    if owner is None or not owner.is_authenticated:
        return set()
    return set(Favourite.objects.filter(favourite_list__owner=owner).values_list("listing_id", flat=True))


def my_saved_searches(*, owner: User) -> QuerySet[SavedSearch]:
    return SavedSearch.objects.filter(owner=owner)
