"""JSON API of favourites and saved searches, mounted at /api/v1/saved/: the same services as the pages.

My lists are mine only (someone else's list answers 404); a shared list is read by its token,
read-only, without logging in.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from core.api import ObjectId, session_or_token_auth
from core.requests import ApiRequest
from discovery import favourites, saved_searches, selectors
from discovery.models import FavouriteList, SavedSearch
from listings.geocoding import search_point
from listings.search import DEFAULT_RADIUS_KM

router = Router(tags=["saved"], auth=session_or_token_auth)


class SavedListingOut(Schema):
    id: int
    title: str
    city: str
    url: str
    available: bool = Field(description="False when its host paused or removed it")


class ListOut(Schema):
    id: int
    name: str
    shared: bool
    share_url: str | None = Field(description="The read-only link, while sharing is on")
    listings: list[SavedListingOut]


class ListIn(Schema):
    name: str


class ListPatch(Schema):
    name: str | None = None
    shared: bool | None = None


class HeartsOut(Schema):
    listing_ids: list[int]


class SharedListOut(Schema):
    name: str
    owner_name: str
    listings: list[SavedListingOut]


class SavedSearchIn(Schema):
    name: str = ""
    lat: float | None = None
    lng: float | None = None
    q: str | None = Field(None, description="A place name, geocoded when lat/lng are not given")
    radius: float = DEFAULT_RADIUS_KM
    kind: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    guests: int | None = Field(None, ge=1, le=100)
    min_price: int | None = Field(None, ge=0, le=2**31 - 1)
    max_price: int | None = Field(None, ge=0, le=2**31 - 1)
    instant: bool = False


class SavedSearchOut(Schema):
    id: int
    name: str
    latitude: float
    longitude: float
    radius_km: float
    kind: str
    start: datetime | None
    end: datetime | None
    guests: int | None
    min_price: int | None
    max_price: int | None
    instant_book: bool
    created_at: datetime
    last_alerted_at: datetime | None


def _listings(chosen: FavouriteList) -> list[dict]:
    return [
        {
            "id": item.listing.pk,
            "title": item.listing.title,
            "city": item.listing.city,
            "url": item.listing.get_absolute_url(),
            "available": item.listing.status == "active",
        }
        for item in chosen.items.all()
    ]


def _list(request: HttpRequest, list_id: int, owner) -> dict:
    chosen = selectors.my_list(owner=owner, list_id=list_id)
    share_url = request.build_absolute_uri(chosen.get_share_url()) if chosen.shared else None
    return {
        "id": chosen.pk,
        "name": chosen.name,
        "shared": chosen.shared,
        "share_url": share_url,
        "listings": _listings(chosen),
    }


@router.get("/favourites", response=HeartsOut, summary="The listings in any of my lists (the hearts)")
def my_hearts(request: ApiRequest):
    return {"listing_ids": sorted(selectors.hearted_listing_ids(owner=request.auth))}


@router.put("/favourites/{listing_id}", response=HeartsOut, summary="Save a listing to my first list")
def heart(request: ApiRequest, listing_id: ObjectId):
    favourites.add_to_list(owner=request.auth, listing_id=listing_id)
    return my_hearts(request)


@router.delete("/favourites/{listing_id}", response=HeartsOut, summary="Take a listing out of all my lists")
def unheart(request: ApiRequest, listing_id: ObjectId):
    favourites.unheart(owner=request.auth, listing_id=listing_id)
    return my_hearts(request)


@router.get("/lists", response=list[ListOut], summary="My lists")
def my_lists(request: ApiRequest):
    return [_list(request, chosen.pk, request.auth) for chosen in selectors.my_lists(owner=request.auth)]


@router.post("/lists", response={201: ListOut}, summary="Create a list (private until shared)")
def create_list(request: ApiRequest, data: ListIn):
    created = favourites.create_list(owner=request.auth, name=data.name)
    return Status(201, _list(request, created.pk, request.auth))


@router.get("/lists/{list_id}", response=ListOut, summary="One of my lists")
def get_list(request: ApiRequest, list_id: ObjectId):
    return _list(request, list_id, request.auth)


@router.patch("/lists/{list_id}", response=ListOut, summary="Rename a list, or turn its read-only link on or off")
def update_list(request: ApiRequest, list_id: ObjectId, data: ListPatch):
    favourites.update_list(owner=request.auth, list_id=list_id, name=data.name, shared=data.shared)
    return _list(request, list_id, request.auth)


@router.delete("/lists/{list_id}", response={204: None}, summary="Delete a list")
def delete_list(request: ApiRequest, list_id: ObjectId):
    favourites.delete_list(owner=request.auth, list_id=list_id)
    return Status(204, None)


@router.put("/lists/{list_id}/listings/{listing_id}", response=ListOut, summary="Save a listing in this list")
def add_to_list(request: ApiRequest, list_id: ObjectId, listing_id: ObjectId):
    favourites.add_to_list(owner=request.auth, listing_id=listing_id, list_id=list_id)
    return _list(request, list_id, request.auth)


@router.delete("/lists/{list_id}/listings/{listing_id}", response=ListOut, summary="Take a listing out of this list")
def remove_from_list(request: ApiRequest, list_id: ObjectId, listing_id: ObjectId):
    favourites.remove_from_list(owner=request.auth, list_id=list_id, listing_id=listing_id)
    return _list(request, list_id, request.auth)


@router.get("/shared/{token}", response=SharedListOut, auth=None, summary="A list shared by its link (read-only)")
def shared_list(request: HttpRequest, token: str):
    chosen = selectors.shared_list(token=token)
    return {"name": chosen.name, "owner_name": chosen.owner.public_name, "listings": _listings(chosen)}


@router.get("/searches", response=list[SavedSearchOut], summary="My saved searches")
def my_searches(request: ApiRequest):
    return list(selectors.my_saved_searches(owner=request.auth))


@router.post("/searches", response={201: SavedSearchOut}, summary="Save a search, to be alerted when it matches")
def save_search(request: ApiRequest, data: SavedSearchIn):
    lat, lng = search_point(data.lat, data.lng, data.q)
    saved: SavedSearch = saved_searches.save_search(
        owner=request.auth,
        name=data.name or (data.q or f"Within {data.radius:g} km"),
        latitude=lat,
        longitude=lng,
        radius_km=data.radius,
        kind=data.kind,
        start=data.start,
        end=data.end,
        guests=data.guests,
        min_price=data.min_price,
        max_price=data.max_price,
        instant_book=data.instant,
    )
    return Status(201, saved)


@router.delete("/searches/{saved_search_id}", response={204: None}, summary="Delete a saved search")
def delete_search(request: ApiRequest, saved_search_id: ObjectId):
    saved_searches.delete_saved_search(owner=request.auth, saved_search_id=saved_search_id)
    return Status(204, None)
