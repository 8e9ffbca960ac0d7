"""How search reads the index: cells read further in price order, drivers kept or dropped in SQL, plans.

The brute-force comparisons in test_search_correctness use random data; these build the cases
that random data rarely hits, and check the answer against the same brute force.
"""

from __future__ import annotations

import math
import random

import h3
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from geopy.distance import geodesic

from listings import geo
from listings.models import DriverCoverage, ListingKind, coverage_row
from listings.search import SearchQuery, cheapest, nearest, search_listing_hits, statements
from listings.search.cheapest import by_price
from listings.search.query import kinds_of
from listings.search.statements import fetch, where_filters
from tests.conftest import make_user
from tests.listings.factories import bulk_listings, make_listing
from tests.listings.test_search_correctness import NOW, assert_same_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def cheapest_by_merge(monkeypatch):
    """Cheapest first by the merge of per-cell scans on PostgreSQL too, however few rows the circle holds.

    On PostgreSQL a sparse circle is read whole through the PostGIS index instead (a test's few
    rows always are): the tests of the merge's reading turn that off.
    """
    monkeypatch.setattr(cheapest, "_SPARSE", 0)


def forget_prepared_statements(cursor) -> None:
    """DEALLOCATE the search statements this connection prepared (and planned) in earlier tests: start afresh."""
    for name in statements._PREPARED_ON.pop(connection.connection, ()):
        cursor.execute(f"DEALLOCATE {name}")


def point_at(latitude: float, longitude: float, km_east: float) -> tuple[float, float]:
    """A point km_east kilometres due east (negative: west) along the parallel, near enough for a test."""
    return latitude, longitude + km_east / (111.32 * math.cos(math.radians(latitude)))


def cell_centre_in_paris() -> tuple[float, float]:
    """The centre of the coarse cell that holds central Paris: rows east and west of it stay in that cell."""
    return h3.cell_to_latlng(h3.latlng_to_cell(48.85, 2.35, geo.RES_COARSE))


@pytest.mark.usefixtures("cheapest_by_merge")
@pytest.mark.parametrize("sqlite_math", [True, False], ids=["sqlite-math", "no-sqlite-math"])
def test_cheapest_first_passes_over_cheaper_rows_outside_the_circle(sqlite_math, monkeypatch):
    monkeypatch.setattr(statements, "sqlite_has_math", lambda: sqlite_math)
    lat, lng = cell_centre_in_paris()
    cell = h3.latlng_to_cell(lat, lng, geo.RES_COARSE)
    # 40 cheap rooms 1.5-2.4 km east and west (outside a 1 km circle, inside its latitude band and
    # inside the searcher's own coarse cell), 10 dearer ones within 1 km.
    outside = [point_at(lat, lng, sign * (1.5 + i * 0.045)) for i in range(20) for sign in (1, -1)]
    inside = [point_at(lat, lng, -0.9 + i * 0.2) for i in range(10)]
    assert all(h3.latlng_to_cell(a, b, geo.RES_COARSE) == cell for a, b in outside + inside)
    points = [{"latitude": a, "longitude": b, "unit_price": 1000 + i} for i, (a, b) in enumerate(outside)]
    points += [{"latitude": a, "longitude": b, "unit_price": 5000 + i} for i, (a, b) in enumerate(inside)]
    bulk_listings(owner=make_user(), points=points)
    for page in (1, 2):
        query = SearchQuery(latitude=lat, longitude=lng, radius_km=1, sort="price", page=page, page_size=4)
        assert_same_page(query)
    result = search_listing_hits(SearchQuery(latitude=lat, longitude=lng, radius_km=1, sort="price", page_size=4))
    assert len(result.hits) == 4
    if connection.vendor == "postgresql" or sqlite_math:
        # The distance check in SQL passes over the 40 cheap rooms, and the price cap (the 5th price among
        # the rooms certainly inside, the cell's centre being in the circle) stops the scan: the page's 5 come back.
        assert result.rows_examined == 5
    else:
        # Only the circle's latitude band in SQL: the first 15 rows (page + margin) were all rooms
        # outside, so the statement ran again with a larger limit.
        assert result.rows_examined > 40


