"""Search compares prices across currencies: a reference price (millionths of a euro) replaces the unit price in
the cheapest-first indexes of listings and driver coverage.

Existing rows are priced at the rates shipped with Sharing (core/data); `manage.py load_rates` reprices
them when a newer day loads. The ROUND here is the database's, as in listings.prices.
"""

from decimal import Decimal

from django.conf import settings
from django.db import migrations, models
from django.db.models import BigIntegerField, F, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Round


def price_at_shipped_rates(apps, schema_editor):
    from core.money import currency_exponent
    from core.rates import REFERENCE_SCALE, SNAPSHOT, parse_ecb

    rates = parse_ecb(SNAPSHOT.read_bytes())
    Listing = apps.get_model("listings", "Listing")
    DriverCoverage = apps.get_model("listings", "DriverCoverage")
    for currency in Listing.objects.values_list("currency", flat=True).distinct():
        rate = rates.per_euro.get(currency.upper())
        if rate is None:
            continue
        factor = Value(Decimal(REFERENCE_SCALE) / (Decimal(10) ** currency_exponent(currency) * rate))
        Listing.objects.filter(currency=currency).update(
            reference_price=Cast(Round(F("unit_price") * factor), BigIntegerField())
        )
    DriverCoverage.objects.update(
        reference_price=Subquery(Listing.objects.filter(pk=OuterRef("listing_id")).values("reference_price")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("listings", "0014_car_deposit_amount"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="drivercoverage",
            name="driver_coverage_price_reach",
        ),
        migrations.RemoveIndex(
            model_name="listing",
            name="listing_coarse_price_covering",
        ),
        migrations.RemoveField(
            model_name="drivercoverage",
            name="unit_price",
        ),
        migrations.AddField(
            model_name="drivercoverage",
            name="reference_price",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="listing",
            name="reference_price",
            field=models.BigIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(price_at_shipped_rates, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="drivercoverage",
            index=models.Index(
                fields=["cell", "reference_price", "listing", "latitude", "longitude", "reach_km"],
                name="driver_coverage_ref_price",
            ),
        ),
        migrations.AddIndex(
            model_name="listing",
            index=models.Index(
                fields=["cell_coarse", "reference_price", "id", "latitude", "longitude", "kind", "status"],
                name="listing_coarse_reference_price",
            ),
        ),
    ]
