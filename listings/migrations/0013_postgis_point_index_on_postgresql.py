"""On PostgreSQL: PostGIS, and a GiST index on each listing's point as a geography.

Nearest-first on PostgreSQL walks this index in distance order (KNN, see listings.search.nearest),
and cheapest-first reads a sparse circle whole through it (listings.search.cheapest): issue 25
measured PostGIS's KNN 2.8-4.1x faster than the H3 rings. SQLite keeps the cell index alone; this
migration does nothing there. The index
is on an expression of latitude and longitude, so the model and its writes are unchanged. PostGIS
comes from Debian's postgresql-15-postgis-3 (scripts/ensure_postgis.sh installs it).
"""

from django.db import migrations

POINT = "(ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)::geography)"


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")
        if cursor.fetchone() is None:
            raise RuntimeError(
                "Search on PostgreSQL needs PostGIS, which this server does not have: install it with"
                " scripts/ensure_postgis.sh (Debian's postgresql-15-postgis-3) and migrate again."
            )
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS listing_point ON listings_listing USING gist ({POINT})"
    )


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS listing_point")


class Migration(migrations.Migration):
    dependencies = [
        ("listings", "0012_listing_booking_horizon"),
    ]

    operations = [migrations.RunPython(create, drop)]
