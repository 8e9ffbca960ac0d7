"""A listing's public area: a stable secret offset, rounded distances, and no triangulating the home from search."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from django.test import override_settings

from listings import privacy
from tests.listings.factories import make_listing

pytestmark = pytest.mark.django_db

HOME = (48.8530, 2.3499)
METRES_PER_DEGREE = privacy.METRES_PER_DEGREE


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return privacy.great_circle_km(*a, *b) * 1000


def test_the_area_centre_is_between_the_minimum_and_maximum_offset_from_the_home_and_inside_the_circle():
    for listing_id in range(1, 500):
        centre = privacy.area_point(listing_id, *HOME)
        assert privacy.OFFSET_MIN_M - 1 <= _metres(centre, HOME) <= privacy.OFFSET_MAX_M + 1
    assert privacy.OFFSET_MAX_M < privacy.AREA_RADIUS_M


def test_the_area_is_stable_for_a_listing_and_differs_between_listings():
    assert privacy.area_point(7, *HOME) == privacy.area_point(7, *HOME)
    assert privacy.area_point(7, *HOME) != privacy.area_point(8, *HOME)


def test_the_area_depends_on_the_server_secret_not_only_on_the_public_id():
    with override_settings(SECRET_KEY="one-secret-" + "x" * 40):
        first = privacy.area_point(7, *HOME)
    with override_settings(SECRET_KEY="another-secret-" + "y" * 40):
        second = privacy.area_point(7, *HOME)
    assert first != second


def test_every_area_stays_where_salted_hmac_put_it():
    # The area point's HMAC is computed with its derived key kept per secret; what people saw of a
    # listing must not move with that, so the offset is the one Django's salted_hmac gives.
    from django.utils.crypto import salted_hmac

    for secret in ("one-secret-" + "x" * 40, "another-secret-" + "y" * 40):
        with override_settings(SECRET_KEY=secret):
            for listing_id in (1, 7, 123_456, 9_876_543):
                digest = salted_hmac("sharing.listings.privacy.area", str(listing_id), algorithm="sha256").digest()
                bearing = int.from_bytes(digest[:4], "big") / 2**32 * 2 * math.pi
                distance = privacy.OFFSET_MIN_M + int.from_bytes(digest[4:8], "big") / 2**32 * (
                    privacy.OFFSET_MAX_M - privacy.OFFSET_MIN_M
                )
                north, east = distance * math.cos(bearing), distance * math.sin(bearing)
                expected = (
                    HOME[0] + north / METRES_PER_DEGREE,
                    HOME[1] + east / (METRES_PER_DEGREE * math.cos(math.radians(HOME[0]))),
                )
                assert privacy.area_point(listing_id, *HOME) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(("km", "shown"), [(0.0, 0.5), (0.2, 0.5), (0.74, 0.5), (0.76, 1.0), (3.3, 3.5), (12.1, 12.0)])
def test_distances_are_rounded_to_half_a_kilometre(km, shown):
    assert privacy.rounded_km(km) == shown


def _point_at(origin: tuple[float, float], metres: float, bearing: float) -> tuple[float, float]:
    north, east = metres * math.cos(bearing), metres * math.sin(bearing)
    lat = origin[0] + north / METRES_PER_DEGREE
    return lat, origin[1] + east / (METRES_PER_DEGREE * math.cos(math.radians(origin[0])))


def _least_squares(observations: list[tuple[float, float, float]]) -> tuple[float, float]:
    """The attacker's best estimate: the point whose distances to the search centres best fit the shown ones.

    A grid search (10 m steps over 6 km x 6 km around the centres' mean) of the sum of squared residuals,
    which is what intersecting the rounded circles comes to when they do not meet in one point.
    """
    centres = np.array([(lat, lng) for lat, lng, _ in observations])
    shown = np.array([km * 1000 for _, _, km in observations])
    mid = centres.mean(axis=0)
    scale = METRES_PER_DEGREE * math.cos(math.radians(mid[0]))
    xs = (centres[:, 1] - mid[1]) * scale
    ys = (centres[:, 0] - mid[0]) * METRES_PER_DEGREE
    grid = np.arange(-3000, 3001, 10.0)
    gx, gy = np.meshgrid(grid, grid)
    cost = np.zeros_like(gx)
    for x, y, r in zip(xs, ys, shown, strict=True):
        cost += (np.hypot(gx - x, gy - y) - r) ** 2
    row, col = np.unravel_index(np.argmin(cost), cost.shape)
    return mid[0] + gy[row, col] / METRES_PER_DEGREE, mid[1] + gx[row, col] / scale


def test_a_hundred_searches_around_a_home_do_not_locate_it_within_300_metres(client):
    home = make_listing(latitude=HOME[0], longitude=HOME[1])
    chance = random.Random(20)
    observations = []
    for _ in range(100):
        lat, lng = _point_at(HOME, chance.uniform(300, 4000), chance.uniform(0, 2 * math.pi))
        body = client.get("/api/v1/listings/search", {"lat": lat, "lng": lng, "radius": 10}).json()
        (hit,) = [item for item in body["results"] if item["id"] == home.pk]
        observations.append((lat, lng, hit["distance_km"]))
    estimate = _least_squares(observations)
    assert _metres(estimate, HOME) > 300
    # The estimate converges on the area's centre: the home stays as hidden as the circle on the map.
    assert _metres(estimate, privacy.area_point(home.pk, *HOME)) < 200
    # Control: the same attack on distances rounded from the home itself finds it, so the test has teeth.
    naive = [(lat, lng, privacy.rounded_km(privacy.great_circle_km(lat, lng, *HOME))) for lat, lng, _ in observations]
    assert _metres(_least_squares(naive), HOME) < 150


def test_whether_a_home_is_found_depends_on_its_area_not_on_the_home(client):
    home = make_listing(latitude=HOME[0], longitude=HOME[1])
    centre = privacy.area_point(home.pk, *HOME)

    def found(lat: float, lng: float, radius: float) -> bool:
        body = client.get("/api/v1/listings/search", {"lat": lat, "lng": lng, "radius": radius}).json()
        return home.pk in {item["id"] for item in body["results"]}

    # Standing on the home with a radius smaller than the offset: the area centre is outside, not found.
    assert not found(*HOME, radius=0.3)
    # Standing on the area centre with the same radius: the home is outside the radius, yet found.
    assert found(*centre, radius=0.3)
