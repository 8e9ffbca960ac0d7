"""Small factories for listings, shared by the listings, bookings and later test folders."""

from __future__ import annotations

from accounts.models import User
from core.rates import current_rates
from listings.geo import cells_for, driver_coverage_cells
from listings.models import CarDetails, DriverCoverage, DriverDetails, Listing, ListingKind, RoomDetails, coverage_row
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


def bulk_listings(*, owner: User, points: list[dict]) -> list[Listing]:
    """Many listings at once (search tests): each dict gives latitude, longitude and optional fields.

    A driver gets its details and coverage cells (`service_radius_km` in the dict, default 15).
    """
    listings, rates = [], current_rates()
    for spec in points:
        spec = dict(spec)
        kind = spec.pop("kind", ListingKind.ROOM)
        spec.pop("service_radius_km", None)
        listing = Listing(
            owner=owner,
            kind=kind,
            title=f"A {kind} to share",
            address="Somewhere",
            unit_price=spec.pop("unit_price", 5000),
            max_units=spec.pop("max_units", 72),
            **spec,
        )
        listing.cell_fine, listing.cell_mid, listing.cell_coarse = cells_for(listing.latitude, listing.longitude)
        listing.reprice_for_search(rates)
        listings.append(listing)
    Listing.objects.bulk_create(listings)
    drivers, coverage = [], []
    for listing, spec in zip(listings, points, strict=True):
        if listing.kind == ListingKind.DRIVER:
            radius = spec.get("service_radius_km", 15)
            drivers.append(DriverDetails(listing=listing, service_radius_km=radius))
            coverage += [
                coverage_row(listing, radius, cell)
                for cell in driver_coverage_cells(listing.latitude, listing.longitude, radius)
            ]
    DriverDetails.objects.bulk_create(drivers)
    DriverCoverage.objects.bulk_create(coverage)
    return listings
