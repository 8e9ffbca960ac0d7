"""The privacy matrix of places: who sees a listing's exact address and point, on every page and API route.

An anonymous visitor, a logged-in stranger and a guest whose request is not yet confirmed see the
area (a circle around a secret offset point, and the city); the host sees every exact place, and a
guest sees the exact place of a listing from the moment one of their bookings of it is confirmed.
The scan reads every GET route the matrix knows (ATTEMPTS, SELF_SCOPED, PUBLIC_PATHS), so a new
route is scanned as soon as test_route_coverage.py makes someone add it there.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from listings import privacy
from tests.security.conftest import client_for
from tests.security.matrix import ATTEMPTS, GET, PUBLIC_PATHS, SEARCH_AROUND_A, SELF_SCOPED
from tests.security.world import PLACES, World

pytestmark = pytest.mark.django_db

# Which of A's places each viewer may see exactly. G asked for "listing" (not answered) and holds
# confirmed, completed and disputed bookings of "instant".
MAY_SEE = {
    "anonymous": set(),
    "second_user": set(),
    "suspended": set(),
    "guest": {"instant"},
    "host": set(PLACES),
}


def _every_get_path(world: World) -> list[str]:
    paths = [a.path(world) for a in ATTEMPTS if a.method == GET]
    paths += [own.path(world) for own in SELF_SCOPED if own.method == GET]
    for build in PUBLIC_PATHS.values():
        paths += build(world)
    return sorted(set(paths))


@pytest.mark.parametrize("viewer", ["anonymous", "second_user", "suspended", "guest"])
def test_no_page_or_api_route_shows_a_place_the_viewer_may_not_see(in_world: World, viewer: str):
    client = client_for(in_world, viewer)
    leaks = []
    for path in _every_get_path(in_world):
        body = client.get(path).content.decode(errors="replace")
        leaks += [
            f"{path}: {name}" for name, place in PLACES.items() if name not in MAY_SEE[viewer] and place.shown_in(body)
        ]
    assert not leaks, f"{viewer} sees exact places:\n  " + "\n  ".join(leaks)


def test_the_scan_reads_pages_that_do_show_places_to_the_host(in_world: World):
    # Guards the scan: the host, reading the same routes, finds every exact place somewhere.
    client = client_for(in_world, "host")
    bodies = "".join(client.get(path).content.decode(errors="replace") for path in _every_get_path(in_world))
    assert {name for name, place in PLACES.items() if place.shown_in(bodies)} >= {"listing", "instant", "driver"}


# --- Exactly what each viewer sees, route by route ---------------------------------------------------------
EXACT, AREA = "exact", "area"


def _listing_page(name: str):
    return lambda w: reverse("listings:detail", kwargs={"listing_id": getattr(w, name).pk})


def _listing_api(name: str):
    return lambda w: f"/api/v1/listings/{getattr(w, name).pk}"


def _booking_page(name: str):
    return lambda w: reverse("bookings:detail", kwargs={"booking_id": getattr(w, name).pk})


def _booking_api(name: str):
    return lambda w: f"/api/v1/bookings/{getattr(w, name).pk}"


ALL_AREA = {"anonymous": AREA, "second_user": AREA, "guest": AREA}
# (route, which listing's place, path, what each viewer sees; a missing viewer may not open the route)
SEES = [
    ("listing page, requested", "listing", _listing_page("listing"), {**ALL_AREA, "host": EXACT}),
    ("listing page, confirmed", "instant", _listing_page("instant"), {**ALL_AREA, "guest": EXACT, "host": EXACT}),
    ("driver page", "driver", _listing_page("driver"), {**ALL_AREA, "host": EXACT}),
    ("listing API, requested", "listing", _listing_api("listing"), {**ALL_AREA, "host": EXACT}),
    ("listing API, confirmed", "instant", _listing_api("instant"), {**ALL_AREA, "guest": EXACT, "host": EXACT}),
    ("driver API", "driver", _listing_api("driver"), {**ALL_AREA, "host": EXACT}),
    ("booking page, requested", "listing", _booking_page("requested"), {"guest": AREA, "host": EXACT}),
    ("booking page, confirmed", "instant", _booking_page("confirmed"), {"guest": EXACT, "host": EXACT}),
    ("booking API, requested", "listing", _booking_api("requested"), {"guest": AREA, "host": EXACT}),
    ("booking API, confirmed", "instant", _booking_api("confirmed"), {"guest": EXACT, "host": EXACT}),
    # Search is public: everybody, the host included, sees areas there.
    ("search page", "listing", lambda w: f"{reverse('listings:search')}?{SEARCH_AROUND_A}", {**ALL_AREA, "host": AREA}),
    ("search API", "instant", lambda w: f"/api/v1/listings/search?{SEARCH_AROUND_A}", {**ALL_AREA, "host": AREA}),
]
CASES = [(label, name, path, viewer, sees) for label, name, path, table in SEES for viewer, sees in table.items()]


@pytest.mark.parametrize(("label", "name", "path", "viewer", "sees"), CASES, ids=[f"{c[0]}-{c[3]}" for c in CASES])
def test_each_viewer_sees_exactly_the_area_or_the_place(in_world: World, label, name, path, viewer, sees):
    response = client_for(in_world, viewer).get(path(in_world))
    assert response.status_code == 200, f"{viewer} {label}: {response.status_code}"
    body = response.content.decode()
    listing = getattr(in_world, name)
    area = privacy.area(listing)
    if sees == EXACT:
        assert PLACES[name].shown_in(body)
    else:
        assert not PLACES[name].shown_in(body)
        # The area instead: its centre on maps and in JSON, its city and the promise on booking pages.
        shows_area = str(area.latitude)[:7] in body and str(area.longitude)[:6] in body
        assert shows_area or "exact address is shared once" in body


@pytest.mark.parametrize("viewer", ["anonymous", "second_user", "guest", "host"])
def test_the_api_says_whether_the_place_is_exact_and_always_gives_the_area(in_world: World, viewer: str):
    client = client_for(in_world, viewer)
    for name in ("listing", "instant"):
        listing = getattr(in_world, name)
        data = client.get(f"/api/v1/listings/{listing.pk}").json()
        exact = name in MAY_SEE[viewer] or viewer == "host"
        assert data["exact_location"] is exact
        assert data["address"] == (PLACES[name].address if exact else None)
        assert (data["latitude"], data["longitude"]) == (
            (listing.latitude, listing.longitude) if exact else (None, None)
        )
        assert data["area"]["radius_m"] == privacy.AREA_RADIUS_M
        assert data["city"] == "Paris"


def test_search_results_carry_areas_and_half_kilometre_distances(in_world: World):
    body = client_for(in_world, "host").get(f"/api/v1/listings/search?{SEARCH_AROUND_A}").json()
    mine = [item for item in body["results"] if item["id"] in {in_world.listing.pk, in_world.instant.pk}]
    assert len(mine) == 2
    for item in mine:
        assert item["address"] is None and item["latitude"] is None and not item["exact_location"]
        assert (item["distance_km"] * 2).is_integer()


def test_the_booking_api_gives_the_confirmed_guest_the_address(in_world: World):
    data = json.loads(client_for(in_world, "guest").get(f"/api/v1/bookings/{in_world.confirmed.pk}").content)
    assert data["listing_location"]["exact"] is True
    assert data["listing_location"]["address"] == PLACES["instant"].address
    data = json.loads(client_for(in_world, "guest").get(f"/api/v1/bookings/{in_world.requested.pk}").content)
    assert data["listing_location"] == {**data["listing_location"], "exact": False, "address": None}
    assert data["listing_location"]["radius_m"] == privacy.AREA_RADIUS_M
