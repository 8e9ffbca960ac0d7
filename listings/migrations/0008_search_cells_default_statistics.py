"""Search cells back to the default statistics target on PostgreSQL.

Migration 0006 raised it to 2000 so that per-cell price queries, planned with the cell as a
constant, saw dense cells. The planner then read and decompressed those 2000-value lists for
every cell condition of every search, and a search names up to ~40 cells: planning took longer
than running (EXPLAIN: 12-18 ms planning vs 1-9 ms execution for a countryside cheapest-first
search). Price order now walks each cell's (cell, price, id) index through one LATERAL query
whose plan does not depend on per-cell counts, so the long lists only cost time.
"""

from django.db import migrations

CELL_COLUMNS = ("cell_fine", "cell_mid", "cell_coarse")


def set_statistics(target: int):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for column in CELL_COLUMNS:
            schema_editor.execute(f"ALTER TABLE listings_listing ALTER COLUMN {column} SET STATISTICS {target}")
        # Replace the long lists now rather than at autovacuum's next visit.
        schema_editor.execute("ANALYZE listings_listing")

    return run


class Migration(migrations.Migration):
    dependencies = [("listings", "0007_listing_reports")]

    operations = [migrations.RunPython(set_statistics(-1), set_statistics(2000))]
