"""GEOCODER=nominatim against a real HTTP server that answers like Nominatim.

The usage policy is what these check: a real user agent on every request, at most one
request a second, and every answer (found or not) cached so it is asked only once.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache

from core.errors import DomainError
from listings import geocoding
from listings.geocoding import AddressNotFound, geocode_place

LYON = {
    "lat": "45.7578137",
    "lon": "4.8320114",
    "display_name": "Place Bellecour, Lyon, Métropole de Lyon, France",
    "address": {"road": "Place Bellecour", "city": "Lyon", "country_code": "fr"},
}


@dataclass
class FakeNominatim:
    url: str
    requests: list[tuple[float, str, dict[str, list[str]], str]] = field(default_factory=list)
    failing: bool = False


@pytest.fixture
def nominatim(settings) -> Iterator[FakeNominatim]:
    fake = FakeNominatim(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = parse_qs(url.query)
            fake.requests.append((time.monotonic(), url.path, query, self.headers.get("User-Agent", "")))
            if fake.failing:
                self.send_response(503)
                self.end_headers()
                return
            found = url.path == "/search" and "bellecour" in query.get("q", [""])[0].lower()
            body = json.dumps([LYON] if found else []).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.GEOCODER = "nominatim"
    settings.GEOCODER_NOMINATIM_URL = fake.url
    settings.GEOCODER_USER_AGENT = "sharing-tests/1.0 (ops@sharing.example.com)"
    cache.clear()
    geocoding._nominatim.cache_clear()
    # Loaded once per process (seconds): loading it between two requests would space them
    # out by itself and hide a missing rate limit.
    geocoding._gazetteer()
    yield fake
    server.shutdown()
    server.server_close()
    geocoding._nominatim.cache_clear()


def test_an_address_resolves_through_nominatim_with_city_country_and_time_zone(nominatim):
    place = geocode_place("Place Bellecour, Lyon")

    assert (place.latitude, place.longitude) == (45.7578137, 4.8320114)
    assert (place.city, place.country_code, place.time_zone) == ("Lyon", "FR", "Europe/Paris")
    [(_, path, query, user_agent)] = nominatim.requests
    assert path == "/search"
    assert query["q"] == ["Place Bellecour, Lyon"]
    assert user_agent == "sharing-tests/1.0 (ops@sharing.example.com)"


def test_the_same_address_is_asked_only_once(nominatim):
    geocode_place("Place Bellecour, Lyon")
    geocode_place("Place Bellecour, Lyon")

    assert len(nominatim.requests) == 1


def test_an_address_nominatim_does_not_know_is_a_clear_message_and_is_cached_too(nominatim):
    for _ in range(2):
        with pytest.raises(AddressNotFound, match="We could not find “Nowhere Lane 99”"):
            geocode_place("Nowhere Lane 99")

    assert len(nominatim.requests) == 1


def test_two_different_addresses_are_asked_at_least_a_second_apart(nominatim):
    geocode_place("Place Bellecour, Lyon")
    with pytest.raises(AddressNotFound):
        geocode_place("Nowhere Lane 99")

    first, second = (moment for moment, *_ in nominatim.requests)
    # The limiter counts from the moment it sent the first request, the server from the moment
    # that request arrived: a few ms less than a second. Without the limiter it is a few ms in all.
    assert second - first >= 0.9


def test_a_failing_service_asks_for_the_pin_instead_of_crashing(nominatim):
    nominatim.failing = True

    with pytest.raises(DomainError, match=r"not answering right now\. Drag the pin") as caught:
        geocode_place("Place Bellecour, Lyon")
    assert caught.value.field == "address"
