"""The PostGIS reference for the geo-search benchmark (`geo_search.py --postgis`): the same search, the standard way.

The kept PostgreSQL database's listings are copied into `bench_postgis_listing` (a geography point
with a GiST index, plus the columns the filters read), and each driver's service disk into
`bench_postgis_driver_area` (a geography polygon with a GiST index: "whose area covers me" is an
index lookup). A search is one SQL statement, as a PostGIS user would write it:
  nearest first: the GiST index walked in distance order (`<->`, KNN; sphere distances, so twice
  the page is taken and re-ordered by the exact spheroid distance), plus the drivers whose area
  holds the searcher;
  cheapest first: every row within the radius (ST_DWithin on the index), sorted by price.
The filters are the search's own SQL (`where_filters`), so both answer exactly the same question.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent

_HERE = "ST_SetSRID(ST_MakePoint(%(lng)s, %(lat)s), 4326)::geography"
# A geography KNN and the index gate use sphere distances, which stay within 0.6% of the spheroid's:
# the gate is widened by 1%, and the exact check on the spheroid follows.
_NEAR = f"""
SELECT * FROM (
  SELECT l.id, l.unit_price, l.geog FROM bench_postgis_listing l
  WHERE l.kind <> 'driver' AND {{where}} AND ST_DWithin(l.geog, {_HERE}, %(gate_m)s, false)
  ORDER BY l.geog <-> {_HERE} LIMIT %(candidates)s) AS near
WHERE ST_DWithin(near.geog, {_HERE}, %(radius_m)s)
"""
_WITHIN = f"""
SELECT l.id, l.unit_price, l.geog FROM bench_postgis_listing l
WHERE l.kind <> 'driver' AND {{where}} AND ST_DWithin(l.geog, {_HERE}, %(radius_m)s)
"""
_COMING = f"""
SELECT l.id, l.unit_price, a.geog FROM bench_postgis_driver_area a JOIN bench_postgis_listing l ON l.id = a.listing_id
WHERE ST_Intersects(a.area, {_HERE}) AND ST_DWithin(a.geog, {_HERE}, a.reach_m) AND {{where}}
"""


def _statement(query, where: str) -> str:
    """Nearest or cheapest first; the rooms and cars and the drivers only when the query asks for them."""
    from listings.search.query import kinds_of, price_kinds

    price = query.sort == "price"
    # Cheapest first compares like with like: without dates, one kind (listings.search.query.price_kinds).
    kinds = set(price_kinds(query) if price else kinds_of(query))
    parts = []
    if kinds - {"driver"}:
        parts.append(_WITHIN if price else _NEAR)
    if "driver" in kinds:
        parts.append(_COMING)
    union = " UNION ALL ".join(f"({part.format(where=where)})" for part in parts)
    order = "unit_price, id" if price else "distance, id"
    return (
        f"SELECT id, unit_price, ST_Distance(geog, {_HERE}) AS distance FROM ({union}) AS hits"
        f" ORDER BY {order} LIMIT %(limit)s"
    )


def prepare(database_url: str) -> None:
    """Install PostGIS if missing (the setup script) and build the reference tables if they do not match."""
    import psycopg

    subprocess.run(["bash", str(BENCH_DIR.parent / "scripts" / "ensure_postgis.sh")], check=True)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        listings = conn.execute("SELECT count(*) FROM listings_listing").fetchone()[0]
        built = conn.execute("SELECT to_regclass('bench_postgis_driver_area') IS NOT NULL").fetchone()[0]
        # The price filters read reference_price (listings migration 0015): a table without it is rebuilt.
        built = (
            built
            and conn.execute(
                "SELECT 1 FROM information_schema.columns"
                " WHERE table_name = 'bench_postgis_listing' AND column_name = 'reference_price'"
            ).fetchone()
        )
        if built and conn.execute("SELECT count(*) FROM bench_postgis_listing").fetchone()[0] == listings:
            return
        conn.execute("DROP TABLE IF EXISTS bench_postgis_listing, bench_postgis_driver_area")
        conn.execute(
            "CREATE TABLE bench_postgis_listing AS SELECT id, kind, status, reference_price AS unit_price,"
            " reference_price, capacity,"
            " instant_book,"
            " min_units, max_units, advance_notice_hours,"
            " ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)::geography AS geog FROM listings_listing"
        )
        conn.execute("ALTER TABLE bench_postgis_listing ADD PRIMARY KEY (id)")
        conn.execute("CREATE INDEX bench_postgis_listing_geog ON bench_postgis_listing USING gist (geog)")
        # The buffer is a polygon drawn inside the circle (chords): 2% and 50 m larger, so it holds the
        # disk; the exact test is ST_DWithin on the spheroid.
        conn.execute(
            "CREATE TABLE bench_postgis_driver_area AS SELECT l.id AS listing_id, l.geog,"
            " d.service_radius_km * 1000 AS reach_m,"
            " ST_Buffer(l.geog, d.service_radius_km * 1020 + 50) AS area"
            " FROM bench_postgis_listing l JOIN listings_driverdetails d ON d.listing_id = l.id"
        )
        conn.execute("CREATE INDEX bench_postgis_driver_area_area ON bench_postgis_driver_area USING gist (area)")
        conn.execute("ALTER TABLE bench_postgis_driver_area ADD PRIMARY KEY (listing_id)")
        conn.execute("VACUUM ANALYZE bench_postgis_listing")
        conn.execute("VACUUM ANALYZE bench_postgis_driver_area")


class Reference:
    """PostGIS searches on their own connection (psycopg prepares a statement from its 5th run, as for any app)."""

    def __init__(self, database_url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(database_url, autocommit=True)
        # As the search's own connections are (POSTGRES_SESSION_OPTIONS): no JIT, no parallel workers.
        self.conn.execute("SET jit = off")
        self.conn.execute("SET max_parallel_workers_per_gather = 0")

    def search(self, query, now) -> list[tuple[int, float, float]]:
        """The page as (id, distance km, price): nearest first or cheapest first, by the query's sort."""
        from listings.search.query import kinds_of, price_kinds
        from listings.search.statements import named, where_filters

        kinds = price_kinds(query) if query.sort == "price" else kinds_of(query)
        where, params = named(*where_filters(query, kinds, now), "f")
        params |= {
            "lat": query.latitude,
            "lng": query.longitude,
            "radius_m": query.radius_km * 1000,
            "gate_m": query.radius_km * 1010,
            "limit": query.page_size,
            "candidates": 2 * query.page_size + 10,
        }
        rows = self.conn.execute(_statement(query, where), params).fetchall()
        return [(int(row[0]), row[2] / 1000, float(row[1])) for row in rows]

    def close(self) -> None:
        self.conn.close()


def agree(ours, reference, sort: str) -> bool:
    """Whether two pages are the same: the same listings in the same order, ties at equal distance aside.

    Nearest first: the same distances (within a centimetre), and the same listings at each
    distance but the last one's (a tie there may keep either). Cheapest first: the same ids in order.
    """
    ours_ids = [hit.listing_id for hit in ours]
    reference_ids = [row[0] for row in reference]
    if ours_ids == reference_ids:
        return True
    if sort == "price" or len(ours) != len(reference):
        return False
    if any(abs(hit.distance_km - row[1]) > 1e-5 for hit, row in zip(ours, reference, strict=True)):
        return False
    last = reference[-1][1]
    return {hit.listing_id for hit in ours if hit.distance_km < last - 1e-5} == {
        row[0] for row in reference if row[1] < last - 1e-5
    }