@pytest.mark.parametrize("sqlite_math", [True, False], ids=["sqlite-math", "no-sqlite-math"])
@pytest.mark.parametrize("sort", ["price", "distance"])
def test_drivers_whose_coverage_holds_the_searcher_but_who_do_not_come_this_far_are_left_out(
    sort, sqlite_math, monkeypatch
):
    # Without SQLite's math functions the far drivers come back from SQL and the exact check drops them.
    monkeypatch.setattr(statements, "sqlite_has_math", lambda: sqlite_math)
    lat, lng = 48.85, 2.35
    far = [
        {**dict(zip(("latitude", "longitude"), point_at(lat, lng, 5 + i * 0.1), strict=True)), "unit_price": 500 + i}
        for i in range(30)
    ]
    near = [
        {**dict(zip(("latitude", "longitude"), point_at(lat, lng, 1 + i * 0.1), strict=True)), "unit_price": 900 + i}
        for i in range(5)
    ]
    drivers = bulk_listings(
        owner=make_user(),
        points=[{**spec, "kind": ListingKind.DRIVER, "service_radius_km": 3} for spec in far + near],
    )
    # A cover may hold cells the disk never reaches (it is conservative): give every driver the
    # searcher's own coverage cell, so the cheap far ones are found and must be turned away.
    here = geo.coverage_cell_of(lat, lng)
    DriverCoverage.objects.bulk_create([coverage_row(d, 3, here) for d in drivers], ignore_conflicts=True)
    # Drivers only (cheapest first compares one kind without dates).
    only = {"kind": ListingKind.DRIVER, "sort": sort}
    for page in (1, 2):
        assert_same_page(SearchQuery(latitude=lat, longitude=lng, radius_km=2, page=page, page_size=3, **only))
    hits = search_listing_hits(SearchQuery(latitude=lat, longitude=lng, radius_km=2, **only), now=NOW).hits
    assert {hit.listing_id for hit in hits} == {driver.pk for driver in drivers[30:]}


def cheapest_first_reads(captured: CaptureQueriesContext) -> list[str]:
    """The statements of cheapest-first merges (on PostgreSQL, after the first: EXECUTE of the prepared one)."""
    # A statement psycopg prepared is logged without its text (None).
    sqls = [query["sql"] or "" for query in captured.captured_queries]
    return [sql for sql in sqls if "ORDER BY 4, 1 LIMIT" in sql or "EXECUTE search_" in sql]


@pytest.mark.usefixtures("cheapest_by_merge")
def test_cheapest_first_reads_again_when_the_cheapest_rows_it_kept_fail_the_exact_distance():
    """The cheapest rows pass the database's conservative distance checks but not the exact one.

    40 cheap drivers due east, 5.02-5.1 km out with a 5 km service radius (the shrunk great-circle
    check in SQL lets them through, the geodesic turns them away), and 30 dearer rooms within 2 km:
    the first read's 31 rows are all drivers, so the page is not proven and the statement must run
    again with a larger limit.
    """
    lat, lng = 48.85, 2.35
    drivers = [
        {
            **dict(zip(("latitude", "longitude"), point_at(lat, lng, 5.02 + i * 0.002), strict=True)),
            "kind": ListingKind.DRIVER,
            "service_radius_km": 5,
            "unit_price": 100 + i,
        }
        for i in range(40)
    ]
    rooms = [
        {**dict(zip(("latitude", "longitude"), point_at(lat, lng, -2 + i * 0.13), strict=True)), "unit_price": 1000 + i}
        for i in range(30)
    ]
    bulk_listings(owner=make_user(), points=drivers + rooms)
    assert all(geodesic((lat, lng), (d["latitude"], d["longitude"])).km > 5 for d in drivers)
    # The merge itself, over rooms and drivers at once (search runs it per kind when dates mix kinds),
    # once first so that on PostgreSQL the statement is prepared before reads are counted.
    query = SearchQuery(latitude=lat, longitude=lng, radius_km=10, sort="price")
    by_price(query, where_filters(query, kinds_of(query), NOW), {"rows": 0})
    with CaptureQueriesContext(connection) as captured:
        rows = by_price(query, where_filters(query, kinds_of(query), NOW), {"rows": 0})
    assert len(rows) >= 20
    assert all(distance <= 2.01 for distance in rows[:20, 0])
    assert len(cheapest_first_reads(captured)) == 2


