"""On PostgreSQL: a change to a listing's details or photos also updates the listing's row (its `updated_at`).

A search card shows the listing's row, its kind's details and its photos. The search API keeps the
cards' rows per web process and, when most of a page is kept, asks PostgreSQL only whether each row's
version (its `xmin`, the transaction that wrote it) is still the one kept (listings.cards). A listing's
own changes give its row a new version; with these triggers, so do its details' and photos' changes,
however they are written (services, the admin, a bulk statement). Statement-level triggers: a bulk load of many
details rows touches their listings in one UPDATE, not one each.

Every writer of listings.services and listings.photos locks the listing's row first, so the touch
waits on no other lock. SQLite has no row versions to compare and always reads the rows: nothing here.
"""

from django.db import migrations

PARTS = ("listings_roomdetails", "listings_cardetails", "listings_driverdetails", "listings_listingphoto")

TOUCH = """
CREATE OR REPLACE FUNCTION listings_touch_listing() RETURNS trigger AS $$
BEGIN
    UPDATE listings_listing SET updated_at = clock_timestamp()
    WHERE id IN (SELECT listing_id FROM changed_rows);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

# An update could move a part to another listing (none does): both listings change.
TOUCH_MOVED = """
CREATE OR REPLACE FUNCTION listings_touch_listings_moved() RETURNS trigger AS $$
BEGIN
    UPDATE listings_listing SET updated_at = clock_timestamp()
    WHERE id IN (SELECT listing_id FROM old_rows UNION SELECT listing_id FROM new_rows);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def _triggers(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_touch_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS changed_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION listings_touch_listing();",
        f"CREATE TRIGGER {table}_touch_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS changed_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION listings_touch_listing();",
        f"CREATE TRIGGER {table}_touch_update AFTER UPDATE ON {table}"
        " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
        " FOR EACH STATEMENT EXECUTE FUNCTION listings_touch_listings_moved();",
    ]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(TOUCH)
    schema_editor.execute(TOUCH_MOVED)
    for table in PARTS:
        for statement in _triggers(table):
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in PARTS:
        for event in ("insert", "delete", "update"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_touch_{event} ON {table};")
    schema_editor.execute("DROP FUNCTION IF EXISTS listings_touch_listing();")
    schema_editor.execute("DROP FUNCTION IF EXISTS listings_touch_listings_moved();")


class Migration(migrations.Migration):
    dependencies = [("listings", "0026_mercator_quadtrees_for_nearest_first")]

    operations = [migrations.RunPython(create, drop)]
