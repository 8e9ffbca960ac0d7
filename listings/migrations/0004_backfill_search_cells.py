"""Fill the search cells and driver coverage of listings created before the columns existed."""

from django.db import migrations


def backfill(apps, schema_editor):
    from listings.geo import cells_for, driver_coverage_cells

    Listing = apps.get_model("listings", "Listing")
    DriverCoverage = apps.get_model("listings", "DriverCoverage")
    for listing in Listing.objects.all().iterator():
        listing.cell_fine, listing.cell_mid, listing.cell_coarse = cells_for(listing.latitude, listing.longitude)
        listing.save(update_fields=["cell_fine", "cell_mid", "cell_coarse"])
        details = getattr(listing, "driver", None) if listing.kind == "driver" else None
        if details is not None:
            DriverCoverage.objects.bulk_create(
                [
                    DriverCoverage(listing_id=listing.pk, cell=cell)
                    for cell in driver_coverage_cells(listing.latitude, listing.longitude, details.service_radius_km)
                ],
                ignore_conflicts=True,
            )


class Migration(migrations.Migration):
    dependencies = [("listings", "0003_search_cells_and_ratings")]
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