@pytest.mark.parametrize("sort", ["price", "distance"])
def test_a_driver_just_inside_its_radius_is_found_and_one_just_outside_is_not(sort):
    # Due north at the equator the geodesic is shortest against the great circle (0.9944 of it):
    # the SQL check, a shrunk great-circle distance, must not turn this driver away.
    lat, lng = 0.0, 10.0
    just_inside, just_outside = bulk_listings(
        owner=make_user(),
        points=[
            {"latitude": 9.995 / 110.574, "longitude": lng, "kind": ListingKind.DRIVER, "service_radius_km": 10},
            {"latitude": -10.005 / 110.574, "longitude": lng, "kind": ListingKind.DRIVER, "service_radius_km": 10},
        ],
    )
    assert (
        geodesic((lat, lng), (just_inside.latitude, lng)).km
        < 10
        < geodesic((lat, lng), (just_outside.latitude, lng)).km
    )
    query = SearchQuery(latitude=lat, longitude=lng, radius_km=1, sort=sort, kind=ListingKind.DRIVER)
    hits = search_listing_hits(query, now=NOW).hits
    assert [hit.listing_id for hit in hits] == [just_inside.pk]


@pytest.mark.usefixtures("cheapest_by_merge")
@pytest.mark.postgres_only
def test_cheapest_first_merges_index_scans_without_sorting_and_restores_the_planner_settings():
    lat, lng = cell_centre_in_paris()
    bulk_listings(
        owner=make_user(),
        points=[
            {**dict(zip(("latitude", "longitude"), point_at(lat, lng, i * 0.05), strict=True)), "kind": kind}
            for i in range(20)
            for kind in (ListingKind.ROOM, ListingKind.DRIVER)
        ],
    )
    settings_sql = "SELECT current_setting('enable_sort'), current_setting('plan_cache_mode')"
    with connection.cursor() as cursor:
        forget_prepared_statements(cursor)  # earlier tests on this connection may have prepared it already
        cursor.execute(settings_sql)
        before = cursor.fetchone()
    with CaptureQueriesContext(connection) as captured:
        for _ in range(2):
            search_listing_hits(SearchQuery(latitude=lat, longitude=lng, radius_km=10, sort="price"), now=NOW)
    with connection.cursor() as cursor:
        # The tests run inside a transaction, as a view under ATOMIC_REQUESTS would: still reset.
        cursor.execute(settings_sql)
        # (The generic plan is the session's own, from POSTGRES_SESSION_OPTIONS: not SET around the statement.)
        assert cursor.fetchone() == before == ("on", "force_generic_plan")
    sqls = [query["sql"] for query in captured.captured_queries]
    # Prepared once per connection, then executed with sorting off (for its planning, at the first run).
    assert len([sql for sql in sqls if sql.startswith("PREPARE search_")]) == 1
    first, second = [sql for sql in sqls if "EXECUTE search_" in sql]
    assert first == second
    assert "SET LOCAL enable_sort = off" in second
    [execute] = [part for part in second.split("; ") if part.startswith("EXECUTE ")]
    with connection.cursor() as cursor:
        sets = "".join(f"SET LOCAL {name} = {value}; " for name, value in cheapest._CHEAPEST_PLANNER.items())
        cursor.execute(f"{sets}EXPLAIN {execute}")
        for _ in cheapest._CHEAPEST_PLANNER:
            cursor.nextset()
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("".join(f"RESET {name}; " for name in cheapest._CHEAPEST_PLANNER))
    # Two merges of scans that each walk the reference-price index in price order (the whole cells' for the
    # cap, then every cell's for the page); nothing sorted. Without dates cheapest first compares one kind
    # (rooms when none is asked for): the drivers' coverage is not read.
    assert plan.count("Merge Append") == 2, plan
    assert "CTE cap" in plan, plan
    assert "Scan using listing_coarse_kind_price" in plan, plan
    assert "driver_coverage" not in plan, plan
    assert not [line for line in plan.splitlines() if line.strip().startswith(("Sort  (", "->  Sort  ("))], plan


