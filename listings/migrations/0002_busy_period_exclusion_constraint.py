"""On PostgreSQL, the database itself forbids two overlapping busy periods of one listing.

The constraint is created with SQL rather than declared in Meta.constraints
because SQLite has no range types; there the services' locked check is the rule.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE listings_busyperiod ADD CONSTRAINT busy_period_no_overlap
    EXCLUDE USING gist (listing_id WITH =, tstzrange("start", "end", '[)') WITH &&);
"""
DROP = "ALTER TABLE listings_busyperiod DROP CONSTRAINT IF EXISTS busy_period_no_overlap;"


def create_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("listings", "0001_initial")]
    operations = [migrations.RunPython(create_constraint, drop_constraint)]
