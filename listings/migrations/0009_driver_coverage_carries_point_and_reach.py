"""Driver coverage rows carry the driver's point and service radius, and the index carries them too.

Cheapest-first reads the drivers coming to the searcher's coverage cell in price order. A cover is
coarse (resolution-5 cells, ~8.5 km edges), so most drivers it finds do not reach the searcher; at
1,000,000 listings EXPLAIN showed the scan visiting ~1,000 listings (5,000 pages, 10 ms) to find 21
that do. With the point and radius on the index entry (PostgreSQL: INCLUDE), the reach check runs on
the index and only the drivers that pass are read. Existing rows are filled from their listings.
"""

from django.db import migrations, models

FILL = (
    "UPDATE listings_drivercoverage SET"
    " latitude = (SELECT l.latitude FROM listings_listing l WHERE l.id = listings_drivercoverage.listing_id),"
    " longitude = (SELECT l.longitude FROM listings_listing l WHERE l.id = listings_drivercoverage.listing_id),"
    " reach_km = COALESCE((SELECT d.service_radius_km FROM listings_driverdetails d"
    " WHERE d.listing_id = listings_drivercoverage.listing_id), 0)"
)


class Migration(migrations.Migration):
    dependencies = [
        ("listings", "0008_search_cells_default_statistics"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="drivercoverage",
            name="driver_coverage_cell_price",
        ),
        migrations.AddField(
            model_name="drivercoverage",
            name="latitude",
            field=models.FloatField(default=0),
        ),
        migrations.AddField(
            model_name="drivercoverage",
            name="longitude",
            field=models.FloatField(default=0),
        ),
        migrations.AddField(
            model_name="drivercoverage",
            name="reach_km",
            field=models.FloatField(default=0),
        ),
        migrations.RunSQL(FILL, reverse_sql=migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="drivercoverage",
            index=models.Index(
                fields=["cell", "unit_price", "listing"],
                include=("latitude", "longitude", "reach_km"),
                name="driver_coverage_cell_price",
            ),
        ),
    ]