@pytest.mark.usefixtures("cheapest_by_merge")
def test_cheapest_first_over_cells_merged_by_several_statements(monkeypatch):
    """A large circle's cells are merged by several statements (SQLite allows 500 terms in one).

    With three scans per statement: the pages of the statements are merged here, and a statement
    runs again only while its next row could still enter the page.
    """
    monkeypatch.setattr(cheapest, "_SCANS_PER_STATEMENT", 3)
    centre = (48.8566, 2.3522)
    rng = random.Random(5)
    points = scattered_around(centre, inner_km=0.5, outer_km=14, count=240, drivers=True)
    for point in points:
        point["unit_price"] = rng.randint(100, 400)  # many equal prices: ties are ordered by id
    bulk_listings(owner=make_user(), points=points)
    query = SearchQuery(latitude=centre[0], longitude=centre[1], radius_km=15, sort="price", page_size=30)
    with CaptureQueriesContext(connection) as captured:
        search_listing_hits(query, now=NOW)
    cells, _ = geo.covering_cells(*centre, 15, geo.RES_COARSE)
    assert len(cheapest_first_reads(captured)) >= math.ceil((len(cells) + 1) / 3)
    for page in (1, 2, 3):
        assert_same_page(SearchQuery(latitude=centre[0], longitude=centre[1], radius_km=15, sort="price", page=page))


def scattered_around(
    centre: tuple[float, float], *, inner_km: float, outer_km: float, count: int, drivers: bool
) -> list[dict]:
    """`count` listings spread evenly over the ring between two distances from `centre`.

    With drivers, every other one is a driver coming 5 km: those farther out do not reach the centre.
    """
    rng = random.Random(11)
    points = []
    for number in range(count):
        distance = math.sqrt(rng.uniform(inner_km**2, outer_km**2))
        bearing = rng.uniform(0, 2 * math.pi)
        lat = centre[0] + distance * math.cos(bearing) / 111.0
        lng = centre[1] + distance * math.sin(bearing) / (111.0 * math.cos(math.radians(centre[0])))
        point = {"latitude": lat, "longitude": lng}
        if drivers and number % 2:
            point.update(kind=ListingKind.DRIVER, service_radius_km=5)
        points.append(point)
    return points


@pytest.mark.parametrize(
    ("inner_km", "outer_km", "count", "drivers", "reads_one_by_one", "postgres_reads"),
    [
        (0.08, 0.3, 80, False, 2, 1),
        (3.0, 9.5, 40, False, 4, 1),
        (3.0, 9.5, 60, True, 4, 1),
        (3.0, 9.5, 24, True, 6, 2),
    ],
    # One by one: the fine cells, then the ring after them; or fine, mid, coarse, then the ring after the coarse cells
    # (with fewer hits than the page: the rings out to the radius, then the drivers' coverage lookup).
    # PostgreSQL: one walk of the plane; when it reads the whole circle and finds fewer hits than the page (24 with
    # drivers: 12 rooms and the drivers within their 5 km), the coverage lookup too.
    ids=["dense-fine-cells", "sparse-coarse-cells", "sparse-with-drivers", "few-with-drivers"],
)
def test_nearest_first_reads_the_ring_after_the_first_cells_in_the_same_statement(
    inner_km, outer_km, count, drivers, reads_one_by_one, postgres_reads
):
    """The first cells do not prove the 21 nearest, so the ring after them must be read too.

    SQLite reads one statement at a time; PostgreSQL walks the PostGIS index in distance order in one
    statement (and looks drivers up by coverage when the circle ends before the page is full), and
    must still give the brute-force answer.
    """
    centre = (48.8566, 2.3522)
    points = scattered_around(centre, inner_km=inner_km, outer_km=outer_km, count=count, drivers=drivers)
    bulk_listings(owner=make_user(), points=points)
    query = SearchQuery(latitude=centre[0], longitude=centre[1], radius_km=10)
    with CaptureQueriesContext(connection) as captured:
        search_listing_hits(query, now=NOW)
    # PREPARE is sent once per connection with the first EXECUTE, in its own round trip.
    statements = len([query for query in captured.captured_queries if not query["sql"].startswith("PREPARE ")])
    assert statements == (postgres_reads if connection.vendor == "postgresql" else reads_one_by_one)
    assert_same_page(query)


