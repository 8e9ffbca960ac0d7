"""Writes of favourites: the heart (in or out of my lists), named lists, and sharing a list read-only by link.

A listing can be added only while it is active; removing always works. Every write acts on the
caller's own lists only: someone else's list answers as if it did not exist.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_noop, ngettext_lazy

from accounts.models import User
from core.errors import Conflict, DomainError, NotFound
from discovery.models import DEFAULT_LIST_NAME, Favourite, FavouriteList, new_share_token
from listings.models import Listing, ListingStatus

LIST_NOT_FOUND = "No such list."
NOT_SAVEABLE = "This listing is not available (paused by its host or removed), so it cannot be saved."
MAX_LISTS = 50


def _saveable_listing(listing_id: int) -> Listing:
    listing = Listing.objects.filter(pk=listing_id).first()
    if listing is None or listing.status != ListingStatus.ACTIVE:
        raise NotFound(NOT_SAVEABLE, code="not_saveable")
    return listing


def _own_list(owner: User, list_id: int, *, lock: bool = False) -> FavouriteList:
    lists = FavouriteList.objects.select_for_update() if lock else FavouriteList.objects
    found = lists.filter(pk=list_id, owner=owner).first()
    if found is None:
        raise NotFound(LIST_NOT_FOUND)
    return found


def _clean_name(name: str) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise DomainError(gettext_noop("Give the list a name, like “Lisbon in May”."), field="name")
    if len(text) > 80:
        raise DomainError(gettext_noop("Keep the name under 80 characters."), field="name")
    return text


def create_list(*, owner: User, name: str) -> FavouriteList:
    text = _clean_name(name)
    with transaction.atomic():
        if FavouriteList.objects.filter(owner=owner).count() >= MAX_LISTS:
            raise DomainError(
                ngettext_lazy("You can keep up to %(count)d list.", "You can keep up to %(count)d lists.", "count"),
                params={"count": MAX_LISTS},
                field="name",
            )
        if FavouriteList.objects.filter(owner=owner, name=text).exists():
            raise Conflict(gettext_noop("You already have a list called “%(name)s”."), params={"name": text})
        return FavouriteList.objects.create(owner=owner, name=text)


def _default_list(owner: User) -> FavouriteList:
    found = FavouriteList.objects.filter(owner=owner).order_by("created_at", "pk").first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return FavouriteList.objects.create(owner=owner, name=DEFAULT_LIST_NAME)
    except IntegrityError:
        return FavouriteList.objects.get(owner=owner, name=DEFAULT_LIST_NAME)


def add_to_list(*, owner: User, listing_id: int, list_id: int | None = None) -> Favourite:
    """Save an active listing in one of my lists (my first list, created on first use, when none is named)."""
    with transaction.atomic():
        listing = _saveable_listing(listing_id)
        target = _own_list(owner, list_id) if list_id is not None else _default_list(owner)
        favourite, _ = Favourite.objects.get_or_create(favourite_list=target, listing=listing)
    return favourite


def remove_from_list(*, owner: User, list_id: int, listing_id: int) -> None:
    with transaction.atomic():
        target = _own_list(owner, list_id)
        Favourite.objects.filter(favourite_list=target, listing_id=listing_id).delete()


def unheart(*, owner: User, listing_id: int) -> int:
    """Take a listing out of all my lists (whatever its status); returns how many entries went."""
    with transaction.atomic():
        deleted, _ = Favourite.objects.filter(favourite_list__owner=owner, listing_id=listing_id).delete()
    return deleted


def toggle_heart(*, owner: User, listing_id: int) -> bool:
    """The heart: out of all my lists if it is in any, else into my first list. Returns whether it is now saved."""
    if Favourite.objects.filter(favourite_list__owner=owner, listing_id=listing_id).exists():
        unheart(owner=owner, listing_id=listing_id)
        return False
    add_to_list(owner=owner, listing_id=listing_id)
    return True


def update_list(*, owner: User, list_id: int, name: str | None = None, shared: bool | None = None) -> FavouriteList:
    """Rename a list, or turn its read-only link on or off (turning it on again gives a new link)."""
    with transaction.atomic():
        target = _own_list(owner, list_id, lock=True)
        if name is not None:
            text = _clean_name(name)
            if text != target.name and FavouriteList.objects.filter(owner=owner, name=text).exists():
                raise Conflict(gettext_noop("You already have a list called “%(name)s”."), params={"name": text})
            target.name = text
        if shared is not None and shared != target.shared:
            target.shared = shared
            if shared:
                target.share_token = new_share_token()
        target.save(update_fields=["name", "shared", "share_token"])
    return target


def delete_list(*, owner: User, list_id: int) -> None:
    with transaction.atomic():
        _own_list(owner, list_id, lock=True).delete()
