"""On PostgreSQL: per kind, a GiST index of active listings' (longitude, latitude) as a plain `point`, carrying
every column nearest first reads or filters on, so that its walk in distance order is an index-only scan.

Nearest first walked the geography indexes of migrations 0013 and 0018 (KNN) and visited the table
for every row (its point, kind and filters): at 1,000,000 listings a centre search read ~21 index
pages and ~31 table pages, against ~6 and ~31 at 100,000 (the geography index is built by inserting
one row after another, its pages overlap, and PostGIS's distance on it is lossy, so it can never be
an index-only scan), and the table pages no longer fit in shared buffers: the p95 grew 1.7-2.3x from
100,000 to 1,000,000 listings (issue 23). PostgreSQL's own `point` GiST is built sorted (packed pages),
its KNN distance is exact, and it returns its rows: the same search reads ~7-8 index pages and no
table page at either size. Its order is the plain distance in degrees, which listings.search.nearest
turns into a rigorous lower bound of the geodesic. The kinds and status are the index's condition,
as in 0018 and 0021. SQLite keeps the cell index alone; this migration does nothing there.
"""

from django.db import migrations

KINDS = ("room", "car", "driver")
CARRIED = (
    "id, latitude, longitude, kind, reference_price, capacity, instant_book, min_units, max_units, advance_notice_hours"
)


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for kind in KINDS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS listing_planar_active_{kind} ON listings_listing"
            f" USING gist ((point(longitude, latitude))) INCLUDE ({CARRIED})"
            f" WHERE kind = '{kind}' AND status = 'active'"
        )


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for kind in KINDS:
        schema_editor.execute(f"DROP INDEX IF EXISTS listing_planar_active_{kind}")


class Migration(migrations.Migration):
    dependencies = [
        ("listings", "0021_box_indexes_for_sparse_cheapest_first"),
    ]

    operations = [migrations.RunPython(create, drop)]
