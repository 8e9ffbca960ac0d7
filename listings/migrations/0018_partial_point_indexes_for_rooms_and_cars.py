"""On PostgreSQL: GiST indexes on the points of active rooms alone and of active cars alone.

Nearest-first for one kind walked the index of every listing in distance order (migration 0013) and
threw away the other kinds' rows on the way: at 1,000,000 listings, rooms-only searches were 1.0-1.3x
slower than PostGIS's reference (whose table holds rooms and cars only; issue 25). A partial index
holds only the rows such a search can return, so its walk reads none it throws away. The searches
write the status and kinds as constants (listings.search.statements.where_filters), so that even a
prepared statement's generic plan proves the index's condition. SQLite keeps the cell index alone.
"""

from django.db import migrations

POINT = "(ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)::geography)"
KINDS = ("room", "car")


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for kind in KINDS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS listing_point_active_{kind} ON listings_listing USING gist ({POINT})"
            f" WHERE kind = '{kind}' AND status = 'active'"
        )


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for kind in KINDS:
        schema_editor.execute(f"DROP INDEX IF EXISTS listing_point_active_{kind}")


class Migration(migrations.Migration):
    dependencies = [
        ("listings", "0017_car_refuel_price"),
    ]

    operations = [migrations.RunPython(create, drop)]