def test_a_drivers_coverage_rows_carry_its_point_and_radius_and_follow_changes():
    """Search checks a driver's reach on the coverage row: the copies must follow the listing."""
    driver = make_listing(kind=ListingKind.DRIVER)
    copies = lambda: set(DriverCoverage.objects.filter(listing=driver).values_list("latitude", "longitude", "reach_km"))  # noqa: E731
    assert copies() == {(driver.latitude, driver.longitude, driver.driver.service_radius_km)}

    driver.latitude, driver.longitude = 48.9, 2.4
    driver.save()
    details = driver.driver
    details.service_radius_km = 25
    details.save()

    assert copies() == {(48.9, 2.4, 25.0)}


@pytest.mark.postgres_only
@pytest.mark.parametrize("sort", ["price", "distance"])
def test_without_prepared_statements_every_statement_is_sent_whole_with_the_same_answer(sort, settings):
    """Behind a pooler in transaction mode a session's prepared statements cannot be kept."""
    settings.SEARCH_PREPARED_STATEMENTS = False
    centre = (48.8566, 2.3522)
    bulk_listings(owner=make_user(), points=scattered_around(centre, inner_km=0.2, outer_km=9, count=80, drivers=True))
    with CaptureQueriesContext(connection) as captured:
        for page in (1, 2):
            assert_same_page(SearchQuery(latitude=centre[0], longitude=centre[1], radius_km=10, sort=sort, page=page))
    assert not [query for query in captured.captured_queries if "search_" in query["sql"]]


@pytest.mark.usefixtures("cheapest_by_merge")
def test_cheapest_first_stops_scans_of_grazing_cells_at_the_whole_cells_page_price():
    """A cell that grazes the circle holds many rows just outside it, cheaper and dearer than the cap.

    Its scan stops at the cap, the 21st price of the cells wholly inside (the searcher's own cell
    here), still finds the cheaper row of its own that is inside the circle, and returns none of
    the rows outside.
    """
    lat, lng = cell_centre_in_paris()
    own = [point_at(lat, lng, -0.5 + i * 0.03) for i in range(30)]
    rim_inside = point_at(lat, lng, 9.6)
    rim_outside = [point_at(lat, lng, 10.3 + i * 0.01) for i in range(60)]
    grazing = h3.latlng_to_cell(*rim_inside, geo.RES_COARSE)
    assert all(h3.latlng_to_cell(a, b, geo.RES_COARSE) == grazing for a, b in rim_outside)
    cells, _ = geo.covering_cells(lat, lng, 10, geo.RES_COARSE)
    whole = dict(zip(cells, geo.upper_bounds_km(lat, lng, cells) <= 10, strict=True))
    assert whole[h3.latlng_to_cell(lat, lng, geo.RES_COARSE)] and not whole[grazing]
    points = [{"latitude": a, "longitude": b, "unit_price": 1000 + i} for i, (a, b) in enumerate(own)]
    points += [{"latitude": rim_inside[0], "longitude": rim_inside[1], "unit_price": 500}]
    points += [
        {"latitude": a, "longitude": b, "unit_price": 100 + i if i % 2 else 5000 + i}
        for i, (a, b) in enumerate(rim_outside)
    ]
    listings = bulk_listings(owner=make_user(), points=points)
    query = SearchQuery(latitude=lat, longitude=lng, radius_km=10, sort="price")
    for page in (1, 2):
        assert_same_page(SearchQuery(latitude=lat, longitude=lng, radius_km=10, sort="price", page=page))
    result = search_listing_hits(query, now=NOW)
    assert [hit.listing_id for hit in result.hits] == [listings[30].pk] + [listing.pk for listing in listings[:19]]
    assert result.rows_examined <= 31


