"""On PostgreSQL: nearest first walks SP-GiST (quadtree) indexes of the plain `point`s instead of 0022's GiSTs.

Same key, same rows (active listings of one kind), same columns carried for an index-only scan, so the
statements of listings.search.nearest are unchanged; only the tree differs. 0022's GiSTs were built
sorted along a Z-order curve: a leaf page holding a jump of the curve has a box far larger than its
points, and the walk in distance order visits every page whose box comes near the searcher. The deeper
the curve's hierarchy (the more rows), the more such pages a point lies in: a rooms-only page in a dense
centre read 7 index pages at 100,000 listings and 18 at 1,000,000 (0.17 against 0.35 ms in the server),
and the p95 grew 1.4-1.6x from one size to the other (issues 23, 25). A quadtree partitions the plane, so
no two of its nodes overlap: the same page reads 10 index pages at both sizes, 0.11 ms at both.

Built CONCURRENTLY (a production table stays writable while each index is built), so outside a
transaction. SQLite keeps the cell index alone; this migration does nothing there.
"""

import importlib

from django.db import migrations

_GIST = importlib.import_module("listings.migrations.0022_planar_point_indexes_for_nearest_first")


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for kind in _GIST.KINDS:
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS listing_quadtree_active_{kind} ON listings_listing"
            f" USING spgist ((point(longitude, latitude))) INCLUDE ({_GIST.CARRIED})"
            f" WHERE kind = '{kind}' AND status = 'active'"
        )
    for kind in _GIST.KINDS:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS listing_planar_active_{kind}")


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    _GIST.create(apps, schema_editor)
    for kind in _GIST.KINDS:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS listing_quadtree_active_{kind}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("listings", "0024_field_names"),
    ]

    operations = [migrations.RunPython(create, drop)]
