"""Small factories for listings, shared by the listings, bookings and later test folders."""

from __future__ import annotations

from listings.models import CarDetails, DriverDetails, Listing, ListingKind, RoomDetails
from sharing.accounts.models import User
from tests.conftest import make_user


def make_listing(*, owner: User | None = None, kind: str = ListingKind.ROOM, **fields) -> Listing:
    """An active listing in Paris with sensible details for its kind; override any field."""
    owner = owner or make_user()
    defaults = {
        "title": f"A {kind} to share",
        "address": "10 Rue de Rivoli, Paris",
        "city": "Paris",
        "country_code": "FR",
        "latitude": 48.8556,
        "longitude": 2.3601,
        "time_zone": "Europe/Paris",
        "currency": "EUR",
        "unit_price": 8000 if kind == ListingKind.ROOM else 1500,
        "fee_amount": 2000 if kind == ListingKind.ROOM else 0,
        "min_units": 1,
        "max_units": 30 if kind == ListingKind.ROOM else 72,
        "capacity": 2 if kind == ListingKind.ROOM else 4,
    }
    listing = Listing.objects.create(owner=owner, kind=kind, **{**defaults, **fields})
    if kind == ListingKind.ROOM:
        RoomDetails.objects.create(listing=listing)
    elif kind == ListingKind.CAR:
        CarDetails.objects.create(
            listing=listing,
            make="Renault",
            model="Clio",
            year=2021,
            transmission="manual",
            fuel="petrol",
            day_price=6000,
        )
    else:
        DriverDetails.objects.create(listing=listing, languages="French, English", service_radius_km=15)
    return listing
