"""On PostgreSQL, the database itself forbids two overlapping slot-holding bookings of one listing.

The listing's calendar (listings_busyperiod) already has the same rule; this one
guards the bookings table too, so a code path that forgets the calendar still
cannot double-book. SQLite has no range types: there the locked check in the
services (IMMEDIATE transactions) is the rule.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE bookings_booking ADD CONSTRAINT booking_no_overlap
    EXCLUDE USING gist (listing_id WITH =, tstzrange("start", "end", '[)') WITH &&)
    WHERE (status IN ('confirmed', 'in_progress', 'completed', 'disputed'));
"""
DROP = "ALTER TABLE bookings_booking DROP CONSTRAINT IF EXISTS booking_no_overlap;"


def create_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial"), ("listings", "0002_busy_period_exclusion_constraint")]
    operations = [migrations.RunPython(create_constraint, drop_constraint)]
