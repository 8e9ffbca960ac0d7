"""On PostgreSQL: per kind, a GiST index of active listings' plain (longitude, latitude) points carrying what
cheapest first reads, so that a sparse circle is answered from the index alone.

Cheapest first in the countryside reads every room (or car, or driver) near the searcher and sorts them
by price (listings.search.cheapest). It read them through the geography index of migration 0018: a
walk of 3-D boxes (85 index pages for ~200 rows in a rural circle at 1,000,000 listings) and a visit of
the table for each row; at 1,000,000 listings it was 1.02-1.08x slower than PostGIS's reference (issue
25). A 2-D box of longitudes and latitudes around the circle (rigorous on the ellipsoid, see
cheapest) finds the same rows on a flat index, and INCLUDE makes it an index-only scan (13 pages for
the same circle, a third of the time). The kinds and status are the index's condition, as in 0018.
"""

from django.db import migrations

KINDS = ("room", "car", "driver")


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for kind in KINDS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS listing_box_active_{kind} ON listings_listing"
            " USING gist ((ST_MakePoint(longitude, latitude))) INCLUDE (reference_price, id, latitude, longitude)"
            f" WHERE kind = '{kind}' AND status = 'active'"
        )


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for kind in KINDS:
        schema_editor.execute(f"DROP INDEX IF EXISTS listing_box_active_{kind}")


class Migration(migrations.Migration):
    dependencies = [
        ("listings", "0020_text_language"),
    ]

    operations = [migrations.RunPython(create, drop)]
