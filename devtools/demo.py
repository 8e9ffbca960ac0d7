"""Demo listings for `manage.py seed_demo`: a few hundred rooms, cars and drivers in four cities.

Clustered like real cities (dense centre, sparser suburbs), deterministic (a
fixed random seed), idempotent (a listing is identified by owner and title, so a
second run adds nothing) and fast (bulk inserts with the search cells computed here).
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from accounts.models import User
from core.rates import current_rates
from devtools import demo_words
from devtools.demo_pictures import demo_pictures
from devtools.demo_words import ListingWords
from listings.geo import cells_for, driver_coverage_cells
from listings.models import (
    BusyPeriod,
    BusySource,
    CarDetails,
    DriverCoverage,
    DriverDetails,
    Listing,
    ListingKind,
    ListingPhoto,
    RoomDetails,
    coverage_row,
)
from taxes.models import OccupancyTax, VatRate

# name, latitude, longitude, country, IANA zone, currency, listings
DEMO_CITIES = [
    ("Paris", 48.8566, 2.3522, "FR", "Europe/Paris", "EUR", 110),
    ("Berlin", 52.5200, 13.4050, "DE", "Europe/Berlin", "EUR", 80),
    ("New York City", 40.7128, -74.0060, "US", "America/New_York", "USD", 110),
    ("Tokyo", 35.6762, 139.6503, "JP", "Asia/Tokyo", "JPY", 60),
]
# The solid-colour pictures of earlier demo data, replaced by drawn ones when seed_demo runs again.
OLD_PICTURES = "listings/demo/colour-"


def _pictures_for(sets: dict[str, list[list[str]]], kind: str, number: int) -> list[str]:
    """The set of drawn pictures for the `number`-th listing of a kind (the sets take turns)."""
    return sets[kind][number % len(sets[kind])]


def _photo_rows(listing: Listing, names: list[str]) -> list[ListingPhoto]:
    return [ListingPhoto(listing=listing, image=name, position=position) for position, name in enumerate(names)]


def refresh_old_pictures() -> int:
    """Give demo listings still showing a plain colour (data seeded before the drawn pictures) their set."""
    sets = demo_pictures()
    stale = Listing.objects.filter(photos__image__startswith=OLD_PICTURES).distinct().order_by("pk")
    rows = [
        row
        for number, listing in enumerate(stale)
        for row in _photo_rows(listing, _pictures_for(sets, listing.kind, number))
    ]
    ListingPhoto.objects.filter(image__startswith=OLD_PICTURES).delete()
    ListingPhoto.objects.bulk_create(rows)
    return len({row.listing_id for row in rows})


def _point(rng: random.Random, lat: float, lng: float) -> tuple[float, float]:
    # 60% in the centre (sigma ~1.5 km), 30% suburbs (~6 km), 10% out of town (15-40 km).
    roll = rng.random()
    distance = abs(rng.gauss(0, 1.5)) if roll < 0.6 else abs(rng.gauss(0, 6)) if roll < 0.9 else rng.uniform(15, 40)
    bearing = rng.uniform(0, 2 * math.pi)
    return (
        lat + distance * math.cos(bearing) / 111.0,
        lng + distance * math.sin(bearing) / (111.0 * math.cos(math.radians(lat))),
    )


def _words(
    rng: random.Random, city: str, kind: str, lat: float, lng: float, taken: set[str]
) -> tuple[ListingWords, dict[str, Any]]:
    """A listing's words and details; its title is new among `taken` (the nearest neighbourhood first)."""
    hoods = sorted(demo_words.WORDS[city].hoods, key=lambda h: (h.latitude - lat) ** 2 + (h.longitude - lng) ** 2)
    for attempt in range(4 * len(hoods)):
        hood = hoods[attempt // 4]
        extra: dict[str, Any] = {}
        if kind == ListingKind.ROOM:
            words = demo_words.room_words(rng, city, hood)
        elif kind == ListingKind.CAR:
            make, model, seats = rng.choice(demo_words.CARS[city])
            year = rng.randint(2014, 2025)
            extra = {"make": make, "model": model, "year": year, "seats": seats}
            words = demo_words.car_words(rng, city, hood, demo_words.car_name(city, make, model), year)
        else:
            words = demo_words.driver_words(rng, city, hood)
            extra = {"radius": rng.choice((5, 10, 15, 25)), "languages": words.languages}
        if words.title not in taken:
            taken.add(words.title)
            return words, extra
    raise RuntimeError(f"no new demo title left for a {kind} in {city}")


def _old_key(title: str) -> str | None:
    """Listings seeded before the words were written were titled "... in <city> #<number>"."""
    return title.rsplit(" in ", 1)[-1] if " #" in title else None


def seed_listings(hosts: list[User]) -> list[Listing]:
    """Create the demo listings that do not exist yet (and give older demo listings their words); return those.

    A listing is known by its owner and title: the titles are drawn from a fixed seed and unique,
    so a second run finds every one of them and adds nothing.
    """
    rng = random.Random(2026)  # noqa: S311 (demo data, not secrets)
    mine = Listing.objects.filter(owner__in=hosts)
    existing = set(mine.values_list("title", flat=True))
    old = {key: pk for pk, title in mine.values_list("pk", "title") if (key := _old_key(title))}
    pictures_by_kind = demo_pictures()
    planned: list[tuple[Listing, dict[str, Any]]] = []
    renamed: list[Listing] = []
    taken: set[str] = set()
    rates = current_rates()
    for city, lat0, lng0, country, zone, currency, count in DEMO_CITIES:
        for number in range(count):
            owner = hosts[number % len(hosts)]
            kind = rng.choices(ListingKind.values, weights=(5, 3, 2))[0]
            lat, lng = _point(rng, lat0, lng0)
            words, extra = _words(rng, city, kind, lat, lng, taken)
            if kind == ListingKind.ROOM:
                price, capacity, max_units = rng.randint(40, 180) * 100, rng.randint(1, 4), 30
            elif kind == ListingKind.CAR:
                price, capacity, max_units = rng.randint(6, 25) * 100, extra["seats"], 72
            else:
                price, capacity, max_units = rng.randint(20, 60) * 100, 4, 12
            listing = Listing(
                owner=owner,
                kind=kind,
                title=words.title,
                description=words.description,
                text_language=demo_words.WORDS[city].language,
                address=words.address,
                city=city,
                country_code=country,
                latitude=lat,
                longitude=lng,
                time_zone=zone,
                currency=currency,
                unit_price=price,
                fee_amount=2000 if kind == ListingKind.ROOM else 0,
                min_units=1,
                max_units=max_units,
                advance_notice_hours=rng.choice((0, 0, 12, 24)),
                capacity=capacity,
                instant_book=rng.random() < 0.5,
                cancellation_policy=rng.choice(("flexible", "moderate", "strict")),
            )
            if words.title in existing:
                continue
            if f"{city} #{number}" in old:
                listing.pk = old[f"{city} #{number}"]
                renamed.append(listing)
                continue
            listing.cell_fine, listing.cell_mid, listing.cell_coarse = cells_for(lat, lng)
            listing.reprice_for_search(rates)
            planned.append((listing, extra))
    Listing.objects.bulk_update(renamed, ["title", "description", "text_language", "address"])
    Listing.objects.bulk_create([listing for listing, _ in planned])
    _seed_details(rng, planned, pictures_by_kind)
    return [listing for listing, _ in planned] + renamed


def _seed_details(
    rng: random.Random, planned: list[tuple[Listing, dict[str, Any]]], pictures_by_kind: dict[str, list[list[str]]]
) -> None:
    rooms, cars, drivers, coverage, pictures, busy = [], [], [], [], [], []
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for number, (listing, extra) in enumerate(planned):
        if listing.kind == ListingKind.ROOM:
            rooms.append(
                RoomDetails(
                    listing=listing,
                    bedrooms=1,
                    beds=listing.capacity // 2 + 1,
                    amenities=["wifi", "kitchen"][: rng.randint(0, 2)],
                )
            )
        elif listing.kind == ListingKind.CAR:
            cars.append(
                CarDetails(
                    listing=listing,
                    make=extra["make"],
                    model=extra["model"],
                    year=extra["year"],
                    transmission=rng.choice(("manual", "automatic")),
                    fuel=rng.choice(("petrol", "electric", "hybrid")),
                    day_price=listing.unit_price * 8,
                )
            )
        else:
            drivers.append(
                DriverDetails(listing=listing, languages=extra["languages"], service_radius_km=extra["radius"])
            )
            coverage += [
                coverage_row(listing, extra["radius"], cell)
                for cell in driver_coverage_cells(listing.latitude, listing.longitude, extra["radius"])
            ]
        pictures += _photo_rows(listing, _pictures_for(pictures_by_kind, listing.kind, number))
        if rng.random() < 0.2:
            start = now + timedelta(days=rng.randint(1, 20))
            busy.append(
                BusyPeriod(
                    listing=listing,
                    start=start,
                    end=start + timedelta(days=rng.randint(1, 4)),
                    source=BusySource.OWNER_BLOCK,
                    note="Away",
                )
            )
    RoomDetails.objects.bulk_create(rooms)
    CarDetails.objects.bulk_create(cars)
    DriverDetails.objects.bulk_create(drivers)
    DriverCoverage.objects.bulk_create(coverage)
    ListingPhoto.objects.bulk_create(pictures)
    BusyPeriod.objects.bulk_create(busy)


# The on-demand demo: a few drivers and cars of their own people (one listing each, so one taking a
# job now leaves the others available) close to Paris's centre, where the demo requester stands.
ON_DEMAND_CENTRE = ("Paris", 48.8566, 2.3522, "FR", "Europe/Paris", "EUR")
# kind, owner's email, title, km from the centre, bearing in degrees, hourly price, radius or seats,
# then what the owner wrote: a driver's languages, or a car's make and model, and a line about it.
ON_DEMAND_LISTINGS = [
    (
        ListingKind.DRIVER,
        "driver.lea@sharing.test",
        "Léa, chauffeure à la demande au centre de Paris",
        0.6,
        40,
        2800,
        10,
        "français, anglais",
        "Berline électrique, silencieuse ; je connais le Marais rue par rue.",
    ),
    (
        ListingKind.DRIVER,
        "driver.omar@sharing.test",
        "Omar, chauffeur à la demande, aéroports et soirées",
        1.3,
        160,
        3200,
        15,
        "français, arabe, anglais",
        "Orly, Roissy, gares ou dîner en ville : je viens vous chercher.",
    ),
    (
        ListingKind.DRIVER,
        "driver.nina@sharing.test",
        "Nina, chauffeure à la demande, calme et ponctuelle",
        2.2,
        270,
        3600,
        15,
        "français, italien",
        "Conduite douce, eau à bord, siège enfant sur demande.",
    ),
    (
        ListingKind.CAR,
        "car.theo@sharing.test",
        "Renault Zoe électrique, libre tout de suite",
        0.9,
        110,
        1100,
        5,
        "Renault Zoe",
        "Ma Zoe est chargée et libre la plupart des après-midi ; câble de recharge fourni.",
    ),
    (
        ListingKind.CAR,
        "car.ines@sharing.test",
        "Toyota Yaris hybride, libre tout de suite",
        1.8,
        320,
        1300,
        5,
        "Toyota Yaris",
        "Petite hybride facile à garer, parfaite pour un aller-retour en banlieue.",
    ),
]


def on_demand_point(km: float, bearing_deg: float) -> tuple[float, float]:
    """A point about `km` from the on-demand demo centre (flat offset: fine at city scale)."""
    _, lat0, lng0, *_ = ON_DEMAND_CENTRE
    bearing = math.radians(bearing_deg)
    return (
        lat0 + km * math.cos(bearing) / 111.0,
        lng0 + km * math.sin(bearing) / (111.0 * math.cos(math.radians(lat0))),
    )


def seed_on_demand_listings(providers: dict[str, User]) -> list[Listing]:
    """The on-demand demo listings (one per provider, found again by owner), based where they wait."""
    city, _, _, country, zone, currency = ON_DEMAND_CENTRE
    pictures_by_kind = demo_pictures()
    listings = []
    for index, (kind, email, title, km, bearing, price, reach, what, line) in enumerate(ON_DEMAND_LISTINGS):
        lat, lng = on_demand_point(km, bearing)
        rng = random.Random(index)  # noqa: S311 (demo data, not secrets)
        hood = demo_words.nearest_hood(city, lat, lng)
        spoken = f" Je parle {what}." if kind == ListingKind.DRIVER else ""
        words = {
            "title": title,
            "description": f"Disponible tout de suite {hood.at} et alentours.{spoken} {line}",
            "address": demo_words.address(rng, city, hood),
            "text_language": demo_words.WORDS[city].language,
        }
        listing = Listing.objects.filter(owner=providers[email]).order_by("pk").first()
        if listing is not None:
            # Seeded before these words were written: give it them.
            Listing.objects.filter(pk=listing.pk).update(**words)
            listings.append(listing)
            continue
        listing = Listing.objects.create(
            owner=providers[email],
            kind=kind,
            city=city,
            country_code=country,
            latitude=lat,
            longitude=lng,
            time_zone=zone,
            currency=currency,
            unit_price=price,
            min_units=1,
            max_units=12 if kind == ListingKind.DRIVER else 72,
            advance_notice_hours=0,
            capacity=4 if kind == ListingKind.DRIVER else 5,
            instant_book=True,
            cancellation_policy="flexible",
            **words,
        )
        listing.cell_fine, listing.cell_mid, listing.cell_coarse = cells_for(lat, lng)
        listing.save(update_fields=["cell_fine", "cell_mid", "cell_coarse"])
        if kind == ListingKind.DRIVER:
            # Its save writes the coverage cells that search reads.
            DriverDetails.objects.create(listing=listing, languages=what, service_radius_km=reach)
        else:
            make, model = what.split(" ", 1)
            CarDetails.objects.create(
                listing=listing,
                make=make,
                model=model,
                year=2023,
                transmission="automatic",
                fuel="electric" if model == "Zoe" else "hybrid",
                day_price=price * 8,
            )
        ListingPhoto.objects.bulk_create(_photo_rows(listing, _pictures_for(pictures_by_kind, kind, index)))
        listings.append(listing)
    return listings


# Tax rates for the demo cities (staff edit them in the admin, "Taxes"): VAT on Sharing's service fee per
# country, and each city's tourist tax on rooms. Valid from 2026-01-01 until further notice.
DEMO_VAT_RATES = [("FR", Decimal("20")), ("DE", Decimal("19")), ("JP", Decimal("10")), ("GB", Decimal("20"))]
# country, city, per person per night (minor units), its currency, or a percentage
DEMO_OCCUPANCY_TAXES = [
    ("FR", "Paris", 288, "EUR", Decimal("0")),
    ("DE", "Berlin", 0, "", Decimal("7.5")),
    ("US", "New York City", 0, "", Decimal("5.875")),
    ("JP", "Tokyo", 200, "JPY", Decimal("0")),
]
DEMO_TAX_START = date(2026, 1, 1)


def seed_taxes() -> int:
    """The demo's tax rates; idempotent (one open-ended rate per country or city)."""
    made = 0
    for country, rate in DEMO_VAT_RATES:
        _, created = VatRate.objects.update_or_create(
            country=country, valid_from=DEMO_TAX_START, defaults={"rate": rate, "valid_to": None}
        )
        made += created
    for country, city, per_person, currency, percent in DEMO_OCCUPANCY_TAXES:
        _, created = OccupancyTax.objects.update_or_create(
            country=country,
            city=city,
            valid_from=DEMO_TAX_START,
            defaults={"per_person_night": per_person, "currency": currency, "percent": percent, "valid_to": None},
        )
        made += created
    return made