@pytest.mark.postgres_only
@pytest.mark.parametrize(
    ("inner_km", "outer_km", "others"),
    [(5.0, 5.04, (8.0, 8.5, 25)), (10.01, 10.05, (1.0, 2.0, 5))],
    ids=["thin-ring", "just-outside-the-circle"],
)
def test_nearest_first_on_postgresql_reads_further_when_the_first_knn_read_cannot_prove_the_page(
    inner_km, outer_km, others, monkeypatch
):
    """60 rooms at nearly one distance, so the first KNN read (31 rows) cannot prove the page.

    On a thin ring, the 21st hit is not nearer than 0.99 x the read's last row; just outside the
    circle (inside the index's 1% gate), the read holds fewer hits than the page. The KNN read runs
    again with a larger limit, and the page is the brute force's.
    """
    centre = (48.8566, 2.3522)
    points = scattered_around(centre, inner_km=inner_km, outer_km=outer_km, count=60, drivers=False)
    points += scattered_around(centre, inner_km=others[0], outer_km=others[1], count=others[2], drivers=False)
    bulk_listings(owner=make_user(), points=points)
    query = SearchQuery(latitude=centre[0], longitude=centre[1], radius_km=10)
    reads = []
    monkeypatch.setattr(nearest, "fetch", lambda sql, *args, **kwargs: reads.append(sql) or fetch(sql, *args, **kwargs))
    search_listing_hits(query, now=NOW)
    assert len([sql for sql in reads if "<->" in sql]) == 2
    assert_same_page(query)


@pytest.mark.postgres_only
@pytest.mark.parametrize("page", [1, 2])
def test_cheapest_first_on_postgresql_reads_a_sparse_circle_whole_in_one_statement(page, monkeypatch):
    """Few rooms and cars in the circle: one statement reads them through the box index (0020), and the drivers."""
    centre = (48.8566, 2.3522)
    points = scattered_around(centre, inner_km=0.5, outer_km=14, count=120, drivers=True)
    for number, point in enumerate(points):
        point["unit_price"] = 100 + (number * 37) % 500
    bulk_listings(owner=make_user(), points=points)
    reads = []
    monkeypatch.setattr(
        cheapest, "fetch", lambda sql, *args, **kwargs: reads.append(sql) or fetch(sql, *args, **kwargs)
    )
    query = SearchQuery(latitude=centre[0], longitude=centre[1], radius_km=10, sort="price", page=page)
    assert_same_page(query)
    assert len(reads) == 1 and "ST_MakeEnvelope" in reads[0]


@pytest.mark.postgres_only
def test_cheapest_first_on_postgresql_merges_cell_scans_when_the_circle_holds_many_rows(monkeypatch):
    monkeypatch.setattr(cheapest, "_SPARSE", 30)
    centre = (48.8566, 2.3522)
    bulk_listings(owner=make_user(), points=scattered_around(centre, inner_km=0.5, outer_km=9, count=80, drivers=True))
    reads = []
    monkeypatch.setattr(
        cheapest, "fetch", lambda sql, *args, **kwargs: reads.append(sql) or fetch(sql, *args, **kwargs)
    )
    for page in (1, 2):
        assert_same_page(SearchQuery(latitude=centre[0], longitude=centre[1], radius_km=10, sort="price", page=page))
    assert len(reads) == 4 and "ST_MakeEnvelope" in reads[0] and "UNION ALL" in reads[1]
