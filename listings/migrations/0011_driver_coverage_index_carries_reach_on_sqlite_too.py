"""The driver coverage index carries the driver's point and reach as key columns, on SQLite too.

0009 put them in the index as INCLUDE columns, which only PostgreSQL has: on SQLite each coverage
entry the cheapest-first scan passed over cost a read of its table row. In a rural coverage cell at
1,000,000 listings (3,400 entries, 141 drivers that reach the searcher) finding the cheapest 31
walked ~770 entries: 2.2 ms of a 3 ms search.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("listings", "0010_cheapest_first_index_carries_point_kind_status"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="drivercoverage",
            index=models.Index(
                fields=["cell", "unit_price", "listing", "latitude", "longitude", "reach_km"],
                name="driver_coverage_price_reach",
            ),
        ),
        migrations.RemoveIndex(
            model_name="drivercoverage",
            name="driver_coverage_cell_price",
        ),
    ]
