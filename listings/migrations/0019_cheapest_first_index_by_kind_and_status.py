"""Cheapest-first walks an index of (cell, kind, status, reference price): one kind's prices, without the others'.

Cheapest first compares one kind at a time (listings.search.query.price_kinds), but its index was in
price order across every kind, with the kind and status checked on each entry. Rooms are dearer than
cars and drivers (per night against per hour), so a scan for the cheapest rooms walked past nearly
every car and driver of the cell priced below them: at 1,000,000 listings ~20,000 entries for a page
of 21 rooms in a city centre, ten times as many as at 100,000 (the p95 grew 3-4x, issue 21). With the
kind and status before the price, a scan reads the matching kind's active listings alone.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("listings", "0018_partial_point_indexes_for_rooms_and_cars"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="listing",
            index=models.Index(
                fields=["cell_coarse", "kind", "status", "reference_price", "id", "latitude", "longitude"],
                name="listing_coarse_kind_price",
            ),
        ),
        migrations.RemoveIndex(
            model_name="listing",
            name="listing_coarse_reference_price",
        ),
    ]
